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
outputs; move and arrest claims are settled inside the parallel pass by an atomic min (a plain
min on one thread), Model II's kill and clone claims in one serial pass.

Cell-major layout: every ``RESORT_EVERY`` steps the rows are permuted into cell order
(``Population.permute``), so a pass over agents reads the board, the tables and every column
in sequence. Agents move at most a vision per step, so the order decays slowly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import cop as cop_rules
from uprising.engine import counts, model2, planes, rng
from uprising.engine.citizen import can_rebel, goes_active
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_JAILED, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, COP, ON_DUTY, QUIET
from uprising.engine.rules import COUNTS_SELF, JAIL_MODE, KEEP_CELL_PASSABLE, MOVEMENT, OWN_CELL, RATIO
from uprising.engine.planes import ACTIVE_PLANE, atomic_min, borrow

RESORT_EVERY = 16  # measured: see docs/engine.md (cell-major layout)
PLANES_MAX_RADIUS = 16  # decide counts from bit planes up to this vision radius, else count tables
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


# --- all places in one pass ----------------------------------------------------------------------
#
# The kernels below take every place's geometry as arrays indexed by place (cell_start, height,
# width; the planes' word_start, words_per_row) and every place's vision as a ``pack`` (rows and
# offsets of all places concatenated, ``VisionPack``), so a step is one pass over the rows
# whatever the number of places.


class VisionPack:
    """Visions of all places concatenated: place p's rows are ``row_start[p]:row_start[p+1]`` of
    (dy, lo, hi, row mask), its ``window_reach`` is ``reach[p]``, its offsets
    ``off_start[p]:off_start[p+1]`` of (ody, odx) (``vision.Vision``)."""

    def __init__(self, visions):
        self.row_start = np.zeros(len(visions) + 1, np.int64)
        self.row_start[1:] = np.cumsum([v.dy.shape[0] for v in visions])
        cat = lambda name: np.concatenate([getattr(v, name) for v in visions]).astype(np.int64)
        masks = np.concatenate([v.row_masks for v in visions]).astype(np.uint64)
        reach = np.array([v.window_reach for v in visions], np.int64)
        self.off_start = np.zeros(len(visions) + 1, np.int64)
        self.off_start[1:] = np.cumsum([v.offset_dy.shape[0] for v in visions])
        self.arrays = (self.row_start, cat("dy"), cat("lo"), cat("hi"), masks, reach, self.off_start, cat("offset_dy"),
                       cat("offset_dx"))


CLAIM_DRAW = 9  # the agent key's draws 0..3 are the move's tries (0 an arrest), 8 the exact fallback


@nb.njit(inline="always", cache=True)
def _claim_priority(akey, agent_id):
    """A claim's priority: 31 random bits (draw ``CLAIM_DRAW`` of the agent's key, which no
    choice reads: the priority is independent of the cell chosen) above the agent id, so a
    claim never ties; one mixing round."""
    return np.int64((rng.mix(akey ^ np.uint64(CLAIM_DRAW)) >> np.uint64(33)) << np.uint64(32)) | (agent_id & LOW32)


@nb.njit(inline="always", cache=True)
def _priority(key, agent_id, k):
    """32 random bits above the agent id: unique, so a claim never ties."""
    return np.int64((rng.bits(key, agent_id, k) >> np.uint64(33)) << np.uint64(32)) | (agent_id & LOW32)


# numba: parallel over rows; counts from the bit planes of the snapshot (~30 popcounts for a
# v = 7 disc) instead of 2(2r+1) lookups into an int64 prefix table 64x the planes' size.
@nb.njit(parallel=True, cache=True)
def decide_planes(n, kind, state, place, cell, hardship, risk_aversion, threshold, legitimacy, board, bits,
                  cell_start, height, width, word_start, words_per_row, torus, vp, rules, k):
    """Rule A for every free citizen of every place; counts from ``bits`` (the snapshot).
    ``vp``: ``VisionPack.arrays`` (citizen vision of place p at index p)."""
    row_start, vdy, vlo, vhi, vmask, vreach, off_start, vody, vodx = vp  # unpacked once, outside the loop
    for i in nb.prange(n):
        if kind[i] != CITIZEN:
            continue
        s = state[i]
        if s != QUIET and s != ACTIVE:
            continue
        c = cell[i]
        if not can_rebel(hardship[i], legitimacy[i], threshold[i]):
            state[i] = QUIET
            board[c] = SEEN_QUIET
            continue
        p = place[i]
        w = width[p]
        y, x = planes.split(c - cell_start[p], w)
        # borrowed (planes.borrow): the edge case's call would otherwise cost every row an atomic
        # incref/decref per array (numba, one thread, 1000²: 63 -> 31 ms per pass of random_in_vision)
        packed = planes.seen_in_vision(borrow(bits), word_start[p], words_per_row[p], height[p], w, torus, y, x,
                                       borrow(vdy), borrow(vlo), borrow(vhi), borrow(vmask), row_start[p],
                                       row_start[p + 1], vreach[p])
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


# numba: parallel over rows; claims settled in the same pass by an atomic min on claim[cell]
# (order-free, so the winner is the same on any thread count); replaces a serial 3-pass settle.
@nb.njit(parallel=True, cache=True)
def choose_moves_all(n, kind, state, place, cell, agent_id, board, bits, cell_start, height, width, word_start,
                     words_per_row, torus, citizens_move, alt, vp, cop_base, key, target, priority, claim, serial):
    """Every free agent (cops; citizens if they move) picks a uniformly random free cell in its
    vision (``planes.random_free``) and claims it: claim[cell] = the smallest
    priority of its claimants. ``vp``: citizen vision of place p at index p, cop vision at
    ``cop_base + p``; ``serial``: one thread (a plain min settles the claims, ``_serial``)."""
    row_start, vdy, vlo, vhi, vmask, vreach, off_start, vody, vodx = vp  # unpacked once, outside the loop
    for i in nb.prange(n):
        target[i] = -1
        s = state[i]
        kd = kind[i]
        if kd == CITIZEN:
            if not citizens_move or (s != QUIET and s != ACTIVE):
                continue
            q = place[i]
        elif kd == COP and s == ON_DUTY:
            q = cop_base + place[i]
        else:
            continue
        p = place[i]
        w = width[p]
        start = cell_start[p]
        y, x = planes.split(cell[i] - start, w)
        akey = rng.agent_key(key, agent_id[i])
        t = planes.random_free(borrow(board), alt, borrow(bits), start, word_start[p], words_per_row[p], height[p], w,
                               torus, y, x, borrow(vdy), borrow(vlo), borrow(vhi), borrow(vmask), row_start[q],
                               row_start[q + 1], vreach[q], borrow(vody), borrow(vodx), off_start[q], off_start[q + 1],
                               akey)
        target[i] = t
        if t >= 0:
            pr = _claim_priority(akey, agent_id[i])
            priority[i] = pr
            if serial:  # one thread: a plain min, the same result without the locked instruction
                if pr < claim[t]:
                    claim[t] = pr
            else:
                atomic_min(claim, t, pr)


@nb.njit(parallel=True, cache=True)
def apply_claimed_moves(n, occupant, board, cell, target, priority, claim):
    """Winners (claim[t] == own priority) move; losers' target becomes -1. Race-free: old cells
    are distinct, winners' targets distinct and empty; claim is only read here."""
    for i in nb.prange(n):
        t = target[i]
        if t < 0:
            continue
        if claim[t] != priority[i]:
            target[i] = -1
            continue
        old = cell[i]
        code = board[old]
        occupant[old] = -1
        board[old] = EMPTY
        occupant[t] = i
        board[t] = code
        cell[i] = t


@nb.njit(parallel=True, cache=True)
def clear_claims(n, target, claim):
    """claim back to NO_CLAIM on the cells won (each by one row: race-free)."""
    for i in nb.prange(n):
        t = target[i]
        if t >= 0:
            claim[t] = NO_CLAIM


@nb.njit(parallel=True, cache=True)
def choose_arrests(n, kind, state, place, cell, agent_id, bits, cell_start, height, width, word_start,
                   words_per_row, torus, vp, cop_base, key, target, priority, claim, serial):
    """Every on-duty cop picks a uniformly random active in its vision and claims it."""
    row_start, vdy, vlo, vhi, vmask, vreach, off_start, vody, vodx = vp
    for i in nb.prange(n):
        target[i] = -1
        if kind[i] != COP or state[i] != ON_DUTY:
            continue
        p = place[i]
        q = cop_base + p
        w = width[p]
        start = cell_start[p]
        y, x = planes.split(cell[i] - start, w)
        akey = rng.agent_key(key, agent_id[i])
        t = planes.random_in_vision(borrow(bits), ACTIVE_PLANE, start, word_start[p], words_per_row[p], height[p],
                                    w, torus, y, x, borrow(vdy), borrow(vlo), borrow(vhi), borrow(vmask),
                                    row_start[q], row_start[q + 1], vreach[q], akey, 0)
        target[i] = t
        if t >= 0:
            pr = _claim_priority(akey, agent_id[i])
            priority[i] = pr
            if serial:  # one thread: a plain min, the same result without the locked instruction
                if pr < claim[t]:
                    claim[t] = pr
            else:
                atomic_min(claim, t, pr)


@nb.njit(parallel=True, cache=True)
def apply_claimed_arrests(n, state, cell, jail_left, agent_id, occupant, board, target, priority, claim, rules,
                          key_term):
    """Winning cops arrest; race-free (arrestees' cells distinct, cops' own cells distinct)."""
    arrests = 0
    for j in nb.prange(n):
        c = target[j]
        if c < 0:
            continue
        if claim[c] != priority[j]:
            target[j] = -1
            continue
        a = occupant[c]
        cop_rules.jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, key_term)
        cop_rules.after_arrest(j, c, cell, occupant, board, rules)
        arrests += 1
    return arrests


# --- phases --------------------------------------------------------------------------------------


class Scratch:
    """Per-run buffers of the synchronous schedule (reused every step)."""

    def __init__(self, world):
        self.claim = np.full(world.places.n_cells, NO_CLAIM, np.int64)
        self.target = np.empty(0, np.int64)
        self.priority = np.empty(0, np.int64)
        self.tables: dict[int, np.ndarray] = {}  # place -> reused count table
        # citizen visions of places 0..P-1, then cop visions (index P + p)
        self.vp = VisionPack(list(world.citizen_vision) + list(world.cop_vision))
        self.cop_base = len(world.citizen_vision)

    def rows(self, n):
        if self.target.shape[0] < n:
            self.target = np.empty(n, np.int64)
            self.priority = np.empty(n, np.int64)
        return self.target, self.priority


def _scratch(world) -> Scratch:
    if getattr(world, "scratch", None) is None:
        world.scratch = Scratch(world)
    return world.scratch


def _geometry(world, pl):
    places = world.places
    return (places.cell_start, places.height, places.width, pl.word_start, pl.words_per_row, places.torus)


def _serial() -> bool:
    """One numba thread: claims settle by a plain min instead of an atomic one (same result).
    Passed as an argument: calling numba.get_num_threads inside a kernel defeats its cache."""
    return nb.get_num_threads() == 1


def _passable(world) -> bool:
    return world.rules[JAIL_MODE] == KEEP_CELL_PASSABLE


def decide(world, step: int) -> None:
    """Phase citizens.decide."""
    maybe_resort(world, step)
    pop, places = world.pop, world.places
    sc = _scratch(world)
    radius = max(float(v.radius) for v in world.citizen_vision)
    if radius <= PLANES_MAX_RADIUS:
        pl = planes.planes_of(world)
        pl.build(places, _passable(world))
        decide_planes(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.hardship, pop.risk_aversion,
                      pop.threshold, pop.legitimacy, places.board, pl.bits, *_geometry(world, pl), sc.vp.arrays,
                      world.rules, world.k)
        return
    for p in range(places.count):
        start, height, width, torus = world.place_geometry(p)
        vis = world.citizen_vision[p]
        method = counts.method_for(vis)
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
    pl = planes.planes_of(world)
    pl.build(places, _passable(world))
    choose_arrests(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.agent_id, pl.bits, *_geometry(world, pl),
                   sc.vp.arrays, sc.cop_base, world.key("arrest", step), target, priority, sc.claim, _serial())
    world.arrests += apply_claimed_arrests(pop.n, pop.state, pop.cell, pop.jail_left, pop.agent_id, places.occupant,
                                           places.board, target, priority, sc.claim, world.rules,
                                           world.key("jail_term", step))
    clear_claims(pop.n, target, sc.claim)


def move(world, step: int) -> None:
    """Phase agents.move."""
    pop, places = world.pop, world.places
    sc = _scratch(world)
    target, priority = sc.rows(pop.n)
    pl = planes.planes_of(world)
    pl.build(places, _passable(world))
    alt = SEEN_JAILED if _passable(world) else EMPTY
    choose_moves_all(pop.n, pop.kind, pop.state, pop.place, pop.cell, pop.agent_id, places.board, pl.bits,
                     *_geometry(world, pl), bool(world.rules[MOVEMENT]), alt, sc.vp.arrays, sc.cop_base,
                     world.key("move", step), target, priority, sc.claim, _serial())
    apply_claimed_moves(pop.n, places.occupant, places.board, pop.cell, target, priority, sc.claim)
    clear_claims(pop.n, target, sc.claim)


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
    pop = world.pop
    order = cell_order(world.places.occupant, pop.n)
    pop.permute(order)


# numba: one pass over the cells and one over the rows (numpy's masks, concatenate and remap took
# ~17-30 ms at 1000², one thread, every 16 steps).
@nb.njit(cache=True)
def cell_order(occupant, n):
    """Rows in cell order, then the rows on no cell in row order; ``occupant`` is remapped to the
    new rows (the row at position k of the order becomes row k)."""
    order = np.empty(n, np.int64)
    placed = np.zeros(n, np.bool_)
    k = 0
    for c in range(occupant.shape[0]):
        r = occupant[c]
        if r >= 0:
            order[k] = r
            placed[r] = True
            occupant[c] = k
            k += 1
    for r in range(n):
        if not placed[r]:
            order[k] = r
            k += 1
    return order
