"""One run of an experiment: ``run_one(config, seed) -> RunResult`` (tidy polars frames).

An experiment is a function of (config, seed) returning tidy frames (style.md item 7). Every
row carries ``run_id``, ``seed`` and the varied parameters as columns, so frames from many runs
concatenate into one table that a group-by answers questions about:

    >>> from uprising.experiments import run_one
    >>> r = run_one("epstein-1", seed=7, params={"citizen.legitimacy": 0.7})   # doctest: +SKIP
    >>> r.summary      # one row: run_id, seed, citizen__legitimacy, status, ..., outbursts, ...
    >>> r.timeseries   # with timeseries=True: run_id, seed, citizen__legitimacy, step, place, ...

Parameter columns are the dotted scenario key with ``.`` spelt ``__`` (``citizen.legitimacy``
-> ``citizen__legitimacy``): a plain SQL identifier, and the loader reads it back as the same key.

:func:`run_safely` is what a batch calls: it never raises, and a failed run becomes a row with
``status = "failed"`` and its ``error`` (requirement 8: a failure does not stop the batch).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

# Columns every summary row starts with, in this order; parameters follow, then the metrics.
ID_COLUMNS = ("run_id", "point", "replicate", "seed")
STATUS_COLUMNS = ("status", "error")
# Columns that measure the machine, not the model: they differ between two identical runs.
TIMING_COLUMNS = ("wall_seconds", "compile_seconds", "agent_steps_per_second")
# Summary keys that are not scalar metrics of the run (kept out of the summary row).
_SKIP_SUMMARY_KEYS = {"parameters", "version", "seed", "scenario", "schedule", "model", "description", "plan"}


def param_column(key: str) -> str:
    """Column name of the scenario key ``key``: ``citizen.legitimacy`` -> ``citizen__legitimacy``."""
    return key.replace(".", "__")


@dataclass
class RunResult:
    """What one run leaves: a one-row summary frame and, if asked for, its time series."""

    run_id: int
    summary: pl.DataFrame
    timeseries: pl.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.summary["status"][0] == "ok"


def _resolve(config: Any, params: Mapping[str, object] | None):
    """A validated Scenario from a Scenario, a name, a path or a mapping, with ``params`` on top."""
    from uprising.scenarios import Scenario, load_scenario

    overrides = dict(params or {})
    if isinstance(config, Scenario) and not overrides:
        return config
    return load_scenario(config, overrides or None)


def _id_frame(run_id: int, point: int, replicate: int, seed: int, params: Mapping[str, object]) -> dict[str, Any]:
    row: dict[str, Any] = {"run_id": run_id, "point": point, "replicate": replicate, "seed": seed}
    for key, value in params.items():
        row[param_column(key)] = value
    return row


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def metrics_of(sim: Any) -> dict[str, Any]:
    """The scalar outputs of a finished run: ``Simulation.summary()``'s numbers plus means and peaks
    of the recorded counts (active, jailed, and whatever else the world records)."""
    out: dict[str, Any] = {}
    summary = sim.summary()
    ts = sim.world.recorder.columns()
    totals = {name: np.asarray(arr).sum(axis=1) for name, arr in ts.items()}
    steps = int(sim.steps_done)
    if "active" in totals:
        active = totals["active"]
        out["mean_active"] = float(active[1:].mean()) if steps else 0.0
        out["final_active"] = int(active[-1])
    if "jailed" in totals:
        jailed = totals["jailed"]
        out["mean_jailed"] = float(jailed[1:].mean()) if steps else 0.0
        out["peak_jailed"] = int(jailed.max())
        out["final_jailed"] = int(jailed[-1])
    if "arrests" in totals:
        out["arrests"] = int(totals["arrests"][1:].sum())
    for key, value in summary.items():
        if key in _SKIP_SUMMARY_KEYS:
            continue
        value = _scalar(value)
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
    out["steps"] = steps
    # The world of places' outcomes in forms that average: resignation as days after the start
    # (null when the government survives), and road-days of blockade.
    if summary.get("start") and "resignation_date" in summary:
        import datetime as dt

        date = summary.get("resignation_date")
        start = dt.date.fromisoformat(str(summary["start"])[:10])
        out["resignation_day"] = float((dt.date.fromisoformat(date[:10]) - start).days) if date else None
        # each actor's first decision of each kind, as days after the start (the actors' answers)
        from uprising.world.history import slug

        for d in summary.get("decisions") or []:
            key = f"decided_{d['kind']}_{slug(d.get('actor') or 'government')}"[:80]
            day = float((dt.date.fromisoformat(d["date"]) - start).days)
            if key not in out or day < out[key]:
                out[key] = day
    if "hours_per_step" in summary:
        frame = sim.timeseries()
        if "roads_blocked" in frame.columns:
            # A blocked road counts at both of its ends in the per-place column.
            per_step = frame.filter(pl.col("step") > 0)["roads_blocked"].sum() / 2
            out["blocked_road_days"] = float(per_step * float(summary["hours_per_step"]) / 24.0)
    return out


def run_one(
    config: Any,
    seed: int,
    *,
    params: Mapping[str, object] | None = None,
    run_id: int = 0,
    point: int | None = None,
    replicate: int = 0,
    timeseries: bool = False,
) -> RunResult:
    """Run ``config`` (a Scenario, a shipped name, a TOML path or a mapping) with ``params``
    (dotted scenario keys) on top, with root seed ``seed``; return tidy frames.

    Raises the simulation's errors (a :class:`~uprising.errors.UserError` for a bad parameter);
    :func:`run_safely` is the variant that records a failure instead.
    """
    from uprising.simulation import Simulation  # numba loads on first use, in the worker

    params = dict(params or {})
    scenario = _resolve(config, params)
    started = time.perf_counter()
    sim = Simulation(scenario, seed=int(seed), schedule=scenario.scenario.schedule)
    sim.run(scenario.scenario.steps)
    row = _id_frame(run_id, run_id if point is None else point, replicate, int(seed), params)
    row["status"] = "ok"
    row["error"] = None
    row.update(metrics_of(sim))
    row["wall_seconds"] = time.perf_counter() - started
    summary = _frame([row])
    ts = None
    if timeseries:
        frame = sim.timeseries()
        ids = _frame([_id_frame(run_id, run_id if point is None else point, replicate, int(seed), params)])
        ts = ids.select(pl.all().repeat_by(frame.height).explode()).hstack(frame)
    return RunResult(run_id, summary, ts)


def run_safely(
    config: Any,
    seed: int,
    *,
    params: Mapping[str, object] | None = None,
    run_id: int = 0,
    point: int | None = None,
    replicate: int = 0,
    timeseries: bool = False,
) -> RunResult:
    """:func:`run_one`, but an exception becomes a summary row with ``status = "failed"`` and the
    error (its one-line message and the innermost frame), never a raise."""
    started = time.perf_counter()
    try:
        return run_one(
            config, seed, params=params, run_id=run_id, point=point, replicate=replicate, timeseries=timeseries
        )
    except Exception as e:  # noqa: BLE001 - recorded in the store, the batch goes on
        where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        place = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
        message = " ".join(str(e).split()) or type(e).__name__
        row = _id_frame(run_id, run_id if point is None else point, replicate, int(seed), dict(params or {}))
        row["status"] = "failed"
        row["error"] = f"{type(e).__name__}: {message}{place}"[:2000]
        row["wall_seconds"] = time.perf_counter() - started
        return RunResult(run_id, _frame([row]), None)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, infer_schema_length=None)
    casts = {c: pl.Int64 for c in ("run_id", "point", "replicate", "seed") if c in frame.columns}
    casts.update({c: pl.String for c in STATUS_COLUMNS if c in frame.columns})
    return frame.with_columns([pl.col(c).cast(t) for c, t in casts.items()])


__all__ = ["run_one", "run_safely", "RunResult", "metrics_of", "param_column", "ID_COLUMNS", "TIMING_COLUMNS"]
