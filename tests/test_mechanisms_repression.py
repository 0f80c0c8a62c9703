"""Lethal repression: soldiers, the doctrine's escalation, the death-in-people rule, the kill log."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import scenario
from mechanisms_helpers import checked

from uprising.engine import rng
from uprising.engine.plan import Phase
from uprising.engine.population import CITIZEN, DEAD, SOLDIER
from uprising.mechanisms import repression
from uprising.mechanisms.state import T_ACTIVE, T_JAILED, T_QUIET, kill_log_frame, place_tally
from uprising.simulation import Simulation

SCHEDULES = ["sequential", "synchronous"]


def _probe_unrest(sim):
    """Record the active share the soldiers' phase sees, each step."""
    seen = {}

    def probe(world, step):
        pop = world.pop
        t = place_tally(pop.n, pop.kind, pop.state, pop.place, 1)[0]
        seen[step] = t[T_ACTIVE] / max(t[T_QUIET] + t[T_ACTIVE] + t[T_JAILED], 1)

    sim.plan.insert_before("soldiers.repress", Phase("probe", probe))
    return seen


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_deaths_appear_only_when_unrest_passes_the_fire_level(schedule):
    sc = scenario(scenario={"steps": 250}, repression={"soldier_density": 0.01, "teargas_at": 0.03,
                                                       "fire_at": 0.08, "p_kill": 0.3})
    sim = Simulation(sc, seed=1 if schedule == "sequential" else 2, schedule=schedule)
    share = _probe_unrest(sim)
    ts = sim.run().timeseries()
    doctrine = ts["doctrine"].to_numpy()[1:]
    killed = ts["killed_people"].to_numpy()[1:]
    dispersed = ts["dispersed"].to_numpy()[1:]
    unrest = np.array([share[s] for s in range(1, 251)])
    np.testing.assert_array_equal(doctrine, np.where(unrest >= 0.08, 2, np.where(unrest >= 0.03, 1, 0)))
    assert killed.sum() > 0, "the run must reach live fire for the test to mean anything"
    assert np.all(doctrine[killed > 0] == 2) and np.all(unrest[killed > 0] >= 0.08)
    assert np.all(dispersed[doctrine != 1] == 0)
    # at scale 1 the grid shows every death: dead agents = people killed
    assert ts["dead"][-1] == ts["deaths_people"][-1] == killed.sum()
    # same seed, the fire level out of reach: no death at all
    calm = Simulation(scenario(scenario={"steps": 250}, repression={"soldier_density": 0.01, "teargas_at": 0.03,
                                                                    "fire_at": 1.0, "p_kill": 0.3}),
                      seed=1 if schedule == "sequential" else 2, schedule=schedule).run().timeseries()
    assert calm["deaths_people"][-1] == 0 and calm["dead"][-1] == 0


def test_a_decree_raises_the_doctrine_from_its_step():
    sc = scenario(scenario={"steps": 60}, citizen={"legitimacy": 0.75},
                  repression={"soldier_density": 0.02, "teargas_at": 0.9, "fire_at": 0.95, "p_kill": 0.5,
                              "decrees": [{"step": 30, "level": 2}]})
    ts = Simulation(sc, seed=2).run().timeseries()
    doctrine, killed = ts["doctrine"].to_numpy(), ts["killed_people"].to_numpy()
    assert np.all(doctrine[1:30] == 0) and np.all(doctrine[30:] == 2)
    assert killed[:30].sum() == 0 and killed[30:].sum() > 0


def test_kill_log_names_the_killers_and_sums_to_the_toll():
    sim = Simulation(scenario(scenario={"steps": 120}, repression={"soldier_density": 0.01, "fire_at": 0.05,
                                                                   "p_kill": 0.3}), seed=1)
    ts = sim.run().timeseries()
    log = sim.world.mechanisms.kill_log
    assert log and sum(people for *_, people in log) == ts["deaths_people"][-1]
    pop = sim.world.pop
    ids = {int(a): int(k) for a, k in zip(pop.agent_id[: pop.n], pop.kind[: pop.n])}
    assert all(kind == SOLDIER and ids[killer] == SOLDIER for _, _, kind, killer, _ in log)
    per_step = np.zeros(121)
    for step, _, _, _, people in log:
        per_step[step] += people
    np.testing.assert_array_equal(per_step, ts["killed_people"].to_numpy())
    frame = kill_log_frame(sim.world)
    assert frame.height == len(log) and set(frame["killer_kind"]) == {"soldier"}
    assert frame["people"].sum() == ts["deaths_people"][-1]


def test_deaths_are_counted_in_people_at_any_scale():
    """An agent of 10 soldiers kills Binomial(10, p); the grid removes one active per 10 people."""
    sc = scenario(scenario={"steps": 120}, repression={"soldier_density": 0.01, "fire_at": 0.05, "p_kill": 0.05})
    sim = Simulation(sc, seed=1)
    sim.world.mechanisms.people_per_agent[:] = 10.0
    ts = sim.run().timeseries()
    people = ts["deaths_people"][-1]
    ms = sim.world.mechanisms
    assert people > 0
    assert ts["dead"][-1] > 0
    # every person killed is either shown (one dead agent per 10) or still in the place's balance
    assert people == pytest.approx(10 * ts["dead"][-1] + ms.death_balance[0])
    assert 0 <= ms.death_balance[0] < 10 + 1e-9
    # the toll is not counted in units of 10
    assert np.any(ts["killed_people"].to_numpy() % 10 != 0)


def test_binomial_has_the_right_mean_and_variance():
    key = rng.step_key(1, "fire", 1)
    for n, p in [(1, 0.3), (10, 0.05), (1000, 0.004), (5000, 0.2)]:
        draws = np.array([repression.binomial(key, i, n, p) for i in range(20000)])
        assert draws.min() >= 0 and draws.max() <= n
        assert draws.mean() == pytest.approx(n * p, rel=0.03, abs=0.01)
        assert draws.var() == pytest.approx(n * p * (1 - p), rel=0.06, abs=0.01)
    assert repression.binomial(key, 0, 7, 0.0) == 0 and repression.binomial(key, 0, 7, 1.0) == 7


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("jail", ["epstein", "netlogo", "mesa"])
def test_invariants_hold_after_every_phase_with_soldiers(schedule, jail):
    rules = {"epstein": {}, "netlogo": {"jailed_leave_grid": False, "cop_moves_to_arrestee": True},
             "mesa": {"jailed_leave_grid": False, "jailed_block_cell": True, "order": "decide_then_move"}}[jail]
    sc = scenario(scenario={"steps": 80}, citizen={"legitimacy": 0.7}, rules=rules,
                  repression={"soldier_density": 0.02, "teargas_at": 0.02, "fire_at": 0.1, "p_kill": 0.3,
                              "deployments": [{"step": 40, "soldier_density": 0.01}]},
                  legitimacy={"backfire_witness": 0.05})
    sim = checked(Simulation(sc, seed=3, schedule=schedule))
    assert "soldiers.deploy" in str(sim.plan)
    ts = sim.run().timeseries()
    assert ts["soldiers"][39] == 32 and ts["soldiers"][40] == 48
    pop = sim.world.pop
    dead = (pop.kind[: pop.n] == CITIZEN) & (pop.state[: pop.n] == DEAD)
    assert np.all(pop.cell[: pop.n][dead] == -1)
