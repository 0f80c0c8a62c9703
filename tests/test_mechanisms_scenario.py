"""The mechanisms from a TOML scenario and from the Python API: validation, the demo, threads."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from uprising.errors import UserError
from uprising.scenarios import load_scenario, shipped_names
from uprising.simulation import Simulation

BAD = {
    "unknown key": ("[repression]\nsoldier_densty = 0.01\n", "repression.soldier_densty",
                    ["unknown key", "did you mean 'repression.soldier_density'"]),
    "wrong type": ('[legitimacy]\nbackfire_witness = "high"\n', "legitimacy.backfire_witness",
                   ["expected a number from 0 to 1", "got a string"]),
    "out of range": ("[loyalty]\nthreshold = 1.5\n", "loyalty.threshold", ["1.5 is out of range", "from 0 to 1"]),
    "bad doctrine": ("[repression]\nteargas_at = 0.3\nfire_at = 0.1\n", "repression",
                     ["fire_at (0.1) is below teargas_at (0.3)"]),
    "decree level": ("[[repression.decrees]]\nstep = 3\nlevel = 3\n", "repression.decrees[0].level",
                     ["3 is out of range", "from 0 to 2"]),
    "shock missing size": ("[[legitimacy.shocks]]\nstep = 3\n", "legitimacy.shocks[0].size", ["required key is missing"]),
    "group shares": ('[[groups]]\nname = "a"\nshare = 0.5\n', "groups", ["group shares sum to 0.5"]),
    "group key": ('[[groups]]\nname = "a"\nshare = 1.0\nhardship = 0.5\n', "groups[0].hardship",
                  ["unknown key", "did you mean 'groups[0].hardship_low'"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_mechanism_keys_are_one_line_user_errors(tmp_path, case):
    text, key, words = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text('extends = "epstein-1"\n' + text, encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_scenario(path)
    line = str(e.value)
    assert "\n" not in line and line.startswith(str(path)), line
    assert f": {key}: " in line, line
    for word in words:
        assert word in line, line


def test_python_api_overrides_switch_mechanisms_on():
    sim = Simulation.from_scenario("epstein-1", steps=5, **{"legitimacy.backfire_witness": 0.05,
                                                            "repression.soldier_density": 0.01,
                                                            "loyalty.erosion": 0.01})
    assert sim.scenario.legitimacy.backfire_witness == 0.05
    assert str(sim.plan) == ("legitimacy.update → agents.act → soldiers.repress → loyalty.update → jail.release "
                             "→ record")
    sync = Simulation.from_scenario("epstein-1", schedule="synchronous", **{"repression.soldier_density": 0.01})
    assert str(sync.plan) == "agents.move → citizens.decide → cops.arrest → soldiers.repress → jail.release → record"


def test_the_shipped_demo_runs_every_mechanism():
    assert "repression-demo" in shipped_names()
    sim = Simulation.from_scenario("repression-demo", steps=300)
    assert all(sim.world.mechanisms.on.values())
    ts = sim.run().timeseries()
    for column in ("legitimacy_mean", "soldiers", "doctrine", "killed_people", "deaths_people", "neutral_police",
                   "neutral_soldiers", "neutral_share", "defectors_joined"):
        assert column in ts.columns
    assert ts["deaths_people"][-1] > 0 and ts["doctrine"].max() == 2
    assert ts["legitimacy_mean"][100] < ts["legitimacy_mean"][99]  # the step-100 shock


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two threads")
@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_results_do_not_depend_on_the_thread_count(schedule):
    def run(threads):
        numba.set_num_threads(threads)
        try:
            return Simulation.from_scenario("repression-demo", steps=150, schedule=schedule,
                                            **{"citizen.legitimacy": 0.75}).run()
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    one, two = run(1), run(2)
    assert one.timeseries().equals(two.timeseries())
    np.testing.assert_array_equal(one.world.pop.legitimacy, two.world.pop.legitimacy)
    np.testing.assert_array_equal(one.world.pop.loyalty, two.world.pop.loyalty)
