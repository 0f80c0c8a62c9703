"""The shipped scenarios: the ``*.toml`` files of ``uprising.scenarios`` and the episode folders of
``uprising.episodes`` (each with its ``scenario.toml``), by name."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
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


def classic_names() -> list[str]:
    """Names of the shipped scenarios that are not episode folders (the ``*.toml`` files)."""
    episodes = set(shipped_episodes())
    return [n for n in shipped_names() if n not in episodes]


@dataclass(frozen=True)
class EpisodeEntry:
    """One line of the library: an episode folder's country, period, outcome and deaths on record.

    Read from the folder's data (``scenario.toml`` ``[world]`` start and end, ``record.toml``), never
    typed: ``uprising scenarios`` and ``scripts/library_table.py`` both print it."""

    name: str
    title: str
    country: str
    country_code: str
    start: dt.date | None
    end: dt.date | None
    resigned: bool | None
    route: str
    fall_date: dt.date | None
    concession: str
    concession_date: dt.date | None
    deaths: tuple[float, float] | None

    @property
    def period(self) -> str:
        if self.start is None and self.end is None:
            return "—"
        return f"{self.start or '?'} to {self.end or '?'}"

    @property
    def outcome(self) -> str:
        """'fell by <route> on <date>' or 'survived', and the concession's date if the record has one."""
        if self.resigned is None:
            return "no record"
        text = f"fell by {self.route or 'resignation'} on {self.fall_date or '?'}" if self.resigned else "survived"
        if self.concession or self.concession_date:
            text += f", concession on {self.concession_date}" if self.concession_date else ", concession"
        return text

    @property
    def deaths_range(self) -> str:
        if self.deaths is None:
            return "—"
        low, high = self.deaths
        return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def episode_entry(folder: str | Path, name: str | None = None) -> EpisodeEntry:
    """The library line of the episode folder ``folder`` (its record is validated as ``validate`` reads it)."""
    import tomllib

    from uprising.world.history import has_record, load_record_file

    folder = Path(folder)
    try:
        world = tomllib.loads((folder / EPISODE_FILE).read_text(encoding="utf-8")).get("world", {})
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UserError(str(folder / EPISODE_FILE), None, f"cannot read it: {e}") from None
    start, end = (world.get(k) if isinstance(world.get(k), dt.date) else None for k in ("start", "end"))
    if not has_record(folder):
        return EpisodeEntry(name or folder.name, "", "", "", start, end, None, "", None, "", None, None)
    rec = load_record_file(folder)
    o = rec.outcome
    return EpisodeEntry(
        name=name or folder.name, title=rec.episode, country=rec.country, country_code=rec.country_code,
        start=start, end=end, resigned=o.resigned, route=o.route or "", fall_date=o.resignation_date,
        concession=o.concession, concession_date=o.concession_date, deaths=tuple(o.deaths),
    )


def list_episodes() -> list[EpisodeEntry]:
    """The library line of every shipped episode, sorted by name."""
    return [episode_entry(Path(str(_episodes_dir() / name)), name) for name in shipped_episodes()]


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
