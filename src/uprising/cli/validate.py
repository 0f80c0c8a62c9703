"""``uprising validate``: an ensemble of a Bolivia scenario, model beside record (validation.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from uprising.cli.app import SetOption, app, stderr, stdout
from uprising.errors import UserError
from uprising.output import write_json
from uprising.scenarios import parse_assignments


@app.command("validate")
def validate_command(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="A Bolivia scenario (e.g. bolivia-2003) or a .toml path.")],
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs in the ensemble.")] = 20,
    scale: Annotated[float | None, typer.Option("--scale", min=1e-6, max=1.0, help="Agents per person (default: the scenario's).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed; run seeds are spawned from it.")] = 2003,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: up to 2).")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for validation.json (default: results/<scenario>).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run an ensemble; print and write validation.json: resignation date, deaths, capital share,
    phase order and backfire, beside the record."""
    from uprising.scenarios import load_scenario
    from uprising.world.validation import validate

    overrides = dict(parse_assignments(set_ or []))
    resolved = load_scenario(scenario, overrides or None)
    if resolved.scenario.model != "bolivia":
        raise UserError(scenario, "scenario.model", f"validate needs a bolivia scenario, not '{resolved.scenario.model}'")
    out_dir = out if out is not None else Path("results") / resolved.scenario.name
    progress = Progress(TextColumn("validate"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=stderr, transient=True, disable=quiet)
    with progress:
        task = progress.add_task("runs", total=runs)
        result = validate(scenario, runs=runs, scale=scale, overrides=overrides, root_seed=seed, workers=workers,
                          progress=lambda done, total: progress.update(task, completed=done))
    path = write_json(out_dir / "validation.json", result)
    from uprising.cli.report import write_report_quietly

    report = write_report_quietly(out_dir)
    if quiet:
        return
    table = Table(title=f"{resolved.scenario.name}: {runs} runs", show_lines=False)
    for col in ("measure", "model", "record", "target"):
        table.add_column(col)
    rec = result["record"]

    def f(x, fmt="{:.2f}"):
        return "—" if x is None else fmt.format(x)

    table.add_row("resigned (share of runs)", f(result["resigned_share"]), "yes", "")
    table.add_row("resignation 14-20 Oct (share)", f(result["resigned_in_window_share"]), "17 Oct", ">= 0.60")
    table.add_row("resignation date median [min, max]",
                  f"{result['resignation_date_median']} [{result['resignation_date_min']}, {result['resignation_date_max']}]",
                  rec["resignation_date"], "")
    table.add_row("deaths median [p10, p90]",
                  f"{f(result['deaths_median'], '{:.0f}')} [{f(result['deaths_p10'], '{:.0f}')}, {f(result['deaths_p90'], '{:.0f}')}]",
                  rec["deaths"], "40-120")
    table.add_row("share of deaths in El Alto and La Paz", f(result["capital_death_share"]), f"{rec['capital_death_share']:.2f}", ">= 0.50")
    table.add_row("phases in order (share)", f(result["phases_in_order_share"]), "in order", "high")
    table.add_row("backfire after 12-13 Oct (share)", f(result["backfire_share"]), "yes", "high")
    stdout.print(table)
    stdout.print(f"wrote {path}", markup=False)
    if report is not None:
        stdout.print(f"report: {report}", markup=False)
