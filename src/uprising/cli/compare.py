"""``uprising compare``: a counterfactual, baseline vs variant, with common random numbers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import SetOption, app, print_table, stdout
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
    print_table(comparison_table(result.table))
    from uprising.experiments.intervals import is_yes_no

    if any(is_yes_no(o) for o in result.table["output"]):
        stdout.print("intervals: Student's t over the pairs; for yes/no outcomes (resigned, took_*) exact "
                     "(Clopper-Pearson on the discordant pairs); each within the quantity's range", markup=False)
    constant = {k: v for k, v in (result.constant or {}).items() if v is None or math.isfinite(v)}
    if constant:
        same = ", ".join(f"{k} {'(none)' if v is None else f'{v:g}'}" for k, v in constant.items())
        stdout.print(f"left out, the same in every run of both arms: {same}", markup=False)
    unpaired = [k for k, v in (result.constant or {}).items() if v is not None and not math.isfinite(v)]
    if unpaired:
        stdout.print(f"left out, no pair where both arms have a value: {', '.join(unpaired)}", markup=False)
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


def decimals(scale: float) -> int:
    """Decimals that show three significant digits of ``scale`` (0 to 4)."""
    if not math.isfinite(scale) or scale == 0:
        return 2
    return min(4, max(0, 2 - math.floor(math.log10(abs(scale)))))


def fmt(value: float | None, places: int | None = None) -> str:
    """A number rounded for reading: ``places`` decimals (default: three significant digits),
    thousands separated, "—" when missing, never "-0"."""
    if value is None or not math.isfinite(value):
        return "—"
    places = decimals(value) if places is None else places
    text = f"{value:,.{places}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def comparison_table(table) -> Table:
    """The comparison for reading: each row rounded to three significant digits of its larger mean."""
    out = Table(show_lines=False)
    for col in ("output", "baseline", "variant", "difference", "95% CI", "pairs"):
        out.add_column(col, justify="left" if col == "output" else "right", no_wrap=True)
    for r in table.iter_rows(named=True):
        means = [abs(v) for v in (r["baseline"], r["variant"]) if v is not None and math.isfinite(v)]
        places = decimals(max(means)) if means and max(means) > 0 else decimals(abs(r["difference"] or 0.0))
        out.add_row(r["output"], fmt(r["baseline"], places), fmt(r["variant"], places), fmt(r["difference"], places),
                    f"[{fmt(r['ci_low'], places)}, {fmt(r['ci_high'], places)}]", str(r["n"]))
    return out
