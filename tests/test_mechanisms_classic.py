"""With every mechanism switched off the model is exactly Epstein's, draw for draw.

The reference is the engine alone (``World`` + ``build_plan``, the mechanisms never installed);
the run under test goes through ``Simulation`` with the mechanisms' sections present but off —
including sections whose other keys differ from their defaults, and a legitimacy mechanism that
is on but has nothing to react to.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import scenario
from mechanisms_helpers import columns, engine_only

from uprising.simulation import Simulation

SCHEDULES = ["sequential", "synchronous"]

OFF_BUT_SET = {
    "legitimacy": {"half_life": 3.0, "concession_deaths_half": 2.0, "arrest_factor": 0.0},
    "repression": {"teargas_at": 0.01, "fire_at": 0.02, "p_kill": 0.9, "soldier_vision": 3.0},
    "loyalty": {"threshold": 0.9, "crowd_ratio": 0.5, "join_share": 1.0},
}

CASES = {
    "run2": {"scenario": {"steps": 120}},
    "run4 jump": {"scenario": {"steps": 120},
                  "interventions": [{"step": 30, "parameter": "legitimacy", "value": 0.7}]},
    "netlogo jail": {"scenario": {"steps": 80}, "citizen": {"legitimacy": 0.7},
                     "rules": {"jailed_leave_grid": False, "cop_moves_to_arrestee": True}},
}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_all_off_is_the_classic_trajectory(schedule, case):
    base = CASES[case]
    steps = base["scenario"]["steps"]
    reference = engine_only(scenario(**base), 5, schedule, steps)
    sim = Simulation(scenario(**base, **OFF_BUT_SET), seed=5, schedule=schedule)
    assert not any(sim.world.mechanisms.on.values())
    assert "soldiers.repress" not in str(sim.plan) and "loyalty.update" not in str(sim.plan)
    sim.run()
    _same(columns(sim), reference)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_legitimacy_on_with_nothing_to_react_to_changes_nothing(schedule):
    """Backfire switched on but nobody is ever killed: the phase runs, relaxes L to itself, and
    the trajectory is still Epstein's (the classic columns; the mechanism adds legitimacy_mean)."""
    base = {"scenario": {"steps": 100}}
    reference = engine_only(scenario(**base), 2, schedule, 100)
    sim = Simulation(scenario(**base, legitimacy={"backfire_witness": 0.2, "backfire_place": 0.1,
                                                  "half_life": 5.0}), seed=2, schedule=schedule)
    assert str(sim.plan).startswith("legitimacy.update")
    sim.run()
    got = columns(sim)
    assert np.all(got.pop("legitimacy_mean") == np.float32(0.82).astype(np.float64))
    _same(got, reference)
