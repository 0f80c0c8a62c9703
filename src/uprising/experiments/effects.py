"""Backfire and concessions measured as effects: paired counterfactual runs of an episode.

    from uprising.experiments.effects import backfire_effect, concession_effect
    backfire_effect("EPISODE", "YYYY-MM-DD", runs=20)    # killings from that day: did they backfire?
    concession_effect("EPISODE", 0, runs=20)              # the first concession: did it calm things?

Design, for both effects:

- **Two arms, paired.** Pair ``i`` runs the episode *as recorded* and a *counterfactual* with
  the same seed (common random numbers). Every draw of the engine is keyed by what it decides
  (seed, stream, step, agent or place), so the two runs of a pair share every draw the change
  does not touch: they are bit-identical before the change takes effect, and afterwards differ
  only through it. The paired differences are far less noisy than two independent ensembles.
- **Seeds** are spawned from one root (:func:`uprising.experiments.validation.seeds`), and each
  pair is one job: the numbers do not depend on how many worker processes run them.
- **The effect** of each measure is the mean over pairs of (recorded - counterfactual), with a
  95% confidence interval, as ``uprising compare`` computes it (:mod:`uprising.experiments.intervals`):
  Student's t over the pairs; for ``resigned`` (yes/no) an exact interval from the discordant
  pairs; each clipped to the measure's range (``elite_support`` is a share: its difference lies
  in [-1, 1]). ``n`` is the pairs where the measure exists in both arms (``resignation_day``:
  pairs where both arms resigned).

The measures (:func:`measures`), all from the date ``D`` of the change:

- ``actives``: mean actives (people) summed over the record's followed places (``record.toml``
  ``[report] places``, the capital area) over ``window_days`` days starting the day after ``D``;
- ``elite_support``: the regime's elite support at the end of that window;
- ``resigned``: 1 if the government fell during the run (the effect is a difference of shares);
- ``resignation_day``: days from the start of the run to the resignation;
- ``deaths_after``: people killed from the first step of ``D`` to the end of the run.

The two counterfactuals:

- :func:`backfire_effect`: "no killings from ``D``": from the first step of ``D`` on, nobody is
  killed: clashes never fire live (``world.lethal_force`` off), their tear gas kills no one
  (``world.clashes.teargas_kill_per_soldier`` 0 in this arm, where the model's own
  ``lethal_force = false`` still lets it kill), and the soldiers' doctrine on the grids is capped
  at tear gas (which disperses, never kills). Backfire is *positive* when the killings raised
  later mobilisation: the effect on ``actives`` is above 0 and its interval excludes 0.
- :func:`concession_effect`: the same episode without one ``concession`` event. The runs are
  identical before its date. (Events listed after the dropped one move up one index; a march
  keys a few of its draws by its event's index, so those draws are not shared after the date.)
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from uprising.experiments.pool import run_jobs

from uprising.errors import UserError
from uprising.experiments.validation import seeds

MEASURES = ("actives", "elite_support", "resigned", "resignation_day", "deaths_after")
DESCRIPTIONS = {
    "actives": "mean actives (people) in {places}, {window}",
    "elite_support": "elite support at the end of the window",
    "resigned": "share of runs where the government fell",
    "resignation_day": "day of the resignation (days after the start; pairs where both fell)",
    "deaths_after": "people killed from {date} to the end of the run",
}
CONFIDENCE = 0.95
NO_KILLINGS_PHASE = "counterfactual.no_killings"
TEARGAS = 1  # doctrine levels: 0 arrest, 1 tear gas, 2 live fire


# ------------------------------------------------------------------------------ one arm
def no_killings_from(step: int):
    """A plan phase (run right after ``events.apply``) under which nobody is killed from ``step``.

    ``events.apply`` rewrites the force levels and the doctrine cap from the states of siege in
    force, so the cap is imposed after it, on every step from ``step``: clashes cannot fire live
    (``w.lethal_force`` off), their tear gas kills no one (this world's ``clashes`` section gets
    ``teargas_kill_per_soldier = 0``: a copy, the scenario is not touched) and the grid soldiers'
    doctrine is at most tear gas. Those are every way the model kills (clashes and the grids'
    live fire). Before ``step`` the phase does nothing, so the arm is bit-identical to the
    recorded one up to then.
    """
    from uprising.engine.plan import Phase

    def run(w, now: int) -> None:
        if now >= step:
            w.lethal_force = False
            if w.cfg.clashes.teargas_kill_per_soldier:
                clashes = w.cfg.clashes.model_copy(update={"teargas_kill_per_soldier": 0.0})
                w.cfg = w.cfg.model_copy(update={"clashes": clashes})
            np.minimum(w.mechanisms.doctrine_cap, TEARGAS, out=w.mechanisms.doctrine_cap)

    return Phase(NO_KILLINGS_PHASE, run)


def simulation(scenario: Any, seed: int, *, no_killings_date: dt.date | None = None):
    """One arm's :class:`~uprising.simulation.Simulation`, not yet run: ``scenario`` (anything
    :func:`~uprising.scenarios.load_scenario` takes) with ``seed``; with ``no_killings_date``, the
    counterfactual of :func:`backfire_effect` (lethal force off from the first step of that day)."""
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    sim = Simulation(load_scenario(scenario), seed=seed)
    if no_killings_date is not None:
        sim.plan.insert_after("events.apply", no_killings_from(sim.world.step_of(no_killings_date)))
    return sim


def window(w, date: dt.date, window_days: int, last: int) -> tuple[int, int]:
    """First and last step of the measuring window: ``window_days`` days from the day after
    ``date``, clipped to the run (when ``date`` is the last day, the window is the last step)."""
    first = min(w.step_of(date + dt.timedelta(days=1)), last)
    end = min(w.step_of(date + dt.timedelta(days=1 + window_days)) - 1, last)
    return first, max(first, end)


def measures(sim, date: dt.date, places: list[str], window_days: int) -> dict[str, float | None]:
    """What one finished run shows from ``date`` on (module docstring: the measures)."""
    w = sim.world
    last = min(w.recorder.rows, w.rec_rows) - 1
    first, end = window(w, date, window_days, last)
    cols = [w.index(n) for n in places]
    active = w.recorder.columns()["active"][: last + 1] * w.ppa
    deaths = w.rec["deaths"][: last + 1].sum(axis=1)
    before = max(w.step_of(date) - 1, 0)
    resigned = w.resigned_step is not None
    return {
        "actives": float(active[first : end + 1][:, cols].sum(axis=1).mean()),
        "elite_support": float(w.rec_elite[end]),
        "resigned": 1.0 if resigned else 0.0,
        "resignation_day": float((w.date_of(w.resigned_step) - w.cfg.start).days) if resigned else None,
        "deaths_after": float(deaths[last] - deaths[min(before, last)]),
    }


def run_pair(job: tuple) -> dict:
    """One pair with a common seed: (recorded scenario, counterfactual scenario, seed, date,
    no-killings flag, followed places, window days) -> both arms' measures. Runs in workers."""
    recorded, counterfactual, seed, date, no_killings, places, window_days = job
    out: dict[str, Any] = {"seed": seed}
    for arm, scenario, cut in (("recorded", recorded, None), ("counterfactual", counterfactual,
                                                              date if no_killings else None)):
        sim = simulation(scenario, seed, no_killings_date=cut)
        sim.run()
        out[arm] = measures(sim, date, places, window_days)
    return out


# ------------------------------------------------------------------------------ statistics
def paired_effect(recorded: list[float | None], counterfactual: list[float | None],
                  confidence: float = CONFIDENCE, measure: str = "") -> dict[str, float | int]:
    """Mean of recorded - counterfactual over the pairs where both exist, with its interval
    (:func:`uprising.experiments.intervals.paired_interval`): Student's t over the pairs, exact
    for a yes/no ``measure`` (``resigned``), clipped to the measure's range (``elite_support``, a
    share: a difference in [-1, 1]). None where undefined: no pair, or a t interval from fewer
    than 2 pairs; [mean, mean] when all pairs agree on a measure that is not yes/no."""
    from uprising.experiments.intervals import paired_interval

    both = [(a, b) for a, b in zip(recorded, counterfactual) if a is not None and b is not None]
    n = len(both)
    a = np.array([p[0] for p in both], float)
    b = np.array([p[1] for p in both], float)
    mean, low, high = paired_interval(measure, a, b, confidence)
    row = {"recorded": float(a.mean()) if n else math.nan, "counterfactual": float(b.mean()) if n else math.nan,
           "effect": mean, "ci_low": low, "ci_high": high, "n": n}
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def backfire_verdict(row: Mapping[str, float]) -> str:
    """"positive" when the killings raised later mobilisation (effect on actives > 0, CI above
    0), "negative" when they lowered it (CI below 0), else "not significant"."""
    if row["ci_low"] is not None and row["ci_low"] > 0:
        return "positive"
    if row["ci_high"] is not None and row["ci_high"] < 0:
        return "negative"
    return "not significant"


# ------------------------------------------------------------------------------ the runs
def resolve(source: Any, overrides: Mapping[str, object] | None):
    """The scenario (a user's mistake: one line, before any run), its label and its record."""
    from uprising.scenarios import load_scenario
    from uprising.world.history import has_record, load_record_file

    sc = load_scenario(source, dict(overrides or {}) or None)
    label = str(source) if isinstance(source, (str, Path)) else sc.scenario.name
    if sc.world is None:
        raise UserError(label, "scenario.model", "effects need an episode (a scenario with a [world] table)")
    record = load_record_file(sc.world.folder) if has_record(sc.world.folder) else None
    return sc, label, record


def last_day(sc) -> dt.date:
    """The last day the run covers (its steps, or world.end if earlier)."""
    spd = sc.world.steps_per_day
    days = min(sc.world.days, (sc.scenario.steps + spd - 1) // spd)
    return sc.world.start + dt.timedelta(days=days - 1)


def day_of_run(value: Any, sc, label: str, key: str) -> dt.date:
    """``value`` (a date or ISO text) as a day of the run, or a one-line UserError."""
    if isinstance(value, dt.date):
        date = value
    else:
        try:
            date = dt.date.fromisoformat(str(value))
        except ValueError:
            raise UserError(label, key, f"{value!r} is not a date; allowed: YYYY-MM-DD") from None
    last = last_day(sc)
    if not sc.world.start <= date <= last:
        raise UserError(label, key, f"{date} is outside the run; allowed: {sc.world.start} to {last}")
    return date


def _followed(sc, record) -> list[str]:
    """The places whose actives are measured: the record's [report] places, else the capital."""
    places = list(record.report.places) if record is not None and record.report.places else []
    return places or [sc.world.regime.capital]


def _run_pairs(jobs: list[tuple], workers: int | None, progress: Callable[[int, int], None] | None) -> list[dict]:
    """Every pair, in worker processes when there are several (``experiments.pool``)."""
    return run_jobs(run_pair, jobs, workers, progress)


def _effect(kind: str, sc, label: str, record, recorded: dict, counterfactual: dict, date: dt.date,
            no_killings: bool, arm: str, *, runs: int, root_seed: int, overrides: Mapping[str, object] | None,
            workers: int | None, window_days: int, progress: Callable[[int, int], None] | None) -> dict:
    """Run the pairs and tabulate the paired effects (shared by both effects)."""
    if runs < 1:
        raise UserError(label, "runs", f"{runs} runs; allowed: at least 1")
    if window_days < 1:
        raise UserError(label, "window_days", f"{window_days}; allowed: at least 1 day")
    places = _followed(sc, record)
    t0 = time.perf_counter()
    jobs = [(recorded, counterfactual, s, date, no_killings, places, window_days) for s in seeds(root_seed, runs)]
    per_run = _run_pairs(jobs, workers, progress)
    seconds = time.perf_counter() - t0
    start_day = min(date + dt.timedelta(days=1), last_day(sc))
    end_day = min(date + dt.timedelta(days=window_days), last_day(sc))
    span = f"{start_day} to {end_day}"
    rows = []
    for m in MEASURES:
        row = paired_effect([r["recorded"][m] for r in per_run], [r["counterfactual"][m] for r in per_run],
                            measure=m)
        rows.append({"measure": m, "description": DESCRIPTIONS[m].format(places=", ".join(places), window=span,
                                                                         date=date), **row})
    return {
        "effect": kind,
        "episode": sc.scenario.name,
        "date": date.isoformat(),
        "arms": {"recorded": "as recorded", "counterfactual": arm},
        "places": places,
        "window": [start_day.isoformat(), end_day.isoformat()],
        "runs": runs,
        "root_seed": root_seed,
        "overrides": dict(overrides or {}),
        "confidence": CONFIDENCE,
        "difference": "recorded - counterfactual",
        "measures": rows,
        "seconds": seconds,
        "per_run": per_run,
    }


def backfire_effect(source: Any, date: Any, runs: int = 20, root_seed: int = 2003,
                    overrides: Mapping[str, object] | None = None, workers: int | None = None,
                    window_days: int = 5, progress: Callable[[int, int], None] | None = None) -> dict:
    """The effect of the killings from ``date`` on: paired runs (common seeds) as recorded and
    with no killings from ``date`` (no live fire and no deadly tear gas in clashes, grid doctrine
    capped at tear gas).

    Returns a dict: ``measures`` (one row per measure: recorded and counterfactual means, the
    mean difference recorded - counterfactual, its 95% interval over the pairs, ``n``),
    ``backfire`` ("positive" when the killings raised the actives of the window), the window,
    the places followed, ``seconds`` and ``per_run`` (each pair's seed and measures).
    """
    from uprising.scenarios import scenario_to_dict

    sc, label, record = resolve(source, overrides)
    day = day_of_run(date, sc, label, "backfire")
    data = scenario_to_dict(sc)
    out = _effect("backfire", sc, label, record, data, data, day, True, f"no killings from {day}", runs=runs,
                  root_seed=root_seed, overrides=overrides, workers=workers, window_days=window_days,
                  progress=progress)
    out["backfire"] = backfire_verdict(out["measures"][MEASURES.index("actives")])
    return out


def concessions(sc) -> list[tuple[int, Any]]:
    """The scenario's concession events as (index in scenario.events, event), in order."""
    return [(i, ev) for i, ev in enumerate(sc.events) if ev.kind == "concession"]


def find_concession(sc, which: int | str, label: str) -> int:
    """The index in ``scenario.events`` of a concession given by its number among the concessions
    (0 = the first) or by its name (exact, else a unique case-insensitive part); else a UserError."""
    found = concessions(sc)
    allowed = "; ".join(f"{k}: {ev.date} {ev.name!r}" for k, (_i, ev) in enumerate(found)) or "none in this scenario"
    if isinstance(which, str) and which.strip().lstrip("-").isdigit():
        which = int(which)
    if isinstance(which, int):
        if 0 <= which < len(found):
            return found[which][0]
        raise UserError(label, "concession", f"no concession number {which}; allowed: {allowed}")
    exact = [i for i, ev in found if ev.name == which]
    part = [i for i, ev in found if which.strip().lower() in (ev.name or "").lower()] if which.strip() else []
    if exact:
        return exact[0]
    if len(part) == 1:
        return part[0]
    what = "matches several concessions" if part else "is not a concession of this scenario"
    raise UserError(label, "concession", f"{which!r} {what}; allowed: {allowed}")


def without_event(sc, index: int):
    """The scenario without ``scenario.events[index]``, validated again."""
    from uprising.scenarios import load_scenario, scenario_to_dict

    data = scenario_to_dict(sc)
    data["events"] = [e for i, e in enumerate(data["events"]) if i != index]
    return load_scenario(data)


def concession_effect(source: Any, event_index_or_name: int | str, runs: int = 20, root_seed: int = 2003,
                      overrides: Mapping[str, object] | None = None, workers: int | None = None,
                      window_days: int = 5, progress: Callable[[int, int], None] | None = None) -> dict:
    """The effect of one concession: paired runs (common seeds) as recorded and without that
    event. ``event_index_or_name``: its number among the scenario's concessions (0 = the first)
    or its name. Measures from the concession's date, as :func:`backfire_effect` (its ``effect``
    is recorded - counterfactual: a concession that calmed things has a negative effect on actives).
    """
    from uprising.scenarios import scenario_to_dict

    sc, label, record = resolve(source, overrides)
    index = find_concession(sc, event_index_or_name, label)
    event = sc.events[index]
    day = day_of_run(event.date, sc, label, "concession")
    out = _effect("concession", sc, label, record, scenario_to_dict(sc), scenario_to_dict(without_event(sc, index)),
                  day, False, f"without the concession of {day}", runs=runs, root_seed=root_seed,
                  overrides=overrides, workers=workers, window_days=window_days, progress=progress)
    out["event"] = {"index": index, "date": day.isoformat(), "name": event.name}
    return out


__all__ = ["backfire_effect", "concession_effect", "paired_effect", "backfire_verdict", "measures", "simulation",
           "no_killings_from", "find_concession", "without_event", "resolve", "day_of_run", "last_day",
           "MEASURES"]
