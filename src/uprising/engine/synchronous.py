"""The synchronous schedule: every agent acts on one snapshot; conflicts resolved by keyed priority.

Phases (order per ``rules.order``): ``citizens.decide`` (rule A for all free citizens, counts
from the snapshot's summed-area table, ``counts.py``), ``cops.arrest`` (each cop picks a
uniformly random active in vision on the post-decision board; an active picked by several cops
is arrested once, by the cop of smallest keyed priority, and the others arrest nobody this
step), Model II ``citizens.kill`` and ``citizens.clone`` (same claim rule), ``agents.move``
(each free agent proposes a uniformly random empty cell in vision of the snapshot; the
claimant of smallest keyed priority wins, losers stay; a vacated cell is not a target this step).

Every choice is a keyed draw and every conflict is settled by a keyed priority, so the outcome
is independent of the thread count. Parallel loops (prange) write only their own row's
outputs; claims are settled in one serial pass.

Cell-major layout: every ``RESORT_EVERY`` steps the rows are permuted into cell order
(``Population.permute``), so a pass over agents reads the board, the tables and every column
in sequence. Agents move at most a vision per step, so the order decays slowly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import cop as cop_rules
from uprising.engine import counts, model2, rng
from uprising.engine.citizen import can_rebel, goes_active
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, COP, JAILED, ON_DUTY, QUIET
from uprising.engine.rules import COUNTS_SELF, JAIL_MODE, KEEP_CELL_PASSABLE, MOVEMENT, OWN_CELL, RATIO
from uprising.engine.vision import random_cell_coded

RESORT_EVERY = 16  # measured: see docs/engine.md (cell-major layout)
LOW32 = np.int64(0xFFFFFFFF)
NO_CLAIM = np.iinfo(np.int64).max


# numba: parallel over citizens, O(1) table lookups each (ROWS: 2 per vision row).
@nb.njit(parallel=True, cache=True)
def decide_all(n, kind, state, place, cell, hardship, risk_aversion, threshold, legitimacy, board, the_place,
               start, width, method, table, reach, wp, dy, lo, hi, r, rules, k):
    for i in nb.prange(n):
        if kind[i] != CITIZEN or place[i] != the_place:
            continue
        s = state[i]
        if s != QUIET and s != ACTIVE:
            continue
        c = cell[i]
        if not can_rebel(hardship[i], legitimacy[i], threshold[i]):
            state[i] = QUIET
            board[c] = SEEN_QUIET
            continue
        local = c - start
        y = local // width
        x = local - y * width
        packed = counts.seen_at(method, table, reach, wp, y, x, dy, lo, hi, r)
        cops = packed >> np.int64(32)
        actives = packed & LOW32
        if not rules[OWN_CELL]:
            actives -= s == ACTIVE
        actives += rules[COUNTS_SELF]
        if goes_active(hardship[i], legitimacy[i], risk_aversion[i], threshold[i], k, cops, actives, rules[RATIO]):
            state[i] = ACTIVE
            board[c] = SEEN_ACTIVE
        else:
            state[i] = QUIET
            board[c] = SEEN_QUIET


@nb.njit(parallel=True, cache=True)
def choose_moves(n, kind, state, place, cell, agent_id, board, the_place, start, height, width, torus,
                 citizens_move, alt, cv, kv, key, priority_key, target, priority):
    """Every free agent (cops; citizens if they move) picks a random empty cell in its vision."""
    for i in nb.prange(n):
        target[i] = -1
        if place[i] != the_place:
            continue
        s = state[i]
        k = kind[i]
        if k == CITIZEN:
            if not citizens_move or (s != QUIET and s != ACTIVE):
                continue
            vis = cv
        elif k == COP and s == ON_DUTY:
            vis = kv
        else:
            continue
        local = cell[i] - start
        y = local // width
        x = local - y * width
        t = random_cell_coded(board, start, height, width, torus, y, x, vis[0], vis[1], vis[2], vis[3], vis[4],
                              EMPTY, alt, key, agent_id[i])
        target[i] = t
        if t >= 0:
            priority[i] = np.int64((rng.bits(priority_key, agent_id[i], 0) >> np.uint64(33)) << np.uint64(32)) | (
                agent_id[i] & LOW32
            )


@nb.njit(parallel=True, cache=True)
def choose_cells(n, kind, state, place, cell, agent_id, board, the_place, start, height, width, torus,
                 movers_kind, code, alt, vis, key, priority_key, target, priority):
    """Every agent of ``movers_kind`` (free citizens or on-duty cops) picks a random cell in vision
    coded ``code``/``alt`` on the current board (read only here); -1 if none."""
    for i in nb.prange(n):
        target[i] = -1
        if kind[i] != movers_kind or place[i] != the_place:
            continue
        s = state[i]
        if movers_kind == CITIZEN and s != QUIET and s != ACTIVE:
            continue
        if movers_kind == COP and s != ON_DUTY:
            continue
        local = cell[i] - start
        y = local // width
        x = local - y * width
        t = random_cell_coded(board, start, height, width, torus, y, x, vis[0], vis[1], vis[2], vis[3], vis[4],
                              code, alt, key, agent_id[i])
        target[i] = t
        if t >= 0:
            # 32 random bits above the agent id: unique, so a claim never ties
            priority[i] = np.int64((rng.bits(priority_key, agent_id[i], 0) >> np.uint64(33)) << np.uint64(32)) | (
                agent_id[i] & LOW32
            )


# numba: serial claim settling, one pass over claimants; cell-major rows make claim[] access local.
@nb.njit(cache=True)
def settle_claims(n, target, priority, claim):
    """claim[cell] := smallest priority among claimants; target[i] := -1 for the losers.

    ``claim`` is scratch over all cells, NO_CLAIM everywhere on entry and on exit.
    """
    for i in range(n):
        t = target[i]
        if t >= 0 and priority[i] < claim[t]:
            claim[t] = priority[i]
    for i in range(n):
        t = target[i]
        if t >= 0:
            if claim[t] != priority[i]:
                target[i] = -1
    for i in range(n):
        t = target[i]
        if t >= 0:
            claim[t] = NO_CLAIM


@nb.njit(parallel=True, cache=True)
def apply_moves(n, occupant, board, cell, target):
    """Winners move. Race-free: old cells are distinct, targets distinct and were empty."""
    for i in nb.prange(n):
        t = target[i]
        if t < 0:
            continue
        old = cell[i]
        code = board[old]
        occupant[old] = -1
        board[old] = EMPTY
        occupant[t] = i
        board[t] = code
        cell[i] = t


@nb.njit(cache=True)
def apply_arrests(n, state, cell, jail_left, agent_id, occupant, board, target, rules, key_term):
    arrests = 0
    for j in range(n):
        c = target[j]
        if c < 0:
            continue
        a = occupant[c]
        cop_rules.jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, key_term)
        cop_rules.after_arrest(j, c, cell, occupant, board, rules)
        arrests += 1
    return arrests


@nb.njit(parallel=True, cache=True)
def choose_victims(n, kind, state, place, group, cell, agent_id, occupant, board, the_place, start, height,
                   width, torus, cv, key, priority_key, target, priority):
    for i in nb.prange(n):
        target[i] = -1
        if kind[i] != CITIZEN or state[i] != ACTIVE or place[i] != the_place:
            continue
        t = model2.enemy_in_vision(i, group, cell, agent_id, occupant, board, start, height, width, torus, cv, key)
        target[i] = t
        if t >= 0:
            priority[i] = np.int64((rng.bits(priority_key, agent_id[i], 0) >> np.uint64(33)) << np.uint64(32)) | (
                agent_id[i] & LOW32
            )


@nb.njit(cache=True)
def apply_kills(n, state, cell, occupant, board, target, counter):
    for i in range(n):
        if target[i] >= 0:
            model2.kill_at(target[i], state, cell, occupant, board, counter)


@nb.njit(parallel=True, cache=True)
def choose_cradles(n, kind, state, place, cell, agent_id, board, the_place, start, height, width, torus, nv,
                   clone_p, key, priority_key, target, priority):
    for i in nb.prange(n):
        target[i] = -1
        s = state[i]
        if kind[i] != CITIZEN or (s != QUIET and s != ACTIVE) or place[i] != the_place:
            continue
        t = model2.cradle(i, cell, agent_id, board, start, height, width, torus, nv, clone_p, key)
        target[i] = t
        if t >= 0:
            priority[i] = np.int64((rng.bits(priority_key, agent_id[i], 1) >> np.uint64(33)) << np.uint64(32)) | (
                agent_id[i] & LOW32
            )


@nb.njit(cache=True)
def apply_births(n, target, kind, group, place, state, cell, hardship, risk_aversion, threshold, legitimacy,
                 jail_left, age, death_age, agent_id, occupant, board, max_age, key_risk, key_death, counter):
    for i in range(n):
        if target[i] >= 0:
            model2.spawn(i, target[i], kind, group, place, state, cell, hardship, risk_aversion, threshold,
                         legitimacy, jail_left, age, death_age, agent_id, occupant, board, max_age, key_risk,
                         key_death, counter)


# --- phases --------------------------------------------------------------------------------------


class Scratch:
    """Per-run buffers of the synchronous schedule (reused every step)."""

    def __init__(self, world):
        self.claim = np.full(world.places.n_cells, NO_CLAIM, np.int64)
        self.target = np.empty(0, np.int64)
        self.priority = np.empty(0, np.int64)
        self.tables: dict[int, np.ndarray] = {}  # place -> reused count table

    def rows(self, n):
        if self.target.shape[0] < n:
            self.target = np.empty(n, np.int64)
            self.priority = np.empty(n, np.int64)
        return self.target, self.priority


def _scratch(world) -> Scratch:
    if getattr(world, "scratch", None) is None:
        world.scratch = Scratch(world)
    return world.scratch


def decide(world, step: int) -> None:
    """Phase citizens.decide."""
    maybe_resort(world, step)
    pop, places = world.pop, world.places
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        vis = world.citizen_vision[p]
        method = counts.method_for(vis)
        sc = _scratch(world)
        table = counts.build_table(method, places.board[start : start + height * width], vis, sc.tables.get(p))
        sc.tables[p] = table
        decide_all(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.hardship, pop.risk_aversion,
                   pop.threshold, pop.legitimacy, places.board, p, start, width, method, table, vis.reach,
                   width + 2 * vis.reach, vis.dy, vis.lo, vis.hi, int(np.floor(vis.radius + 1e-9)),
                   world.rules, world.k)


def arrest(world, step: int) -> None:
    """Phase cops.arrest."""
    pop, places = world.pop, world.places
    sc = _scratch(world)
    target, priority = sc.rows(pop.n)
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        choose_cells(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.agent_id, places.board, p, start, height,
                     width, torus, COP, SEEN_ACTIVE, SEEN_ACTIVE, world.cop_vision[p].arrays,
                     world.key("arrest", step), world.key("arrest_priority", step), target, priority)
        settle_claims(pop.n, target, priority, sc.claim)
        world.arrests += apply_arrests(pop.n, pop.state, pop.cell, pop.jail_left, pop.agent_id, places.occupant,
                                       places.board, target, world.rules, world.key("jail_term", step))


def move(world, step: int) -> None:
    """Phase agents.move."""
    pop, places = world.pop, world.places
    sc = _scratch(world)
    target, priority = sc.rows(pop.n)
    alt = SEEN_JAILED if world.rules[JAIL_MODE] == KEEP_CELL_PASSABLE else EMPTY
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        choose_moves(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.agent_id, places.board, p, start, height,
                     width, torus, bool(world.rules[MOVEMENT]), alt, world.citizen_vision[p].arrays,
                     world.cop_vision[p].arrays, world.key("move", step), world.key("move_priority", step),
                     target, priority)
        settle_claims(pop.n, target, priority, sc.claim)
        apply_moves(pop.n, places.occupant, places.board, pop.cell, target)


def kill(world, step: int) -> None:
    """Phase citizens.kill (Model II)."""
    pop, places = world.pop, world.places
    sc = _scratch(world)
    target, priority = sc.rows(pop.n)
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        choose_victims(pop.n, pop.kind, pop.state, pop.place, pop.group, pop.cell, pop.agent_id, places.occupant,
                       places.board, p, start, height, width, torus, world.citizen_vision[p].arrays,
                       world.key("kill", step), world.key("kill_priority", step), target, priority)
        settle_claims(pop.n, target, priority, sc.claim)
        apply_kills(pop.n, pop.state, pop.cell, places.occupant, places.board, target, world.counter)


def clone(world, step: int) -> None:
    """Phase citizens.clone (Model II)."""
    world.ensure_slack(world.pop.n)
    pop, places = world.pop, world.places
    sc = _scratch(world)
    target, priority = sc.rows(pop.n)
    m2 = world.scenario.model2
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        choose_cradles(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.agent_id, places.board, p, start,
                       height, width, torus, world.adjacent[p].arrays, float(m2.clone_probability),
                       world.key("clone", step), world.key("move_priority", step), target, priority)
        settle_claims(pop.n, target, priority, sc.claim)
        world.counter[0] = pop.n
        world.counter[1] = pop.next_id
        apply_births(pop.n, target, pop.kind, pop.group, pop.place, pop.state, pop.cell, pop.hardship,
                     pop.risk_aversion, pop.threshold, pop.legitimacy, pop.jail_left, pop.age, pop.death_age,
                     pop.agent_id, places.occupant, places.board, int(m2.max_age), world.key("risk_aversion", 0),
                     world.key("death_age", 0), world.counter)
        world.sync_rows_from_counter()


def maybe_resort(world, step: int) -> None:
    """Every RESORT_EVERY steps, permute rows into cell order (cell-major layout)."""
    if (step - 1) % RESORT_EVERY:
        return
    pop, places = world.pop, world.places
    occ = places.occupant
    on_grid = occ[occ >= 0]
    seen = np.zeros(pop.n, bool)
    seen[on_grid] = True
    order = np.concatenate([on_grid.astype(np.int64), np.flatnonzero(~seen)])
    pop.permute(order)
    new_row = np.empty(pop.n, np.int32)
    new_row[order] = np.arange(pop.n, dtype=np.int32)
    held = occ >= 0
    occ[held] = new_row[occ[held]]
