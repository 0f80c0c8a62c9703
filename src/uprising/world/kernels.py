"""Compiled passes over all rows for the world of places (issue #8, country scale).

At one agent per person (8.3 M rows) a numpy expression over the population costs 20-60 ms (a
pass per mask, temporaries of 8-70 MB, page faults), and a step of the world used a dozen of them.
Each function here is one numba pass that does what those expressions did, with the same result:

- :func:`tally` — per place, in one parallel pass over fixed chunks of rows: citizens by state,
  security by kind and state, soldiers on the grid, security on the grid and neutral among them,
  and the sum of living citizens' legitimacy (fixed chunk boundaries: the same sums on 1 or 2
  threads).
- :func:`condition` — ``citizens.condition`` (hardship raised by shortage, thresholds lowered
  by calls) for the rows of the places whose inputs changed since the last step.
- :func:`uniform_fill` — set-up draws (keyed by agent id: the values of ``rng.uniform_array``).
- :func:`citizens_of`, :func:`marchers_of` — the rows a death, a dispersal or a march picks
  from, without five boolean masks over the population.
- :func:`rows_of_ids` — the rows of a contingent's agent ids (rows move when the engine re-sorts
  them), without an index of every agent id.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import rng
from uprising.engine.population import ACTIVE, CITIZEN
from uprising.mechanisms.state import (  # noqa: F401  (the tally's columns, read by the world's mechanisms)
    CHUNKS, N_TALLY, T_ACTIVE, T_DEAD, T_JAILED, T_NEUTRAL_ON_GRID, T_NEUTRAL_POLICE, T_NEUTRAL_SOLDIERS, T_POLICE,
    T_QUIET, T_SECURITY_ON_GRID, T_SOLDIERS, T_SOLDIERS_ON_GRID, TallyBuffers, tally_chunks,
)


def tally(world) -> tuple[np.ndarray, np.ndarray]:
    """([places, N_TALLY] int64 counts, [places] float64 sum of living citizens' legitimacy), in one
    pass (``mechanisms.state.tally_chunks``, the one place tally), buffers reused."""
    pop = world.pop
    n_places = world.places.count
    buf = getattr(world, "_tally_buf", None)
    if buf is None or buf.counts.shape[1] != n_places:
        buf = world._tally_buf = TallyBuffers(n_places)
    tally_chunks(pop.n, pop.kind, pop.state, pop.place, pop.group, pop.cell, True, pop.legitimacy, True, False,
                 n_places, 1, buf.counts, buf.sums, buf.alive, buf.by_group)
    return buf.counts.sum(axis=0), buf.sums.sum(axis=0)


@nb.njit(parallel=True, cache=True)
def condition(n, kind, place, group, organised, agent_id, base_h, base_t, marcher, extra, called_group,
              called_place, dirty, unorganised_t, call_t, t_shift, hardship, threshold):
    """Citizens of the ``dirty`` places: H = min(1, H0 + extra[p, g]); T = T0, at most the
    unorganised threshold where a call is in force, the call's threshold for organised members
    of a called group (and marchers who arrived); then T + t_shift[p] (a curfew)."""
    n_groups = called_group.shape[1]
    uo = np.float32(unorganised_t)
    ct = np.float32(call_t)
    for i in nb.prange(n):
        if kind[i] != CITIZEN:
            continue
        p = place[i]
        if not dirty[p]:
            continue
        a = agent_id[i]
        g = min(np.int64(group[i]), n_groups - 1)
        h = np.float64(base_h[a]) + extra[p, g]
        hardship[i] = np.float32(h if h < 1.0 else 1.0)
        t = base_t[a]
        if called_place[p] and uo < t:
            t = uo
        if (called_group[p, g] and organised[i] != 0) or marcher[a]:
            t = ct
        if t_shift[p] != 0.0:
            t = np.float32(t + t_shift[p])
        threshold[i] = t


@nb.njit(parallel=True, cache=True)
def uniform_fill(key, rows, agent_id, out):
    """out[r] = rng.uniform(key, agent_id[r], 0) for r in rows (``rng.uniform_array``'s values,
    stored as numpy's assignment would store them)."""
    for j in nb.prange(rows.shape[0]):
        r = rows[j]
        out[r] = rng.uniform(key, agent_id[r], 0)


@nb.njit(cache=True)
def citizens_of(n, kind, state, place, cell, want_place, want_state, on_grid):
    """Citizen rows of ``want_place`` in row order: with state ``want_state`` (-1: any) and, if
    ``on_grid``, standing on a cell."""
    out = np.empty(1024, np.int64)
    m = 0
    for i in range(n):
        if kind[i] != CITIZEN or place[i] != want_place:
            continue
        if want_state >= 0 and state[i] != want_state:
            continue
        if on_grid and cell[i] < 0:
            continue
        if m == out.shape[0]:
            bigger = np.empty(2 * m, np.int64)
            bigger[:m] = out
            out = bigger
        out[m] = i
        m += 1
    return out[:m].copy()


@nb.njit(cache=True)
def marchers_of(n, kind, state, place, organised, group, want_place, in_groups):
    """Active organised citizens of ``want_place`` whose group is in ``in_groups`` (bool by group)."""
    out = np.empty(1024, np.int64)
    m = 0
    ng = in_groups.shape[0]
    for i in range(n):
        if kind[i] != CITIZEN or place[i] != want_place or state[i] != ACTIVE or organised[i] != 1:
            continue
        g = group[i]
        if g < 0 or g >= ng or not in_groups[g]:
            continue
        if m == out.shape[0]:
            bigger = np.empty(2 * m, np.int64)
            bigger[:m] = out
            out = bigger
        out[m] = i
        m += 1
    return out[:m].copy()


@nb.njit(cache=True)
def rows_of_ids(n, agent_id, ids):
    """Row of each agent id in ``ids`` (-1 for an id no row has): one pass over the rows with a
    mark per id, instead of an index of every agent id (issue #14: 66 MB at 8.3 M agents)."""
    k = ids.shape[0]
    out = np.full(k, -1, np.int64)
    if k == 0:
        return out
    lo = ids.min()
    hi = ids.max()
    slot = np.full(hi - lo + 1, -1, np.int64)  # position in ids of each id in [lo, hi]
    for j in range(k):
        slot[ids[j] - lo] = j
    for i in range(n):
        a = agent_id[i]
        if a < lo or a > hi:
            continue
        j = slot[a - lo]
        if j >= 0:
            out[j] = i
    # an id listed twice: every listing gets its row (the slot holds one of them)
    for j in range(k):
        if out[j] < 0:
            out[j] = out[slot[ids[j] - lo]]
    return out


__all__ = [
    "tally", "condition", "uniform_fill", "citizens_of", "marchers_of", "rows_of_ids", "TallyBuffers",
    "tally_chunks", "CHUNKS", "N_TALLY", "T_QUIET", "T_ACTIVE", "T_JAILED", "T_DEAD", "T_POLICE", "T_SOLDIERS", "T_NEUTRAL_POLICE",
    "T_NEUTRAL_SOLDIERS", "T_SOLDIERS_ON_GRID", "T_SECURITY_ON_GRID", "T_NEUTRAL_ON_GRID",
]
