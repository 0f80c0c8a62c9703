"""Scores for an ensemble of runs against the historical record, so that validation can fail.

Each function takes the outcomes of an ensemble (many runs of one scenario, different seeds) and
what the record says, and returns one number (or a small dict). Unless a docstring says
otherwise, lower is better and 0 is a perfect score. ``skill`` turns a score into a skill against a
baseline (scored with the same function, e.g. ``point_mass(0, n)`` for "no deaths"), and
``composite`` takes a weighted mean of skills.

Plain numpy/scipy, no simulator imports: the caller pulls the outcomes from the runs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.stats import wasserstein_distance

Window = tuple[dt.date, dt.date]


def _samples(samples: Iterable[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(list(samples) if not isinstance(samples, np.ndarray) else samples, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("an ensemble needs at least one sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("ensemble samples must be finite (drop failed runs first)")
    return x


def _mean_pair_spread(x: np.ndarray) -> float:
    """E|X - X'| over all n^2 ordered pairs of the empirical ensemble, in O(n log n) by sorting."""
    n = x.size
    s = np.sort(x)
    return float(2.0 * np.sum((2.0 * np.arange(n) - n + 1.0) * s) / (n * n))


def crps_ensemble(samples: Iterable[float] | np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an ensemble forecast of a scalar. Lower is better.

        CRPS(F, y) = E|X - y| - 1/2 E|X - X'|,   X, X' ~ F independent,

    with F the empirical distribution of the ``n`` samples (both expectations over all n and n^2
    terms). This equals the integral of (F(z) - 1{y <= z})^2 dz, is in the units of the outcome,
    reduces to |x - y| for one sample and is 0 only when every sample equals y.

    Reference: T. Gneiting and A. E. Raftery (2007), "Strictly Proper Scoring Rules, Prediction,
    and Estimation", JASA 102(477). https://doi.org/10.1198/016214506000001437
    """
    x = _samples(samples)
    return float(np.mean(np.abs(x - float(observed))) - 0.5 * _mean_pair_spread(x))


def crps_interval(samples: Iterable[float] | np.ndarray, low: float, high: float) -> float:
    """Expected CRPS when the record gives only a range: the truth y ~ Uniform[low, high].

        CRPS_U(F) = E_y CRPS(F, y) = E_X g(X) - 1/2 E|X - X'|,   g(x) = E|x - y| for y ~ U[a, b]:
        g(x) = (a + b)/2 - x                      if x <= a
        g(x) = ((x - a)^2 + (b - x)^2) / (2(b - a))  if a < x < b
        g(x) = x - (a + b)/2                      if x >= b

    (closed form, no numerical integration). Samples all at the midpoint score (b - a)/4; note
    that even the "perfect" forecast F = U[a, b] scores (b - a)/6, the spread of the truth itself,
    so compare scores across models, never against 0. With low == high this is ``crps_ensemble``.

    Reference: T. Gneiting and A. E. Raftery (2007), "Strictly Proper Scoring Rules, Prediction,
    and Estimation", JASA 102(477) (the CRPS there, averaged over y). https://doi.org/10.1198/016214506000001437
    """
    a, b = float(low), float(high)
    if not (math.isfinite(a) and math.isfinite(b)) or a > b:
        raise ValueError(f"need a finite range with low <= high, got ({low}, {high})")
    x = _samples(samples)
    if a == b:
        return crps_ensemble(x, a)
    inside = ((x - a) ** 2 + (b - x) ** 2) / (2.0 * (b - a))
    g = np.where(x <= a, (a + b) / 2.0 - x, np.where(x >= b, x - (a + b) / 2.0, inside))
    return float(np.mean(g) - 0.5 * _mean_pair_spread(x))


def _prob(prob: float) -> float:
    p = float(prob)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a probability must be in [0, 1], got {prob}")
    return p


def brier(prob: float, happened: bool) -> float:
    """Brier score of a forecast probability for one binary event: (p - o)^2, o = 1 if it happened.

    0 is perfect, 1 is a certain forecast that was wrong, 0.25 is p = 1/2. Lower is better.

    Reference: G. W. Brier (1950), "Verification of forecasts expressed in terms of probability",
    Monthly Weather Review 78(1). https://doi.org/10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2
    """
    return (_prob(prob) - (1.0 if happened else 0.0)) ** 2


def log_score(prob: float, happened: bool, eps: float = 1e-3) -> float:
    """Logarithmic score (negative log likelihood): -ln p if it happened, -ln(1 - p) if not.

    p is clipped to [eps, 1 - eps] first, so an ensemble that never (or always) saw the event costs
    at most -ln(eps) (about 6.9 for eps = 1e-3) rather than infinity. Lower is better.

    Reference: I. J. Good (1952), "Rational Decisions", JRSS B 14(1);
    Gneiting and Raftery (2007). https://doi.org/10.1111/j.2517-6161.1952.tb00104.x
    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}")
    p = min(max(_prob(prob), eps), 1.0 - eps)
    return -math.log(p if happened else 1.0 - p)


def event_probability(flags: Iterable[bool | None]) -> float:
    """Forecast probability of an event as the share of runs in which it happened: (1/n) sum 1{flag_i}.

    ``None`` counts as not happened. Raises on an empty ensemble.

    Reference: M. Leutbecher and T. N. Palmer (2008), "Ensemble forecasting", J. Comput. Phys.
    227(7). https://doi.org/10.1016/j.jcp.2007.02.014
    """
    f = [bool(v) for v in flags]
    if not f:
        raise ValueError("an ensemble needs at least one run")
    return sum(f) / len(f)


def date_error_days(
    model_dates: Sequence[dt.date | None],
    record_date: dt.date,
    window: Window | None = None,
    missing_penalty: float | None = None,
    run_days: int | None = None,
) -> dict[str, float]:
    """How far the runs' dates of an event (e.g. the resignation) fall from the record's.

        e_i = |d_i - d_record| in days, or ``missing_penalty`` if the event never happened (None);
        median_abs_error_days = median_i e_i;  share_within_window = (1/n) sum 1{low <= d_i <= high}.

    ``missing_penalty`` defaults to ``run_days`` (the length of the run) if given, else 30. A run
    without the event is never inside the window. Also returned: ``share_missing`` and
    ``mean_signed_error_days`` (model - record, over the runs where it happened; nan if none),
    which shows a bias the absolute error hides. ``share_within_window`` is nan without a window.

    Reference: R. J. Hyndman and A. B. Koehler (2006), "Another look at measures of forecast
    accuracy", Int. J. Forecasting 22(4). https://doi.org/10.1016/j.ijforecast.2006.03.001
    """
    if not model_dates:
        raise ValueError("an ensemble needs at least one run")
    penalty = float(missing_penalty if missing_penalty is not None else run_days if run_days is not None else 30)
    happened = [d for d in model_dates if d is not None]
    errors = [abs((d - record_date).days) if d is not None else penalty for d in model_dates]
    n = len(model_dates)
    within = float("nan")
    if window is not None:
        lo, hi = window
        if lo > hi:
            raise ValueError(f"window starts after it ends: {window}")
        within = sum(lo <= d <= hi for d in happened) / n
    signed = [(d - record_date).days for d in happened]
    return {
        "median_abs_error_days": float(np.median(errors)),
        "share_within_window": within,
        "share_missing": (n - len(happened)) / n,
        "mean_signed_error_days": float(np.mean(signed)) if signed else float("nan"),
        "n": float(n),
    }


def death_curve_emd(model_daily: Sequence[float] | np.ndarray, record_daily: Sequence[float] | np.ndarray) -> float:
    """Earth mover's (Wasserstein-1) distance, in days, between the timing of two daily death series.

    Each series (deaths per day, same length, day 0 first) is normalised to a distribution over
    days, p_t = m_t / sum m, q_t = r_t / sum r, and

        W1(p, q) = sum_t |P(t) - Q(t)|   (P, Q the cumulative sums; days are 1 apart),

    the mean number of days each death must be moved to turn one curve into the other. It scores
    the SHAPE only (totals are for ``crps_ensemble``). If either series has zero total there is no
    distribution to compare and the result is nan. Negative counts raise.

    Reference: Y. Rubner, C. Tomasi and L. J. Guibas (2000), "The Earth Mover's Distance as a Metric
    for Image Retrieval", IJCV 40(2) https://doi.org/10.1023/A:1026543900054 ; computed by
    https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.wasserstein_distance.html
    """
    m, r = np.asarray(model_daily, dtype=float).ravel(), np.asarray(record_daily, dtype=float).ravel()
    if m.shape != r.shape:
        raise ValueError(f"series differ in length: {m.size} vs {r.size} days")
    if np.any(m < 0) or np.any(r < 0) or not (np.all(np.isfinite(m)) and np.all(np.isfinite(r))):
        raise ValueError("daily deaths must be finite and non-negative")
    if m.sum() == 0 or r.sum() == 0:
        return float("nan")
    days = np.arange(m.size, dtype=float)
    return float(wasserstein_distance(days, days, u_weights=m, v_weights=r))


def deaths_by_place_error(model: Mapping[str, float], record: Mapping[str, float]) -> float:
    """Total variation distance between the shares of deaths by place.

        TV(p, q) = 1/2 sum_k |p_k - q_k|,   p_k = model_k / sum model, q_k = record_k / sum record,

    over the union of places (a place missing from one side counts 0 there). 0 = same shares,
    1 = no place in common. nan if either side has zero total; negative counts raise.

    Reference: D. A. Levin, Y. Peres and E. L. Wilmer, "Markov Chains and Mixing Times", 2nd ed.
    (2017), section 4.1. https://pages.uoregon.edu/dlevin/MARKOV/
    """
    places = sorted(set(model) | set(record))
    p = np.array([float(model.get(k, 0.0)) for k in places])
    q = np.array([float(record.get(k, 0.0)) for k in places])
    if np.any(p < 0) or np.any(q < 0):
        raise ValueError("deaths by place must be non-negative")
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def skill(model_score: float, baseline_score: float) -> float:
    """Skill score of a negatively oriented score (lower is better): SS = 1 - S_model / S_baseline.

    1 = perfect, 0 = no better than the baseline, negative = worse. A baseline scoring 0 is
    already perfect: the skill is 0 if the model also scores 0, else -inf. nan in, nan out.

    Reference: A. H. Murphy (1988), "Skill scores based on the mean square error and their
    relationships to the correlation coefficient", Monthly Weather Review 116(12).
    https://doi.org/10.1175/1520-0493(1988)116<2417:SSBOTM>2.0.CO;2
    """
    m, b = float(model_score), float(baseline_score)
    if math.isnan(m) or math.isnan(b):
        return float("nan")
    if b == 0.0:
        return 0.0 if m == 0.0 else float("-inf")
    return 1.0 - m / b


def composite(parts: Mapping[str, float], weights: Mapping[str, float] | None = None) -> dict[str, object]:
    """Weighted mean of skills: value = sum_k w_k s_k / sum_k w_k, over the parts that are not nan.

    ``weights`` None means equal weights; otherwise every part needs a non-negative weight.
    Parts that are nan (e.g. an EMD with no deaths) are left out and listed under ``skipped``;
    the value is nan if nothing is left. A -inf skill (see ``skill``) makes the value -inf.

    Reference: the skill-score convention of A. H. Murphy (1988), Monthly Weather Review 116(12).
    https://doi.org/10.1175/1520-0493(1988)116<2417:SSBOTM>2.0.CO;2
    """
    w = {k: 1.0 for k in parts} if weights is None else {k: float(v) for k, v in weights.items()}
    missing = sorted(set(parts) - set(w))
    if missing:
        raise ValueError(f"no weight for parts: {missing}")
    if any(v < 0 for v in w.values()):
        raise ValueError("weights must be non-negative")
    used = {k: float(v) for k, v in parts.items() if not math.isnan(float(v)) and w[k] > 0}
    skipped = sorted(k for k, v in parts.items() if math.isnan(float(v)))
    total = sum(w[k] for k in used)
    value = sum(w[k] * used[k] for k in used) / total if total > 0 else float("nan")
    return {"parts": dict(parts), "value": value, "skipped": skipped}


def point_mass(value: float, n: int) -> np.ndarray:
    """An ensemble of ``n`` copies of ``value``: a baseline (e.g. "deaths = 0") as a degenerate forecast.

    Scored with ``crps_ensemble`` it gives the absolute error |value - y|, as the CRPS of a point
    forecast should (Gneiting and Raftery 2007). https://doi.org/10.1198/016214506000001437
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return np.full(int(n), float(value))
