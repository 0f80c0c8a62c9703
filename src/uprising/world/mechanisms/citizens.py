"""Citizens' conditions: hardship and threshold, rewritten each step from what the mechanisms add,
and organisations' calls to strike or blockade.

Phase ``citizens.condition`` writes each citizen's
``H = min(1, H0 + sum of the mechanisms' hardship hooks for its place and group)`` (shortage,
price rises) and ``T = T0``, at most ``calls.unorganised_threshold`` in a place where a call is in
force, ``calls.threshold`` for organised members of a called group and for marchers who arrived,
plus the sum of the threshold hooks for its place (a curfew). Only places whose inputs changed
since the last step are rewritten (all when rows moved): one compiled pass (issue #8).

Decision ``call``: the organisations of ``groups`` call their members in ``places`` until
``until``. Config ``[world.calls]``.
"""

from __future__ import annotations

import numpy as np

from uprising.engine.population import CITIZEN
from uprising.world import kernels
from uprising.world.mechanism import Mechanism


class _Conditioned:
    """What ``citizens.condition`` last wrote, per place (a cache: never checkpointed; a resumed
    run recomputes every place on its first step)."""

    __checkpoint_skip__ = True

    def __init__(self, extra, called, marchers, next_id, t_shift):
        self.t_shift = t_shift
        self.extra = extra
        self.called = called
        self.marchers = marchers
        self.next_id = next_id


def install(w) -> None:
    G = max(1, len(w.group_names))
    w.call_until = np.full((w.P, G), -1, np.int64)


def call(w, step, i, ev, places, until) -> None:
    """Organisations call their groups' members in the places to act until ``until``."""
    gsel = [w.group_names.index(g) for g in ev.groups]
    for p in places:
        for g in gsel:
            w.call_until[p, g] = max(w.call_until[p, g], until)


def _added(w, step: int):
    """The mechanisms' hardship [P, G] and threshold [P] hooks, summed."""
    from uprising.world import registry

    extra = np.zeros(w.call_until.shape)
    shift = np.zeros(w.P)
    for m in registry.MECHANISMS:
        if m.hardship is not None:
            h = m.hardship(w, step)
            extra += h[:, None] if h.ndim == 1 else h
        if m.threshold is not None:
            shift += m.threshold(w, step)
    return extra, shift


def citizens_condition(w, step: int) -> None:
    """Write each citizen's H and T from what the mechanisms add (module doc)."""
    pop, cfg = w.pop, w.cfg
    n = pop.n
    extra, t_shift = _added(w, step)
    called = w.call_until >= step
    last = getattr(w, "_conditioned", None)
    everything = last is None or getattr(w, "_condition_stale", False)
    if last is not None and pop.next_id != last.next_id:  # new rows: defectors joining the crowd?
        new = np.flatnonzero(pop.agent_id[:n] >= len(w.base_hardship))
        if (pop.kind[new] == CITIZEN).any():
            w.extend_bases()
            everything = True
    elif last is None and n and int(pop.agent_id[:n].max()) >= len(w.base_hardship):
        w.extend_bases()
    if w.marcher_until:
        mids = np.fromiter(w.marcher_until.keys(), np.int64)
        until = np.fromiter(w.marcher_until.values(), np.int64)
        marchers = np.sort(mids[until >= step])
    else:
        marchers = np.zeros(0, np.int64)
    if last is not None and not np.array_equal(marchers, last.marchers):
        everything = True
    if everything:
        dirty = np.ones(w.P, bool)
    else:
        dirty = (extra != last.extra).any(axis=1) | (called != last.called).any(axis=1) | (t_shift != last.t_shift)
    w._conditioned = _Conditioned(extra, called, marchers, pop.next_id, t_shift)
    w._condition_stale = False
    if not dirty.any():
        return
    mark = getattr(w, "_marcher_mark", None)
    if mark is None or len(mark) != len(w.base_hardship):
        mark = w._marcher_mark = np.zeros(len(w.base_hardship), bool)
    else:
        mark[:] = False
    mark[marchers[marchers < len(mark)]] = True
    kernels.condition(n, pop.kind, pop.place, pop.group, pop.organised, pop.agent_id, w.base_hardship,
                      w.base_threshold, mark, extra, called, called.any(axis=1), dirty,
                      float(cfg.calls.unorganised_threshold), float(cfg.calls.threshold), t_shift, pop.hardship,
                      pop.threshold)


MECHANISM = Mechanism(
    name="citizens",
    section="calls",
    stage="before",
    install=install,
    phases=(("citizens.condition", citizens_condition),),
    events={"call": call},
    columns={"called": (lambda w: (w.call_until >= w.recording_step).any(axis=1), bool)},
    doc="Hardship and threshold from what the mechanisms add; organisations' calls.",
)
