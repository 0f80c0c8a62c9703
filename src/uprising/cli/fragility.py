"""``uprising fragility EPISODE``: does the fit hold under ±5 % of each calibrated value?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from uprising.cli.app import SetOption, app, print_table, stderr, stdout
from uprising.output import write_json
from uprising.scenarios import parse_assignments


@app.command("fragility")
def fragility_command(
    scenario: Annotated[str, typer.Argument(metavar="EPISODE", help="A shipped name, a folder or its scenario.toml.")],
    runs: Annotated[int, typer.Option("--runs", min=1, help="Seeds per variant (the same seeds in every variant).")] = 10,
    delta: Annotated[float, typer.Option("--delta", min=0.001, max=0.5, help="Relative change of each value.")] = 0.05,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed; run seeds are spawned from it.")] = 2003,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: up to 2).")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for fragility.json (default: results/fragility-<scenario>).")] = None,
) -> None:
    """Each [calibrated] value x (1 ± delta), common random numbers: how often the outcome flips,
    how deaths and the resignation date move (docs/validation.md)."""
    from uprising.experiments.fragility import calibrated_values, fragility
    from uprising.scenarios import load_scenario

    overrides = dict(parse_assignments(set_ or []))
    resolved = load_scenario(scenario, overrides or None)
    out_dir = out if out is not None else Path("results") / f"fragility-{resolved.scenario.name}"
    total = runs * (1 + 2 * len(calibrated_values(scenario)))
    progress = Progress(TextColumn("fragility"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=stderr, transient=True)
    with progress:
        task = progress.add_task("runs", total=total)
        result = fragility(scenario, runs=runs, delta=delta, root_seed=seed, overrides=overrides, workers=workers,
                           progress=lambda done, n: progress.update(task, completed=done))
    path = write_json(out_dir / "fragility.json", result)
    table = Table(title=f"{resolved.scenario.name}: {result['parameters']} calibrated values x (1 ± {delta:g}), "
                        f"{runs} seeds each; shipped: resigned {result['shipped']['resigned_share']:.2f}, "
                        f"deaths {result['shipped']['deaths_median']:.0f}")
    for col in ("value", "change", "outcome flips", "resigned", "deaths (median)", "Δ deaths", "Δ date (days)"):
        table.add_column(col)
    for r in result["rows"]:
        table.add_row(r["key"], f"{r['delta']:+.0%}", f"{r['flip_share']:.2f}", f"{r['resigned_share']:.2f}",
                      f"{r['deaths_median']:.0f}", f"{r['deaths_change']:+.1f}",
                      "—" if r["date_change"] is None else f"{r['date_change']:+.1f}")
    print_table(table)
    stdout.print(f"largest share of flipped outcomes: {result['max_flip_share']:.2f} "
                 f"({'holds' if result['holds'] else 'fragile'}: the target is <= 0.5)", markup=False)
    stdout.print(f"wrote {path}", markup=False)
