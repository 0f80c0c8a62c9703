"""Does the fit hold? Each calibrated parameter moved by ±5 %, with common random numbers.

For every value the episode's scenario tags ``[calibrated]`` (``experiments.budget``), two
variants run with the same seeds as the shipped scenario: the value x (1 - delta) and x (1 + delta).
Per variant and seed the outcome is compared with the shipped run of the same seed:

- ``flip_share``: the share of seeds whose outcome (resigned or not) differs: the target of
  issue #12 is that no single ±5 % change flips more than half;
- ``deaths_change``: the median change of total deaths (people);
- ``date_change``: the median change of the resignation date (days; runs that resign in both);
- ``skill``: the composite skill of the variant's ensemble against the record (validation's).

The parameters whose variants flip most, or move deaths and dates most, are what the fit is
fragile to. ``uprising fragility EPISODE --runs 10`` prints the table and writes fragility.json.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from uprising.experiments.pool import run_jobs
from uprising.experiments.validation import run_one, seeds


def _number(text: str) -> float | int | None:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return None


def _moved(value: float | int, change: float) -> float | int:
    """``value`` x (1 + change), a whole number for a whole number."""
    moved = value * (1.0 + change)
    return int(round(moved)) if isinstance(value, int) else moved


def calibrated_values(source: str) -> dict[str, float | int]:
    """Key (as ``--set`` takes it) -> shipped value, for every numeric ``[calibrated]`` value."""
    from uprising.experiments.budget import budget

    out = {}
    for e in budget(source)["entries"]:
        value = _number(e["value"])
        if e["kind"] == "calibrated" and value is not None:
            out[e["key"]] = value
    return out


def _day(text: str | None) -> int | None:
    return dt.date.fromisoformat(text).toordinal() if text else None


def fragility(source: str, runs: int = 10, delta: float = 0.05, root_seed: int = 2003, keys: list[str] | None = None,
              overrides: dict | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """The shipped ensemble and, for each calibrated value, its -delta and +delta variants (module doc)."""
    base_over = dict(overrides or {})
    values = calibrated_values(source)
    if keys:
        values = {k: values[k] for k in keys}
    run_seeds = seeds(root_seed, runs)
    variants: list[tuple[str, float, dict]] = [("shipped", 0.0, {})]
    for key, value in values.items():
        for sign in (-1.0, 1.0):
            variants.append((key, sign * delta, {key: _moved(value, sign * delta)}))
    jobs = [(source, {**base_over, **change}, s) for _k, _d, change in variants for s in run_seeds]
    results = run_jobs(run_one, jobs, workers, progress)
    by_variant = [results[i * runs:(i + 1) * runs] for i in range(len(variants))]
    shipped = by_variant[0]
    rows = []
    for (key, d, change), runs_v in zip(variants[1:], by_variant[1:]):
        flips = [a["resigned"] != b["resigned"] for a, b in zip(shipped, runs_v)]
        deaths = [b["deaths_total"] - a["deaths_total"] for a, b in zip(shipped, runs_v)]
        dates = [_day(b["resignation_date"]) - _day(a["resignation_date"]) for a, b in zip(shipped, runs_v)
                 if a["resignation_date"] and b["resignation_date"]]
        rows.append({
            "key": key, "delta": d, "value": next(iter(change.values())),
            "flip_share": float(np.mean(flips)),
            "resigned_share": float(np.mean([b["resigned"] for b in runs_v])),
            "deaths_median": float(np.median([b["deaths_total"] for b in runs_v])),
            "deaths_change": float(np.median(deaths)),
            "date_change": float(np.median(dates)) if dates else None,
        })
    worst = max(rows, key=lambda r: r["flip_share"]) if rows else None
    return {
        "scenario": str(source), "runs": runs, "delta": delta, "root_seed": root_seed,
        "shipped": {"resigned_share": float(np.mean([r["resigned"] for r in shipped])),
                    "deaths_median": float(np.median([r["deaths_total"] for r in shipped]))},
        "parameters": len(values),
        "rows": sorted(rows, key=lambda r: (-r["flip_share"], -abs(r["deaths_change"]))),
        "max_flip_share": worst["flip_share"] if worst else 0.0,
        "holds": (worst["flip_share"] <= 0.5) if worst else True,
    }


__all__ = ["fragility", "calibrated_values"]
