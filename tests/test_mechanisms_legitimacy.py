"""Perceived legitimacy per citizen: backfire, concessions, shocks, relaxation, news, arrests.

Effects are shown with common random numbers: the same seed with the mechanism on and off
gives the same run up to the first killing, so any difference after it is the mechanism's.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import scenario

from uprising.engine.population import CITIZEN, DEAD
from uprising.errors import UserError
from uprising.mechanisms import legitimacy
from uprising.simulation import Simulation

SOLDIERS = {"soldier_density": 0.01, "fire_at": 0.05, "p_kill": 0.3}


def _living_legitimacy(sim) -> np.ndarray:
    pop = sim.world.pop
    n = pop.n
    return pop.legitimacy[:n][(pop.kind[:n] == CITIZEN) & (pop.state[:n] != DEAD)].astype(np.float64)


@pytest.mark.parametrize(("schedule", "seed"), [("sequential", 1), ("synchronous", 4)])
def test_backfire_brings_more_actives_after_a_killing(schedule, seed):
    base = {"scenario": {"steps": 200}, "repression": SOLDIERS}
    off = Simulation(scenario(**base), seed=seed, schedule=schedule).run().timeseries()
    on = Simulation(scenario(**base, legitimacy={"backfire_witness": 0.1, "backfire_place": 0.01}),
                    seed=seed, schedule=schedule).run().timeseries()
    killed = off["killed_people"].to_numpy()
    first = int(np.argmax(killed > 0))
    assert killed[first] > 0 and on["killed_people"].to_numpy()[first] > 0
    same = slice(0, first + 1)
    np.testing.assert_array_equal(on["active"].to_numpy()[same], off["active"].to_numpy()[same])
    after = slice(first + 1, first + 31)
    assert on["active"].to_numpy()[after].sum() > 2 * off["active"].to_numpy()[after].sum()
    assert on["legitimacy_mean"][first + 1] < on["legitimacy_mean"][first]


def test_a_concession_after_killings_restores_less():
    def run(at):
        sc = scenario(scenario={"steps": 160}, repression=SOLDIERS,
                      legitimacy={"half_life": float("inf"), "concession_deaths_half": 10.0,
                                  "concessions": [{"step": at, "size": 0.05}]})
        return Simulation(sc, seed=1).run().timeseries()

    early, late = run(1), run(150)
    assert early["deaths_people"][0] == 0
    gain_early = early["legitimacy_mean"][1] - early["legitimacy_mean"][0]
    deaths = late["deaths_people"][149]
    assert deaths > 10
    gain_late = late["legitimacy_mean"][150] - late["legitimacy_mean"][149]
    assert gain_early == pytest.approx(0.05, abs=1e-6)
    assert gain_late == pytest.approx(0.05 / (1 + deaths / 10.0), abs=1e-6)
    assert gain_late < gain_early / 3


def test_concession_entry_point_discounts_by_deaths_known():
    sim = Simulation(scenario(scenario={"steps": 1}, legitimacy={"backfire_place": 0.01}), seed=1)
    ms = sim.world.mechanisms
    before = _living_legitimacy(sim)
    granted = legitimacy.apply_concession(sim.world, np.array([True]), 0.1)
    assert granted[0] == pytest.approx(0.1)
    np.testing.assert_allclose(_living_legitimacy(sim) - before, 0.1, atol=1e-6)
    ms.deaths_people[0] = 30.0  # as after a massacre
    before = _living_legitimacy(sim)
    granted = legitimacy.apply_concession(sim.world, np.array([True]), 0.1)
    assert granted[0] == pytest.approx(0.1 / 4)
    np.testing.assert_allclose(_living_legitimacy(sim) - before, 0.025, atol=1e-6)
    assert ms.baseline[0, 0] == pytest.approx(0.82 + 0.1 + 0.025)


def test_a_shock_lowers_legitimacy_and_its_baseline():
    sc = scenario(scenario={"steps": 60}, legitimacy={"half_life": 5.0, "shocks": [{"step": 3, "size": 0.1}]})
    ts = Simulation(sc, seed=1).run().timeseries()
    lm = ts["legitimacy_mean"].to_numpy()
    assert lm[2] == pytest.approx(0.82, abs=1e-6)
    assert lm[3] == pytest.approx(0.72, abs=1e-6)
    assert lm[-1] == pytest.approx(0.72, abs=1e-6)  # the baseline moved with it: no relaxation back


def test_relaxation_halves_a_departure_in_one_half_life():
    sim = Simulation(scenario(scenario={"steps": 1}, legitimacy={"backfire_place": 0.01, "half_life": 8.0}), seed=1)
    pop = sim.world.pop
    citizens = pop.kind[: pop.n] == CITIZEN
    pop.legitimacy[: pop.n][citizens] = 0.42  # 0.4 below the baseline 0.82
    for step in range(1, 9):
        legitimacy.update(sim.world, step)
    np.testing.assert_allclose(_living_legitimacy(sim), 0.82 - 0.2, atol=1e-5)


def test_news_from_other_places_backfires_by_reach():
    sim = Simulation(scenario(scenario={"steps": 1}, legitimacy={"backfire_radio": 0.02, "half_life": float("inf")}),
                     seed=1)
    sim.world.mechanisms.radio_reach[0] = 0.5
    before = _living_legitimacy(sim)
    legitimacy.hear_news(sim.world, np.array([10.0]))
    legitimacy.update(sim.world, 1)
    np.testing.assert_allclose(_living_legitimacy(sim), before * 0.98**5, rtol=1e-6)


def test_arrests_backfire_weaker_than_killings():
    sc = scenario(scenario={"steps": 60}, citizen={"legitimacy": 0.75},
                  legitimacy={"backfire_place": 0.01, "arrest_factor": 0.5, "half_life": float("inf")})
    ts = Simulation(sc, seed=2).run().timeseries()
    arrests = ts["arrests"].to_numpy()
    assert arrests.sum() > 20
    # L(t) = L0 * (1 - b)^(a * arrests up to t-1): the update at the start of t hears step t-1
    expected = np.float32(0.75) * 0.99 ** (0.5 * np.concatenate([[0], np.cumsum(arrests)[:-1]]))
    np.testing.assert_allclose(ts["legitimacy_mean"].to_numpy(), expected, rtol=2e-5)


def test_legitimacy_interventions_still_apply_with_the_mechanism_on():
    sc = scenario(scenario={"steps": 40}, legitimacy={"backfire_place": 0.01},
                  interventions=[{"step": 10, "parameter": "legitimacy", "value": 0.7},
                                 {"step": 20, "until": 30, "parameter": "legitimacy", "value": 0.5}])
    ts = Simulation(sc, seed=1).run().timeseries()
    lm = ts["legitimacy_mean"].to_numpy()
    assert lm[9] == pytest.approx(0.82, abs=1e-6) and lm[10] == pytest.approx(0.7, abs=1e-6)
    assert lm[25] == pytest.approx(0.6, abs=1e-6) and lm[40] == pytest.approx(0.5, abs=1e-6)


def test_unknown_place_in_a_shock_is_a_user_error():
    sc = scenario(scenario={"steps": 5}, legitimacy={"shocks": [{"step": 2, "size": 0.1, "places": ["El Alto"]}]})
    with pytest.raises(UserError) as e:
        Simulation(sc, seed=1).run()
    assert "legitimacy.shocks.places" in str(e.value) and "unknown place 'El Alto'" in str(e.value)
