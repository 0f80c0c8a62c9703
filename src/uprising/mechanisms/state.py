"""Per-place state the mechanisms share, the places' counts, and the columns they record.

Reads: ``world.pop`` (kind, state, place, legitimacy), ``world.places``, ``world.arrests`` /
``world.arrests_by_place``. Writes: ``world.mechanisms`` (a :class:`MechanismState`), and, through
the recorder's column sources, the timeseries columns listed in :func:`columns`.

Units (design-gas-war.md section 1): an agent stands for ``people_per_agent[p]`` people (1/scale;
1 on the classic grid). Deaths, arrests and news are counted in people.
"""

from __future__ import annotations

import difflib

import numba as nb
import numpy as np

from uprising.engine.population import CITIZEN, COP, DEAD, NEUTRAL, ON_DUTY, SOLDIER
from uprising.errors import UserError

# columns of the place tally: the first 8 are the mechanisms'; a world of places also reads the
# security forces standing on its grids
(T_QUIET, T_ACTIVE, T_JAILED, T_DEAD, T_POLICE, T_SOLDIERS, T_NEUTRAL_POLICE, T_NEUTRAL_SOLDIERS,
 T_SOLDIERS_ON_GRID, T_SECURITY_ON_GRID, T_NEUTRAL_ON_GRID) = range(11)
N_TALLY = 11


# numba: one parallel pass over fixed chunks of rows (issue #8: at 8.3 M rows a serial pass is
# ~15 ms a call, and a step made four). The chunks are fixed, so the float sums are the same on
# any number of threads; each chunk writes only its own slice of the buffers.
CHUNKS = 64


@nb.njit(inline="always", cache=True)
def _close_run(cur, acc, nl, run, out, bg, tot, liv, with_group):
    """Place ``cur``'s run of citizens ends: its L sum, living count and counters into the chunk's
    slices; the counters back to zero."""
    tot[cur] = acc
    liv[cur] += nl
    for g in range(run.shape[0]):
        for s in range(4):
            out[cur, s] += run[g, s]
            if with_group:
                bg[cur, g, s] += run[g, s]
            run[g, s] = 0


@nb.njit(parallel=True, cache=True)
def tally_chunks(n, kind, state, place, group, cell, with_cell, legitimacy, with_l, with_group, n_places, n_groups,
               counts, sums, alive, by_group):
    """One pass over fixed chunks of rows: per chunk and place, the N_TALLY counts, the sum of
    living citizens' L and their number (``with_l``); the on-grid columns only ``with_cell``;
    with ``with_group`` the citizens by group and state in ``by_group[chunk, place, group, state]``
    (the recorder's). Each chunk writes only its own slice.

    The citizens' counts are kept in registers while the place does not change (rows are in cell
    order, so places come in long runs; issue #14: increments of a [place, column] counter in
    memory formed a chain of stores and loads). A place's float sum continues from its stored
    value at each run, so the additions are the same, in the same order, as a row-by-row
    ``sums[c, place[i]] += L[i]``: the same sums bit for bit."""
    size = (n + CHUNKS - 1) // CHUNKS
    for c in nb.prange(CHUNKS):
        out = counts[c]
        tot = sums[c]
        liv = alive[c]
        for p in range(n_places):
            tot[p] = 0.0
            liv[p] = 0
            for j in range(N_TALLY):
                out[p, j] = 0
        bg = by_group[c]
        if with_group:
            for p in range(n_places):
                for g in range(n_groups):
                    for s in range(4):
                        bg[p, g, s] = 0
        # the current run's counters: by group and state (one group without with_group)
        run = np.zeros((n_groups if with_group else 1, 4), np.int64)
        cur = -1
        acc = 0.0
        nl = 0
        for i in range(c * size, min(n, (c + 1) * size)):
            p = np.int64(place[i])
            k = kind[i]
            if k == CITIZEN:
                if p != cur:
                    if cur >= 0:
                        _close_run(cur, acc, nl, run, out, bg, tot, liv, with_group)
                    cur = p
                    acc = tot[p]
                    nl = 0
                s = state[i]
                if s <= DEAD:
                    run[np.int64(group[i]) if with_group else 0, s] += 1
                if with_l and s != DEAD:
                    acc += legitimacy[i]
                    nl += 1
            elif k == COP or k == SOLDIER:
                s = state[i]
                if s == ON_DUTY:
                    out[p, T_POLICE if k == COP else T_SOLDIERS] += 1
                elif s == NEUTRAL:
                    out[p, T_NEUTRAL_POLICE if k == COP else T_NEUTRAL_SOLDIERS] += 1
                if with_cell and cell[i] >= 0:
                    out[p, T_SECURITY_ON_GRID] += 1
                    if k == SOLDIER:
                        out[p, T_SOLDIERS_ON_GRID] += 1
                    if s == NEUTRAL:
                        out[p, T_NEUTRAL_ON_GRID] += 1
        if cur >= 0:
            _close_run(cur, acc, nl, run, out, bg, tot, liv, with_group)


class TallyBuffers:
    """Reused buffers for :func:`tally_chunks` (a cache: never checkpointed)."""

    __checkpoint_skip__ = True

    def __init__(self, n_places: int, n_groups: int = 1):
        self.counts = np.zeros((CHUNKS, n_places, N_TALLY), np.int64)
        self.sums = np.zeros((CHUNKS, n_places), np.float64)
        self.alive = np.zeros((CHUNKS, n_places), np.int64)
        self.by_group = np.zeros((CHUNKS, n_places, n_groups, 4), np.int64)
        self.step = -1  # record_tally: the step of ``result``
        self.result = None


def _tally(n, kind, state, place, legitimacy, with_l, n_places, cell=None):
    buf = TallyBuffers(n_places)
    tally_chunks(n, kind, state, place, _NO_GROUP, cell if cell is not None else _NO_CELL, cell is not None,
                 legitimacy, with_l, False, n_places, 1, buf.counts, buf.sums, buf.alive, buf.by_group)
    return buf.counts.sum(axis=0)[:, :8], buf.sums.sum(axis=0), buf.alive.sum(axis=0)


def record_tally(world, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The record's one pass (issue #14): the place tally, the living citizens' L (sum, count) and
    the citizens by group and state, kept on ``world.mechanisms`` for :func:`columns` at this
    step. Returns ([places, N_TALLY] counts, [places, groups, 4] by group): the recorder's
    ``quiet, active, jailed, dead, cops`` are the first five tally columns (cops = police on
    duty), its ``by_group`` the second array."""
    pop = world.pop
    ms = world.mechanisms
    n_groups = world.recorder.n_groups
    buf = getattr(ms, "_record_buf", None)
    if buf is None or buf.by_group.shape[1:3] != (ms.n_places, n_groups):
        buf = ms._record_buf = TallyBuffers(ms.n_places, n_groups)
    tally_chunks(pop.n, pop.kind, pop.state, pop.place, pop.group, _NO_CELL32, False, pop.legitimacy, True, True,
                 ms.n_places, n_groups, buf.counts, buf.sums, buf.alive, buf.by_group)
    counts = buf.counts.sum(axis=0)
    buf.step = step
    buf.result = (counts[:, :8], buf.sums.sum(axis=0), buf.alive.sum(axis=0))
    return counts, buf.by_group.sum(axis=0)


def _recorded_tally(world, step: int):
    """What :func:`record_tally` found at ``step`` (tally [places, 8], sum of L, count), or None."""
    buf = getattr(world.mechanisms, "_record_buf", None)
    return buf.result if buf is not None and buf.step == step else None


_NO_L = np.zeros(0, np.float32)
_NO_CELL = np.zeros(0, np.int32)  # the cell column's dtype: one compiled tally, not two
_NO_CELL32 = np.zeros(0, np.int32)
_NO_GROUP = np.zeros(0, np.int8)


def tally_and_legitimacy(n, kind, state, place, legitimacy, n_places):
    """(place tally [places, 8], sum of L of living citizens [places], their count [places]) in one pass."""
    return _tally(n, kind, state, place, legitimacy, True, n_places)


def place_tally(n, kind, state, place, n_places):
    """[places, 8]: quiet, active, jailed, dead citizens; police, soldiers on duty; neutral police, soldiers."""
    return _tally(n, kind, state, place, _NO_L, False, n_places)[0]


def legitimacy_sums(n, kind, state, place, legitimacy, n_places):
    """Sum of L and count of living citizens per place."""
    _, total, count = _tally(n, kind, state, place, legitimacy, True, n_places)
    return total, count


@nb.njit(parallel=True, cache=True)
def _count_security(n, kind, state, counts):
    size = (n + CHUNKS - 1) // CHUNKS
    for c in nb.prange(CHUNKS):
        m = 0
        for i in range(c * size, min(n, (c + 1) * size)):
            k = kind[i]
            if (k == COP or k == SOLDIER) and state[i] == ON_DUTY:
                m += 1
        counts[c] = m


@nb.njit(parallel=True, cache=True)
def _fill_security(n, kind, state, first, out):
    size = (n + CHUNKS - 1) // CHUNKS
    for c in nb.prange(CHUNKS):
        m = first[c]
        for i in range(c * size, min(n, (c + 1) * size)):
            k = kind[i]
            if (k == COP or k == SOLDIER) and state[i] == ON_DUTY:
                out[m] = i
                m += 1


def security_rows(n, kind, state):
    """Rows of police and soldiers on duty, in row order (other kinds — the world of places'
    marching citizens, reserves — are neither)."""
    counts = np.empty(CHUNKS, np.int64)
    _count_security(n, kind, state, counts)
    first = np.zeros(CHUNKS, np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    out = np.empty(int(counts.sum()), np.int64)
    _fill_security(n, kind, state, first, out)
    return out


class MechanismState:
    """What the mechanisms keep per place (arrays of length P) between phases and steps.

    Inputs the world of places sets: ``people_per_agent`` (1/scale), ``radio_reach`` (0..1),
    ``news_people`` with ``news_external = True`` (deaths heard of from other places this step;
    otherwise the legitimacy phase hears every other place's deaths at once), ``doctrine_floor``
    (or :func:`uprising.mechanisms.repression.raise_doctrine`).
    """

    def __init__(self, world):
        p = world.places.count
        self.n_places = p
        self.people_per_agent = np.ones(p, np.float64)
        # soldiers a soldier agent stands for (its fire is drawn per soldier): None is people_per_agent;
        # a world that rounds deployments to agents sets deployed soldiers / soldier agents (issue #8)
        self.soldiers_per_agent: np.ndarray | None = None
        self.radio_reach = np.ones(p, np.float64)
        self.news_people = np.zeros(p, np.float64)
        self.news_external = False
        # repression
        self.doctrine = np.zeros(p, np.int64)
        self.doctrine_floor = np.zeros(p, np.int64)
        self.doctrine_cap = np.full(p, 2, np.int64)  # the rule of force in place (world: states of siege)
        self.killed_step = np.zeros(p, np.float64)  # people killed this step (soldiers' fire)
        self.deaths_people = np.zeros(p, np.float64)  # cumulative
        self.death_balance = np.zeros(p, np.float64)  # people killed not yet shown on the grid
        self.shown_step = np.zeros(p, np.int64)  # agents removed this step
        self.dispersed_step = np.zeros(p, np.int64)
        self.kill_log: list[tuple[int, int, int, int, float]] = []  # step, place, killer kind, killer id, people
        # legitimacy
        self.baseline = np.zeros((p, 1), np.float64)  # [place, group]
        self.arrests_seen = np.zeros(p, np.int64)
        self.last_legitimacy_step = 0
        # loyalty
        self.joined_step = np.zeros(p, np.int64)
        self.defected_step = np.zeros(p, np.int64)
        self.tally = np.zeros((p, 8), np.int64)
        self.tally_step = -1  # step of the tally soldiers.repress took (before they acted)
        self.soldiers_acted = False  # whether any soldier acted after that tally
        self.actives_taken = np.zeros(p, np.int64)  # actives the soldiers arrested, dispersed or killed this step
        self.on: dict[str, bool] = {}

    def arrests_by_place(self, world) -> np.ndarray:
        """Cumulative arrests (agents) per place: the engine's per-place count when it keeps one."""
        by_place = getattr(world, "arrests_by_place", None)
        if by_place is not None:
            return np.asarray(by_place, np.int64)
        if self.n_places == 1:
            return np.array([world.arrests], np.int64)
        raise RuntimeError("arrest backfire in a multi-place world needs world.arrests_by_place")


def place_names(world) -> list[str]:
    names = getattr(world, "place_names", None)
    return list(names) if names is not None else []


def places_mask(world, names: list[str], key: str) -> np.ndarray:
    """Boolean mask over places for a list of place names (empty: every place)."""
    p = world.places.count
    if not names:
        return np.ones(p, bool)
    known = place_names(world)
    mask = np.zeros(p, bool)
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            allowed = f"known places: {', '.join(known)}" if known else "a one-place grid has no named places; leave it empty"
            raise UserError(None, key, f"unknown place '{name}'; {hint}{allowed}")
        mask[known.index(name)] = True
    return mask


def refresh_tally(world) -> np.ndarray:
    pop = world.pop
    ms = world.mechanisms
    ms.tally = place_tally(pop.n, pop.kind, pop.state, pop.place, ms.n_places)
    return ms.tally


def columns(world, step: int) -> dict[str, np.ndarray]:
    """The per-place columns the mechanisms add to the timeseries (only those switched on)."""
    ms = world.mechanisms
    pop = world.pop
    out: dict[str, np.ndarray] = {}
    both = ms.on.get("legitimacy") and (ms.on.get("repression") or ms.on.get("loyalty"))
    recorded = _recorded_tally(world, step)  # the record's own pass of this step (a world of places)
    if both and recorded is not None:
        t, total, count = recorded
        ms.tally = t.copy()
        out["legitimacy_mean"] = total / np.maximum(count, 1)
    elif both:  # one pass over the rows for both (issue #8)
        ms.tally, total, count = tally_and_legitimacy(pop.n, pop.kind, pop.state, pop.place, pop.legitimacy,
                                                      ms.n_places)
        out["legitimacy_mean"] = total / np.maximum(count, 1)
    elif ms.on.get("legitimacy"):
        total, count = legitimacy_sums(pop.n, pop.kind, pop.state, pop.place, pop.legitimacy, ms.n_places)
        out["legitimacy_mean"] = total / np.maximum(count, 1)
    if ms.on.get("repression") or ms.on.get("loyalty"):
        t = ms.tally if both else refresh_tally(world)
        out["soldiers"] = t[:, T_SOLDIERS].copy()
    if ms.on.get("repression"):
        out["doctrine"] = ms.doctrine.copy()
        out["dispersed"] = ms.dispersed_step.copy()
        out["killed_people"] = ms.killed_step.copy()
        out["deaths_people"] = ms.deaths_people.copy()
    if ms.on.get("loyalty"):
        t = ms.tally
        out["neutral_police"] = t[:, T_NEUTRAL_POLICE].copy()
        out["neutral_soldiers"] = t[:, T_NEUTRAL_SOLDIERS].copy()
        forces = t[:, [T_POLICE, T_SOLDIERS, T_NEUTRAL_POLICE, T_NEUTRAL_SOLDIERS]].sum(axis=1)
        out["neutral_share"] = (t[:, T_NEUTRAL_POLICE] + t[:, T_NEUTRAL_SOLDIERS]) / np.maximum(forces, 1)
        out["defectors_joined"] = ms.joined_step.copy()
    return out


KIND_NAMES = {COP: "police", SOLDIER: "soldier"}


def kill_log_frame(world):
    """The killings as a polars frame: step, place, killer_kind, killer_id, people (one row per firing)."""
    import polars as pl

    log = world.mechanisms.kill_log
    return pl.DataFrame(
        {
            "step": [r[0] for r in log],
            "place": [r[1] for r in log],
            "killer_kind": [KIND_NAMES.get(r[2], str(r[2])) for r in log],
            "killer_id": [r[3] for r in log],
            "people": [r[4] for r in log],
        },
        schema={"step": pl.Int64, "place": pl.Int64, "killer_kind": pl.Utf8, "killer_id": pl.Int64, "people": pl.Float64},
    )


__all__ = ["MechanismState", "kill_log_frame", "place_tally", "security_rows", "places_mask", "columns", "refresh_tally"]
