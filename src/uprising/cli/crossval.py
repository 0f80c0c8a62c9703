"""``uprising crossval [EPISODE ...] --out DIR``: leave one episode out; ``--predict`` from the shipped folds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import SetOption, app, err, print_table, stdout
from uprising.cli.fit import (BatchOption, EpisodesArg, GenerationsOption, ParticlesOption, RunsPerEpisodeOption,
                              SeedOption, command_line)
from uprising.cli.sweep import SchedulerOption, WorkersOption
from uprising.scenarios import parse_assignments


def _f(v, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}g}" if isinstance(v, float) else str(v)


@app.command("crossval")
def crossval_command(
    episodes: EpisodesArg = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for crossval.json, report.html and the folds' "
                                      "fits (folds/<episode>.toml); the same directory again continues.")] = Path("results/crossval"),
    method: Annotated[str, typer.Option("--method", help="rejection: one prior sample on every episode, ABC "
                                        "rejection per fold (the 90-minute budget); smc: an ABC-SMC fit per fold.")] = "rejection",
    particles: Annotated[int | None, typer.Option("--particles", min=2, help="rejection: value sets in the prior "
                                                  "sample (default 96); smc: particles per generation (default 8).")] = None,
    accept: Annotated[float, typer.Option("--accept", help="rejection: the share of the sample kept per fold.")] = 0.1,
    generations: GenerationsOption = 3,
    runs_per_episode: RunsPerEpisodeOption = 1,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs of each left-out episode (the prediction).")] = 20,
    seed: SeedOption = 1,
    batch: BatchOption = None,
    predict: Annotated[bool, typer.Option("--predict", help="Only the predictions, from fits already made "
                                          "(--folds; default: the package's world/fits/crossval/).")] = False,
    folds: Annotated[Path | None, typer.Option("--folds", help="With --predict: a directory of <episode>.toml "
                                               "fold fits (e.g. an earlier OUT/folds).")] = None,
    ship: Annotated[bool, typer.Option("--ship", help="Copy the folds' fits into the package (world/fits/crossval/).")] = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
) -> None:
    """For each episode, fit the shared values on all the others (uprising fit), then predict it:
    the share of runs in which the government falls, the date, the route and deaths, scored
    against the base rate and the climatology of the training episodes (docs/calibration.md)."""
    from uprising.experiments import crossval as cv

    sets = list(set_ or [])
    overrides = dict(parse_assignments(sets))
    names = list(episodes or [])
    say = lambda text: err(f"crossval: {text}")  # noqa: E731
    if predict:
        if ship:
            from uprising.errors import UserError

            raise UserError("--ship", None, "--predict fits nothing: there is nothing to ship")
        result = cv.predict(names or None, folds=folds or cv.SHIPPED_FOLDS, out=out, runs=runs, seed=seed,
                            overrides=overrides, workers=workers, scheduler=scheduler)
    else:
        if folds is not None:
            from uprising.errors import UserError

            raise UserError("--folds", str(folds), "only with --predict (a crossval writes its folds to OUT/folds)")
        particles = particles or (96 if method == "rejection" else 8)
        opts = ({"--method": method, "--particles": particles, "--accept": accept} if method == "rejection"
                else {"--method": method, "--particles": particles, "--generations": generations})
        cmd = command_line("crossval", [Path(e).name if ("/" in e or "\\" in e) else e for e in names],
                           {**opts, "--runs-per-episode": runs_per_episode, "--runs": runs, "--seed": seed}, sets)
        result = cv.crossval(names or None, out=out, particles=particles, generations=generations,
                             runs_per_episode=runs_per_episode, runs=runs, seed=seed, overrides=overrides,
                             workers=workers, scheduler=scheduler, batch=batch, command=cmd, progress=say,
                             method=method, accept=accept)
    table = Table(title=f"leave one out: {len(result['episodes'])} episodes, {result['runs']} runs each")
    for col in ("episode", "fell", "p fall", "fall date", "median", "route", "predicted", "deaths", "median"):
        table.add_column(col)
    for e in result["episodes"]:
        d = e["record_deaths"]
        table.add_row(e["name"], "yes" if e["record_fell"] else "no", _f(e["p_fall"], 2), e["record_fall_date"] or "—",
                      e["fall_date_median"] or "—", e["record_route"], e["route"] or "—",
                      f"{d[0]:g}-{d[1]:g}", _f(e["deaths_median"]))
    print_table(table)
    s = result["scores"]
    stdout.print(f"Brier {_f(s.get('brier'))} (base rate {_f(s.get('brier_base_rate'))}); CRPS log deaths "
                 f"{_f(s.get('crps_log_deaths'))} (climatology {_f(s.get('crps_log_deaths_climatology'))}); direction "
                 f"right {_f(s.get('direction_right_share'), 2)}; deaths within x3 {_f(s.get('deaths_within_factor_3_share'), 2)}",
                 markup=False)
    stdout.print(f"wrote {out / 'crossval.json'} and {out / 'report.html'}", markup=False)
    if ship:
        done = cv.ship(out)
        stdout.print(f"shipped {len(done)} fold fits to world/fits/crossval/", markup=False)
        joint = out / "joint.toml"
        if joint.is_file():
            from uprising.scenarios.loader import FITS

            import shutil

            shutil.copyfile(joint, FITS / "default.toml")
            stdout.print(f"shipped the joint fit to world/fits/default.toml (every episode's scenario.values)",
                         markup=False)
