"""Invariants hold after every phase of every step, under every rule variant and both schedules."""

from __future__ import annotations

import pytest
from engine_helpers import VARIANTS, scenario

from uprising.engine.invariants import check
from uprising.engine.plan import Phase
from uprising.simulation import Simulation


def checked(sim: Simulation) -> Simulation:
    """Insert an invariant check after every phase of the plan."""
    for phase in list(sim.plan):
        sim.plan.insert_after(phase.name, Phase(f"check.{phase.name}", lambda w, s, n=phase.name: check(w, n)))
    return sim


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_invariants_model1(variant, schedule):
    sc = scenario(scenario={"steps": 60}, **VARIANTS[variant])
    sim = checked(Simulation(sc, seed=3, schedule=schedule))
    check(sim.world, "set-up")
    sim.run()
    ts = sim.timeseries()
    total = ts["quiet"] + ts["active"] + ts["jailed"] + ts["dead"]
    assert (total == sim.world.citizens_at_start).all()
    assert ts["jailed"].max() > 0, "no arrests: the variant is not exercised"


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
@pytest.mark.parametrize("jail", [{"jailed_leave_grid": True}, {"jailed_leave_grid": False, "jailed_block_cell": False}])
def test_invariants_model2_with_peacekeepers(schedule, jail):
    sc = scenario(
        scenario={"model": "epstein-2", "steps": 60},
        citizen={"vision": 1.7, "legitimacy": 0.8, "jail_max": 15.0},
        cop={"vision": 1.7},
        population={"cop_density": 0.02},
        model2={"peacekeepers_at": 20, "peacekeeper_density": 0.03},
        rules=jail,
    )
    sim = checked(Simulation(sc, seed=4, schedule=schedule))
    sim.run()
    ts = sim.timeseries()
    assert ts["kills"].sum() > 0 and ts["births"].sum() > 0 and ts["deaths"].sum() > 0
    assert ts["cops"][21] > ts["cops"][19]


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_interventions_keep_invariants(schedule):
    sc = scenario(
        scenario={"steps": 40},
        citizen={"legitimacy": 0.9, "jail_max": float("inf")},
        population={"cop_density": 0.074},
        interventions=[
            {"step": 10, "parameter": "legitimacy", "value": 0.7},
            {"step": 5, "until": 30, "parameter": "cop_density", "value": 0.0},
        ],
    )
    checked(Simulation(sc, seed=2, schedule=schedule)).run()
