"""What is recorded each step: counts per place (architecture.md, "What is recorded").

Always: ``quiet, active, jailed, dead, cops`` (cops on duty) and ``arrests`` (made this step).
With more than one group (Model II, ``[[groups]]``) per group ``quiet_g*, active_g*, jailed_g*,
citizens_g*`` (alive); Model II per step ``kills, births, deaths``; column sources registered by
mechanisms or the world (``Recorder.add_source``) their own per-place columns. Arrays are ``[steps + 1, places]`` (row 0 is the initial state),
preallocated and doubled if a run goes on past its planned steps.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine.population import CITIZEN, COP, ON_DUTY

STATE_COLUMNS = ("quiet", "active", "jailed", "dead")


# numba: one pass over int8 columns; ~0.3 ms at 10^6 agents where numpy bincounts take 3 ms.
@nb.njit(cache=True)
def tally(n, kind, state, place, group, n_places, n_groups):
    """[places, 5] quiet, active, jailed, dead, cops; [places, groups, 4] the states by group."""
    out = np.zeros((n_places, 5), np.int64)
    by_group = np.zeros((n_places, n_groups, 4), np.int64)
    for i in range(n):
        p = place[i]
        if kind[i] == CITIZEN:
            s = state[i]
            out[p, s] += 1
            by_group[p, group[i], s] += 1
        elif kind[i] == COP and state[i] == ON_DUTY:
            out[p, 4] += 1
    return out, by_group


# numba: tally straight into the recorder's row (no per-step arrays, one dispatch instead of
# a tally, two row copies and an events copy: ~5 us of a 120 us small step).
@nb.njit(cache=True)
def tally_into(step, n, kind, state, place, group, counts, by_group, events, e0, e1, e2, e3):
    """``tally`` of this step written into ``counts[step]``, ``by_group[step]``; events into ``events[step, 0]``."""
    counts[step] = 0
    by_group[step] = 0
    for i in range(n):
        p = place[i]
        if kind[i] == CITIZEN:
            s = state[i]
            counts[step, p, s] += 1
            by_group[step, p, group[i], s] += 1
        elif kind[i] == COP and state[i] == ON_DUTY:
            counts[step, p, 4] += 1
    events[step, 0, 0] = e0
    events[step, 0, 1] = e1
    events[step, 0, 2] = e2
    events[step, 0, 3] = e3


class Recorder:
    def __init__(self, world, steps: int):
        self.n_places = world.places.count
        self.n_groups = world.n_groups
        self.model2 = world.model2
        self.rows = 0
        self.sources: list = []  # add_source: phases' own per-place columns (mechanisms, world)
        self.extra: dict[str, np.ndarray] = {}
        self._alloc(steps + 1)

    def add_source(self, source) -> None:
        """``source(world, step) -> {column: values[places]}``, called at every record."""
        self.sources.append(source)

    def _alloc(self, length: int) -> None:
        shape = (length, self.n_places)
        self.counts = np.zeros(shape + (5,), np.int64)
        self.by_group = np.zeros(shape + (self.n_groups, 4), np.int64)
        self.events = np.zeros(shape + (4,), np.int64)  # arrests, kills, births, deaths

    def _grow(self) -> None:
        old = (self.counts, self.by_group, self.events)
        self._alloc(2 * self.counts.shape[0])
        for new, o in zip((self.counts, self.by_group, self.events), old):
            new[: o.shape[0]] = o
        for name, o in self.extra.items():
            self.extra[name] = np.zeros((self.counts.shape[0],) + o.shape[1:], o.dtype)
            self.extra[name][: o.shape[0]] = o

    def record(self, world, step: int, events: tuple[int, int, int, int]) -> None:
        if step >= self.counts.shape[0]:
            self._grow()
        pop = world.pop
        e0, e1, e2, e3 = events  # single place: events are run-wide for now
        tally_into(step, pop.n, pop.kind, pop.state, pop.place, pop.group, self.counts, self.by_group, self.events,
                   e0, e1, e2, e3)
        self.record_sources(world, step)

    def record_sources(self, world, step: int) -> None:
        """The sources' columns of this step (after its counts are in)."""
        for source in self.sources:
            for name, values in source(world, step).items():
                if name not in self.extra:
                    values = np.asarray(values)
                    self.extra[name] = np.zeros((self.counts.shape[0], self.n_places), values.dtype)
                self.extra[name][step] = values
        self.rows = max(self.rows, step + 1)

    def columns(self) -> dict[str, np.ndarray]:
        """Column name -> [rows, places] array."""
        r = self.rows
        cols = {name: self.counts[:r, :, j] for j, name in enumerate(STATE_COLUMNS)}
        cols["cops"] = self.counts[:r, :, 4]
        cols["arrests"] = self.events[:r, :, 0]
        if self.n_groups > 1:
            for g in range(self.n_groups):
                for j, name in enumerate(STATE_COLUMNS[:3]):
                    cols[f"{name}_g{g}"] = self.by_group[:r, :, g, j]
                cols[f"citizens_g{g}"] = self.by_group[:r, :, g, :3].sum(axis=-1)
        if self.model2:
            cols["kills"] = self.events[:r, :, 1]
            cols["births"] = self.events[:r, :, 2]
            cols["deaths"] = self.events[:r, :, 3]
        cols.update({name: values[:r] for name, values in self.extra.items()})
        return cols
