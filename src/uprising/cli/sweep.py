"""``uprising sweep``: every run of a sweep spec into a resumable results store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, stdout
from uprising.errors import UserError

WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Worker processes (default: the machine's cores; 1: this process). "
                 "With --scheduler local, the LocalCluster's workers."),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="ADDRESS|local",
                 help="Run on a Dask distributed cluster: a scheduler address (tcp://host:8786), or 'local' "
                 "for a LocalCluster of --workers processes."),
]


@app.command("sweep")
def sweep_command(
    spec: Annotated[Path, typer.Argument(help="A sweep spec (.toml), or the name of a shipped one (legitimacy-by-cops, "
                                         "...); see docs/experiments.md.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results store directory (default: results/<sweep name>).")] = None,
    seeds: Annotated[int | None, typer.Option("--seeds", min=1, help="Runs per point (default: the spec's seeds).")] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=0, help="Periods per run (default: the spec's steps, "
                                              "else the scenario's).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    new: Annotated[bool, typer.Option("--new", help="Set aside what the store holds (in DIR/previous/) and "
                                      "start over; needed when the spec changed.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run again the runs that failed before.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; print only the last line.")] = False,
) -> None:
    """Run every run of SPEC not yet in the store; rerun the same command to resume after a stop."""
    from uprising.experiments.spec import load_spec
    from uprising.experiments.sweep import run_sweep

    loaded = load_spec(spec, sweep={"seeds": seeds, "steps": steps})
    out_dir = out if out is not None else Path("results") / loaded.name
    if scheduler is None and workers is None:
        workers = None  # the machine's cores
    try:
        report = run_sweep(loaded, out_dir, workers=workers, scheduler=scheduler, new=new,
                           retry_failed=retry_failed, progress=not quiet)
    except OSError as e:
        raise UserError(str(e.filename or out_dir), None, f"cannot write: {e.strerror or e}") from None
    stdout.print(report.line(), markup=False)
    from uprising.cli.report import write_report_quietly

    page = write_report_quietly(out_dir)
    if page is not None:
        stdout.print(f"report: {page}", markup=False)
    if not quiet:
        stdout.print(f'query: uprising results {out_dir} "SELECT * FROM runs LIMIT 5"', markup=False)
        if report.failed:
            stdout.print(f'failures: uprising results {out_dir} "SELECT run_id, error FROM runs WHERE status = \'failed\'"',
                         markup=False)
