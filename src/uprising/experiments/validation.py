"""Validation of an episode against its record: an ensemble of runs, model beside record.

    from uprising.experiments.validation import validate
    result = validate("EPISODE", runs=20)          # a shipped name, or an episode folder anywhere

Seeds are spawned from one root (``numpy.random.SeedSequence(root).spawn(runs)``), so the result
does not depend on how many worker processes run it. Each run reports its resignation date,
deaths (people), the share of deaths in the record's deaths area, its phase dates (signatures
from ``record.toml``), the backfire signature and its daily deaths.

What is checked comes from the episode's ``record.toml``: every ``[[targets]]`` entry becomes one
row of ``result["targets"]`` (``name``, ``value``, ``target``, ``met``). The ensemble is also
scored (``uprising.experiments.scores``) beside a naive baseline scored on the same record:
"nothing happens" (the regime survives, nobody dies). Scores are lower-is-better; ``skill`` is
1 - model/baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from uprising.experiments import scores
from uprising.experiments.pool import run_jobs
from uprising.world.history import Record, load_record_file

KEEP = ("resigned", "resignation_date", "fall_route", "deaths_total", "capital_death_share", "phases_in_order", "backfire",
        "backfire_before", "backfire_after", "deaths_by_place", "phase_dates", "phase_date_errors",
        "capital_fuel_short_days", "roads_blocked_peak", "decisions")


def seeds(root: int, runs: int) -> list[int]:
    """Run seeds spawned from one root seed (independent of the number of workers)."""
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(root).spawn(runs)]


def run_one(args: tuple) -> dict:
    """One run: (scenario name or path, overrides, seed) -> its outcome keys."""
    source, overrides, seed = args
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    sc = load_scenario(source, overrides or None)
    sim = Simulation(sc, seed=seed)
    sim.run()
    s = sim.summary()
    out = {k: s.get(k) for k in KEEP}
    out.update({k: v for k, v in s.items() if k.startswith("peak_active_")})
    out["seed"] = seed
    out["series"] = series(sim)
    return out


def series(sim) -> dict:
    """Per step, for the report's bands over runs: actives (people) in the record's followed places,
    and the killed so far in all places. numpy only: this runs in worker processes."""
    w = sim.world
    rows = min(w.recorder.rows, w.rec_rows)
    active = w.recorder.columns()["active"][:rows] * w.ppa
    out: dict = {"step": list(range(rows))}
    followed = w.history.report.places if w.history is not None and w.history.report.places else [w.names[w.capital]]
    out["active"] = {n: [round(float(v)) for v in active[:, w.index(n)]] for n in followed if w.has(n)}
    out["deaths"] = [round(float(v), 1) for v in w.rec["deaths"][:rows].sum(axis=1)]
    out["start"] = w.cfg.start.isoformat()
    out["hours_per_step"] = w.hps
    return out


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def record_daily_deaths(folder, start: dt.date, days: int) -> np.ndarray:
    """The record's deaths per day of the run (``geography.record_deaths_by_date``)."""
    from uprising.world.geography import record_deaths_by_date

    out = np.zeros(days)
    for date, deaths in record_deaths_by_date(folder).iter_rows():
        d = (date - start).days
        if 0 <= d < days:
            out[d] += deaths
    return out


def window_share(results: list[dict], window: tuple[dt.date, dt.date]) -> float:
    """Share of runs whose government fell within ``window`` (inclusive)."""
    lo, hi = window
    return sum(1 for r in results if (d := _date(r["resignation_date"])) and lo <= d <= hi) / len(results)


def area_share(results: list[dict]) -> float | None:
    """Share of all the ensemble's deaths that fell in the record's deaths area (None: no deaths)."""
    total = sum(r["deaths_total"] for r in results)
    return float(sum((r["capital_death_share"] or 0.0) * r["deaths_total"] for r in results) / total) if total > 0 else None


def record_deaths_by_place(folder) -> dict[str, float]:
    """The record's deaths by place of the model (``record_events.csv`` rows with a ``model_place``,
    each the midpoint of its low and high count), e.g. as ``uprising record import`` writes them."""
    from uprising.world.geography import load_record
    import polars as pl

    rec = load_record(folder).filter(pl.col("model_place") != "")
    rec = rec.filter(pl.col("deaths_low").is_not_null() | pl.col("deaths_high").is_not_null())
    mid = (rec["deaths_low"].fill_null(rec["deaths_high"]) + rec["deaths_high"].fill_null(rec["deaths_low"])) / 2
    out: dict[str, float] = {}
    for place, d in zip(rec["model_place"], mid):
        out[place] = out.get(place, 0.0) + float(d)
    return {k: v for k, v in out.items() if v > 0}


def deaths_by_place_score(folder, results: list[dict]) -> float | None:
    """Median over runs of the total variation distance between the model's and the record's shares
    of deaths by place (0: the same shares, 1: no place in common; a run without deaths counts 1).
    None when the record places no death. Reported beside the scores, not in the composite skill."""
    record = record_deaths_by_place(folder)
    if not record or not all("deaths_by_place" in r for r in results):
        return None
    errs = [scores.deaths_by_place_error(r["deaths_by_place"], record) if r["deaths_total"] > 0 else 1.0
            for r in results]
    return float(np.median([1.0 if e != e else e for e in errs])) if errs else None


def model_daily_deaths(run: dict, days: int) -> np.ndarray:
    """A run's deaths per day from its cumulative series (steps of hours_per_step)."""
    s = run["series"]
    spd = 24 // int(s["hours_per_step"])
    cum = np.asarray(s["deaths"], float)
    ends = [min(len(cum) - 1, (d + 1) * spd) for d in range(days)]
    at = cum[ends]
    return np.diff(np.concatenate([[0.0], at]))


def _measures(record: Record, results: list[dict]) -> dict[str, float | None]:
    """Every measure a target can name, computed over the ensemble."""
    n = len(results)
    deaths = np.array([r["deaths_total"] for r in results], float)
    dates = [_date(r["resignation_date"]) for r in results]
    out: dict[str, float | None] = {
        "resigned_share": sum(d is not None for d in dates) / n,
        "not_resigned_share": sum(d is None for d in dates) / n,
        "conceded_without_resignation_share": sum(
            d is None and any(x["kind"] == "concession" for x in (r.get("decisions") or []))
            for d, r in zip(dates, results)) / n,
        "deaths_median": float(np.median(deaths)),
        "deaths_in_range_share": float(np.mean((deaths >= record.outcome.deaths[0]) & (deaths <= record.outcome.deaths[1]))),
        "deaths_area_share": area_share(results),
        "phases_in_order_share": sum(bool(r["phases_in_order"]) for r in results) / n,
        "backfire_share": sum(bool(r["backfire"]) for r in results) / n,
        "direction_right_share": sum((d is not None) == record.outcome.resigned for d in dates) / n,
        "deaths_within_factor_3_share": float(np.mean((deaths >= record.outcome.deaths[0] / 3.0)
                                                      & (deaths <= record.outcome.deaths[1] * 3.0))),
        "route_right_share": sum((r.get("fall_route") or "none") == record.outcome.route for r in results) / n,
    }
    errors = []
    for ph in record.phases:
        for r in results:
            e = (r.get("phase_date_errors") or {}).get(ph.name)
            errors.append(abs(e) if e is not None else float(record_days(record)))
    out["phase_date_error_median"] = float(np.median(errors)) if errors else None
    if record.decisions:
        per_run = [decision_errors(record, r) for r in results]
        out["decisions_in_order_share"] = float(np.mean([in_order for in_order, _ in per_run]))
        errs = [e for _, es in per_run for e in es]
        out["decision_date_error_median"] = float(np.median(errs)) if errs else None
    return out


def decision_errors(record: Record, run: dict) -> tuple[bool, list[float]]:
    """(the record's decisions all taken in its order, |days| between each and the run's first
    decision of the same kind by the same actor; one never taken costs record_days)."""
    taken = run.get("decisions") or []
    dates = []
    for d in record.decisions:
        hit = [dt.date.fromisoformat(t["date"]) for t in taken
               if t["kind"] == d.kind and (not d.actor or d.actor in (t.get("actor") or ""))]
        dates.append(min(hit) if hit else None)
    errors = [abs((got - d.date).days) if got is not None else float(record_days(record))
              for got, d in zip(dates, record.decisions)]
    order = [g for g in dates]
    in_order = all(g is not None for g in order) and all(a <= b for a, b in zip(order[:-1], order[1:]))
    return in_order, errors


def record_days(record: Record) -> int:
    """The penalty in days for a phase that never happened: the span of the record's phases."""
    if not record.phases:
        return 30
    dates = [p.date for p in record.phases]
    return max(30, (max(dates) - min(dates)).days)


def targets(record: Record, results: list[dict], mode: str = "record") -> list[dict]:
    """One row per target of the record that applies to ``mode``: name, measure, value, target, met."""
    values = _measures(record, results)
    rows = []
    for t in record.targets:
        if t.mode not in ("any", mode):
            continue
        if t.measure == "resigned_in_window_share":
            lo, hi = t.window
            value = window_share(results, t.window)
            target = f"{t.describe()} ({lo:%d %b}-{hi:%d %b %Y})"
        else:
            value = values.get(t.measure)
            target = t.describe()
        rows.append({"name": t.name, "measure": t.measure, "value": value, "target": target, "met": t.met(value),
                     "headline": t.headline, "note": t.note})
    return rows


def ensemble_scores(record: Record, folder, results: list[dict], start: dt.date, days: int) -> dict:
    """Proper scores of the ensemble against the record (lower is better)."""
    o = record.outcome
    deaths = [r["deaths_total"] for r in results]
    resigned = [r["resigned"] for r in results]
    out = {
        "deaths_crps": scores.crps_interval(deaths, *o.deaths),
        "resigned_brier": scores.brier(scores.event_probability(resigned), o.resigned),
        "resigned_log": scores.log_score(scores.event_probability(resigned), o.resigned),
    }
    if o.resigned and o.resignation_date is not None:
        err = scores.date_error_days([_date(r["resignation_date"]) for r in results], o.resignation_date,
                                     missing_penalty=float(days))
        out["resignation_date_error"] = err["median_abs_error_days"]
    daily = record_daily_deaths(folder, start, days)
    if daily.sum() > 0 and all("series" in r for r in results):
        emd = [scores.death_curve_emd(model_daily_deaths(r, days), daily) for r in results]
        emd = [e for e in emd if e == e]
        out["death_curve_emd_days"] = float(np.median(emd)) if emd else float(days)
    return out


def baseline_results(results: list[dict]) -> list[dict]:
    """The naive baseline on the same record: the regime survives and nobody dies (every run)."""
    out = []
    for r in results:
        b = dict(r)
        b.update(resigned=False, resignation_date=None, deaths_total=0.0, capital_death_share=None)
        if "series" in r:
            b["series"] = dict(r["series"], deaths=[0.0] * len(r["series"]["deaths"]))
        out.append(b)
    return out


def climatology(folder) -> list[dict]:
    """The outcomes of the other shipped episodes' records (resigned, the middle of their death
    counts): a baseline that knows what uprisings do in general, but nothing of this one."""
    from pathlib import Path

    from uprising.scenarios.loader import shipped_path, shipped_episodes

    here = Path(folder).resolve() if folder is not None else None
    out = []
    for name in shipped_episodes():
        other = shipped_path(name).parent.resolve()
        if other == here:
            continue
        o = load_record_file(other).outcome
        out.append({"resigned": o.resigned, "deaths_total": (o.deaths[0] + o.deaths[1]) / 2})
    return out


def climatology_scores(record: Record, others: list[dict]) -> dict:
    """Outcome scores of the climatology baseline (no dates: it has none for this episode)."""
    o = record.outcome
    deaths = [r["deaths_total"] for r in others]
    p = scores.event_probability([r["resigned"] for r in others])
    return {"deaths_crps": scores.crps_interval(deaths, *o.deaths), "resigned_brier": scores.brier(p, o.resigned),
            "resigned_log": scores.log_score(p, o.resigned)}


def aggregate(record: Record, results: list[dict], folder=None, start: dt.date | None = None,
              days: int | None = None, mode: str = "record") -> dict:
    """Ensemble statistics, model beside record, the targets, and the scores beside the baseline's."""
    n = len(results)
    dates = sorted(d.toordinal() for r in results if (d := _date(r["resignation_date"])))
    deaths = np.array([r["deaths_total"] for r in results], float)
    shares = [r["capital_death_share"] for r in results if r["capital_death_share"] is not None]
    o = record.outcome
    window = next((t.window for t in record.targets
                   if t.measure == "resigned_in_window_share" and t.mode in ("any", mode)), None)
    out = {
        "runs": n,
        "episode": record.episode,
        "resigned_share": len(dates) / n if n else 0.0,
        "resigned_in_window_share": window_share(results, window) if window and n else None,
        "resignation_date_median": dt.date.fromordinal(int(np.median(dates))).isoformat() if dates else None,
        "resignation_date_min": dt.date.fromordinal(dates[0]).isoformat() if dates else None,
        "resignation_date_max": dt.date.fromordinal(dates[-1]).isoformat() if dates else None,
        "deaths_median": float(np.median(deaths)) if n else None,
        "deaths_p10": float(np.percentile(deaths, 10)) if n else None,
        "deaths_p90": float(np.percentile(deaths, 90)) if n else None,
        "capital_death_share": area_share(results),
        "capital_death_share_median": float(np.median(shares)) if shares else None,
        "phases_in_order_share": sum(bool(r["phases_in_order"]) for r in results) / n if n else 0.0,
        "backfire_share": sum(bool(r["backfire"]) for r in results) / n if n else 0.0,
        "capital_fuel_short_days_median": float(np.median([r["capital_fuel_short_days"] or 0 for r in results])),
        "record": {
            "episode": record.episode,
            "resigned": o.resigned,
            "resignation_date": o.resignation_date.isoformat() if o.resignation_date else None,
            "concession": o.concession,
            "concession_date": o.concession_date.isoformat() if o.concession_date else None,
            "deaths": list(o.deaths),
            "deaths_central": list(o.deaths_central) if o.deaths_central else None,
            "deaths_area": record.deaths.places,
            "capital_death_share": record.deaths.share,
            "phases": [{"name": p.name, "date": p.date.isoformat(), "window": [d.isoformat() for d in p.window]}
                       for p in record.phases],
            "backfire": record.backfire.note if record.backfire else None,
            "resignation_window": [d.isoformat() for d in window] if window else None,
        },
        "decisions_mode": mode,
        "targets": targets(record, results, mode) if n else [],
    }
    out["targets_met"] = all(t["met"] for t in out["targets"])
    out["headline_met"] = all(t["met"] for t in out["targets"] if t["headline"])
    if n and folder is not None and start is not None and days:
        model = ensemble_scores(record, folder, results, start, days)
        base = ensemble_scores(record, folder, baseline_results(results), start, days)
        parts = {k: scores.skill(model[k], base[k]) for k in model if k in base}
        out["scores"] = {**model, "skill": scores.composite(parts)}
        out["baseline"] = {"name": "nothing happens: the regime survives and nobody dies", **base}
        others = climatology(folder)
        if others:
            clim = climatology_scores(record, others)
            out["climatology"] = {"name": f"the other shipped episodes' outcomes ({len(others)})", **clim}
            out["scores"]["skill_vs_climatology"] = scores.composite({k: scores.skill(model[k], clim[k]) for k in clim})
        by_place = deaths_by_place_score(folder, results)  # the record's deaths by place (e.g. imported from ACLED)
        if by_place is not None:
            out["scores"]["deaths_by_place_tvd"] = by_place
    return out


def validate(
    source: str,
    runs: int = 20,
    scale: float | None = None,
    overrides: dict | None = None,
    root_seed: int = 2003,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run the ensemble (in worker processes when there are several CPUs) and aggregate it."""
    over = dict(overrides or {})
    if scale is not None:
        over["world.scale"] = scale
    from uprising.errors import UserError
    from uprising.scenarios import load_scenario

    sc = load_scenario(source, over or None)  # a user's mistake surfaces here, once, as one line
    if sc.world is None:
        raise UserError(str(source), "world", "validate needs an episode (a scenario with a [world] table and a "
                        "record.toml beside its places.csv)")
    folder = sc.world.folder
    record = load_record_file(folder)
    jobs = [(source, over, s) for s in seeds(root_seed, runs)]
    results = run_jobs(run_one, jobs, workers, progress)
    days = min(sc.world.days, (sc.scenario.steps + sc.world.steps_per_day - 1) // sc.world.steps_per_day)
    out = aggregate(record, results, folder, sc.world.start, days, sc.scenario.decisions)
    from uprising.experiments.budget import budget

    b = budget(source)
    out["budget"] = {"counts": b["counts"], "free_parameters": b["free_parameters"], "targets": len(out["targets"])}
    out["scenario"] = str(source)
    out["folder"] = folder
    out["root_seed"] = root_seed
    out["scale"] = scale
    out["overrides"] = over
    out["per_run"] = results
    return out
