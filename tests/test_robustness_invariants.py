"""Invariants after every phase (`--check`, `checks.attach`), each one firing by name on a broken world,
and a long run that keeps them with no drift in the population."""

from __future__ import annotations

import os

import numpy as np
import pytest
from typer.testing import CliRunner

from uprising import checks
from uprising.cli import app
from uprising.engine import jail
from uprising.engine.plan import Phase
from uprising.engine.population import ACTIVE, CITIZEN, DEAD, JAILED, QUIET
from uprising.simulation import Simulation

runner = CliRunner()


def small(steps=20, schedule="sequential", **over) -> Simulation:
    return Simulation.from_scenario("epstein-1", schedule=schedule, steps=steps, seed=2,
                                    **{"grid.width": 15, "grid.height": 15, **over})


def test_engine_invariants_are_named_and_documented():
    names = [inv.name for inv in checks.INVARIANTS]
    for name in ("citizens.accounted", "citizens.conserved", "grid.one_agent_per_cell", "grid.occupant_cell",
                 "grid.board", "jail.term", "deaths.monotone", "supply.non_negative", "deaths.people_monotone"):
        assert name in names
    assert all(inv.doc for inv in checks.INVARIANTS)


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_attach_checks_every_phase_and_keeps_the_plan(schedule):
    sim = small(schedule=schedule)
    before = str(sim.plan)
    checker = checks.attach(sim)
    assert str(sim.plan) == before
    sim.run()
    assert checker.checks == 1 + 20 * len(sim.plan)
    assert "supply.non_negative" not in checker.names  # the classic world has no supply


def _first_citizen(world, state=None):
    pop = world.pop
    rows = np.flatnonzero((pop.kind[: pop.n] == CITIZEN) & ((pop.state[: pop.n] == state) if state is not None else True))
    return int(rows[0]), int(rows[1])


def _two_on_a_cell(world):
    a, b = _first_citizen(world, QUIET)
    world.places.occupant[world.pop.cell[b]] = -1
    world.places.board[world.pop.cell[b]] = 0
    world.pop.cell[b] = world.pop.cell[a]


def _occupant_astray(world):
    a, _ = _first_citizen(world, QUIET)
    world.places.occupant[world.pop.cell[a]] = -1


def _board_lies(world):
    a, _ = _first_citizen(world, QUIET)
    world.places.board[world.pop.cell[a]] = 2  # shows active


def _no_state(world):
    a, _ = _first_citizen(world)
    world.pop.state[a] = 7


def _jailed_too_long(world):
    a, _ = _first_citizen(world, QUIET)
    pop = world.pop
    world.places.occupant[pop.cell[a]] = -1
    world.places.board[pop.cell[a]] = 0
    pop.cell[a] = -1
    pop.state[a] = JAILED
    pop.jail_left[a] = 10_000


def _free_owes(world):
    a, _ = _first_citizen(world, QUIET)
    world.pop.jail_left[a] = 3


def _resurrection(world):
    a, _ = _first_citizen(world, QUIET)
    pop = world.pop
    world.places.occupant[pop.cell[a]] = -1
    world.places.board[pop.cell[a]] = 0
    pop.cell[a] = -1
    pop.state[a] = DEAD


def _citizen_vanishes(world):
    a, _ = _first_citizen(world, QUIET)
    pop = world.pop
    world.places.occupant[pop.cell[a]] = -1
    world.places.board[pop.cell[a]] = 0
    pop.cell[a] = -1
    pop.kind[a] = 1
    pop.state[a] = 4  # an off-duty "cop" now


BREAKS = {
    "grid.one_agent_per_cell": _two_on_a_cell,
    "grid.occupant_cell": _occupant_astray,
    "grid.board": _board_lies,
    "citizens.accounted": _no_state,
    "jail.term": _jailed_too_long,
    "citizens.conserved": _citizen_vanishes,
}


@pytest.mark.parametrize("name", sorted(BREAKS) + ["jail.term (free owes)"])
def test_each_invariant_fires_by_name_with_phase_and_step(name):
    sim = small()
    breaker = BREAKS.get(name, _free_owes)
    sim.plan.insert_after("agents.act", Phase("bug.inject", lambda w, s: breaker(w) if s == 4 else None))
    checks.attach(sim)
    with pytest.raises(checks.InvariantError) as info:
        sim.run()
    e = info.value
    assert e.invariant == name.split(" ")[0] and e.phase == "bug.inject" and e.step == 4
    assert str(e).startswith(f"invariant {e.invariant} violated after phase bug.inject at step 4: ")


def test_deaths_never_decrease():
    sim = small()
    checker = checks.attach(sim)
    sim.run(2)
    _resurrection(sim.world)
    checker("bug", 3)  # one more death is fine
    pop = sim.world.pop
    dead = np.flatnonzero(pop.state[: pop.n] == DEAD)
    pop.state[dead] = JAILED  # the dead come back (as jailed, off the grid)
    pop.jail_left[dead] = 1
    with pytest.raises(checks.InvariantError, match="deaths.monotone"):
        checker("bug", 4)


def test_world_invariants_can_be_added():
    calls = []

    @checks.invariant("test.only", "a world's own invariant", applies=lambda w: hasattr(w, "test_stock"))
    def _(world, memo):
        calls.append(1)
        return "stock below zero" if world.test_stock < 0 else None

    try:
        sim = small()
        sim.world.test_stock = 1
        checks.attach(sim)
        sim.run(3)
        assert calls
        sim.world.test_stock = -1
        with pytest.raises(checks.InvariantError, match="invariant test.only violated after phase agents.act at step 4: stock"):
            sim.step()
    finally:
        checks.INVARIANTS[:] = [i for i in checks.INVARIANTS if i.name != "test.only"]


def test_supply_invariant_on_a_world_with_stocks():
    sim = small()
    sim.world.fuel_stock = np.array([3.0, 0.0])
    sim.world.food_stock = np.array([1.0, -0.5])
    sim.world.names = ["El Alto", "La Paz"]
    with pytest.raises(checks.InvariantError, match=r"supply.non_negative .*food_stock is -0.5 in La Paz"):
        checks.check_now(sim.world, "supply.move", 9)


def test_run_check_through_the_cli(tmp_path, monkeypatch):
    args = ["run", "epstein-1", "--steps", "15", "--set", "grid.width=12", "--set", "grid.height=12",
            "--no-report", "-q", "--check"]
    ok = runner.invoke(app, [*args, "--out", str(tmp_path / "ok")])
    assert ok.exit_code == 0, ok.output

    def broken_release(world, step):  # a bug in a phase: a released citizen stays jailed forever
        jail_release(world, step)
        if step == 7:
            _jailed_too_long(world)

    jail_release = jail.release_phase
    monkeypatch.setattr(jail, "release_phase", broken_release)
    monkeypatch.setenv("UPRISING_LOG_DIR", str(tmp_path / "logs"))
    bad = runner.invoke(app, [*args, "--schedule", "synchronous", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 1
    line = bad.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "internal error: InvariantError: invariant jail.term violated after phase jail.release at step 7" in line
    log = line.rsplit("full traceback in ", 1)[1]
    assert "Traceback" in open(log).read()


LONG_STEPS = int(os.environ.get("UPRISING_LONG_STEPS", "20000"))


def test_long_run_keeps_invariants_without_drift():
    """Classic model, synchronous, 40x40: counts sum exactly to the citizens at every step.

    Default 2·10^4 steps (the CI budget); `UPRISING_LONG_STEPS=100000` for the issue's 10^5
    (docs/robustness.md has the timing)."""
    sim = Simulation.from_scenario("epstein-1", schedule="synchronous", steps=LONG_STEPS, seed=9)
    checker = checks.Checker(sim.world)
    chunk = max(LONG_STEPS // 20, 1)
    while sim.steps_done < LONG_STEPS:
        sim.run(min(chunk, LONG_STEPS - sim.steps_done))
        checker("record", sim.steps_done)  # full invariants, with memory, every chunk
    cols = sim.world.recorder.columns()
    total = cols["quiet"] + cols["active"] + cols["jailed"] + cols["dead"]
    assert total.shape[0] == LONG_STEPS + 1
    assert (total == sim.world.citizens_at_start).all()
    assert (cols["dead"] == 0).all() and (cols["cops"] == sim.world.cops_at_start).all()
    pop = sim.world.pop
    alive = pop.state[: pop.n][pop.kind[: pop.n] == CITIZEN]
    assert np.isin(alive, (QUIET, ACTIVE, JAILED)).all()
    assert cols["active"].max() > 0 and cols["jailed"].max() > 0  # the run did something
    legit = pop.legitimacy[: pop.n][pop.kind[: pop.n] == CITIZEN]
    assert (legit == np.float32(sim.scenario.citizen.legitimacy)).all()  # no drift in the parameters


def test_simulation_check_flag():
    sim = Simulation.from_scenario("epstein-1", steps=5, **{"grid.width": 10, "grid.height": 10})
    assert getattr(sim, "_checks", None) is None
    from uprising.scenarios import load_scenario

    checked = Simulation(load_scenario("epstein-1", {"scenario.steps": 5, "grid.width": 10, "grid.height": 10}),
                         check=True)
    checked.run()
    assert checked._checks.checks == 1 + 5 * len(checked.plan)
