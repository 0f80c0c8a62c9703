"""``uprising sensitivity``: Sobol or Morris indices (SALib) of chosen outputs over a sweep spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.cli.sweep import SchedulerOption, WorkersOption


@app.command("sensitivity")
def sensitivity_command(
    spec: Annotated[Path, typer.Argument(help="A sweep spec with a [sample] table (method sobol, morris or lhs).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results store and outputs (default: results/<sweep name>).")] = None,
    output: Annotated[list[str] | None, typer.Option("--output", help="An output to analyse (repeatable; "
                                                     "default: the spec's [sensitivity] outputs).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    new: Annotated[bool, typer.Option("--new", help="Set aside another spec's results in --out and start over.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run (or resume) SPEC's sweep, then write sensitivity.parquet/.csv and sensitivity.png to --out."""
    from uprising.cli.results import print_frame
    from uprising.experiments.sensitivity import sensitivity
    from uprising.experiments.spec import load_spec

    loaded = load_spec(spec)
    out_dir = out if out is not None else Path("results") / loaded.name
    result = sensitivity(loaded, out_dir, outputs=output, workers=workers, scheduler=scheduler, new=new,
                         progress=not quiet)
    print_frame(result.table, limit=200)
    failed = f" ({result.failed} failed, left out)" if result.failed else ""
    stdout.print(f"{result.runs} runs{failed}; wrote {result.paths['table']}, {result.paths['csv']}, "
                 f"{result.paths['plot']}", markup=False)
    from uprising.cli.report import write_report_quietly

    page = write_report_quietly(out_dir)
    if page is not None:
        stdout.print(f"report: {page}", markup=False)
