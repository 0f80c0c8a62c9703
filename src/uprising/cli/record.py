"""``uprising record import FILE --format acled --episode PATH`` (placeholder until the importer lands)."""

from __future__ import annotations

import typer

from uprising.cli.app import app

record_app = typer.Typer(help="Bring a record of events into an episode folder.", no_args_is_help=True)
app.add_typer(record_app, name="record")
