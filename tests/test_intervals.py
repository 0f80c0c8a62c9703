"""Intervals of paired differences by the kind of quantity (issue #22, 10): exact for yes/no
outcomes, Student's t otherwise, each within the range of the quantity."""

from __future__ import annotations

import math

import polars as pl
import pytest

from uprising.experiments.compare import constant_outputs, paired_table
from uprising.experiments.effects import paired_effect
from uprising.experiments.intervals import clopper_pearson, difference_range, paired_interval, paired_yes_no


def test_clopper_pearson_matches_its_closed_forms():
    # k = 0: the upper bound solves (1 - p)^n = alpha/2; k = n: the lower bound solves p^n = alpha/2
    assert clopper_pearson(0, 4) == pytest.approx((0.0, 1 - 0.025 ** (1 / 4)))
    assert clopper_pearson(4, 4) == pytest.approx((0.025 ** (1 / 4), 1.0))
    lo, hi = clopper_pearson(5, 10)  # a textbook value: 0.187 to 0.813
    assert (round(lo, 3), round(hi, 3)) == (0.187, 0.813)


def test_four_pairs_that_all_moved_do_not_give_a_point_interval():
    """The issue's "resigned -1, CI [-1, -1]" from 4 pairs: Student's t had no spread to use."""
    mean, lo, hi = paired_yes_no([0, 0, 0, 0], [1, 1, 1, 1])
    assert mean == -1.0 and lo == -1.0
    # the bound: both discordant shares' exact intervals at 97.5%, k10 = 0 and k01 = 4 of 4
    assert hi == pytest.approx((1 - 0.0125 ** 0.25) - 0.0125 ** 0.25)
    assert hi > 0.0  # 4 pairs cannot tell this from none (McNemar's exact test: p = 2 / 2^4 = 0.125)
    many = paired_yes_no([0] * 10, [1] * 10)  # 10 pairs can (p = 2 / 2^10)
    assert many[1] == -1.0 and -1.0 < many[2] < 0.0
    none = paired_yes_no([1, 0, 1, 0], [1, 0, 1, 0])  # no pair moved: 0, and an interval around it
    assert none[0] == 0.0 and none[1] == pytest.approx(-none[2]) and 0.5 < none[2] < 0.7


def test_every_interval_stays_in_the_range_of_its_quantity():
    # elite support is a share: the t interval of these differences reaches below -1
    a, b = [0.0, 0.05, 0.8], [1.0, 0.98, 0.9]
    mean, lo, hi = paired_interval("", a, b)
    assert lo < -1.0  # the premise: unclipped
    mean, lo, hi = paired_interval("elite_support", a, b)
    assert lo == -1.0 and hi <= 1.0
    assert difference_range("elite_support") == (-1.0, 1.0)
    assert difference_range("deaths_total") == (-math.inf, math.inf)
    row = paired_effect([0.0, 0.05, 0.8], [1.0, 0.98, 0.9], measure="elite_support")
    assert row["ci_low"] == -1.0
    for took in ([1, 1, 0], [0, 0, 0]):
        _, lo, hi = paired_interval("took_concession", took, [0, 1, 1])
        assert -1.0 <= lo <= hi <= 1.0


def runs_frame(**columns) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({"arm": ["baseline"] * (n // 2) + ["variant"] * (n // 2),
                         "replicate": list(range(n // 2)) * 2, "status": ["ok"] * n, **columns})


def test_compare_uses_the_exact_interval_for_yes_no_outputs_and_drops_constant_ones():
    runs = runs_frame(resigned=[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], took_x=[0.0] * 8,
                      decided_x=[None] * 8, peak=[5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 7.0, 9.0])
    table = paired_table(runs, ["resigned", "peak"])
    row = table.row(0, named=True)
    assert row["difference"] == -1.0 and row["ci_low"] == -1.0 and row["ci_high"] > -0.6
    assert constant_outputs(runs, ["resigned", "took_x", "decided_x", "peak"]) == {"took_x": 0.0, "decided_x": None}
