"""Country scale (issue #8): the scaling rule holds across scales, and `--set scale=` works.

Deaths are drawn in people and soldiers' fire per soldier deployed (``soldiers_per_agent``), so
the death toll's distribution over seeds and the resignation date should not depend on the
scale. Checked at reduced size (1/1000 vs 1/100, every step of the scenario, fixed seeds: the
test is deterministic) with round 1's values of the five parameters the ABC fit has changed
since, where the rule was established; ``benchmarks/country_scale.py --parts consistency``
compares 1/10 with 1. With the fitted values the toll is not scale-free: a strict xfail below
keeps that measured (docs/country-scale.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from uprising.scenarios import load_scenario
from uprising.simulation import Simulation

SMALL, LARGE = 0.001, 0.01
SMALL_SEEDS, LARGE_SEEDS = range(1, 11), range(1, 5)
# round 1's values of the five parameters fitted by ABC since (tests/test_episodes.py)
ROUND_ONE_VALUES = {
    "world.regime.elite_per_death": 0.005, "world.clashes.kill_per_soldier": 0.005, "world.clashes.fire_ratio": 3.0,
    "world.calls.threshold": -0.05, "world.supply.fuel_hardship": 0.25,
}


def outcomes(scale: float, seeds, values=ROUND_ONE_VALUES) -> np.ndarray:
    """[runs, 2]: resignation step (None: never), deaths in people."""
    out = []
    for seed in seeds:
        w = Simulation.from_scenario("bolivia-2003", seed=seed, **{"world.scale": scale, **values}).run().world
        out.append((w.resigned_step, float(w.mechanisms.deaths_people.sum())))
    return np.array(out, dtype=float)


@pytest.fixture(scope="module")
def runs():
    return outcomes(SMALL, SMALL_SEEDS), outcomes(LARGE, LARGE_SEEDS)


def test_scale_alias():
    assert load_scenario("bolivia-2003", {"scale": 0.01}).world.scale == 0.01


def test_death_toll_does_not_depend_on_the_scale(runs):
    small, large = runs
    p = stats.mannwhitneyu(small[:, 1], large[:, 1], alternative="two-sided").pvalue
    assert p > 0.05, (small[:, 1], large[:, 1], p)
    assert abs(np.median(small[:, 1]) / np.median(large[:, 1]) - 1) < 0.2


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="with the ABC-fitted values the toll depends on the scale: 1/500 about 69 "
                   "deaths, 1/100 about 52-60 over the same seeds (docs/country-scale.md)")
def test_death_toll_with_the_fitted_values_does_not_depend_on_the_scale():
    small = outcomes(0.002, range(1, 11), values={})
    large = outcomes(0.01, range(1, 7), values={})
    p = stats.mannwhitneyu(small[:, 1], large[:, 1], alternative="two-sided").pvalue
    assert p > 0.05 and abs(np.median(small[:, 1]) / np.median(large[:, 1]) - 1) < 0.2, (small, large, p)


def test_resignation_date_does_not_depend_on_the_scale(runs):
    small, large = runs
    assert np.isfinite(small[:, 0]).all() and np.isfinite(large[:, 0]).all()  # every run resigns
    steps_per_day = 4
    assert abs(np.median(small[:, 0]) - np.median(large[:, 0])) <= 2 * steps_per_day  # within two days
    p = stats.mannwhitneyu(small[:, 0], large[:, 0], alternative="two-sided").pvalue
    assert p > 0.01, (small[:, 0], large[:, 0], p)


def test_one_soldier_agent_stands_for_the_soldiers_deployed():
    """300 soldiers at 1/1000 are one agent standing for 300 (not 0 agents, nor one of 1,000)."""
    sim = Simulation.from_scenario("bolivia-2003", **{"world.scale": 0.001, "scenario.steps": 1})
    w = sim.world
    p = w.index("Warisata")
    w.clearing[p] = 300.0
    w.sync_soldiers(1)
    assert w.mechanisms.soldiers_per_agent[p] == pytest.approx(300.0)
    on_grid = (w.pop.kind[: w.pop.n] == 2) & (w.pop.place[: w.pop.n] == p) & (w.pop.cell[: w.pop.n] >= 0)
    assert int(on_grid.sum()) == 1
