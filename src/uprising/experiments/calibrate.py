"""Calibration of an episode to its record up to a date, then a forecast after it.

``uprising calibrate EPISODE --trials 40 --until YYYY-MM-DD`` fits the world's
``[calibrated]`` parameters (or those given with ``--param``) with Optuna's TPE sampler. Each
trial runs the scenario with ``--seeds`` seeds (the same seeds in every trial: common random
numbers) **only up to the end of ``--until``** — the model sees no more of October than the fit
does — and scores the runs against the record up to that date:

- deaths: the squared log-ratio of the model's cumulative deaths (people) to the record's
  (event midpoints of ``record_events.csv``), divided by 0.25 (a factor of e^0.5 ~ 1.6 costs 1);
- phases: for each phase of ``record.toml`` that began by ``--until`` (its date there),
  ``(min(|days early or late|, 14) / 7)^2``; a phase the model has not reached by then costs 4;
- resignation: before the record's resignation date, resigning by ``--until`` costs
  ``1 + (days early / 7)^2``; from that date on, the error of the date is scored like a phase's.
  Where the record has no resignation, any resignation by ``--until`` costs ``1 + (days before
  --until / 7)^2``.

The score is the mean over the seeds. Studies live in SQLite (``DIR/calibration.db``) by default,
so an interrupted calibration resumes: ``--trials`` is the total to reach. ``--storage`` takes
any Optuna database URL (``postgresql://...``), so workers on many machines can share one study
by running the same command.

After the fit, an ensemble of fresh seeds runs the **whole** period with the best parameters
(and with the shipped ones, for comparison), and reports how it does on the record *after*
``--until``: deaths after that date, the resignation date, the phases still to come, and the
validation measures of ``uprising.experiments.validation`` (its ``aggregate``). That is a forecast,
not a fit: nothing after ``--until`` entered the score.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import UserError
from uprising.experiments.spec import spawn_seeds

# The [calibrated] parameters of the world of places that drive the phases, deaths and the regime,
# with the ranges searched: key -> (low, high, log scale).
DEFAULT_PARAMETERS: dict[str, tuple[float, float, bool]] = {
    "world.coalition.tolerance_scale": (0.3, 10.0, True),
    "world.clashes.kill_per_soldier": (0.001, 0.015, True),
    "world.clashes.fire_ratio": (1.5, 8.0, True),
    "world.calls.threshold": (-0.2, 0.05, False),
    "world.supply.fuel_hardship": (0.05, 0.5, False),
}
MISSING_PHASE_COST = 4.0
CAP_DAYS = 14.0


# --------------------------------------------------------------------------------------------
# The record up to a date


@dataclass(frozen=True)
class FitRecord:
    """What the record says, as the objective uses it."""

    deaths_by_day: dict[dt.date, float]  # cumulative deaths (people) at the end of each event day
    phase_start: dict[str, dt.date]  # the record's phases (record.toml) but the resignation
    resignation: dt.date | None  # None: the government did not fall
    deaths_total: tuple[float, float]  # low, high (record.toml)
    history: Any = None  # the episode's record.toml (uprising.world.history.Record)

    def deaths_until(self, day: dt.date) -> float:
        known = [v for d, v in self.deaths_by_day.items() if d <= day]
        return max(known) if known else 0.0


def load_record(folder: str | Path) -> FitRecord:
    """The record of the episode in ``folder`` (``record.toml`` and ``record_events.csv``)."""
    from uprising.world.geography import record_deaths_by_date
    from uprising.world.history import load_record_file

    history = load_record_file(folder)
    daily = record_deaths_by_date(folder)
    cumulative = dict(zip(daily["date"].to_list(), np.cumsum(daily["deaths"].to_numpy()).tolist()))
    phase_start = {p.name: p.date for p in history.phases if p.signature.kind != "resignation"}
    o = history.outcome
    return FitRecord(cumulative, phase_start, o.resignation_date if o.resigned else None, tuple(o.deaths), history)


# --------------------------------------------------------------------------------------------
# One trial run (in a worker)


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)[:10]) if text else None


def outcome_chunk(payload: dict[str, Any], items: Sequence[tuple], threads: int | None = None) -> list[dict]:
    """Run ``items`` (``(key, seed, params)``) of the episode's scenario ``payload["base"]`` for
    ``payload["steps"]`` steps (None: the whole period); return what the objective and the
    forecast need, as plain data. A failed run is ``{"key", "seed", "error"}``."""
    from uprising.experiments.executors import _limit_threads
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    _limit_threads(threads)
    out = []
    for key, seed, params in items:
        try:
            sc = load_scenario(payload["base"], dict(params) or None)
            sim = Simulation(sc, seed=int(seed))
            sim.run(payload.get("steps"))
            s = sim.summary()
            ts = sim.timeseries()
            import polars as pl

            per_day = (ts.with_columns(day=pl.col("date").dt.date()).group_by("step", "day")
                       .agg(pl.col("dead").sum()).sort("step").group_by("day").agg(pl.col("dead").last()).sort("day"))
            out.append({
                "key": key, "seed": int(seed),
                "deaths_by_day": dict(zip(per_day["day"].to_list(), per_day["dead"].to_list())),
                "phase_dates": {k: _date(v) for k, v in (s.get("phase_dates") or {}).items()},
                **{k: s.get(k) for k in ("resigned", "resignation_date", "deaths_total", "capital_death_share",
                                         "phases_in_order", "backfire", "capital_fuel_short_days")},
            })
        except Exception as e:  # noqa: BLE001 - a failed run scores badly; the study goes on
            out.append({"key": key, "seed": int(seed), "error": f"{type(e).__name__}: {' '.join(str(e).split())}"})
    return out


# --------------------------------------------------------------------------------------------
# The objective


def score_run(run: Mapping[str, Any], record: FitRecord, until: dt.date) -> dict[str, float]:
    """The parts of the fit score of one run against the record up to ``until`` (see module doc)."""
    if "error" in run:
        return {"total": math.inf}
    by_day = run["deaths_by_day"]
    model_deaths = max([v for d, v in by_day.items() if d <= until], default=0.0)
    parts = {"deaths": (math.log1p(model_deaths) - math.log1p(record.deaths_until(until))) ** 2 / 0.25}
    phases = 0.0
    for phase, start in record.phase_start.items():
        if start > until:
            continue
        got = run["phase_dates"].get(phase)
        if got is None or got > until:
            phases += MISSING_PHASE_COST
        else:
            phases += (min(abs((got - start).days), CAP_DAYS) / 7.0) ** 2
    parts["phases"] = phases
    resigned = _date(run.get("resignation_date")) if run.get("resigned") else None
    if record.resignation is None:
        parts["resignation"] = 0.0 if resigned is None or resigned > until else 1.0 + ((until - resigned).days / 7.0) ** 2
    elif until < record.resignation:
        parts["resignation"] = 0.0 if resigned is None or resigned > until else 1.0 + ((record.resignation - resigned).days / 7.0) ** 2
    else:
        error = CAP_DAYS if resigned is None else min(abs((resigned - record.resignation).days), CAP_DAYS)
        parts["resignation"] = (error / 7.0) ** 2
    parts["total"] = parts["deaths"] + parts["phases"] + parts["resignation"]
    return parts


# --------------------------------------------------------------------------------------------
# The forecast


def forecast(runs: list[dict], record: FitRecord, until: dt.date | None, world=None) -> dict[str, Any]:
    """How full runs do on the record after ``until``, and the validation measures of the ensemble
    (with ``world``, the scenario's ``[world]``: its scores beside the baselines)."""
    from uprising.experiments import validation

    ok = [r for r in runs if "error" not in r]
    deaths = np.array([float(r["deaths_total"] or 0.0) for r in ok])
    out: dict[str, Any] = {"runs": len(ok), "failed": len(runs) - len(ok)}
    if until is not None:
        before = np.array([max([v for d, v in r["deaths_by_day"].items() if d <= until], default=0.0) for r in ok])
        after = deaths - before
        rec_total = record.deaths_until(dt.date.max)
        out["deaths_after_until"] = _spread(after)
        out["record_deaths_after_until"] = rec_total - record.deaths_until(until)
        out["resigned_by_until_share"] = float(np.mean([bool(r["resigned"]) and _date(r["resignation_date"]) <= until
                                                        for r in ok])) if ok else None
        phases = {}
        for phase, start in record.phase_start.items():
            if start <= until:
                continue
            got = [r["phase_dates"].get(phase) for r in ok]
            reached = [g for g in got if g is not None]
            phases[phase] = {
                "record": start.isoformat(),
                "model_median": _median_date(reached),
                "reached_share": len(reached) / len(ok) if ok else None,
            }
        out["phases_after_until"] = phases
    dates = [_date(r["resignation_date"]) for r in ok if r["resigned"]]
    out["resignation_median"] = _median_date(dates)
    out["resignation_record"] = record.resignation.isoformat() if record.resignation else None
    out["deaths_total"] = _spread(deaths)
    out["deaths_total_record"] = list(record.deaths_total)
    # The validation measures (uprising validate), on the same runs.
    keep = ("resigned", "resignation_date", "deaths_total", "capital_death_share", "phases_in_order", "backfire",
            "capital_fuel_short_days", "phase_date_errors")
    days = world.days if world is not None else None
    agg = validation.aggregate(record.history, [{k: r.get(k) for k in keep} for r in ok],
                               world.folder if world is not None else None, world.start if world else None,
                               days) if ok else {}
    out["validation"] = {k: v for k, v in agg.items() if k not in ("record",)}
    return out


def _spread(values: np.ndarray) -> dict[str, float] | None:
    if not len(values):
        return None
    return {"median": float(np.median(values)), "p10": float(np.percentile(values, 10)),
            "p90": float(np.percentile(values, 90))}


def _median_date(dates: list[dt.date]) -> str | None:
    if not dates:
        return None
    return dt.date.fromordinal(int(np.median([d.toordinal() for d in dates]))).isoformat()


# --------------------------------------------------------------------------------------------
# The study


@dataclass
class Calibration:
    best_params: dict[str, float]
    best_score: float
    best_parts: dict[str, float]
    shipped_score: dict[str, float]
    trials: int
    study: str
    storage: str
    until: str | None
    forecast: dict[str, Any] | None
    forecast_shipped: dict[str, Any] | None
    paths: dict[str, Path]

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items() if k != "paths"}


def parse_param(text: str) -> tuple[str, tuple[float, float, bool]]:
    """``key=low:high`` (``key=low:high:log`` for a log scale) -> (key, (low, high, log))."""
    key, sep, rng = text.partition("=")
    parts = rng.split(":")
    try:
        if not sep or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise UserError("--param", text or "''", "expected KEY=LOW:HIGH or KEY=LOW:HIGH:log, "
                        "e.g. --param world.clashes.fire_ratio=1.5:8:log") from None
    if not low < high:
        raise UserError("--param", key, f"low must be below high, got {low:g}:{high:g}")
    if len(parts) == 3 and low <= 0:
        raise UserError("--param", key, "a log scale needs low > 0")
    return key.strip(), (low, high, len(parts) == 3)


def calibrate(
    scenario: str,
    *,
    trials: int = 40,
    until: dt.date | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    parameters: Mapping[str, tuple[float, float, bool]] | None = None,
    seeds: int = 2,
    forecast_runs: int = 8,
    seed: int = 1,
    out: str | Path = "results/calibrate",
    workers: int | None = None,
    scheduler: str | None = None,
    overrides: Mapping[str, object] | None = None,
    progress: bool = True,
) -> Calibration:
    """Fit ``parameters`` to the record up to ``until``; then forecast after it (module doc)."""
    import optuna

    from uprising.experiments.executors import make_executor
    from uprising.output import write_json
    from uprising.scenarios import load_scenario, scenario_to_dict

    base = load_scenario(scenario, dict(overrides or {}) or None)
    if base.world is None:
        raise UserError(scenario, "scenario.model", f"calibrate needs an episode (model 'places'), not '{base.scenario.model}'")
    world = base.world
    if until is not None and not world.start <= until <= world.end:
        raise UserError("--until", None, f"{until} is outside the scenario's period {world.start} to {world.end}")
    parameters = dict(parameters or DEFAULT_PARAMETERS)
    for key, (low, high, _) in parameters.items():
        for value in (low, high):
            try:
                load_scenario(base, {key: value})
            except UserError as e:
                raise UserError("--param", key, f"{value:g}: {e.message}") from None
    record = load_record(world.folder)
    spd = 24 // world.hours_per_step
    fit_steps = None if until is None else ((until - world.start).days + 1) * spd
    all_seeds = spawn_seeds(seed, seeds + forecast_runs)
    fit_seeds, forecast_seeds = all_seeds[:seeds], all_seeds[seeds:]
    fit_until = until or world.end
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    storage = storage or f"sqlite:///{(out / 'calibration.db').resolve()}"
    study_name = study_name or f"{base.scenario.name}-until-{fit_until.isoformat()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(study_name=study_name, storage=storage, direction="minimize",
                                    sampler=optuna.samplers.TPESampler(seed=seed), load_if_exists=True)
    except Exception as e:  # a bad URL, an unreachable database
        raise UserError("--storage", storage, f"cannot open the study: {' '.join(str(e).split())[:300]}") from None
    base_data = scenario_to_dict(base)
    payload = {"base": base_data, "steps": fit_steps}
    finished = lambda: sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.get_trials(deepcopy=False))  # noqa: E731

    from uprising.experiments.sweep import _Bar

    with make_executor(workers, scheduler) as executor:
        def objective(trial: optuna.Trial) -> float:
            params = {k: trial.suggest_float(k, lo, hi, log=log) for k, (lo, hi, log) in parameters.items()}
            items = [(i, s, params) for i, s in enumerate(fit_seeds)]
            runs = [r for chunk in executor.map_unordered(payload, [[it] for it in items], fn=outcome_chunk) for r in chunk]
            parts = [score_run(r, record, fit_until) for r in runs]
            for name in ("deaths", "phases", "resignation"):
                values = [p.get(name, math.inf) for p in parts]
                trial.set_user_attr(name, float(np.mean(values)))
            errors = [r["error"] for r in runs if "error" in r]
            if errors:
                trial.set_user_attr("error", errors[0])
            return float(np.mean([p["total"] for p in parts]))

        todo = max(0, trials - finished())
        bar = _Bar(f"calibrate {base.scenario.name} to {fit_until}", todo, progress, unit="trials")
        try:
            if todo:
                jobs = max(1, executor.workers // max(1, seeds))  # trials side by side when seeds < workers
                study.optimize(objective, n_trials=todo, n_jobs=jobs, catch=(),
                               callbacks=[optuna.study.MaxTrialsCallback(trials, states=(optuna.trial.TrialState.COMPLETE,)),
                                          lambda st, tr: bar.advance(1, 0 if tr.state == optuna.trial.TrialState.COMPLETE else 1)])
        finally:
            bar.close()

        best = study.best_trial
        best_params = dict(best.params)
        # The shipped parameters on the same fit: does the search beat them on the record it saw?
        shipped_runs = [r for chunk in executor.map_unordered(payload, [[(i, s, {})] for i, s in enumerate(fit_seeds)],
                                                              fn=outcome_chunk) for r in chunk]
        shipped_parts = [score_run(r, record, fit_until) for r in shipped_runs]
        shipped = {k: float(np.mean([p.get(k, math.inf) for p in shipped_parts]))
                   for k in ("total", "deaths", "phases", "resignation")}
        fc = fc_shipped = None
        if forecast_runs:
            full = {"base": base_data, "steps": None}
            items = [(i, s, best_params) for i, s in enumerate(forecast_seeds)]
            items += [(forecast_runs + i, s, {}) for i, s in enumerate(forecast_seeds)]
            runs = sorted((r for chunk in executor.map_unordered(full, [[it] for it in items], fn=outcome_chunk) for r in chunk),
                          key=lambda r: r["key"])
            fc = forecast(runs[:forecast_runs], record, until, world)
            fc_shipped = forecast(runs[forecast_runs:], record, until, world)
    result = Calibration(
        best_params=best_params, best_score=float(best.value),
        best_parts={k: best.user_attrs.get(k) for k in ("deaths", "phases", "resignation")},
        shipped_score=shipped,
        trials=finished(), study=study_name, storage=storage, until=until.isoformat() if until else None,
        forecast=fc, forecast_shipped=fc_shipped, paths={},
    )
    result.paths["json"] = write_json(out / "calibration.json", {
        **result.as_dict(), "scenario": scenario, "parameters": {k: list(v) for k, v in parameters.items()},
        "fit_seeds": fit_seeds, "forecast_seeds": forecast_seeds,
        "shipped_params": {k: _get(base_data, k) for k in parameters},
    })
    return result


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


__all__ = ["calibrate", "Calibration", "FitRecord", "load_record", "score_run", "forecast", "outcome_chunk", "parse_param",
           "DEFAULT_PARAMETERS"]
