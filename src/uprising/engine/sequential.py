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
from uprising.engine import jail, model2, planes, rng
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
from uprising.engine.planes import ACTIVE_PLANE, borrow, prefetch, refresh
from uprising.engine.vision import LOW32

PREFETCH = 8  # turns ahead whose columns are fetched (sequential order is random over rows)

# numba's cache keys a kernel by the hash of *this* file only: a change to an inlined helper in
# planes.py, rng.py or vision.py alone would leave the cached act_in_random_order stale. The cache
# folder is therefore keyed by a hash of the whole package's source (uprising.kernel_cache).


@nb.njit(inline="always", cache=True)
def _move(i, code, dy, lo, hi, mask, reach, ody, odx, cell, agent_id, occupant, board, bits, start, wbase, wpr, height,
          width, torus, passable, key):
    """Rule M: agent i moves to a uniformly random free cell in vision (stays if none)."""
    c = cell[i]
    y, x = planes.split(c - start, width)
    alt = SEEN_JAILED if passable else EMPTY
    t = planes.random_free(board, alt, bits, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, 0,
                           dy.shape[0], reach, ody, odx, 0, ody.shape[0], rng.agent_key(key, agent_id[i]))
    if t < 0:
        return
    occupant[c] = -1
    board[c] = EMPTY
    occupant[t] = i
    board[t] = code
    cell[i] = t
    refresh(bits, board, c, start, width, wbase, wpr, passable)
    refresh(bits, board, t, start, width, wbase, wpr, passable)


@nb.njit(inline="always", cache=True)
def _set_code(board, bits, c, code, start, width, wbase, wpr, passable):
    if board[c] != code:
        board[c] = code
        refresh(bits, board, c, start, width, wbase, wpr, passable)


@nb.njit(inline="always", cache=True)
def _decide(i, state, cell, hardship, risk_aversion, threshold, legitimacy, board, bits, start, wbase, wpr, height,
            width, torus, passable, dy, lo, hi, mask, reach, rules, k):
    """Rule A on the board as it is now (counts from the bit planes, == a direct board scan)."""
    c = cell[i]
    if not can_rebel(hardship[i], legitimacy[i], threshold[i]):
        state[i] = QUIET
        _set_code(board, bits, c, SEEN_QUIET, start, width, wbase, wpr, passable)
        return
    y, x = planes.split(c - start, width)
    packed = planes.seen_in_vision(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, 0, dy.shape[0],
                                   reach)
    cops = packed >> np.int64(32)
    actives = packed & LOW32
    if not rules[OWN_CELL]:
        actives -= board[c] == SEEN_ACTIVE
    actives += rules[COUNTS_SELF]
    if goes_active(hardship[i], legitimacy[i], risk_aversion[i], threshold[i], k, cops, actives, rules[RATIO]):
        state[i] = ACTIVE
        _set_code(board, bits, c, SEEN_ACTIVE, start, width, wbase, wpr, passable)
    else:
        state[i] = QUIET
        _set_code(board, bits, c, SEEN_QUIET, start, width, wbase, wpr, passable)


@nb.njit(inline="always", cache=True)
def _arrest(j, state, cell, jail_left, agent_id, occupant, board, bits, start, wbase, wpr, height, width, torus,
            passable, dy, lo, hi, mask, reach, rules, key_arrest, key_term):
    """Rule C: cop j arrests one uniformly random active citizen in its vision."""
    y, x = planes.split(cell[j] - start, width)
    c = planes.random_in_vision(bits, ACTIVE_PLANE, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, 0,
                                dy.shape[0], reach, rng.agent_key(key_arrest, agent_id[j]), 0)
    if c < 0:
        return 0
    a = occupant[c]
    was = cell[j]
    cop_rules.jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, key_term)
    cop_rules.after_arrest(j, c, cell, occupant, board, rules)
    refresh(bits, board, c, start, width, wbase, wpr, passable)
    refresh(bits, board, was, start, width, wbase, wpr, passable)
    return 1


# numba: the whole step in one compiled loop; a per-agent Python call would be ~1000x slower
# (Mesa: ~10^4 agent-steps/s; this kernel: see docs/engine.md, benchmarks/engine_speed.py).
# Counts and the exact fallback of random choices read the bit planes (planes.py), kept in step
# with every board write here; ~3x fewer instructions per scan than the byte board.
@nb.njit(cache=True)
def act_in_random_order(order, the_place, kind, group, place, state, cell, hardship, risk_aversion, threshold,
                        legitimacy, jail_left, age, death_age, agent_id, occupant, board, bits, start, wbase, wpr,
                        height, width, torus, cv, kv, nv, cmask, creach, kmask, kreach, rules, k, keys, is_model2,
                        clone_p, max_age, counter):
    """One period of the sequential schedule on one place. Returns the number of arrests.

    keys: (move, arrest, jail_term, release, kill, clone, risk_aversion, death_age). ``bits``:
    the planes of ``board`` (``planes.build``), kept up to date here.
    """
    key_move, key_arrest, key_term, key_release = keys[0], keys[1], keys[2], keys[3]
    # arrays borrowed (no reference count): binding an array to a helper's argument costs an
    # atomic incref/decref pair, which was ~70 % of this kernel's time (perf, docs/engine.md)
    order, kind, group, place, state, cell = borrow(order), borrow(kind), borrow(group), borrow(place), borrow(state), \
        borrow(cell)
    hardship, risk_aversion, threshold, legitimacy = borrow(hardship), borrow(risk_aversion), borrow(threshold), \
        borrow(legitimacy)
    jail_left, age, death_age, agent_id = borrow(jail_left), borrow(age), borrow(death_age), borrow(agent_id)
    occupant, board, bits, counter = borrow(occupant), borrow(board), borrow(bits), borrow(counter)
    cdy, clo, chi, cody, codx = borrow(cv[0]), borrow(cv[1]), borrow(cv[2]), borrow(cv[3]), borrow(cv[4])
    kdy, klo, khi, kody, kodx = borrow(kv[0]), borrow(kv[1]), borrow(kv[2]), borrow(kv[3]), borrow(kv[4])
    cv = (cdy, clo, chi, cody, codx)
    nv = (borrow(nv[0]), borrow(nv[1]), borrow(nv[2]), borrow(nv[3]), borrow(nv[4]))
    cmask, kmask = borrow(cmask), borrow(kmask)
    passable = rules[JAIL_MODE] == KEEP_CELL_PASSABLE
    move_first = rules[MOVE_FIRST]
    citizens_move = rules[MOVEMENT]
    cops_move = rules[COPS_MOVE]
    arrests = 0
    n_order = order.shape[0]
    for idx in range(n_order):
        # the order is random: fetch the columns of the agent PREFETCH turns ahead while this one acts
        ahead = order[min(idx + PREFETCH, n_order - 1)]
        prefetch(kind, ahead)
        prefetch(state, ahead)
        prefetch(place, ahead)
        prefetch(cell, ahead)
        prefetch(hardship, ahead)
        prefetch(legitimacy, ahead)
        prefetch(threshold, ahead)
        prefetch(risk_aversion, ahead)
        prefetch(agent_id, ahead)
        i = order[idx]
        if place[i] != the_place:
            continue
        s = state[i]
        is_citizen = kind[i] == CITIZEN
        if is_citizen:
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
                refresh(bits, board, cell[i], start, width, wbase, wpr, passable)
        elif s != ON_DUTY or kind[i] != COP:
            continue
        moves = citizens_move if is_citizen else cops_move
        # the turn in two halves: the move comes first or last (rules.order), the citizen's decision
        # or the cop's arrest in the first half. One call site of _move for citizens and cops alike:
        # every inlined copy of the move's helpers costs numba seconds of compilation on a first run
        # (docs/engine.md, "Compilation"); the draws and their order are unchanged.
        for half in range(2):
            if moves and (half == 0) == move_first:
                if is_citizen:
                    code, vdy, vlo, vhi, vmask, vreach, vody, vodx = board[cell[i]], cdy, clo, chi, cmask, creach, \
                        cody, codx
                else:
                    code, vdy, vlo, vhi, vmask, vreach, vody, vodx = SEEN_COP, kdy, klo, khi, kmask, kreach, kody, \
                        kodx
                _move(i, code, vdy, vlo, vhi, vmask, vreach, vody, vodx, cell, agent_id, occupant, board, bits, start,
                      wbase, wpr, height, width, torus, passable, key_move)
            if half == 1:
                break
            if not is_citizen:
                arrests += _arrest(i, state, cell, jail_left, agent_id, occupant, board, bits, start, wbase, wpr,
                                   height, width, torus, passable, kdy, klo, khi, kmask, kreach, rules, key_arrest,
                                   key_term)
                continue
            _decide(i, state, cell, hardship, risk_aversion, threshold, legitimacy, board, bits, start, wbase, wpr,
                    height, width, torus, passable, cdy, clo, chi, cmask, creach, rules, k)
            if is_model2:
                if state[i] == ACTIVE:
                    v = model2.enemy_in_vision(i, group, cell, agent_id, occupant, board, start, height, width,
                                               torus, cv, keys[4])
                    if v >= 0:
                        model2.kill_at(v, state, cell, occupant, board, counter)
                        refresh(bits, board, v, start, width, wbase, wpr, passable)
                t = model2.cradle(i, cell, agent_id, board, start, height, width, torus, nv, clone_p, keys[5])
                if t >= 0:
                    model2.spawn(i, t, kind, group, place, state, cell, hardship, risk_aversion, threshold,
                                 legitimacy, jail_left, age, death_age, agent_id, occupant, board, max_age, keys[6],
                                 keys[7], counter)
                    refresh(bits, board, t, start, width, wbase, wpr, passable)
    return arrests


# the order's key, the kernel's keys: these seven streams at this step, then the set-up keys (step 0)
# of the last two
_KEY_STREAMS = ("order", "move", "arrest", "jail_term", "release", "kill", "clone", "risk_aversion", "death_age")


def act(world, step: int) -> None:
    """Phase agents.act: every agent's turn, in a fresh random order."""
    pop, places = world.pop, world.places
    keys = rng.step_keys(world.seed, _KEY_STREAMS, step, 7)
    order = rng.permutation(keys[0], pop.n)
    keys = keys[1:]
    if world.model2:
        world.ensure_slack(pop.n)
    m2 = world.scenario.model2
    pl = planes.planes_of(world)
    pl.build(places, world.rules[JAIL_MODE] == KEEP_CELL_PASSABLE)
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        cvis, kvis = world.citizen_vision[p], world.cop_vision[p]
        world.counter[0] = pop.n
        world.counter[1] = pop.next_id
        world.arrests += act_in_random_order(
            order, p, pop.kind, pop.group, pop.place, pop.state, pop.cell, pop.hardship, pop.risk_aversion,
            pop.threshold, pop.legitimacy, pop.jail_left, pop.age, pop.death_age, pop.agent_id,
            places.occupant, places.board, pl.bits, start, int(pl.word_start[p]), int(pl.words_per_row[p]),
            height, width, torus, cvis.arrays, kvis.arrays,
            world.adjacent[p].arrays, cvis.row_masks, cvis.window_reach, kvis.row_masks, kvis.window_reach,
            world.rules, world.k, keys, world.model2,
            float(m2.clone_probability), int(m2.max_age), world.counter,
        )
        world.sync_rows_from_counter()
