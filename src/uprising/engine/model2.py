"""Epstein 2002 Model II: two groups, inter-group killing, cloning, death by age, peacekeepers.

- A citizen "goes active" by rule A exactly as in Model I (its group's legitimacy in G); an
  active citizen kills one random citizen of the other group within its vision (free citizens
  on the grid; cops cannot be killed). The victim is dead (``state = DEAD``, off the grid).
- Each period a free citizen clones with probability ``model2.clone_probability`` onto a random
  empty cell of its Moore neighbourhood (the 8 adjacent cells; the paper says "an empty
  neighbouring site"); the offspring inherits group, hardship and the group's legitimacy and
  draws its own risk aversion and death age. It takes a fresh row from the preallocated slack
  (grown by doubling when short) and a fresh agent id, and first acts next period.
- Death by age (the ``citizens.age`` phase, end of step): age += 1; a citizen dies when its age
  reaches its death age ~ U{0..max_age}. Initial ages ~ U{0..death_age-1} (an assumption: the
  paper does not say how the first generation's ages are drawn), so deaths are spread out.
- Cops arrest actives of either group alike (rule C unchanged). Peacekeepers: at
  ``model2.peacekeepers_at``, round(peacekeeper_density x cells) cops arrive on random empty cells.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import rng
from uprising.engine.interventions import add_cops
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_QUIET
from uprising.engine.population import CITIZEN, DEAD, QUIET
from uprising.engine.vision import random_cell_coded, row_of, segment

# indices into the Model II counter array
N_ROWS, NEXT_ID, KILLS, BIRTHS, DEATHS = range(5)


@nb.njit(inline="always", cache=True)
def _is_enemy(c, g, board, occupant, group):
    b = board[c]
    return (b == SEEN_QUIET or b == SEEN_ACTIVE) and group[occupant[c]] != g


@nb.njit(cache=True)
def enemy_in_vision(i, group, cell, agent_id, occupant, board, start, height, width, torus, cv, key):
    """The cell of a uniformly random other-group citizen in i's vision, or -1 if none."""
    local = cell[i] - start
    y = local // width
    x = local - y * width
    g = group[i]
    dy, lo, hi = cv[0], cv[1], cv[2]
    n = 0
    for r in range(dy.shape[0]):
        row = row_of(y, dy[r], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[r], hi[r], width, torus)
        for c in range(base + a1, base + b1 + 1):
            n += _is_enemy(c, g, board, occupant, group)
        for c in range(base + a2, base + b2 + 1):
            n += _is_enemy(c, g, board, occupant, group)
    if n == 0:
        return -1
    k = rng.below(key, agent_id[i], 0, n)
    for r in range(dy.shape[0]):
        row = row_of(y, dy[r], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[r], hi[r], width, torus)
        for piece in range(2):
            a = a1 if piece == 0 else a2
            b = b1 if piece == 0 else b2
            for c in range(base + a, base + b + 1):
                if _is_enemy(c, g, board, occupant, group):
                    if k == 0:
                        return c
                    k -= 1
    return -1


@nb.njit(inline="always", cache=True)
def kill_at(c, state, cell, occupant, board, counter):
    """The citizen on cell c is killed."""
    victim = occupant[c]
    state[victim] = DEAD
    cell[victim] = -1
    occupant[c] = -1
    board[c] = EMPTY
    counter[KILLS] += 1


@nb.njit(cache=True)
def cradle(i, cell, agent_id, board, start, height, width, torus, nv, clone_p, key_clone):
    """With probability clone_p, a random empty cell adjacent to citizen i for its clone; else -1."""
    if rng.uniform(key_clone, agent_id[i], 0) >= clone_p:
        return -1
    local = cell[i] - start
    y = local // width
    x = local - y * width
    return random_cell_coded(board, start, height, width, torus, y, x, nv[0], nv[1], nv[2], nv[3], nv[4],
                             np.int64(EMPTY), np.int64(EMPTY), key_clone, agent_id[i] ^ np.int64(0x5A5A5A5A))


@nb.njit(cache=True)
def spawn(i, target, kind, group, place, state, cell, hardship, risk_aversion, threshold, legitimacy,
          jail_left, age, death_age, agent_id, occupant, board, max_age, key_risk, key_death, counter):
    """Citizen i's clone is born on the empty cell ``target``, in the next slack row."""
    j = counter[N_ROWS]
    new_id = counter[NEXT_ID]
    counter[N_ROWS] += 1
    counter[NEXT_ID] += 1
    counter[BIRTHS] += 1
    kind[j] = CITIZEN
    group[j] = group[i]
    place[j] = place[i]
    state[j] = QUIET
    cell[j] = target
    hardship[j] = hardship[i]
    risk_aversion[j] = np.float32(rng.uniform(key_risk, new_id, 0))
    threshold[j] = threshold[i]
    legitimacy[j] = legitimacy[i]
    jail_left[j] = 0
    age[j] = 0
    death_age[j] = np.int32(rng.below(key_death, new_id, 0, max_age + 1))
    agent_id[j] = new_id
    occupant[target] = j
    board[target] = SEEN_QUIET


# numba: one pass over all rows each step.
@nb.njit(cache=True)
def age_and_die(n, kind, state, cell, age, death_age, occupant, board, counter):
    """citizens.age: every living citizen ages one period; those reaching their death age die."""
    for i in range(n):
        if kind[i] != CITIZEN or state[i] == DEAD:
            continue
        age[i] += 1
        if age[i] >= death_age[i]:
            c = cell[i]
            if c >= 0 and (occupant[c] == i or occupant[c] < 0):  # on its cell, or jailed on it alone
                occupant[c] = -1
                board[c] = EMPTY
            cell[i] = -1
            state[i] = DEAD
            counter[DEATHS] += 1


def age_phase(world, step: int) -> None:
    """Phase citizens.age."""
    pop = world.pop
    age_and_die(pop.n, pop.kind, pop.state, pop.cell, pop.age, pop.death_age, world.places.occupant,
                world.places.board, world.counter)


def peacekeepers_phase(world, step: int) -> None:
    """Phase peacekeepers.arrive: cops inserted once, at model2.peacekeepers_at."""
    m2 = world.scenario.model2
    if step != m2.peacekeepers_at:
        return
    n = int(round(m2.peacekeeper_density * world.places.cells_of(0)))
    add_cops(world, 0, n, world.key("cop_insertion", step))
