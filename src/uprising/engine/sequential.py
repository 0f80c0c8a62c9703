"""The sequential schedule: random asynchronous activation (Epstein 2002, NetLogo, Mesa).

Each step every agent of the place is activated once, in a fresh random order (a keyed
permutation of the rows), and sees every move, arrest and change of state made before it:
there is no snapshot. A citizen's turn is rule M (move) and rule A (decide) in the order of
``rules.order``; a cop's is rule M and rule C (arrest). Counts are direct scans of the int8
board; a move target is a uniformly random empty cell in vision.

Jailed citizens do nothing in their turn — except with ``jail_countdown = own_turn`` (Mesa),
where the turn counts their term down and, at 0, releases them to act at once.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import cop as cop_rules
from uprising.engine import jail, model2, rng
from uprising.engine.citizen import can_rebel, goes_active
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, COP, DEAD, JAILED, LIFE, ON_DUTY, QUIET
from uprising.engine.rules import (
    COPS_MOVE,
    COUNTS_SELF,
    JAIL_MODE,
    JAIL_OWN_TURN,
    KEEP_CELL_PASSABLE,
    MOVE_FIRST,
    MOVEMENT,
    OWN_CELL,
    RATIO,
)
from uprising.engine.vision import LOW32, random_cell_coded, scan_seen

@nb.njit(inline="always", cache=True)
def _move(i, code, vis, cell, agent_id, occupant, board, start, height, width, torus, passable, key):
    """Rule M: agent i moves to a uniformly random empty cell in vision (stays if none)."""
    c = cell[i]
    local = c - start
    y = local // width
    x = local - y * width
    alt = SEEN_JAILED if passable else EMPTY
    t = random_cell_coded(board, start, height, width, torus, y, x, vis[0], vis[1], vis[2], vis[3], vis[4],
                          EMPTY, alt, key, agent_id[i])
    if t < 0:
        return
    occupant[c] = -1
    board[c] = EMPTY
    occupant[t] = i
    board[t] = code
    cell[i] = t


@nb.njit(inline="always", cache=True)
def _decide(i, state, cell, hardship, risk_aversion, threshold, legitimacy, board, start, height, width,
            torus, cv, rules, k):
    """Rule A on the board as it is now."""
    c = cell[i]
    if not can_rebel(hardship[i], legitimacy[i], threshold[i]):
        state[i] = QUIET
        board[c] = SEEN_QUIET
        return
    local = c - start
    y = local // width
    x = local - y * width
    packed = scan_seen(board, start, height, width, torus, y, x, cv[0], cv[1], cv[2])
    cops = packed >> np.int64(32)
    actives = packed & LOW32
    if not rules[OWN_CELL]:
        actives -= board[c] == SEEN_ACTIVE
    actives += rules[COUNTS_SELF]
    if goes_active(hardship[i], legitimacy[i], risk_aversion[i], threshold[i], k, cops, actives, rules[RATIO]):
        state[i] = ACTIVE
        board[c] = SEEN_ACTIVE
    else:
        state[i] = QUIET
        board[c] = SEEN_QUIET


@nb.njit(inline="always", cache=True)
def _arrest(j, state, cell, jail_left, agent_id, occupant, board, start, height, width, torus, kv, rules,
            key_arrest, key_term):
    """Rule C: cop j arrests one uniformly random active citizen in its vision."""
    local = cell[j] - start
    y = local // width
    x = local - y * width
    c = random_cell_coded(board, start, height, width, torus, y, x, kv[0], kv[1], kv[2], kv[3], kv[4],
                          SEEN_ACTIVE, SEEN_ACTIVE, key_arrest, agent_id[j])
    if c < 0:
        return 0
    a = occupant[c]
    cop_rules.jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, key_term)
    cop_rules.after_arrest(j, c, cell, occupant, board, rules)
    return 1


# numba: the whole step in one compiled loop; a per-agent Python call would be ~1000x slower
# (Mesa: ~10^4 agent-steps/s; this kernel: see docs/engine.md, benchmarks/engine_speed.py).
@nb.njit(cache=True)
def act_in_random_order(order, the_place, kind, group, place, state, cell, hardship, risk_aversion, threshold,
                        legitimacy, jail_left, age, death_age, agent_id, occupant, board, start, height, width,
                        torus, cv, kv, nv, rules, k, keys, is_model2, clone_p, max_age, counter):
    """One period of the sequential schedule on one place. Returns the number of arrests.

    keys: (move, arrest, jail_term, release, kill, clone, risk_aversion, death_age).
    """
    key_move, key_arrest, key_term, key_release = keys[0], keys[1], keys[2], keys[3]
    passable = rules[JAIL_MODE] == KEEP_CELL_PASSABLE
    move_first = rules[MOVE_FIRST]
    citizens_move = rules[MOVEMENT]
    cops_move = rules[COPS_MOVE]
    arrests = 0
    for idx in range(order.shape[0]):
        i = order[idx]
        if place[i] != the_place:
            continue
        s = state[i]
        if kind[i] == CITIZEN:
            if s == DEAD:
                continue
            if s == JAILED:
                if not rules[JAIL_OWN_TURN]:
                    continue
                if jail_left[i] > 0:
                    if jail_left[i] != LIFE:
                        jail_left[i] -= 1
                    continue
                if not jail.release(i, state, cell, agent_id, occupant, board, start, height, width, torus, cv,
                                    rules, key_release):
                    continue
            if move_first and citizens_move:
                _move(i, board[cell[i]], cv, cell, agent_id, occupant, board, start, height, width, torus,
                      passable, key_move)
            _decide(i, state, cell, hardship, risk_aversion, threshold, legitimacy, board, start, height, width,
                    torus, cv, rules, k)
            if is_model2:
                if state[i] == ACTIVE:
                    model2.kill_in_vision(i, group, state, cell, agent_id, occupant, board, start, height, width,
                                          torus, cv, keys[4], counter)
                model2.maybe_clone(i, kind, group, place, state, cell, hardship, risk_aversion, threshold,
                                   legitimacy, jail_left, age, death_age, agent_id, occupant, board, start, height,
                                   width, torus, nv, clone_p, max_age, keys[5], keys[6], keys[7], counter)
            if not move_first and citizens_move:
                _move(i, board[cell[i]], cv, cell, agent_id, occupant, board, start, height, width, torus,
                      passable, key_move)
        elif kind[i] == COP and s == ON_DUTY:
            if move_first and cops_move:
                _move(i, SEEN_COP, kv, cell, agent_id, occupant, board, start, height, width, torus, passable,
                      key_move)
            arrests += _arrest(i, state, cell, jail_left, agent_id, occupant, board, start, height, width, torus,
                               kv, rules, key_arrest, key_term)
            if not move_first and cops_move:
                _move(i, SEEN_COP, kv, cell, agent_id, occupant, board, start, height, width, torus, passable,
                      key_move)
    return arrests


def act(world, step: int) -> None:
    """Phase agents.act: every agent's turn, in a fresh random order."""
    pop, places = world.pop, world.places
    order = rng.permutation(world.key("order", step), pop.n)
    keys = tuple(
        world.key(s, step) for s in ("move", "arrest", "jail_term", "release", "kill", "clone")
    ) + (world.key("risk_aversion", 0), world.key("death_age", 0))
    if world.model2:
        world.ensure_slack(pop.n)
    m2 = world.scenario.model2
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        world.counter[0] = pop.n
        world.counter[1] = pop.next_id
        world.arrests += act_in_random_order(
            order, p, pop.kind, pop.group, pop.place, pop.state, pop.cell, pop.hardship, pop.risk_aversion,
            pop.threshold, pop.legitimacy, pop.jail_left, pop.age, pop.death_age, pop.agent_id,
            places.occupant, places.board, start, height, width, torus,
            world.citizen_vision[p].arrays, world.cop_vision[p].arrays,
            world.adjacent[p].arrays, world.rules, world.k, keys, world.model2,
            float(m2.clone_probability), int(m2.max_age), world.counter,
        )
        world.sync_rows_from_counter()
