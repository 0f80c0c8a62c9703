"""``uprising fit [EPISODE ...]``: one set of shared values for many episodes (a joint ABC-SMC)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import SetOption, app, err, print_table, stdout
from uprising.cli.sweep import SchedulerOption, WorkersOption
from uprising.scenarios import parse_assignments

EpisodesArg = Annotated[list[str] | None, typer.Argument(metavar="[EPISODE ...]", help="Shipped names or folders "
                                                         "(default: every shipped episode).", show_default=False)]
ParticlesOption = Annotated[int, typer.Option("--particles", min=2, help="Particles per generation.")]
GenerationsOption = Annotated[int, typer.Option("--generations", min=1, help="Generations (tolerances).")]
RunsPerEpisodeOption = Annotated[int, typer.Option("--runs-per-episode", min=1, help="Runs of each episode per particle.")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Root seed (proposals and run seeds).")]
BatchOption = Annotated[int | None, typer.Option("--batch", min=1, help="Proposals run between checkpoints "
                                                 "(default: twice the particles, at least 8).")]


def command_line(name: str, episodes: list[str], flags: dict[str, object], sets: list[str]) -> str:
    """The command as the [fit] table records it: episode names, not paths; no --out."""
    parts = ["uprising", name, *episodes]
    parts += [f"{k} {v}" for k, v in flags.items() if v is not None]
    parts += [f"--set {s}" for s in sets]
    return " ".join(parts)


def generation_line(what: str):
    return lambda g, n: err(f"{what}: generation {g} of {n} done")


@app.command("fit")
def fit_command(
    episodes: EpisodesArg = None,
    particles: ParticlesOption = 32,
    generations: GenerationsOption = 4,
    runs_per_episode: RunsPerEpisodeOption = 2,
    seed: SeedOption = 1,
    batch: BatchOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for fit.json, NAME.toml and the checkpoint; "
                                      "the same directory again continues an interrupted fit.")] = Path("results/fit"),
    name: Annotated[str, typer.Option("--name", help="The fit's name: OUT/NAME.toml, and world/fits/NAME.toml "
                                      "with --ship ('default' is what every episode takes).")] = "default",
    ship: Annotated[bool, typer.Option("--ship", help="Also write the fit into the package (world/fits/NAME.toml).")] = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
) -> None:
    """Fit the values of world/fitted_parameters.toml on the episodes together, in actors mode
    (ABC-SMC; the discrepancy: direction, deaths, fall date, route; docs/calibration.md). Runs on a
    local Dask cluster (--scheduler for another; -w 1 in this process) and resumes after a kill."""
    from uprising.experiments.fit import check_name, fit
    from uprising.scenarios.loader import FITS

    check_name(name)
    sets = list(set_ or [])
    overrides = dict(parse_assignments(sets))
    names = list(episodes or [])
    cmd = command_line("fit", [Path(e).name if ("/" in e or "\\" in e) else e for e in names],
                       {"--particles": particles, "--generations": generations, "--runs-per-episode": runs_per_episode,
                        "--seed": seed, "--name": name}, sets)
    result = fit(names or None, particles=particles, generations=generations, runs_per_episode=runs_per_episode,
                 seed=seed, out=out, name=name, overrides=overrides, workers=workers, scheduler=scheduler,
                 batch=batch, command=cmd, progress=generation_line("fit"),
                 on_batch=lambda text: err(f"fit: {text}"))
    post = result["posterior"]
    table = Table(title=f"joint fit on {len(result['episodes'])} episodes: {len(result['generations'])} generations, "
                        f"tolerance {post['tolerance']:.3g}, distance {result['distance']:.3g}")
    for col in ("", "5 %", "median", "95 %"):
        table.add_column(col)
    for key, q in post["parameters"].items():
        table.add_row(key, *(f"{v:.4g}" for v in q))
    print_table(table)
    path = out / f"{name}.toml"
    stdout.print(f"wrote {out / 'fit.json'} and {path}", markup=False)
    if ship:
        FITS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, FITS / f"{name}.toml")
        stdout.print(f"shipped as world/fits/{name}.toml (scenario.values = \"{name}\")", markup=False)
