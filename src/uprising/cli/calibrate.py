"""``uprising calibrate``: fit an episode to its record up to a date (Optuna), then forecast."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import SetOption, app, stdout
from uprising.cli.sweep import SchedulerOption, WorkersOption
from uprising.errors import UserError


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError("--until", text, "expected a date YYYY-MM-DD") from None


@app.command("calibrate")
def calibrate_command(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="An episode: a shipped name, a folder, or its scenario.toml.")],
    trials: Annotated[int, typer.Option("--trials", "-n", min=1, help="Trials the study should have in all "
                                        "(a rerun resumes up to this number).")] = 40,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help="Fit to the record up to this day "
                                              "(runs stop there); then forecast the rest.")] = None,
    storage: Annotated[str | None, typer.Option("--storage", metavar="URL", help="Optuna storage URL shared by "
                                                "workers (default: sqlite:///OUT/calibration.db).")] = None,
    study: Annotated[str | None, typer.Option("--study", help="Study name (default: SCENARIO-until-DATE).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", metavar="KEY=LOW:HIGH[:log]",
                                                    help="A parameter to fit and its range (repeatable; default: "
                                                    "five calibrated keys, see docs/calibration.md).")] = None,
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Runs per trial (the same seeds every trial).")] = 2,
    forecast_runs: Annotated[int, typer.Option("--forecast-runs", min=0, help="Full runs of the forecast ensemble.")] = 8,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Root seed (run seeds and the sampler).")] = 1,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory for calibration.json and the "
                                             "study database (default: results/calibrate-<scenario>).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fit the world's calibrated parameters to the record up to --until with Optuna; print the forecast after it."""
    from uprising.experiments.calibrate import calibrate, parse_param
    from uprising.scenarios import load_scenario, parse_assignments

    overrides = dict(parse_assignments(set_ or []))
    parameters = dict(parse_param(p) for p in param) if param else None
    name = load_scenario(scenario, overrides or None).scenario.name
    out_dir = out if out is not None else Path("results") / f"calibrate-{name}"
    r = calibrate(scenario, trials=trials, until=_parse_date(until), storage=storage, study_name=study,
                  parameters=parameters, seeds=seeds, forecast_runs=forecast_runs, seed=seed, out=out_dir,
                  workers=workers, scheduler=scheduler, overrides=overrides, progress=not quiet)
    p = stdout.print
    p(f"study '{r.study}' ({r.trials} trials) in {r.storage}", markup=False)
    parts = ", ".join(f"{k} {v:.3g}" for k, v in r.best_parts.items() if v is not None)
    p(f"best fit score {r.best_score:.3g} ({parts}) to the record up to {r.until or 'the end'}:", markup=False)
    for key, value in r.best_params.items():
        p(f"  {key} = {value:.4g}", markup=False)
    sh = r.shipped_score
    p(f"the shipped parameters score {sh['total']:.3g} on the same fit (deaths {sh['deaths']:.3g}, "
      f"phases {sh['phases']:.3g}, resignation {sh['resignation']:.3g})", markup=False)
    for label, fc in (("fitted", r.forecast), ("shipped", r.forecast_shipped)):
        if not fc:
            continue
        head = f"forecast after {r.until}" if r.until else "the whole period"
        p(f"{head}, {fc['runs']} fresh runs with the {label} parameters:", markup=False)
        if r.until:
            d = fc["deaths_after_until"]
            if d:
                p(f"  deaths after {r.until}: median {d['median']:.0f} [p10 {d['p10']:.0f}, p90 {d['p90']:.0f}]; "
                  f"record {fc['record_deaths_after_until']:.0f}", markup=False)
            p(f"  resigned by {r.until} (too early): {fc['resigned_by_until_share']:.0%} of runs", markup=False)
            for phase, v in fc["phases_after_until"].items():
                p(f"  {phase}: model median {v['model_median']} (reached in {v['reached_share']:.0%}); "
                  f"record {v['record']}", markup=False)
        v = fc["validation"]
        if v:
            p(f"  resignation: median {fc['resignation_median']} (record {fc['resignation_record']}); "
              f"in 14-20 Oct in {v['resigned_in_window_share']:.0%} of runs; resigned at all in {v['resigned_share']:.0%}",
              markup=False)
            t = fc["deaths_total"]
            p(f"  deaths in all: median {t['median']:.0f} [p10 {t['p10']:.0f}, p90 {t['p90']:.0f}]; record "
              f"{fc['deaths_total_record'][0]:.0f}-{fc['deaths_total_record'][1]:.0f}; capital share "
              f"{(v['capital_death_share'] or 0):.2f} (record 0.93); phases in order {v['phases_in_order_share']:.0%}",
              markup=False)
    p(f"wrote {r.paths['json']}", markup=False)
    from uprising.cli.report import write_report_quietly

    page = write_report_quietly(out_dir)
    if page is not None:
        p(f"report: {page}", markup=False)
