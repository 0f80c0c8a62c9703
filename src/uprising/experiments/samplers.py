"""Where a sweep puts its points: a full grid of listed values, or a sample of ranges.

- ``grid``: every combination of the listed values (Agents.jl ``paramscan``, Mesa ``batch_run``);
- ``lhs``: a Latin hypercube of ``n`` points over the ranges (scipy ``qmc.LatinHypercube``);
- ``sobol``: Saltelli's scheme for Sobol indices through SALib, ``n * (d + 2)`` points
  (``n * (2d + 2)`` with second-order indices); ``n`` should be a power of two;
- ``morris``: ``n`` Morris trajectories of ``d + 1`` points on a ``levels``-level grid (SALib).

Every sampler is a pure function of its arguments and the ``seed`` it is given, so a spec always
expands to the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

METHODS = ("lhs", "sobol", "morris")


def grid(values: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of ``values`` (the first key varies slowest), as dicts key -> value."""
    keys = list(values)
    if not keys:
        return [{}]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(values[k] for k in keys))]


def problem(ranges: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem dictionary for ``ranges``."""
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()],
    }


def sample(
    method: str,
    ranges: Mapping[str, tuple[float, float]],
    n: int,
    seed: int,
    *,
    levels: int = 4,
    second_order: bool = False,
) -> np.ndarray:
    """An ``[points, len(ranges)]`` matrix of parameter values by ``method`` (see module doc)."""
    prob = problem(ranges)
    d = prob["num_vars"]
    if method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)
        lo = np.array([b[0] for b in prob["bounds"]])
        hi = np.array([b[1] for b in prob["bounds"]])
        return lo + unit * (hi - lo)
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(prob, n, calc_second_order=second_order, seed=seed)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(prob, n, num_levels=levels, seed=seed)
    raise ValueError(f"unknown sampler {method!r}; allowed: {', '.join(METHODS)}")


def sample_size(method: str, d: int, n: int, second_order: bool = False) -> int:
    """How many points :func:`sample` returns."""
    if method == "lhs":
        return n
    if method == "sobol":
        return n * (2 * d + 2 if second_order else d + 2)
    if method == "morris":
        return n * (d + 1)
    raise ValueError(method)


__all__ = ["grid", "sample", "problem", "sample_size", "METHODS"]
