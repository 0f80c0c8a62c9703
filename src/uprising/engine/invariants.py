"""What must hold after every phase (style.md 9); tests insert ``check`` after each phase.

- quiet + active + jailed + dead = citizens (rows of kind citizen), per place;
- one agent per cell, and ``occupant``/``cell`` agree both ways;
- the board shows what stands on each cell (police and soldiers alike: security, code 4);
- nobody is jailed past J_max, and free citizens owe no jail time.
"""

from __future__ import annotations

import numpy as np

from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, COP, DEAD, JAILED, LIFE, ON_DUTY, QUIET, SOLDIER
from uprising.engine.rules import JAIL_MAX, JAIL_MODE, KEEP_CELL, KEEP_CELL_PASSABLE, LEAVE_GRID


class InvariantError(AssertionError):
    pass


def check(world, where: str = "") -> None:
    pop, places = world.pop, world.places
    n = pop.n
    kind, state, cell = pop.kind[:n], pop.state[:n], pop.cell[:n]
    occ, board = places.occupant, places.board

    def fail(msg: str) -> None:
        raise InvariantError(f"{where}: {msg}")

    citizens = kind == CITIZEN
    security = (kind == COP) | (kind == SOLDIER)  # police and soldiers
    counted = np.isin(state[citizens], [QUIET, ACTIVE, JAILED, DEAD]).sum()
    if counted != citizens.sum():
        fail("a citizen is in no state")
    mode = world.rules[JAIL_MODE]
    jailed = citizens & (state == JAILED)
    standing = (citizens & ((state == QUIET) | (state == ACTIVE))) | (security & (state == ON_DUTY))
    if mode == KEEP_CELL:
        standing |= jailed
    rows = np.flatnonzero(standing)
    if (cell[rows] < 0).any():
        fail("an agent on the grid has no cell")
    if len(np.unique(cell[rows])) != len(rows):
        fail("two agents on one cell")
    if not (occ[cell[rows]] == rows).all():
        fail("occupant does not point back at an agent on the grid")
    held = np.flatnonzero(occ >= 0)
    if len(held) != len(rows):
        fail(f"{len(held)} occupied cells but {len(rows)} agents on the grid")
    if mode == LEAVE_GRID and (cell[jailed] != -1).any():
        fail("a jailed citizen is still on the grid")
    if mode == KEEP_CELL_PASSABLE and (cell[jailed] < 0).any():
        fail("a jailed citizen has lost its cell")
    gone = (state == DEAD) | (security & (state != ON_DUTY))
    if (cell[gone] != -1).any():
        fail("a removed agent is still on the grid")
    expect = np.where(security[rows], SEEN_COP,
                      np.where(state[rows] == ACTIVE, SEEN_ACTIVE,
                               np.where(state[rows] == JAILED, SEEN_JAILED, SEEN_QUIET)))
    if not (board[cell[rows]] == expect).all():
        fail("the board does not show who stands there")
    free_cells = occ < 0
    allowed = (board == EMPTY) | ((board == SEEN_JAILED) & (mode == KEEP_CELL_PASSABLE))
    if not allowed[free_cells].all():
        fail("an empty cell shows an agent")
    jl = pop.jail_left[:n]
    if (jl[citizens & ((state == QUIET) | (state == ACTIVE))] != 0).any():
        fail("a free citizen owes jail time")
    jmax = world.rules[JAIL_MAX]
    terms = jl[jailed]
    if (terms < 0).any() or (jmax >= 0 and (terms > jmax).any()) or (jmax < 0 and (terms != LIFE).any()):
        fail("a jail term outside 0..J_max")
