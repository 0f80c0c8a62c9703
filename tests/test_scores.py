"""Scores against the record: closed-form values and controls that a wrong formula would fail."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from uprising.experiments.scores import (
    brier,
    composite,
    crps_ensemble,
    crps_interval,
    date_error_days,
    death_curve_emd,
    deaths_by_place_error,
    event_probability,
    log_score,
    point_mass,
    skill,
)


def test_crps_single_member_is_absolute_error():
    assert crps_ensemble([7.0], 3.0) == pytest.approx(4.0)
    assert crps_ensemble([-2.0], 5.0) == pytest.approx(7.0)


def test_crps_perfect_point_ensemble_is_zero():
    assert crps_ensemble(point_mass(12.0, 50), 12.0) == pytest.approx(0.0, abs=1e-12)


def test_crps_two_members_closed_form():
    # E|X - 1| = 1, E|X - X'| = (0 + 2 + 2 + 0) / 4 = 1  ->  1 - 0.5 = 0.5
    assert crps_ensemble([0.0, 2.0], 1.0) == pytest.approx(0.5)


def test_crps_matches_integral_of_squared_cdf_difference():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=25), 0.4
    z = np.linspace(-10, 10, 400_001)
    f = np.searchsorted(np.sort(x), z, side="right") / x.size
    integral = np.sum((f - (z >= y)) ** 2) * (z[1] - z[0])
    assert crps_ensemble(x, y) == pytest.approx(integral, abs=1e-3)


def test_crps_negative_control_centred_beats_shifted():
    rng = np.random.default_rng(0)
    truth = 100.0
    centred = rng.normal(truth, 10.0, 200)
    shifted = rng.normal(truth + 200.0, 10.0, 200)
    good, bad = crps_ensemble(centred, truth), crps_ensemble(shifted, truth)
    assert good < bad
    assert bad > 150.0 and good < 10.0


def test_crps_rejects_empty_and_nan():
    with pytest.raises(ValueError):
        crps_ensemble([], 1.0)
    with pytest.raises(ValueError):
        crps_ensemble([1.0, float("nan")], 1.0)


def test_crps_interval_midpoint_is_quarter_width():
    # E|m - U| for U ~ U[0, 2], m = 1: (high - low) / 4 = 0.5
    assert crps_interval(point_mass(1.0, 10), 0.0, 2.0) == pytest.approx(0.5)


def test_crps_interval_equals_average_of_crps_over_the_range():
    rng = np.random.default_rng(1)
    x = rng.normal(5.0, 3.0, 40)
    k = 2000  # midpoint rule over [2, 9]; x has members both inside and outside
    ys = 2.0 + 7.0 * (np.arange(k) + 0.5) / k
    numeric = np.mean([crps_ensemble(x, y) for y in ys])
    assert crps_interval(x, 2.0, 9.0) == pytest.approx(numeric, rel=1e-4)


def test_crps_interval_degenerate_range_and_outside_samples():
    x = [1.0, 4.0, 6.0]
    assert crps_interval(x, 3.0, 3.0) == pytest.approx(crps_ensemble(x, 3.0))
    # a point far right of [0, 2]: E|10 - U| = 10 - 1 = 9
    assert crps_interval([10.0], 0.0, 2.0) == pytest.approx(9.0)
    with pytest.raises(ValueError):
        crps_interval(x, 2.0, 1.0)


def test_brier():
    assert brier(1.0, True) == 0.0
    assert brier(0.0, False) == 0.0
    assert brier(1.0, False) == 1.0
    assert brier(0.5, True) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        brier(1.5, True)


def test_log_score_monotone_and_clipped():
    ps = np.linspace(0.0, 1.0, 21)
    hit = [log_score(p, True) for p in ps]
    miss = [log_score(p, False) for p in ps]
    assert all(a >= b for a, b in zip(hit, hit[1:]))  # more confidence in what happened is better
    assert all(a <= b for a, b in zip(miss, miss[1:]))
    assert hit[0] > hit[-1] and miss[-1] > miss[0]
    assert log_score(0.0, True) == pytest.approx(-math.log(1e-3))  # finite despite p = 0
    assert log_score(0.5, True) == pytest.approx(math.log(2))


def test_event_probability():
    assert event_probability([True, False, True, None]) == pytest.approx(0.5)
    assert event_probability([False] * 3) == 0.0
    with pytest.raises(ValueError):
        event_probability([])


def test_date_error_counts_none_as_missing():
    rec = dt.date(2019, 11, 10)
    dates = [rec, rec + dt.timedelta(days=2), None]
    out = date_error_days(dates, rec, window=(rec - dt.timedelta(days=1), rec + dt.timedelta(days=1)),
                          missing_penalty=30)
    assert out["median_abs_error_days"] == 2.0  # errors 0, 2, 30
    assert out["share_within_window"] == pytest.approx(1 / 3)
    assert out["share_missing"] == pytest.approx(1 / 3)
    assert out["mean_signed_error_days"] == pytest.approx(1.0)
    all_missing = date_error_days([None, None], rec, window=(rec, rec), run_days=45)
    assert all_missing["median_abs_error_days"] == 45.0
    assert all_missing["share_within_window"] == 0.0
    assert date_error_days([None], rec)["median_abs_error_days"] == 30.0


def test_date_error_window_is_inclusive():
    rec = dt.date(2019, 11, 10)
    lo, hi = dt.date(2019, 11, 8), dt.date(2019, 11, 12)
    out = date_error_days([lo, hi, hi + dt.timedelta(days=1)], rec, window=(lo, hi))
    assert out["share_within_window"] == pytest.approx(2 / 3)


def _spike(n: int, day: int, size: float = 5.0) -> np.ndarray:
    s = np.zeros(n)
    s[day] = size
    return s


def test_emd_shifted_spike_is_the_shift_in_days():
    assert death_curve_emd(_spike(20, 4), _spike(20, 5, size=9.0)) == pytest.approx(1.0)
    assert death_curve_emd(_spike(20, 4), _spike(20, 7)) == pytest.approx(3.0)
    assert death_curve_emd(_spike(20, 4), _spike(20, 4, size=100.0)) == pytest.approx(0.0)


def test_emd_split_mass_and_zero_total():
    # half the deaths one day late, half three days late: 0.5 * 1 + 0.5 * 3 = 2
    model = np.zeros(10)
    model[3] = model[5] = 1.0
    assert death_curve_emd(model, _spike(10, 2)) == pytest.approx(2.0)
    assert math.isnan(death_curve_emd(np.zeros(10), _spike(10, 2)))
    with pytest.raises(ValueError):
        death_curve_emd(np.zeros(10), np.zeros(9))


def test_tv_distance_by_place():
    assert deaths_by_place_error({"a": 2, "b": 6}, {"a": 1, "b": 3}) == pytest.approx(0.0)
    assert deaths_by_place_error({"a": 5}, {"b": 7}) == pytest.approx(1.0)
    assert deaths_by_place_error({"a": 1, "b": 1}, {"a": 1, "c": 0}) == pytest.approx(0.5)
    assert math.isnan(deaths_by_place_error({"a": 0}, {"a": 1}))


def test_skill_sign():
    assert skill(1.0, 4.0) == pytest.approx(0.75)
    assert skill(4.0, 4.0) == pytest.approx(0.0)
    assert skill(8.0, 4.0) < 0
    assert skill(0.0, 0.0) == 0.0
    assert skill(1.0, 0.0) == float("-inf")


def test_skill_against_point_mass_baseline():
    # "no deaths" baseline vs an ensemble around the recorded 36 deaths
    truth = 36.0
    model = np.random.default_rng(2).normal(truth, 5.0, 100)
    s = skill(crps_ensemble(model, truth), crps_ensemble(point_mass(0.0, 100), truth))
    assert 0.8 < s < 1.0


def test_composite_weighted_mean_and_nan_parts():
    assert composite({"a": 0.5, "b": -0.5})["value"] == pytest.approx(0.0)
    out = composite({"a": 1.0, "b": 0.0, "c": float("nan")}, {"a": 3.0, "b": 1.0, "c": 1.0})
    assert out["value"] == pytest.approx(0.75)
    assert out["skipped"] == ["c"]
    assert out["parts"]["b"] == 0.0
    assert math.isnan(composite({"a": float("nan")})["value"])
    with pytest.raises(ValueError):
        composite({"a": 1.0, "b": 1.0}, {"a": 1.0})


def test_point_mass():
    pm = point_mass(3, 4)
    assert pm.shape == (4,) and np.all(pm == 3.0)
    with pytest.raises(ValueError):
        point_mass(1.0, 0)
