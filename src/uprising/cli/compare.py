"""``uprising compare``: a counterfactual, baseline vs variant, with common random numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import SetOption, app, stdout
from uprising.cli.sweep import SchedulerOption, WorkersOption


@app.command("compare")
def compare_command(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario name or a .toml path: the baseline.")],
    set_: SetOption = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=2, help="Runs per arm (pairs with common seeds).")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed; pair i runs with SeedSequence(seed).spawn(runs)[i].")] = 0,
    steps: Annotated[int | None, typer.Option("--steps", min=0, help="Periods per run (default: the scenario's).")] = None,
    base_set: Annotated[list[str] | None, typer.Option("--base-set", metavar="KEY=VALUE",
                                                       help="Change both arms (repeatable).")] = None,
    output: Annotated[list[str] | None, typer.Option("--output", help="An output to compare (repeatable; default: "
                                                     "mean active, peak, outbursts, jailed, ...).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where compare.csv/.parquet and compare.png go "
                                             "(default: results/compare-<scenario>).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    pin_: Annotated[list[str] | None, typer.Option("--pin", metavar="\"KIND DATE\"",
                                                   help="Add an exogenous decision to the variant (repeatable), e.g. "
                                                   "\"concession YYYY-MM-DD\": the actors answer it.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run SCENARIO as it is and with the --set changes, --runs times each with common random numbers;
    print the differences with 95% confidence intervals and plot both ensembles."""
    from uprising.cli.results import print_frame
    from uprising.experiments.compare import compare
    from uprising.scenarios import load_scenario, parse_assignments

    changes = dict(parse_assignments(set_ or []))
    base_overrides: dict[str, object] = dict(parse_assignments(base_set or []))
    if steps is not None:
        base_overrides["scenario.steps"] = steps
    base = load_scenario(scenario, base_overrides or None)
    name = base.scenario.name
    if pin_:
        from uprising.experiments.compare import pin

        for text in pin_:
            base_with = load_scenario(base, changes or None)
            changes["events"] = pin(base_with, text)["events"]
    out_dir = out if out is not None else Path("results") / f"compare-{name}"
    result = compare(scenario, changes, runs=runs, seed=seed, base_overrides=base_overrides, outputs=output,
                     workers=workers, scheduler=scheduler, out=out_dir, progress=not quiet)
    shown = {k: (f"{len(v)} events, pinned: {'; '.join(pin_ or [])}" if k == "events" else v) for k, v in changes.items()}
    stdout.print(f"{name}: variant {', '.join(f'{k}={v}' for k, v in shown.items())} vs baseline, "
                 f"{runs} pairs with common seeds (difference = variant - baseline, 95% CI)", markup=False)
    print_frame(result.table)
    if "resignation_day" in result.table["output"].to_list():
        start = load_scenario(scenario, base_overrides or None).model_dump().get("world", {}).get("start")
        stdout.print(f"resignation_day: days after the start ({start}) in runs that resigned; "
                     "resigned: the share of runs", markup=False)
    failed = int((result.runs["status"] != "ok").sum())
    if failed:
        stdout.print(f"{failed} runs failed and were left out (their pairs too); see {result.paths['runs']}", markup=False)
    stdout.print(f"wrote {', '.join(str(p) for p in result.paths.values())}", markup=False)
    from uprising.cli.report import write_report_quietly

    page = write_report_quietly(out_dir)
    if page is not None:
        stdout.print(f"report: {page}", markup=False)
