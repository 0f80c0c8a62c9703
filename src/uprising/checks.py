"""Named invariants, checked after every phase (``uprising run --check``, ``checks.attach(sim)``).

Each invariant is an :class:`Invariant`: a dotted name, what must hold, a test
``test(world, memo) -> str | None`` (the failure, or None) and ``applies(world)``. ``memo`` is a
dict private to the invariant and the run, for invariants over time (deaths never decrease).
The engine's list is :data:`INVARIANTS`; a world or a mechanism adds its own with
:func:`invariant`::

    @checks.invariant("supply.non_negative", "supply stocks are never negative",
                      applies=lambda w: hasattr(w, "fuel_stock"))
    def _(world, memo):
        if (world.fuel_stock < 0).any():
            return f"fuel stock {world.fuel_stock.min()} in {world.names[world.fuel_stock.argmin()]}"

A violation raises :class:`InvariantError` (an internal error: a bug, never the user's mistake)
naming the invariant, the phase and the step. The CLI prints it in one line with the log path.

This module sits in the engine layer: it imports only ``uprising.engine`` and ``numpy``.
``uprising.engine.invariants.check`` (the engine's own single check) stays for its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from uprising.engine import invariants as _engine_invariants
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, COP, DEAD, JAILED, LIFE, ON_DUTY, QUIET, SOLDIER
from uprising.engine.rules import JAIL_MAX, JAIL_MODE, KEEP_CELL, KEEP_CELL_PASSABLE, LEAVE_GRID

MARCHING = 3  # uprising.world.mechanisms.marches.MARCHING: a citizen travelling between places, off every grid


class InvariantError(_engine_invariants.InvariantError):
    """An invariant does not hold: ``invariant``, ``phase`` and ``step`` say which, where, when."""

    def __init__(self, invariant: str, phase: str, step: int, detail: str):
        self.invariant, self.phase, self.step, self.detail = invariant, phase, step, detail
        super().__init__(f"invariant {invariant} violated after phase {phase} at step {step}: {detail}")

    def __reduce__(self):
        return (InvariantError, (self.invariant, self.phase, self.step, self.detail))


@dataclass(frozen=True)
class Invariant:
    name: str
    doc: str
    test: Callable[[Any, dict], str | None]
    applies: Callable[[Any], bool] = lambda world: True


INVARIANTS: list[Invariant] = []


def invariant(name: str, doc: str, applies: Callable[[Any], bool] | None = None):
    """Decorator: register ``test(world, memo) -> str | None`` as the invariant ``name``."""

    def register(test: Callable[[Any, dict], str | None]):
        for i, inv in enumerate(INVARIANTS):
            if inv.name == name:
                del INVARIANTS[i]
                break
        INVARIANTS.append(Invariant(name, doc, test, applies or (lambda world: True)))
        return test

    return register


# ----------------------------------------------------------------------------------------------
# What the agents' arrays must say


def _views(world):
    pop = world.pop
    n = pop.n
    return pop, n, pop.kind[:n], pop.state[:n], pop.cell[:n]


def _standing(world) -> np.ndarray:
    """Rows that must hold a cell: free citizens, security agents on duty, jailed who keep their cell."""
    pop, n, kind, state, cell = _views(world)
    citizens = kind == CITIZEN
    security = (kind == COP) | (kind == SOLDIER)
    standing = (citizens & ((state == QUIET) | (state == ACTIVE))) | (security & (state == ON_DUTY))
    if world.rules[JAIL_MODE] == KEEP_CELL:
        standing |= citizens & (state == JAILED)
    return np.flatnonzero(standing)


def _where(world, rows: np.ndarray) -> str:
    rows = np.asarray(rows)[:3]
    pop = world.pop
    return ", ".join(f"agent {int(pop.agent_id[r])} (row {int(r)}, place {int(pop.place[r])}, cell {int(pop.cell[r])})"
                     for r in rows)


@invariant("citizens.accounted", "quiet + active + jailed + dead = citizens, per place")
def _accounted(world, memo):
    pop, n, kind, state, cell = _views(world)
    cit = kind == CITIZEN
    bad = np.flatnonzero(cit & ~np.isin(state, (QUIET, ACTIVE, JAILED, DEAD)))
    if len(bad):
        return f"citizen in no state ({int(state[bad[0]])}): {_where(world, bad)}"
    places = world.places.count
    p = pop.place[:n]
    if len(p) and (p[cit].min(initial=0) < 0 or p[cit].max(initial=0) >= places):
        return f"citizen in place outside 0..{places - 1}"
    total = np.bincount(p[cit], minlength=places)
    by_state = sum(np.bincount(p[cit & (state == s)], minlength=places) for s in (QUIET, ACTIVE, JAILED, DEAD))
    if not np.array_equal(total, by_state):
        q = int(np.flatnonzero(total != by_state)[0])
        return f"place {q}: {int(by_state[q])} counted by state but {int(total[q])} citizens"
    return None


def _citizen_rows(world) -> int:
    pop, n, kind, state, cell = _views(world)
    return int(((kind == CITIZEN) | (kind == MARCHING)).sum())


def _exactly_conserved(world) -> bool:
    """Only births add citizens (no defectors joining the crowd): the classic worlds."""
    loyalty = getattr(world.scenario, "loyalty", None)
    joins = loyalty is not None and getattr(loyalty, "on", False) and getattr(loyalty, "join_share", 0) > 0
    return type(world).__name__ == "World" and not joins


@invariant("citizens.conserved",
           "citizens are never deleted: their count never falls, and in the classic worlds it is the "
           "count at set-up plus Model II births")
def _conserved(world, memo):
    now = _citizen_rows(world)
    before = memo.get("rows")
    memo["rows"] = now
    if before is not None and now < before:
        return f"{before} citizens became {now}"
    if _exactly_conserved(world):
        expect = int(world.citizens_at_start) + int(world.counter[3])
        if now != expect:
            return f"{now} citizens; {world.citizens_at_start} at set-up + {int(world.counter[3])} births = {expect}"
    return None


@invariant("grid.one_agent_per_cell", "at most one agent stands on a cell")
def _one_per_cell(world, memo):
    cell = world.pop.cell
    rows = _standing(world)
    cells = cell[rows]
    if (cells < 0).any() or (cells >= world.places.n_cells).any():
        bad = rows[(cells < 0) | (cells >= world.places.n_cells)]
        return f"agent on the grid without a valid cell: {_where(world, bad)}"
    uniq, counts = np.unique(cells, return_counts=True)
    if (counts > 1).any():
        c = uniq[counts > 1][0]
        return f"{int(counts.max())} agents on cell {int(c)}: {_where(world, rows[cells == c])}"
    return None


@invariant("grid.occupant_cell", "occupant[cell] and cell[agent] agree both ways; agents off the grid hold no cell")
def _occupant_cell(world, memo):
    pop, n, kind, state, cell = _views(world)
    occ = world.places.occupant
    rows = _standing(world)
    if len(rows) and (cell[rows] < 0).any():
        return "an agent on the grid has no cell"
    wrong = rows[occ[cell[rows]] != rows] if len(rows) else rows
    if len(wrong):
        return f"occupant of the cell is not the agent standing there: {_where(world, wrong)}"
    held = np.flatnonzero(occ >= 0)
    if len(held) != len(rows):
        stray = held[~np.isin(held, cell[rows])][:3]
        return f"{len(held)} occupied cells but {len(rows)} agents on the grid (stray cells {stray.tolist()})"
    if (occ[held] >= n).any():
        return "occupant points past the population"
    mode = world.rules[JAIL_MODE]
    jailed = np.flatnonzero((kind == CITIZEN) & (state == JAILED))
    if mode == LEAVE_GRID and (cell[jailed] != -1).any():
        return f"jailed citizen still on the grid: {_where(world, jailed[cell[jailed] != -1])}"
    if mode == KEEP_CELL_PASSABLE and (cell[jailed] < 0).any():
        return f"jailed citizen lost its cell: {_where(world, jailed[cell[jailed] < 0])}"
    security = (kind == COP) | (kind == SOLDIER)
    gone = np.flatnonzero((state == DEAD) & (kind == CITIZEN) | (security & (state != ON_DUTY))
                          | ~((kind == CITIZEN) | security))
    if (cell[gone] != -1).any():
        return f"removed, neutral or marching agent still on the grid: {_where(world, gone[cell[gone] != -1])}"
    return None


@invariant("grid.board", "the board shows who stands on each cell, and empty cells show nobody")
def _board(world, memo):
    pop, n, kind, state, cell = _views(world)
    board, occ = world.places.board, world.places.occupant
    rows = _standing(world)
    k, s = kind[rows], state[rows]
    expect = np.where(k != CITIZEN, SEEN_COP,
                      np.where(s == ACTIVE, SEEN_ACTIVE, np.where(s == JAILED, SEEN_JAILED, SEEN_QUIET)))
    wrong = rows[board[cell[rows]] != expect]
    if len(wrong):
        return f"board shows {int(board[cell[wrong[0]]])} where {_where(world, wrong)} stands"
    free = occ < 0
    allowed = (board == EMPTY) | ((board == SEEN_JAILED) & (world.rules[JAIL_MODE] == KEEP_CELL_PASSABLE))
    bad = np.flatnonzero(free & ~allowed)
    if len(bad):
        return f"empty cell {int(bad[0])} shows {int(board[bad[0]])}"
    return None


@invariant("jail.term", "nobody is jailed past J_max (LIFE for J_max = inf), and free citizens owe no jail time")
def _jail(world, memo):
    pop, n, kind, state, cell = _views(world)
    jl = pop.jail_left[:n]
    cit = kind == CITIZEN
    free = np.flatnonzero(cit & ((state == QUIET) | (state == ACTIVE)) & (jl != 0))
    if len(free):
        return f"free citizen owes {int(jl[free[0]])} periods: {_where(world, free)}"
    jailed = np.flatnonzero(cit & (state == JAILED))
    terms = jl[jailed]
    jmax = world.rules[JAIL_MAX]
    bad = jailed[(terms < 0) | (terms > jmax)] if jmax >= 0 else jailed[terms != LIFE]
    if len(bad):
        allowed = f"0..{jmax}" if jmax >= 0 else "life"
        return f"jail term {int(jl[bad[0]])} outside {allowed}: {_where(world, bad)}"
    return None


@invariant("deaths.monotone", "dead citizens per place never decrease (the dead stay dead)")
def _deaths(world, memo):
    pop, n, kind, state, cell = _views(world)
    dead = np.bincount(pop.place[:n][(kind == CITIZEN) & (state == DEAD)], minlength=world.places.count)
    before = memo.get("dead")
    memo["dead"] = dead
    if before is not None and (dead < before).any():
        q = int(np.flatnonzero(dead < before)[0])
        return f"place {q}: dead fell from {int(before[q])} to {int(dead[q])}"
    return None


# ----------------------------------------------------------------------------------------------
# The world of places (applies when its arrays exist)


def _has(*names):
    return lambda world: all(hasattr(type(world), n) or hasattr(world, n) for n in names)


@invariant("supply.non_negative", "fuel and food stocks are finite and never negative",
           applies=_has("fuel_stock", "food_stock"))
def _supply(world, memo):
    for name in ("fuel_stock", "food_stock"):
        stock = np.asarray(getattr(world, name), float)
        bad = np.flatnonzero(~np.isfinite(stock) | (stock < 0))
        if len(bad):
            names = getattr(world, "names", None)
            where = names[bad[0]] if names is not None else f"place {bad[0]}"
            return f"{name} is {stock[bad[0]]} in {where}"
    return None


@invariant("deaths.people_monotone", "deaths in people, per place, are finite, non-negative and never decrease",
           applies=lambda world: type(world).__name__ == "CountryWorld")
def _deaths_people(world, memo):
    try:
        deaths = np.array(world.deaths_people, float)
    except AttributeError:
        return None  # not installed yet (set-up)
    if (~np.isfinite(deaths) | (deaths < 0)).any():
        return f"deaths in people {deaths[~np.isfinite(deaths) | (deaths < 0)][0]}"
    before = memo.get("deaths")
    memo["deaths"] = deaths
    if before is not None and before.shape == deaths.shape and (deaths < before - 1e-9).any():
        q = int(np.flatnonzero(deaths < before - 1e-9)[0])
        return f"place {q}: deaths fell from {before[q]} to {deaths[q]}"
    return None


# ----------------------------------------------------------------------------------------------
# Running them


class Checker:
    """The invariants that apply to one world, with their memory; ``checker(phase, step)``."""

    def __init__(self, world):
        self.world = world
        self.active = [inv for inv in INVARIANTS if inv.applies(world)]
        self.memo: dict[str, dict] = {inv.name: {} for inv in self.active}
        self.checks = 0

    def __call__(self, phase: str, step: int) -> None:
        self.checks += 1
        for inv in self.active:
            detail = inv.test(self.world, self.memo[inv.name])
            if detail:
                raise InvariantError(inv.name, phase, step, detail)

    @property
    def names(self) -> list[str]:
        return [inv.name for inv in self.active]


def check_now(world, phase: str = "now", step: int = 0) -> None:
    """Check every invariant once (no memory of earlier steps)."""
    Checker(world)(phase, step)


def attach(sim) -> Checker:
    """Check every invariant after every phase of ``sim`` (and once now); returns the checker.

    Each phase of ``sim.plan`` is wrapped in place, so ``print(sim.plan)`` is unchanged. Phases
    inserted later are not wrapped: attach after editing the plan.
    """
    existing = getattr(sim, "_checks", None)
    if existing is not None:
        return existing
    checker = Checker(sim.world)
    checker("set-up" if sim.steps_done == 0 else "resume", sim.steps_done)
    from uprising.engine.plan import Phase

    for i, phase in enumerate(sim.plan):
        def run(world, step, _run=phase.run, _name=phase.name):
            _run(world, step)
            checker(_name, step)

        sim.plan[i] = Phase(phase.name, run)
    sim._checks = checker
    return checker


__all__ = ["Invariant", "InvariantError", "INVARIANTS", "invariant", "Checker", "check_now", "attach"]
