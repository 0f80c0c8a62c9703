"""``uprising report DIR``: write DIR/report.html for what DIR holds, and print its path.

A run's directory (classic, or an episode's), or an experiment's: validation (``uprising validate``),
sweep (``uprising sweep``), sensitivity, comparison (``uprising compare``), calibration. The page
is chosen by what the directory holds (``uprising.report.page_for``); docs/report.md shows each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.errors import UserError


def write_report_quietly(out_dir: Path, output: str | None = None) -> Path | None:
    """``uprising.report.write_report(out_dir)`` for commands that end with a report: its path, or
    None when the page cannot be made (the command's own files are written either way)."""
    try:
        from uprising.report import write_report

        return Path(write_report(out_dir, output))
    except ImportError:
        return None


@app.command("report")
def report_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A run's or an experiment's output directory.")],
    output: Annotated[str | None, typer.Option("--output", help="Sweeps: the output shown first (a runs column).")] = None,
) -> None:
    """Write DIR/report.html (one self-contained file) and print its path."""
    from uprising.report import write_report
    from uprising.report.experiments import experiment_kind

    if not directory.is_dir():
        raise UserError(str(directory), None, "no such directory; give a run's or an experiment's --out directory")
    if experiment_kind(directory) is None and not (directory / "summary.json").is_file():
        raise UserError(str(directory), None, "holds no run (summary.json) and no experiment (validation.json, "
                        "store.json, sensitivity.parquet, compare.parquet, calibration.json)")
    try:
        path = write_report(directory, output)
    except OSError as e:
        raise UserError(str(e.filename or directory), None, f"cannot write: {e.strerror or e}") from None
    stdout.print(f"report: {path}", markup=False)
