"""Loyalty and defection: a crowd many times the security forces turns them neutral; some join it."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import scenario
from mechanisms_helpers import checked

from uprising.engine.population import ACTIVE, CITIZEN, COP, JAILED, NEUTRAL, SOLDIER
from uprising.simulation import Simulation

OUTNUMBERED = {
    "scenario": {"steps": 150},
    "citizen": {"legitimacy": 0.5},
    "population": {"cop_density": 0.01},
    "repression": {"soldier_density": 0.005, "teargas_at": 0.5, "fire_at": 0.6},
}
DEFECTION = {"erosion": 0.05, "crowd_ratio": 3.0, "threshold": 0.3, "join_share": 0.5}


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_repression_stops_where_the_crowd_outnumbers_security_forces(schedule):
    loyal = Simulation(scenario(**OUTNUMBERED), seed=1, schedule=schedule).run().timeseries()
    sim = checked(Simulation(scenario(**OUTNUMBERED, loyalty=DEFECTION), seed=1, schedule=schedule))
    ts = sim.run().timeseries()
    crowd = ts["active"].to_numpy()
    security = ts["cops"].to_numpy() + ts["soldiers"].to_numpy()
    assert crowd.max() > 10 * security[0], "the crowd must outnumber security forces many times"
    # loyal forces keep arresting to the end; eroded ones stop
    assert loyal["arrests"].to_numpy()[-30:].sum() > 0
    assert ts["arrests"].to_numpy()[-30:].sum() == 0
    assert security[-1] == 0 and ts["neutral_share"][-1] == 1.0
    assert ts["neutral_police"][-1] == 16 and ts["neutral_soldiers"][-1] == 8
    # same seed: identical until the first agent turns neutral
    first = int(np.argmax(ts["neutral_share"].to_numpy() > 0))
    np.testing.assert_array_equal(ts["active"].to_numpy()[:first], loyal["active"].to_numpy()[:first])
    # the neutral left the grid; the joiners are active citizens of the group 'defectors'
    pop, w = sim.world.pop, sim.world
    n = pop.n
    neutral = (pop.kind[:n] != CITIZEN) & (pop.state[:n] == NEUTRAL)
    assert neutral.sum() == 24 and np.all(pop.cell[:n][neutral] == -1)
    g = w.group_names.index("defectors")
    joined = (pop.kind[:n] == CITIZEN) & (pop.group[:n] == g)
    assert joined.sum() == ts["defectors_joined"].sum() > 0
    assert np.all(pop.legitimacy[:n][joined] == 0) and np.all(pop.hardship[:n][joined] == 1)
    assert np.all((pop.state[:n][joined] == ACTIVE) | (pop.state[:n][joined] == JAILED))


def test_killings_erode_loyalty_in_their_place():
    base = {"scenario": {"steps": 120}, "repression": {"soldier_density": 0.01, "fire_at": 0.05, "p_kill": 0.3}}
    sim = Simulation(scenario(**base, loyalty={"death_erosion": 0.01, "threshold": 0.0}), seed=1)
    pop = sim.world.pop
    security = np.flatnonzero(pop.kind[: pop.n] != CITIZEN)
    start = pop.loyalty[security].astype(np.float64).copy()
    ts = sim.run().timeseries()
    deaths = ts["deaths_people"][-1]
    assert deaths > 0
    np.testing.assert_allclose(pop.loyalty[security], start - 0.01 * deaths, atol=1e-4)


def test_initial_loyalty_by_kind():
    sc = scenario(repression={"soldier_density": 0.05},
                  loyalty={"erosion": 0.01, "police_low": 0.2, "police_high": 0.4, "soldiers_low": 0.9,
                           "soldiers_high": 0.95})
    pop = Simulation(sc, seed=1).world.pop
    n = pop.n
    police, soldiers = pop.loyalty[:n][pop.kind[:n] == COP], pop.loyalty[:n][pop.kind[:n] == SOLDIER]
    assert police.min() >= 0.2 and police.max() <= 0.4 and soldiers.min() >= 0.9 and soldiers.max() <= 0.95
    assert len(soldiers) == 80
