"""The public API: running, outputs, determinism, the plan, interventions."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from engine_helpers import scenario

from uprising.engine.plan import Phase
from uprising.errors import UserError
from uprising.scenarios import load_scenario
from uprising.simulation import Simulation, outbursts


def test_run_outputs():
    sim = Simulation(scenario(scenario={"steps": 30}), seed=1, frame_every=10)
    calls = []
    sim.run(progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (30, 30)
    ts = sim.timeseries()
    assert isinstance(ts, pl.DataFrame)
    assert ts.columns[:7] == ["step", "place", "quiet", "active", "jailed", "dead", "cops"]
    assert ts["step"].to_list() == list(range(31))
    assert ts["cops"][0] == round(0.04 * 1600)
    steps, cells = sim.frames()
    assert steps.tolist() == [0, 10, 20, 30]
    assert cells.shape == (4, 40, 40) and cells.dtype == np.int8
    assert set(np.unique(cells)) <= {0, 1, 2, 3, 4}
    last = cells[-1]
    assert (last == 4).sum() == ts["cops"][-1]
    assert (last == 2).sum() == ts["active"][-1]
    s = sim.summary()
    for key in ("scenario", "seed", "steps", "schedule", "parameters", "citizens", "cops",
                "mean_active_fraction", "peak_active_fraction", "outbursts", "wall_seconds",
                "agent_steps_per_second", "version"):
        assert key in s
    assert s["steps"] == 30 and s["citizens"] == 1120 and s["parameters"]["citizen"]["legitimacy"] == 0.82


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_same_seed_same_run_other_seed_other_run(schedule):
    sc = scenario(scenario={"steps": 50})
    a = Simulation(sc, seed=7, schedule=schedule).run().timeseries()
    b = Simulation(sc, seed=7, schedule=schedule).run().timeseries()
    c = Simulation(sc, seed=8, schedule=schedule).run().timeseries()
    assert a.equals(b)
    assert not a.equals(c)


def test_seed_defaults_to_the_scenarios():
    sc = scenario(scenario={"steps": 5, "seed": 11})
    assert Simulation(sc).seed == 11


def test_plan_is_printable_and_open_to_new_phases():
    sim = Simulation(scenario(scenario={"steps": 3}), schedule="synchronous")
    assert str(sim.plan) == "agents.move → citizens.decide → cops.arrest → jail.release → record"
    seen = []
    sim.plan.insert_after("cops.arrest", Phase("my.probe", lambda world, step: seen.append(step)))
    assert "cops.arrest → my.probe → jail.release" in str(sim.plan)
    sim.run()
    assert seen == [1, 2, 3]
    seq = Simulation(scenario(rules={"order": "decide_then_move"}))
    assert str(seq.plan) == "agents.act → jail.release → record"


def test_legitimacy_jump_and_cop_ramp():
    sc = scenario(
        scenario={"steps": 30},
        population={"cop_density": 0.074},
        interventions=[
            {"step": 10, "parameter": "legitimacy", "value": 0.7},
            {"step": 5, "until": 25, "parameter": "cop_density", "value": 0.0},
        ],
    )
    sim = Simulation(sc, seed=1)
    assert str(sim.plan).startswith("legitimacy.update → cops.deploy → agents.act")
    sim.run(9)
    pop = sim.world.pop
    assert np.allclose(pop.legitimacy[: pop.n][pop.kind[: pop.n] == 0], 0.82)
    sim.run(1)
    assert np.allclose(pop.legitimacy[: pop.n][pop.kind[: pop.n] == 0], 0.7)
    sim.run(20)
    cops = sim.timeseries()["cops"].to_list()
    assert cops[4] == 118 and cops[15] == round(118 * (1 - 10 / 20)) and cops[25] == 0 and cops[30] == 0


def test_model2_counts_groups_and_kills():
    sc = scenario(scenario={"model": "epstein-2", "steps": 150},
                  citizen={"vision": 1.7, "legitimacy": 0.8, "jail_max": 15.0}, cop={"vision": 1.7},
                  population={"cop_density": 0.0})
    ts = Simulation(sc, seed=1).run().timeseries()
    for col in ("active_g0", "active_g1", "citizens_g0", "citizens_g1", "kills", "births", "deaths"):
        assert col in ts.columns
    assert ts["kills"].sum() > 100
    assert min(ts["citizens_g0"][-1], ts["citizens_g1"][-1]) == 0  # Run 7: genocide


def test_user_errors():
    with pytest.raises(UserError, match="schedule"):
        Simulation(scenario(), schedule="parallel")
    with pytest.raises(UserError, match="frame_every"):
        Simulation(scenario(), frame_every=0)


def test_from_scenario_uses_the_loader():
    sim = Simulation.from_scenario("epstein-1", seed=3, steps=7, **{"citizen.legitimacy": 0.7})
    assert sim.scenario.citizen.legitimacy == 0.7
    sim.run()
    assert sim.summary()["steps"] == 7


def test_outbursts_count_crossings():
    assert outbursts(np.array([0, 60, 70, 40, 55, 49, 51, 50, 49]), 50) == 3
    assert outbursts(np.array([0, 50, 50, 10]), 50) == 0


def test_the_parameters_of_a_summary_carry_the_seed_and_schedule_used():
    """Issue #22, 20: summary() said seed 77 at its top and the file's seed 1 in its parameters."""
    sc = load_scenario("epstein-1", {"scenario.steps": 3, "grid.width": 10, "grid.height": 10})
    assert sc.scenario.seed != 77
    sim = Simulation(sc, seed=77, schedule="synchronous")
    sim.run()
    s = sim.summary()
    assert s["seed"] == s["parameters"]["scenario"]["seed"] == 77
    assert s["schedule"] == s["parameters"]["scenario"]["schedule"] == "synchronous"
    assert sc.scenario.seed != 77  # the scenario given is not touched
    again = Simulation(load_scenario(s["parameters"]))  # the parameters alone run this run again
    again.run()
    assert again.summary()["peak_active"] == s["peak_active"] and again.seed == 77
