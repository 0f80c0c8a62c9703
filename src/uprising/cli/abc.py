"""``uprising abc EPISODE``: a posterior over the calibrated parameters (ABC-SMC)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import SetOption, app, print_table, stderr, stdout
from uprising.cli.calibrate import _parse_date
from uprising.scenarios import parse_assignments


@app.command("abc")
def abc_command(
    scenario: Annotated[str, typer.Argument(metavar="EPISODE", help="A shipped name, a folder or its scenario.toml.")],
    particles: Annotated[int, typer.Option("--particles", min=2, help="Particles per generation.")] = 20,
    generations: Annotated[int, typer.Option("--generations", min=1, help="Generations (tolerances).")] = 3,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help="Fit to the record up to this day.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", metavar="KEY=LOW:HIGH[:log]",
                                                    help="A parameter and its prior range (repeatable; default: "
                                                    "calibrate's five).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed (proposals and run seeds).")] = 1,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes.")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for abc.json (default: results/abc-<episode>).")] = None,
) -> None:
    """ABC-SMC (population Monte Carlo) with calibrate's discrepancy: weighted particles, 90 %
    credible intervals on the parameters and on deaths and the resignation date (docs/validation.md)."""
    from uprising.experiments.abc import abc_smc, write
    from uprising.experiments.calibrate import parse_param
    from uprising.scenarios import load_scenario

    overrides = dict(parse_assignments(set_ or []))
    name = load_scenario(scenario, overrides or None).scenario.name
    params = dict(parse_param(p) for p in param) if param else None
    result = abc_smc(scenario, particles=particles, generations=generations, until=_parse_date(until),
                     parameters=params, seed=seed, workers=workers, overrides=overrides,
                     progress=lambda g, n: stderr.print(f"abc: generation {g} of {n} done", markup=False))
    path = write(result, out if out is not None else Path("results") / f"abc-{name}")
    post = result["posterior"]
    table = Table(title=f"{name}: posterior after {len(result['generations'])} generations, "
                        f"tolerance {post['tolerance']:.3g}, {len(post['particles'])} particles")
    for col in ("", "5 %", "median", "95 %"):
        table.add_column(col)
    for key, q in post["parameters"].items():
        table.add_row(key, *(f"{v:.4g}" for v in q))
    table.add_row("deaths", *(f"{v:.0f}" for v in post["deaths"]))
    if "resignation_date" in post:
        table.add_row("resignation date", *post["resignation_date"])
    table.add_row("resigned (share)", "", f"{post['resigned']:.2f}", "")
    print_table(table)
    stdout.print(f"wrote {path}", markup=False)
