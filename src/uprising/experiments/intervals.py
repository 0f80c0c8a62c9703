"""Confidence intervals of paired differences, by the kind of quantity (``compare``, ``effects``).

Two arms run in pairs with common seeds; for one output, pair ``i`` gives ``a_i`` (one arm) and
``b_i`` (the other), and the effect is the mean of ``a_i - b_i``.

- **A yes/no outcome** (``resigned``, ``took_*``: 1 or 0 per run) is a difference of two shares.
  Student's t is wrong there: four pairs that all moved the same way have no spread, and t gives
  the interval [-1, -1]. What the pairs tell is in the discordant ones (McNemar's counts):
  ``k10`` pairs with a yes in the first arm only, ``k01`` with a yes in the second only; the
  difference is ``(k10 - k01) / n``, the difference of the two discordant shares. Each share gets
  its exact (Clopper-Pearson) interval at confidence ``1 - alpha/2``, and the difference's interval
  runs from the lowest to the highest difference the two intervals allow. By Bonferroni both
  intervals hold together with probability at least ``1 - alpha``: the interval is exact in the
  sense that its coverage is never below the confidence, whatever ``n`` is, and it is never empty
  (no pair moved: about ±0.6 from 4 pairs, ±0.2 from 20).
- **Anything else** gets Student's t over the pairs' differences (0 wide when every pair agrees).

Every interval is clipped to the range the quantity can take (:func:`value_range`): a share lies
in [0, 1], so a difference of shares in [-1, 1]; a count is at least 0, so a difference of counts
is unbounded. Clopper, C. J., Pearson, E. S. (1934), "The use of confidence or fiducial limits
illustrated in the case of the binomial", Biometrika 26(4), 404-413,
https://doi.org/10.1093/biomet/26.4.404; McNemar, Q. (1947), "Note on the sampling error of the
difference between correlated proportions or percentages", Psychometrika 12(2), 153-157,
https://doi.org/10.1007/BF02295996.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

YES_NO = ("resigned",)  # and every took_*: 1 when the run did it, else 0
SHARES = ("elite_support", "capital_death_share", "mean_active_fraction")  # in [0, 1]
SHARE_SUFFIXES = ("_share", "_fraction")


def is_yes_no(name: str) -> bool:
    """Whether the output is 1 or 0 per run (a yes/no outcome)."""
    return name in YES_NO or name.startswith("took_")


def value_range(name: str) -> tuple[float, float]:
    """The range one run's value of ``name`` can take: [0, 1] for yes/no outcomes and shares,
    [0, inf) for counts, days and people, else unbounded."""
    if is_yes_no(name) or name in SHARES or name.endswith(SHARE_SUFFIXES):
        return 0.0, 1.0
    if name.startswith(("mean_", "peak_", "deaths", "decided_")) or name.endswith(("_days", "_day")) or name in (
            "outbursts", "actives"):
        return 0.0, math.inf
    return -math.inf, math.inf


def difference_range(name: str) -> tuple[float, float]:
    """The range of a difference of two values of ``name``: [lo - hi, hi - lo]."""
    lo, hi = value_range(name)
    return lo - hi, hi - lo


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact two-sided interval of a binomial share from ``k`` successes in ``n`` trials."""
    from scipy import stats

    if n <= 0:
        return math.nan, math.nan
    alpha = 1.0 - confidence
    lo = 0.0 if k <= 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k >= n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def paired_yes_no(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``a - b`` for 0/1 pairs and its interval (module doc): (difference, low, high)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    n = len(a)
    if n == 0:
        return math.nan, math.nan, math.nan
    k10 = int(((a > 0.5) & (b < 0.5)).sum())
    k01 = int(((a < 0.5) & (b > 0.5)).sum())
    each = 1.0 - (1.0 - confidence) / 2  # Bonferroni: the two shares hold together at `confidence`
    lo10, hi10 = clopper_pearson(k10, n, each)
    lo01, hi01 = clopper_pearson(k01, n, each)
    return (k10 - k01) / n, max(-1.0, lo10 - hi01), min(1.0, hi10 - lo01)


def student_t(d: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the differences ``d`` and its Student-t interval (NaN from fewer than 2)."""
    from scipy import stats

    d = np.asarray(d, float)
    n = len(d)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)) if sd > 0 else 0.0
    return mean, mean - half, mean + half


def paired_interval(name: str, a: Sequence[float], b: Sequence[float],
                    confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean of ``a - b``, low, high) for output ``name``: exact for a yes/no outcome, else
    Student's t; clipped to the range of a difference of ``name`` (module doc)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if is_yes_no(name):
        mean, lo, hi = paired_yes_no(a, b, confidence)
    else:
        mean, lo, hi = student_t(a - b, confidence)
    low, high = difference_range(name)
    if not math.isnan(lo):
        lo = min(max(lo, low), high)
    if not math.isnan(hi):
        hi = max(min(hi, high), low)
    return mean, lo, hi


def method(name: str) -> str:
    """How :func:`paired_interval` computes ``name``'s interval, in words."""
    return ("exact: Clopper-Pearson on the discordant pairs" if is_yes_no(name) else "Student's t over the pairs")


__all__ = ["paired_interval", "paired_yes_no", "student_t", "clopper_pearson", "value_range", "difference_range",
           "is_yes_no", "method"]
