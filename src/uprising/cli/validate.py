"""``uprising validate``: an ensemble of an episode, model beside record (validation.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from uprising.cli.check import require_sound
from uprising.cli.app import SetOption, app, print_table, stderr, stdout
from uprising.errors import UserError
from uprising.output import write_json
from uprising.scenarios import parse_assignments


@app.command("validate")
def validate_command(
    scenario: Annotated[str, typer.Argument(metavar="EPISODE", help="An episode: a shipped name (see `uprising scenarios`), a folder, or its scenario.toml.")],
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Runs in the ensemble (seeds spawned from --seed).")] = 20,
    scale: Annotated[float | None, typer.Option("--scale", min=1e-6, max=1.0, help="Agents per person (default: the scenario's).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed; run seeds are spawned from it.")] = 2003,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: up to 2).")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for validation.json (default: results/validate-<scenario>).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any target is missed (after writing everything).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run an ensemble; print and write validation.json: the record's targets (met or missed), the
    outcome beside the record, and proper scores beside a naive baseline's."""
    require_sound(scenario)  # an episode folder: every problem of its files, exit 2 (uprising check)
    from uprising.experiments.validation import validate
    from uprising.scenarios import load_scenario

    overrides = dict(parse_assignments(set_ or []))
    resolved = load_scenario(scenario, overrides or None)
    if resolved.world is None:
        raise UserError(scenario, "scenario.model", f"validate needs an episode (model 'places'), not '{resolved.scenario.model}'")
    out_dir = out if out is not None else Path("results") / f"validate-{resolved.scenario.name}"
    progress = Progress(TextColumn("validate"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=stderr, transient=True, disable=quiet)
    with progress:
        task = progress.add_task("runs", total=runs)
        result = validate(scenario, runs=runs, scale=scale, overrides=overrides, root_seed=seed, workers=workers,
                          progress=lambda done, total: progress.update(task, completed=done))
    path = write_json(out_dir / "validation.json", result)
    from uprising.cli.report import write_report_quietly

    report = write_report_quietly(out_dir)
    if not quiet:
        print_validation(result, f"{resolved.scenario.name}: {runs} runs")
        stdout.print(f"wrote {path}", markup=False)
        if report is not None:
            stdout.print(f"report: {report}", markup=False)
    if strict and not result["targets_met"]:
        missed = [t["name"] for t in result["targets"] if not t["met"]]
        stderr.print(f"validate --strict: {len(missed)} target(s) missed: {', '.join(missed)}", markup=False)
        raise typer.Exit(1)


def print_validation(result: dict, title: str) -> None:
    """The targets, the outcome beside the record, and the scores beside the baseline's. Shares have two
    decimals; medians (deaths, days) are written as on every page (report.sections.fmt_median)."""
    from uprising.report.sections import fmt_median

    def f(x, fmt="{:.2f}"):
        return "—" if x is None else fmt.format(x) if isinstance(x, (int, float)) else str(x)

    rec = result["record"]
    table = Table(title=title, show_lines=False)
    for col in ("target", "model", "wanted", "met"):
        table.add_column(col)
    for t in result["targets"]:
        name = t["name"] if t.get("headline", True) else f"{t['name']} (known miss)"
        value = f(t["value"]) if str(t.get("measure", "")).endswith("_share") else fmt_median(t["value"])
        table.add_row(name, value, t["target"], "yes" if t["met"] else "[bold red]no[/]")
    print_table(table)
    outcome = Table(title="outcome beside the record", show_lines=False)
    for col in ("measure", "model", "record"):
        outcome.add_column(col)
    outcome.add_row("resigned (share of runs)", f(result["resigned_share"]), "yes" if rec["resigned"] else "no")
    outcome.add_row("resignation date median [min, max]",
                    f"{result['resignation_date_median']} [{result['resignation_date_min']}, {result['resignation_date_max']}]"
                    if result["resignation_date_median"] else "—",
                    f(rec["resignation_date"]))
    outcome.add_row("deaths median [p10, p90]",
                    f"{fmt_median(result['deaths_median'])} [{fmt_median(result['deaths_p10'])}, {fmt_median(result['deaths_p90'])}]",
                    "{:g}-{:g}".format(*rec["deaths"]))
    outcome.add_row("share of deaths in " + ", ".join(rec["deaths_area"] or ["the capital"]),
                    f(result["capital_death_share"]), f(rec["capital_death_share"]))
    print_table(outcome)
    if "scores" in result:
        sc = Table(title="scores (lower is better) beside the baseline: " + result["baseline"]["name"], show_lines=False)
        for col in ("score", "model", "baseline"):
            sc.add_column(col)
        clim = result.get("climatology", {})
        sc.add_column("other episodes")
        for k, v in result["scores"].items():
            if not k.startswith("skill"):
                sc.add_row(k, f(v, "{:.3f}"), f(result["baseline"].get(k), "{:.3f}"), f(clim.get(k), "{:.3f}"))
        skill = result["scores"]["skill"]
        vs = result["scores"].get("skill_vs_climatology")
        sc.add_row("composite skill (1 - model/baseline, mean)", f(skill["value"], "{:.3f}"), "0",
                   f(vs["value"], "{:.3f}") if vs else "—")
        print_table(sc)
