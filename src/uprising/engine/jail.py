"""Jail: the term a cop hands out, and release.

Term ~ U{0..J_max} (``jail_term = inclusive``, Mesa ``randint``) or U{0..J_max-1}
(``exclusive``, NetLogo ``random``); J_max = inf is a life term (never released).

Countdown (``jail_countdown``):
- ``end_of_step`` (the ``jail.release`` phase, NetLogo's tick end): every jailed citizen's
  term drops by one (not below 0), and those at 0 are released. A term of s >= 1 handed out in
  step t frees the citizen for step t+s, exactly as NetLogo (`if jail-term > 0 [set jail-term
  jail-term - 1]`, jailed iff jail-term > 0); a term of 0 frees it for the next step.
- ``own_turn`` (Mesa ``Citizen.step``): in its own activation a jailed citizen with term > 0
  decrements it and does nothing else; with term 0 it is released and acts in that turn.

Where a released citizen goes (``rules.jailed_leave_grid`` / ``jailed_block_cell``):
- left the grid (Epstein): a uniformly random empty cell of its place;
- kept its cell, blocking it (Mesa): it is still there;
- kept its cell, passable (NetLogo): back to its cell if that is empty, else a random empty
  cell within its vision, else anywhere in the place. (NetLogo lets the released agent share
  the patch; with capacity one we move it to the nearest free choice instead.) If the place is
  full the citizen stays jailed one more step.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import CITIZEN, JAILED, LIFE, QUIET
from uprising.engine.rules import JAIL_INCLUSIVE, JAIL_MAX, JAIL_MODE, KEEP_CELL, KEEP_CELL_PASSABLE, LEAVE_GRID
from uprising.engine.vision import random_cell_coded, random_empty_in_place


@nb.njit(inline="always", cache=True)
def term(key, agent_id, rules):
    """A jail term in periods (LIFE for J_max = inf)."""
    jmax = rules[JAIL_MAX]
    if jmax < 0:
        return LIFE
    n = jmax + 1 if rules[JAIL_INCLUSIVE] else jmax
    if n <= 0:
        return 0
    return np.int32(rng.below(key, agent_id, 0, n))


@nb.njit(cache=True)
def release(i, state, cell, agent_id, occupant, board, start, height, width, torus, cv, rules, key):
    """Free citizen i onto the grid per the jail mode; False if there is no room (stays jailed)."""
    mode = rules[JAIL_MODE]
    if mode == KEEP_CELL:
        board[cell[i]] = SEEN_QUIET
        state[i] = QUIET
        return True
    target = -1
    if mode == KEEP_CELL_PASSABLE:
        c = cell[i]
        if occupant[c] < 0:
            target = c
        else:
            local = c - start
            y = local // width
            x = local - y * width
            target = random_cell_coded(
                board, start, height, width, torus, y, x, cv[0], cv[1], cv[2], cv[3], cv[4],
                np.int64(EMPTY), np.int64(SEEN_JAILED), key, agent_id[i],  # int64, not literals: one specialisation
            )
    if target < 0:
        target = random_empty_in_place(board, start, height * width, key, agent_id[i], mode != LEAVE_GRID)
    if target < 0:
        return False
    occupant[target] = i
    board[target] = SEEN_QUIET
    cell[i] = target
    state[i] = QUIET
    return True


# numba: one pass over the rows; a Python loop over 10^5-10^7 rows would cost more than a step.
@nb.njit(cache=True)
def count_down_and_release(n, kind, state, place, jail_left, cell, agent_id, occupant, board,
                           the_place, start, height, width, torus, cv, rules, key):
    """The end_of_step countdown for one place: decrement every term, release those at 0."""
    released = 0
    for i in range(n):
        if state[i] != JAILED or kind[i] != CITIZEN or place[i] != the_place:
            continue
        if jail_left[i] == LIFE:
            continue
        if jail_left[i] > 0:
            jail_left[i] -= 1
        if jail_left[i] == 0:
            released += release(i, state, cell, agent_id, occupant, board, start, height, width, torus, cv, rules, key)
    return released


# numba: one serial pass over the rows for every place (issue #8: a pass per place read all
# 8.3 M rows 30 times a step). Releases in one place touch only its cells and draw by agent id,
# and within a place the order is the row order as before: the same result as a loop over places.
@nb.njit(cache=True)
def count_down_and_release_all(n, kind, state, place, jail_left, cell, agent_id, occupant, board, cell_start,
                               height, width, torus, row_start, dy, lo, hi, off_start, ody, odx, rules, key):
    """The end_of_step countdown of every place; place p's vision is rows ``row_start[p]:row_start[p+1]``
    of (dy, lo, hi) and offsets ``off_start[p]:off_start[p+1]`` of (ody, odx)."""
    released = 0
    for i in range(n):
        if state[i] != JAILED or kind[i] != CITIZEN:
            continue
        if jail_left[i] == LIFE:
            continue
        if jail_left[i] > 0:
            jail_left[i] -= 1
        if jail_left[i] == 0:
            p = place[i]
            r0, r1 = row_start[p], row_start[p + 1]
            o0, o1 = off_start[p], off_start[p + 1]
            cv = (dy[r0:r1], lo[r0:r1], hi[r0:r1], ody[o0:o1], odx[o0:o1])
            released += release(i, state, cell, agent_id, occupant, board, cell_start[p], height[p], width[p], torus,
                                cv, rules, key)
    return released


class _Visions:
    """Every place's citizen vision concatenated (a cache rebuilt from the world: never checkpointed)."""

    __checkpoint_skip__ = True

    def __init__(self, visions):
        self.count = len(visions)
        self.row_start = np.zeros(len(visions) + 1, np.int64)
        self.row_start[1:] = np.cumsum([v.dy.shape[0] for v in visions])
        self.off_start = np.zeros(len(visions) + 1, np.int64)
        self.off_start[1:] = np.cumsum([v.offset_dy.shape[0] for v in visions])
        self.arrays = tuple(np.concatenate([getattr(v, name) for v in visions]).astype(np.int64)
                            for name in ("dy", "lo", "hi", "offset_dy", "offset_dx"))


def release_phase(world, step: int) -> None:
    """Phase jail.release (jail_countdown = end_of_step)."""
    pop, places = world.pop, world.places
    key = world.key("release", step)
    if places.count == 1:
        start, height, width, torus = world.place_geometry(0)
        count_down_and_release(
            pop.n, pop.kind, pop.state, pop.place, pop.jail_left, pop.cell, pop.agent_id, places.occupant,
            places.board, 0, start, height, width, torus, world.citizen_vision[0].arrays, world.rules, key,
        )
        return
    vis = getattr(world, "_jail_visions", None)
    if vis is None or vis.count != places.count:
        vis = world._jail_visions = _Visions(world.citizen_vision)
    dy, lo, hi, ody, odx = vis.arrays
    count_down_and_release_all(
        pop.n, pop.kind, pop.state, pop.place, pop.jail_left, pop.cell, pop.agent_id, places.occupant, places.board,
        places.cell_start, places.height, places.width, places.torus, vis.row_start, dy, lo, hi, vis.off_start,
        ody, odx, world.rules, key,
    )
