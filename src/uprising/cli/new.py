"""``uprising new episode PATH``: a small runnable episode folder to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.errors import UserError
from uprising.output import write_text

new_app = typer.Typer(help="Start a new episode from a small runnable example.", no_args_is_help=True)
app.add_typer(new_app, name="new")

FILES = ("scenario.toml", "places.csv", "roads.csv", "paths.csv", "record.toml", "record_events.csv", "SOURCES.md")


def write_episode(path: Path) -> list[Path]:
    """Write the example three-place episode into ``path`` (a new or empty folder)."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(str(path), None, "exists and is not an empty folder; allowed: a new folder")
    path.mkdir(parents=True, exist_ok=True)
    template = resources.files("uprising").joinpath("templates", "episode")
    written = []
    for name in FILES:
        target = path / name
        write_text(target, template.joinpath(name).read_text(encoding="utf-8"))
        written.append(target)
    return written


@new_app.command("episode")
def new_episode_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The folder to create (new or empty).")],
) -> None:
    """Write a runnable three-place example episode (scenario, places, roads, paths, record) to PATH."""
    written = write_episode(path)
    stdout.print(f"wrote {len(written)} files to {path}: {', '.join(p.name for p in written)}", markup=False)
    stdout.print(f"run it: uprising run {path}; check it against its record: uprising validate {path}", markup=False)
