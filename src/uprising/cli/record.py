"""``uprising record import FILE --format acled --episode PATH``: an ACLED export into the folder's
``record_events.csv`` (uprising.world.acled_import), daily deaths by place printed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.errors import UserError

record_app = typer.Typer(help="Bring a record of events into an episode folder.", no_args_is_help=True)
app.add_typer(record_app, name="record")

FORMATS = ("acled",)


@record_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The export to read (CSV).")],
    episode: Annotated[Path, typer.Option("--episode", metavar="PATH", help="The episode folder to write into.")],
    format_: Annotated[str, typer.Option("--format", metavar="acled", help="The export's format.")] = "acled",
    max_km: Annotated[float, typer.Option(
        "--max-km", min=0.0, help="Largest distance, km, at which an event is given to the nearest place when "
        "neither its name nor its region matches.")] = 50.0,
) -> None:
    """Write the --episode folder's record_events.csv from an ACLED export.

    Each event is matched to a place by name or alias, then region (admin1 = department), then the
    nearest place within --max-km. The old record_events.csv is kept as
    record_events.before-import.csv; unmatched events are listed in record_events.unmatched.csv."""
    if format_ not in FORMATS:
        raise UserError("--format", None, f"'{format_}' is not a known format; allowed: {', '.join(FORMATS)}")
    from uprising.world.acled_import import deaths_by_place, import_acled

    result = import_acled(file, episode, max_km=max_km)
    ms = result.matches
    how = {k: sum(1 for m in ms if m.how == k) for k in ("name", "region", "nearest")}
    stdout.print(f"{len(ms)} events from {file}: {how['name']} matched by name, {how['region']} by region, "
                 f"{how['nearest']} by nearest place, {len(result.unmatched)} unmatched", markup=False)
    table = deaths_by_place(ms)
    if table:
        stdout.print("deaths by date and place (ACLED fatalities):", markup=False)
        for (date, place), n in table.items():
            stdout.print(f"  {date.isoformat()}  {place or '(unmatched)'}: {n}", markup=False)
    else:
        stdout.print("no deaths in the export", markup=False)
    if result.backup is not None:
        stdout.print(f"kept the earlier record as {result.backup}", markup=False)
    stdout.print(f"wrote {result.written}", markup=False)
    if result.unmatched_file is not None:
        stdout.print(f"unmatched events: {result.unmatched_file}", markup=False)
