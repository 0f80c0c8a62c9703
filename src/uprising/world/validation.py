"""Validation of the Bolivia world against the record: an ensemble of runs, model beside record.

    from uprising.world.validation import validate
    result = validate("bolivia-2003", runs=20, scale=None, overrides={})

Seeds are spawned from one root (``numpy.random.SeedSequence(root).spawn(runs)``), so the result
does not depend on how many worker processes run it. Each run reports its resignation date,
deaths (people), the share of deaths in the capital area (El Alto with Senkata, and La Paz), whether the
phases came in the record's order, and the backfire signature (mean actives in El Alto and La Paz
over 14-16 Oct above 9-11 Oct).

Targets (issue #4): resignation within 14-20 Oct in at least 60% of runs; median deaths within
40-120; at least half the deaths in El Alto and La Paz; phases in order.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

RECORD = {
    "resignation_date": "2003-10-17",
    "deaths": "58-81 (central 60-70)",
    "capital_death_share": 0.932,
    "phases": "altiplano blockades -> Warisata -> general strike -> El Alto blockade and Senkata "
    "-> 12-13 October killings -> resignation",
    "backfire": "largest rally 16 Oct; hunger strikes 1 -> 54 groups (research notes section 6)",
}
WINDOW = (dt.date(2003, 10, 14), dt.date(2003, 10, 20))
TARGETS = {
    "resigned_in_window_share": ">= 0.6",
    "deaths_median": "40-120",
    "capital_death_share": ">= 0.5",
    "phases_in_order_share": "high (phases in order)",
}


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
    keep = ("resigned", "resignation_date", "deaths_total", "capital_death_share", "phases_in_order",
            "backfire", "backfire_before", "backfire_after", "deaths_by_place", "phase_dates",
            "la_paz_fuel_short_days", "peak_active_la_paz", "peak_active_el_alto", "roads_blocked_peak")
    out = {k: s.get(k) for k in keep}
    out["seed"] = seed
    out["series"] = series(sim)
    return out


def series(sim) -> dict:
    """Per step, for the report's bands over runs: actives (people) in El Alto and La Paz, and the
    killed so far in all places. numpy only: this runs in forked workers, where polars can deadlock."""
    w = sim.world
    rows = min(w.recorder.rows, w.rec_rows)
    active = w.recorder.columns()["active"][:rows] * w.ppa
    idx = {n: i for i, n in enumerate(w.names)}
    out: dict = {"step": list(range(rows))}
    for name, key in (("El Alto", "active_el_alto"), ("La Paz", "active_la_paz")):
        out[key] = [round(float(v)) for v in active[:, idx[name]]] if name in idx else None
    out["deaths"] = [round(float(v), 1) for v in w.rec["deaths"][:rows].sum(axis=1)]
    out["start"] = w.cfg.start.isoformat()
    out["hours_per_step"] = w.hps
    return out


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def aggregate(results: list[dict]) -> dict:
    """Ensemble statistics, model beside record."""
    n = len(results)
    dates = [_date(r["resignation_date"]) for r in results if r["resigned"]]
    deaths = np.array([r["deaths_total"] for r in results], float)
    shares = [r["capital_death_share"] for r in results if r["capital_death_share"] is not None]
    capital = sum(r["capital_death_share"] * r["deaths_total"] for r in results if r["capital_death_share"] is not None)
    in_window = sum(1 for d in dates if WINDOW[0] <= d <= WINDOW[1])
    ordinals = sorted(d.toordinal() for d in dates)
    median_date = dt.date.fromordinal(int(np.median(ordinals))) if ordinals else None
    return {
        "runs": n,
        "resigned_share": len(dates) / n if n else 0.0,
        "resigned_in_window_share": in_window / n if n else 0.0,
        "resignation_date_median": median_date.isoformat() if median_date else None,
        "resignation_date_min": dt.date.fromordinal(ordinals[0]).isoformat() if ordinals else None,
        "resignation_date_max": dt.date.fromordinal(ordinals[-1]).isoformat() if ordinals else None,
        "deaths_median": float(np.median(deaths)) if n else None,
        "deaths_p10": float(np.percentile(deaths, 10)) if n else None,
        "deaths_p90": float(np.percentile(deaths, 90)) if n else None,
        "capital_death_share": float(capital / deaths.sum()) if deaths.sum() > 0 else None,
        "capital_death_share_median": float(np.median(shares)) if shares else None,
        "phases_in_order_share": sum(bool(r["phases_in_order"]) for r in results) / n if n else 0.0,
        "backfire_share": sum(bool(r["backfire"]) for r in results) / n if n else 0.0,
        "la_paz_fuel_short_days_median": float(np.median([r["la_paz_fuel_short_days"] or 0 for r in results])),
        "record": RECORD,
        "targets": TARGETS,
    }


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
    from uprising.scenarios import load_scenario

    load_scenario(source, over or None)  # a user's mistake surfaces here, once, as one line
    jobs = [(source, over, s) for s in seeds(root_seed, runs)]
    workers = workers if workers is not None else min(len(jobs), os.cpu_count() or 1, 2)
    results: list[dict | None] = [None] * len(jobs)
    if workers <= 1:
        for i, job in enumerate(jobs):
            results[i] = run_one(job)
            if progress:
                progress(i + 1, len(jobs))
    else:
        # spawned, not forked: a fork taken while numba's worker threads exist (any earlier run in
        # this process) can leave the child waiting forever on a lock one of them held
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(run_one, job): i for i, job in enumerate(jobs)}
            for done, fut in enumerate(as_completed(futures), 1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, len(jobs))
    out = aggregate([r for r in results if r is not None])
    out["scenario"] = source
    out["root_seed"] = root_seed
    out["scale"] = scale
    out["overrides"] = over
    out["per_run"] = results
    return out
