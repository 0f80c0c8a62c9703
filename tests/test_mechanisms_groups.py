"""Groups: membership by share, each group's distributions, Model II as the two-group case."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import scenario

from uprising.engine import rng
from uprising.engine.population import CITIZEN
from uprising.errors import UserError
from uprising.scenarios import load_scenario
from uprising.simulation import Simulation

GROUPS = [
    {"name": "miners", "share": 0.2, "hardship_low": 0.6, "hardship_high": 1.0, "risk_aversion_low": 0.0,
     "risk_aversion_high": 0.3, "threshold": 0.05, "legitimacy": 0.6, "organised": 0.9, "mobility_low": 0.5},
    {"name": "vecinos", "share": 0.8, "organised": 0.3},
]


def _citizens(sim):
    pop = sim.world.pop
    return np.flatnonzero(pop.kind[: pop.n] == CITIZEN)


def test_groups_draw_their_own_distributions():
    sim = Simulation(scenario(grid={"width": 100, "height": 100}, groups=GROUPS), seed=3)
    pop, rows = sim.world.pop, _citizens(sim)
    assert sim.world.group_names == ["miners", "vecinos"]
    g = pop.group[rows]
    assert abs((g == 0).mean() - 0.2) < 0.02
    miners, vecinos = rows[g == 0], rows[g == 1]
    assert pop.hardship[miners].min() >= 0.6 and pop.hardship[miners].max() <= 1.0
    assert pop.risk_aversion[miners].max() <= 0.3
    assert np.all(pop.threshold[miners] == np.float32(0.05)) and np.all(pop.threshold[vecinos] == np.float32(0.1))
    assert np.all(pop.legitimacy[miners] == np.float32(0.6)) and np.all(pop.legitimacy[vecinos] == np.float32(0.82))
    assert abs(pop.organised[miners].mean() - 0.9) < 0.03 and abs(pop.organised[vecinos].mean() - 0.3) < 0.02
    assert pop.mobility[miners].min() >= 0.5
    # a group at U(0, 1) keeps exactly Epstein's draws
    u = rng.uniform_array(sim.world.key("hardship", 0), pop.agent_id[vecinos], 0)
    np.testing.assert_array_equal(pop.hardship[vecinos], u.astype(np.float32))
    ts = sim.run(3).timeseries()
    assert {"active_g0", "active_g1", "citizens_g0"} <= set(ts.columns)
    assert ts["citizens_g0"][0] == len(miners)


def test_model2_is_the_two_group_case():
    sc = scenario(scenario={"model": "epstein-2", "steps": 5}, model2={"group_share": 0.3, "legitimacy_other": 0.6})
    sim = Simulation(sc, seed=4)
    pop, rows = sim.world.pop, _citizens(sim)
    assert sim.world.group_names == ["blue", "green"]
    u = rng.uniform_array(sim.world.key("group", 0), pop.agent_id[rows], 0)
    np.testing.assert_array_equal(pop.group[rows], (u >= 0.3).astype(np.int8))  # Epstein's Model II rule
    assert np.all(pop.legitimacy[rows][pop.group[rows] == 1] == np.float32(0.6))
    assert np.all(pop.legitimacy[rows][pop.group[rows] == 0] == np.float32(0.82))
    # the same two groups written out as [[groups]] give the same run
    explicit = scenario(scenario={"model": "epstein-2", "steps": 5}, model2={"group_share": 0.3},
                        groups=[{"name": "blue", "share": 0.3}, {"name": "green", "share": 0.7, "legitimacy": 0.6}])
    a = sim.run().timeseries()
    b = Simulation(explicit, seed=4).run().timeseries()
    assert a.equals(b)


def test_place_shares_replace_the_share_in_named_places():
    from uprising.mechanisms.groups import shares_by_place
    from uprising.mechanisms.config import Group

    groups = [Group(name="a", share=0.5, place_shares={"El Alto": 0.9}), Group(name="b", share=0.5, place_shares={"El Alto": 0.1})]
    np.testing.assert_allclose(shares_by_place(groups, ["La Paz", "El Alto"], 2), [[0.5, 0.5], [0.9, 0.1]])


@pytest.mark.parametrize(("groups", "words"), [
    ([{"name": "a", "share": 0.5}, {"name": "b", "share": 0.4}], "group shares sum to 0.9"),
    ([{"name": "a", "share": 0.5}, {"name": "a", "share": 0.5}], "repeated: a"),
    ([{"name": "defectors", "share": 1.0}], "'defectors' is reserved"),
    ([{"name": "a", "share": 1.0, "hardship_low": 0.8, "hardship_high": 0.2}], "hardship_low (0.8) is above"),
    ([{"name": "a", "share": 0.6, "place_shares": {"X": 0.5}}, {"name": "b", "share": 0.4}], "in place 'X' sum to 0.9"),
])
def test_bad_groups_are_user_errors(groups, words):
    with pytest.raises(UserError) as e:
        load_scenario({"groups": groups})
    assert words in str(e.value) and "groups" in str(e.value)
