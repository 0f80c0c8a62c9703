"""``uprising effects``: backfire and concessions measured as effects (effects.json).

    uprising effects EPISODE --backfire YYYY-MM-DD --concession 0 --runs 20

Each ``--backfire DATE`` runs the episode as recorded and with no killings from DATE, each
``--concession NAME_OR_NUMBER`` as recorded and without that concession; pairs share their seeds
(common random numbers). See :mod:`uprising.experiments.effects`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from uprising.cli.app import SetOption, app, print_table, stderr, stdout
from uprising.errors import UserError
from uprising.output import write_json
from uprising.scenarios import parse_assignments


@app.command("effects")
def effects_command(
    scenario: Annotated[str, typer.Argument(metavar="EPISODE", help="An episode: a shipped name, a folder, or its scenario.toml.")],
    backfire: Annotated[list[str] | None, typer.Option("--backfire", metavar="DATE",
                                                       help="Measure the killings from DATE (YYYY-MM-DD) on against no killings from DATE (repeatable).")] = None,
    concession: Annotated[list[str] | None, typer.Option("--concession", metavar="NAME_OR_INDEX",
                                                         help="Measure a concession (its name, or its number among the concessions: 0 = the first) against none (repeatable).")] = None,
    runs: Annotated[int, typer.Option("--runs", min=2, help="Pairs of runs (common seeds) per effect.")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed; pair seeds are spawned from it.")] = 2003,
    window_days: Annotated[int, typer.Option("--window-days", min=1, help="Days of actives measured, from the day after the date.")] = 5,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: up to 2).")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for effects.json (default: results/effects-<episode>).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Measure backfire and concessions as effects: paired runs as recorded and counterfactual;
    print each measure's mean difference (recorded - counterfactual) with its 95% CI; write effects.json."""
    from uprising.experiments import effects

    overrides = dict(parse_assignments(set_ or []))
    sc, label, _record = effects.resolve(scenario, overrides)
    if not backfire and not concession:
        raise UserError(label, "--backfire", "give at least one --backfire DATE or --concession NAME_OR_INDEX")
    # every mistake surfaces before any run
    for d in backfire or []:
        effects.day_of_run(d, sc, label, "backfire")
    for c in concession or []:
        effects.find_concession(sc, c, label)
    out_dir = out if out is not None else Path("results") / f"effects-{sc.scenario.name}"
    common = dict(runs=runs, root_seed=seed, overrides=overrides, workers=workers, window_days=window_days)
    plans = [(f"backfire {d}", effects.backfire_effect, d) for d in backfire or []]
    plans += [(f"concession {c}", effects.concession_effect, c) for c in concession or []]
    results = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=stderr, transient=True, disable=quiet)
    with progress:
        for title, run, what in plans:
            task = progress.add_task(title, total=runs)
            results.append(run(scenario, what, **common,
                               progress=lambda done, total, task=task: progress.update(task, completed=done)))
            progress.remove_task(task)
    path = write_json(out_dir / "effects.json", {
        "kind": "effects", "episode": sc.scenario.name, "runs": runs, "root_seed": seed, "window_days": window_days,
        "overrides": overrides, "difference": "recorded - counterfactual", "effects": results})
    from uprising.cli.report import write_report_quietly

    report = write_report_quietly(out_dir)
    if not quiet:
        print_effects(results, f"{sc.scenario.name}: {runs} pairs with common seeds "
                               "(effect = recorded - counterfactual, 95% CI)")
        stdout.print(f"wrote {path}", markup=False)
        if report is not None:
            stdout.print(f"report: {report}", markup=False)


def title_of(result: dict) -> str:
    """A short name of an effect for the table: 'backfire D' or 'concession D'."""
    return f"{result['effect']} {result['date']}"


def print_effects(results: list[dict], title: str) -> None:
    """One table: effect, measure, both arms' means, the mean difference, its 95% CI, n; then one
    line per effect: what was changed, the window, the backfire verdict and the time taken."""

    def f(x: float | None) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"

    table = Table(title=title, show_lines=False)
    for col in ("what", "measure", "recorded", "counterfactual", "effect", "95% CI", "n"):
        table.add_column(col, justify="left" if col in ("what", "measure") else "right", no_wrap=True)
    for r in results:
        for k, row in enumerate(r["measures"]):
            table.add_row(title_of(r) if k == 0 else "", row["measure"], f(row["recorded"]), f(row["counterfactual"]),
                          f(row["effect"]), f"[{f(row['ci_low'])}, {f(row['ci_high'])}]", str(row["n"]),
                          end_section=k == len(r["measures"]) - 1)
    print_table(table)  # off a terminal: as wide as the table needs
    for r in results:
        what = (f"{r['backfire']} backfire" if r["effect"] == "backfire"
                else f"event {r['event']['index']}" + (f" {r['event']['name']!r}" if r["event"].get("name") else ""))
        stdout.print(f"{title_of(r)}: {r['arms']['counterfactual']} ({what}); actives in {', '.join(r['places'])} "
                     f"from {r['window'][0]} to {r['window'][1]}; {r['seconds']:.1f} s", markup=False)
