"""Lethal repression: soldiers (kind 2) under a doctrine that escalates with unrest (issue #3).

Doctrine of place p this step: with ``a_p`` the active share of its citizens (active / (quiet +
active + jailed)) after citizens decided and police arrested,

    level_p = min(cap_p, max(floor_p, 2 if a_p >= fire_at else 1 if a_p >= teargas_at else 0))

where ``floor_p`` is raised by decrees (:func:`raise_doctrine`, ``[[repression.decrees]]``) and
``cap_p`` is the rule of force in the place (2, live fire, unless a world's state of siege or
``world.force.soldiers`` says less).
Police keep Epstein's rule C (arrest only) at every level. Soldiers act one after another, in a
keyed random order (phase ``soldiers.repress``), each on the board as it is:

- move (rule M, as cops: to a random empty cell in vision) when cops move;
- level 0, arrest: rule C, a random active in vision is jailed;
- level 1, tear gas: each active in vision is dispersed — turns quiet, not jailed — with
  probability ``teargas_share``;
- level 2, live fire: with at least one active in vision, the agent (``soldiers_per_agent``
  soldiers: 1/scale, or the deployed soldiers over the agents on the grid when a world sets it)
  kills ``Binomial(round(soldiers_per_agent), p_kill)`` people. The place's ``death_balance``
  takes them; each time it reaches 1/scale people one random active in the soldier's vision is
  removed (state dead, off the grid) — the grid mirrors the toll, which is counted in people at
  any scale (design-gas-war.md section 1). Citizens within vision of the victim witness it
  (legitimacy backfire). Deaths are logged with the killer's kind and id.

Soldiers show on the board as security (code 4): citizens count them in C, the arrest
probability's numerator, exactly like police.

Reads: ``pop`` (kind, state, place, cell, agent_id), the board, ``scenario.repression``,
``world.mechanisms`` (people_per_agent, doctrine_floor). Writes: citizens' state/cell/jail_left/
legitimacy (arrested, dispersed, killed, witnesses), soldiers' cells, ``world.arrests``,
``world.mechanisms`` (doctrine, killed_step, deaths_people, death_balance, shown_step,
dispersed_step, kill_log).

Entry points: :func:`deploy_soldiers`, :func:`raise_doctrine`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import cop as cop_rules
from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import DEAD, ON_DUTY, QUIET, SOLDIER
from uprising.engine.rules import COPS_MOVE, JAIL_MODE, KEEP_CELL_PASSABLE, MOVE_FIRST
from uprising.engine.vision import build_vision, count_code, nth_code, random_cell_coded, row_of, segment
from uprising.mechanisms.state import (T_ACTIVE, T_JAILED, T_QUIET, T_SOLDIERS, places_mask, refresh_tally,
                                        security_rows)

ARREST, TEARGAS, FIRE = 0, 1, 2
OUT_ARRESTS, OUT_DISPERSED, OUT_SHOWN = range(3)
BINOMIAL_CHUNK_MEAN = 30.0  # inversion from (1-p)^m stays far from underflow while m p <= 30


@nb.njit(cache=True)
def binomial(key, agent_id, n, p):
    """Binomial(n, p) from keyed uniforms: exact inversion, in chunks of mean <= 30 trials."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    chunk = max(1, int(BINOMIAL_CHUNK_MEAN / p))
    total = 0
    left = n
    draw = 0
    q = 1.0 - p
    while left > 0:
        m = min(left, chunk)
        u = rng.uniform(key, agent_id, draw)
        draw += 1
        pmf = q**m
        cdf = pmf
        k = 0
        while u > cdf and k < m:
            pmf *= (m - k) / (k + 1.0) * (p / q)
            k += 1
            cdf += pmf
        total += k
        left -= m
    return total


@nb.njit(cache=True)
def witness(c, legitimacy, occupant, board, start, height, width, torus, cv, keep):
    """Every free citizen within vision of cell c multiplies its L by ``keep``."""
    local = c - start
    y = local // width
    x = local - y * width
    dy, lo, hi = cv[0], cv[1], cv[2]
    for r in range(dy.shape[0]):
        row = row_of(y, dy[r], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[r], hi[r], width, torus)
        for j in range(base + a1, base + b1 + 1):
            b = board[j]
            if b == SEEN_QUIET or b == SEEN_ACTIVE:
                legitimacy[occupant[j]] = np.float32(legitimacy[occupant[j]] * keep)
        for j in range(base + a2, base + b2 + 1):
            b = board[j]
            if b == SEEN_QUIET or b == SEEN_ACTIVE:
                legitimacy[occupant[j]] = np.float32(legitimacy[occupant[j]] * keep)


@nb.njit(cache=True)
def _move(j, cell, agent_id, occupant, board, start, height, width, torus, sv, alt, key):
    c = cell[j]
    local = c - start
    y = local // width
    x = local - y * width
    t = random_cell_coded(board, start, height, width, torus, y, x, sv[0], sv[1], sv[2], sv[3], sv[4],
                          np.int64(EMPTY), np.int64(alt), key, agent_id[j])
    if t < 0:
        return
    occupant[c] = -1
    board[c] = EMPTY
    occupant[t] = j
    board[t] = SEEN_COP
    cell[j] = t


@nb.njit(cache=True)
def _gas(j, state, cell, agent_id, occupant, board, start, height, width, torus, sv, share, key):
    """Tear gas: each active in vision turns quiet with probability ``share``."""
    local = cell[j] - start
    y = local // width
    x = local - y * width
    dy, lo, hi = sv[0], sv[1], sv[2]
    n = 0
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
                if board[c] == SEEN_ACTIVE:
                    v = occupant[c]
                    if rng.uniform(key, agent_id[v], agent_id[j]) < share:
                        state[v] = QUIET
                        board[c] = SEEN_QUIET
                        n += 1
    return n


# numba: serial by design — soldiers act one after another on the live board (like the
# sequential schedule), so no two claim one victim; soldiers are a few % of agents (~1 ms at 10^4).
@nb.njit(cache=True)
def repress_place(order, level, state, cell, jail_left, agent_id, legitimacy, occupant, board, start, height,
                  width, torus, sv, cv, rules, keys, teargas_share, p_kill, n_rep, ppa, witness_keep, balance,
                  killed_by, out):
    """One place's soldiers (rows in ``order``) act at doctrine ``level``.

    keys: (move, arrest, jail_term, teargas, fire, victim). ``balance``: float64[1], deaths (people)
    not yet shown. ``killed_by[idx]``: people killed by soldier order[idx]. ``out``: arrests,
    dispersed, agents removed.
    """
    alt = SEEN_JAILED if rules[JAIL_MODE] == KEEP_CELL_PASSABLE else EMPTY
    moves = rules[COPS_MOVE]
    move_first = rules[MOVE_FIRST]
    for idx in range(order.shape[0]):
        j = order[idx]
        killed_by[idx] = 0
        if moves and move_first:
            _move(j, cell, agent_id, occupant, board, start, height, width, torus, sv, alt, keys[0])
        local = cell[j] - start
        y = local // width
        x = local - y * width
        if level == ARREST:
            c = random_cell_coded(board, start, height, width, torus, y, x, sv[0], sv[1], sv[2], sv[3], sv[4],
                                  np.int64(SEEN_ACTIVE), np.int64(SEEN_ACTIVE), keys[1], agent_id[j])
            if c >= 0:
                a = occupant[c]
                cop_rules.jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, keys[2])
                cop_rules.after_arrest(j, c, cell, occupant, board, rules)
                out[OUT_ARRESTS] += 1
        elif level == TEARGAS:
            out[OUT_DISPERSED] += _gas(j, state, cell, agent_id, occupant, board, start, height, width, torus, sv,
                                       teargas_share, keys[3])
        else:
            n = count_code(board, start, height, width, torus, y, x, sv[0], sv[1], sv[2], np.int64(SEEN_ACTIVE),
                           np.int64(SEEN_ACTIVE))
            if n > 0:
                killed = binomial(keys[4], agent_id[j], n_rep, p_kill)
                killed_by[idx] = killed
                balance[0] += killed
                t = 0
                while balance[0] >= ppa * (1.0 - 1e-9) and n > 0:
                    pick = rng.below(keys[5], agent_id[j], t, n)
                    t += 1
                    c = nth_code(board, start, height, width, torus, y, x, sv[0], sv[1], sv[2], np.int64(SEEN_ACTIVE),
                                 np.int64(SEEN_ACTIVE), pick)
                    v = occupant[c]
                    state[v] = DEAD
                    cell[v] = -1
                    jail_left[v] = 0
                    occupant[c] = -1
                    board[c] = EMPTY
                    if witness_keep < 1.0:
                        witness(c, legitimacy, occupant, board, start, height, width, torus, cv, witness_keep)
                    balance[0] -= ppa
                    n -= 1
                    out[OUT_SHOWN] += 1
        if moves and not move_first:
            _move(j, cell, agent_id, occupant, board, start, height, width, torus, sv, alt, keys[0])


# --------------------------------------------------------------------------------- set-up


def install(world) -> None:
    """Soldiers' vision per place; soldiers placed at ``soldier_density`` on random empty cells."""
    sc = world.scenario
    cfg = sc.repression
    v = sc.cop.vision if cfg.soldier_vision is None else cfg.soldier_vision
    world.soldier_vision = [
        build_vision(sc.rules.vision_shape, v, int(world.places.height[p]), int(world.places.width[p]),
                     world.places.torus)
        for p in range(world.places.count)
    ]
    if cfg.soldier_density > 0:
        for p in range(world.places.count):
            deploy_soldiers(world, p, int(round(cfg.soldier_density * world.places.cells_of(p))), step=0)


def deploy_soldiers(world, place: int, count: int, step: int) -> int:
    """Put ``count`` soldiers on uniformly random empty cells of ``place`` (keyed by cell and step).
    Returns how many fit. Their loyalty is drawn when the loyalty mechanism is on."""
    if count <= 0:
        return 0
    places, pop = world.places, world.pop
    start, height, width, _ = world.place_geometry(place)
    empty = np.flatnonzero(places.board[start : start + height * width] == EMPTY)
    prio = rng.uniform_array(world.key("soldier_placement", step), empty.astype(np.int64), place)
    cells = start + empty[np.argsort(prio, kind="stable")[:count]]
    rows = pop.add(len(cells), SOLDIER, place)
    pop.state[rows] = ON_DUTY
    pop.cell[rows] = cells
    places.occupant[cells] = rows
    places.board[cells] = SEEN_COP
    if world.scenario.loyalty.on:
        from uprising.mechanisms import loyalty

        loyalty.draw_initial(world, rows)
    world.counter[0] = pop.n
    world.counter[1] = pop.next_id
    return len(cells)


def raise_doctrine(world, mask: np.ndarray, level: int) -> None:
    """A decree: the doctrine in the places of ``mask`` is at least ``level`` from now on."""
    ms = world.mechanisms
    m = np.asarray(mask, bool)
    ms.doctrine_floor[m] = np.maximum(ms.doctrine_floor[m], int(level))


# --------------------------------------------------------------------------------- phases


def deploy(world, step: int) -> None:
    """Phase soldiers.deploy: dated arrivals."""
    for d in world.scenario.repression.deployments:
        if d.step == step:
            mask = places_mask(world, d.places, "repression.deployments.places")
            for p in np.flatnonzero(mask):
                deploy_soldiers(world, int(p), int(round(d.soldier_density * world.places.cells_of(int(p)))), step)


def doctrine_levels(world) -> np.ndarray:
    cfg = world.scenario.repression
    ms = world.mechanisms
    t = refresh_tally(world)
    alive = t[:, T_QUIET] + t[:, T_ACTIVE] + t[:, T_JAILED]
    share = t[:, T_ACTIVE] / np.maximum(alive, 1)
    level = np.where(share >= cfg.fire_at, FIRE, np.where(share >= cfg.teargas_at, TEARGAS, ARREST))
    return np.minimum(np.maximum(level, ms.doctrine_floor), ms.doctrine_cap)


def repress(world, step: int) -> None:
    """Phase soldiers.repress."""
    sc = world.scenario
    cfg = sc.repression
    ms = world.mechanisms
    pop, places = world.pop, world.places
    for d in cfg.decrees:
        if d.step == step:
            raise_doctrine(world, places_mask(world, d.places, "repression.decrees.places"), d.level)
    ms.doctrine[:] = doctrine_levels(world)
    ms.killed_step[:] = 0.0
    ms.shown_step[:] = 0
    ms.dispersed_step[:] = 0
    ms.actives_taken[:] = 0
    # the tally of this step, before any soldier acted; a world may reuse it while none acts
    ms.tally_step, ms.soldiers_acted = step, False
    if ms.tally[:, T_SOLDIERS].sum() == 0:  # no soldier on duty: nothing to do (no pass over the rows)
        return
    rows = security_rows(pop.n, pop.kind, pop.state)
    rows = rows[pop.kind[rows] == SOLDIER]
    if len(rows) == 0:
        return
    ms.soldiers_acted = True
    prio = rng.uniform_array(world.key("soldier_order", step), pop.agent_id[rows], 0)
    rows = rows[np.lexsort((prio, pop.place[rows]))]
    bounds = np.searchsorted(pop.place[rows], np.arange(places.count + 1))
    keys = tuple(world.key(s, step) for s in ("soldier_move", "soldier_arrest", "jail_term", "teargas", "fire",
                                               "fire_victim"))
    keep = 1.0 - sc.legitimacy.backfire_witness
    out = np.zeros(3, np.int64)
    spa = ms.people_per_agent if ms.soldiers_per_agent is None else ms.soldiers_per_agent
    for p in range(places.count):
        order = rows[bounds[p] : bounds[p + 1]]
        if len(order) == 0:
            continue
        start, height, width, torus = world.place_geometry(p)
        balance = ms.death_balance[p : p + 1]
        killed_by = np.zeros(len(order), np.int64)
        out[:] = 0
        ppa = float(ms.people_per_agent[p])
        repress_place(order, int(ms.doctrine[p]), pop.state, pop.cell, pop.jail_left, pop.agent_id, pop.legitimacy,
                      places.occupant, places.board, start, height, width, torus, world.soldier_vision[p].arrays,
                      world.citizen_vision[p].arrays, world.rules, keys, float(cfg.teargas_share),
                      float(cfg.p_kill), int(round(spa[p])), ppa, keep, balance, killed_by, out)
        world.arrests += int(out[0])
        if hasattr(world, "arrests_by_place"):
            world.arrests_by_place[p] += int(out[0])
        ms.dispersed_step[p] = out[1]
        ms.shown_step[p] = out[2]
        ms.actives_taken[p] = out[0] + out[1] + out[2]  # each turned one active jailed, quiet or dead
        people = float(killed_by.sum())
        ms.killed_step[p] = people
        ms.deaths_people[p] += people
        for idx in np.flatnonzero(killed_by):
            ms.kill_log.append((step, p, SOLDIER, int(pop.agent_id[order[idx]]), float(killed_by[idx])))


__all__ = ["install", "repress", "deploy", "deploy_soldiers", "raise_doctrine", "binomial", "doctrine_levels"]
