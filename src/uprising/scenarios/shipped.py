"""The shipped scenarios: the ``*.toml`` files of ``uprising.scenarios`` and the episode folders of
``uprising.episodes`` (each with its ``scenario.toml``), by name."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from uprising.errors import UserError


EPISODE_FILE = "scenario.toml"


def _shipped_dir():
    return resources.files("uprising.scenarios")


def _episodes_dir():
    return resources.files("uprising").joinpath("episodes")


def shipped_episodes() -> list[str]:
    """Names of the episode folders shipped with uprising (``uprising/episodes/<name>/``)."""
    return sorted(e.name for e in _episodes_dir().iterdir() if e.joinpath(EPISODE_FILE).is_file())


def shipped_names() -> list[str]:
    """Names of the shipped scenarios: the ``*.toml`` files of this package and the episode folders."""
    files = [
        entry.name[: -len(".toml")]
        for entry in _shipped_dir().iterdir()
        if entry.name.endswith(".toml") and not entry.name.startswith(("_", "."))
    ]
    return sorted(files + shipped_episodes())


def shipped_path(name: str) -> Path:
    """The file of the shipped scenario ``name``; :class:`UserError` if there is none."""
    if name in shipped_episodes():
        return Path(str(_episodes_dir() / name / EPISODE_FILE))
    if name in shipped_names():
        return Path(str(_shipped_dir() / f"{name}.toml"))
    raise _unknown_scenario(name, None, None)


def episode_folder(source: str | Path) -> Path | None:
    """The episode folder a source names (a shipped episode, a folder, or a folder's scenario.toml)."""
    if isinstance(source, str) and source in shipped_episodes():
        return shipped_path(source).parent
    p = Path(source).expanduser()
    if p.is_dir() and (p / EPISODE_FILE).is_file():
        return p
    if p.is_file() and (p.parent / "places.csv").is_file():
        return p.parent
    return None


def list_scenarios() -> list[tuple[str, str]]:
    """``(name, description)`` of every shipped scenario, sorted by name."""
    from uprising.scenarios.loader import load_scenario

    return [(name, load_scenario(name).scenario.description) for name in shipped_names()]


def _unknown_scenario(name: str, file: str | None, key: str | None) -> UserError:
    names = shipped_names()
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    what = f"unknown scenario '{name}'" if file else "unknown scenario"
    return UserError(
        file if file else name,
        key,
        f"{what}; {hint}shipped: {', '.join(names)} (see `uprising scenarios`), "
        "or give the path of a .toml file",
    )
