"""``uprising check PATH``: every problem of an episode folder, one line each, without running it.

``run`` and ``validate`` call :func:`require_sound` first, so a bad row of ``record_events.csv``
stops them before anything is built or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, err, stdout
from uprising.errors import UserError


def _folder_of(source: str) -> tuple[Path, Path | None] | None:
    """(episode folder, scenario file if not the folder's own) that ``source`` names, else None."""
    from uprising.scenarios.shipped import EPISODE_FILE, episode_folder

    folder = episode_folder(source)
    if folder is None:
        return None
    p = Path(source).expanduser()
    scenario = p if p.is_file() and p.name != EPISODE_FILE else None
    return folder, scenario


def require_sound(source: str) -> None:
    """For an episode folder (shipped name, folder, or its scenario file): print every problem on
    stderr and exit 2 if there is any. Any other scenario source is left to the loader."""
    found = _folder_of(source)
    if found is None:
        return
    from uprising.scenarios.check import check_folder

    problems = check_folder(*found)
    if problems:
        for p in problems:
            err(str(p))
        raise typer.Exit(UserError.exit_code)


@app.command("check")
def check_command(
    path: Annotated[str, typer.Argument(metavar="PATH", help="An episode folder, its scenario.toml, or a shipped episode's name.")],
) -> None:
    """Check a whole episode folder without running it: every file, row, date, place and reference.

    Prints every problem as file:line: field: message and exits 2 if there is any; otherwise one
    line with what was checked."""
    found = _folder_of(path)
    if found is None:
        from uprising.scenarios.shipped import shipped_episodes

        raise UserError(path, None, "not an episode folder (scenario.toml and places.csv) nor a shipped episode; "
                        f"shipped: {', '.join(shipped_episodes())}")
    from uprising.scenarios.check import check_folder, counts, tuned

    problems = check_folder(*found)
    if problems:
        for p in problems:
            err(str(p))
        err(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        raise typer.Exit(UserError.exit_code)
    rows = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts(found[0]).items())
    own = tuned(*found)
    shared = (f"; sets {len(own)} shared value{'s' if len(own) != 1 else ''} in the open: {', '.join(own)}" if own
              else "; data only")
    stdout.print(f"{path}: OK ({rows}; record.toml and scenario.toml sound{shared})", markup=False)
