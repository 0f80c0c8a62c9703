"""Hardship shocks: a price rise or a bank freeze raises H of some groups in some places for a while.

Decision ``hardship``: ``size`` (or, in its own units, ``percent`` through the shared
``world.mobilisation.hardship_per_doubling``: :func:`shock_size`) is added to H of ``groups`` (all if none named) in ``places``
until ``until`` (``citizens.condition`` adds it: H = min(1, H0 + ... + size)). Shocks in force
add up; a shock given in ``percent`` also costs legitimacy where it falls
(``legitimacy_per_doubling x log2(1 + percent/100)``: a decided price is blamed on who set it); each lapses after its ``until``, or when a concession ``withdraws`` them. A price rise moves grievance G = H(1 - L) through H,
as Epstein's model has it; the price itself is the record's (e.g. a decree that doubles diesel).
"""

from __future__ import annotations

import numpy as np

from uprising.world.mechanism import Mechanism


def install(w) -> None:
    w.hardship_shocks = []  # (places, groups, size, last step)
    w.hardship_extra = np.zeros(w.call_until.shape)


def hardship_event(w, step, i, ev, places, until) -> None:
    G = w.hardship_extra.shape[1]
    groups = [w.group_names.index(g) for g in ev.groups] if ev.groups else list(range(G))
    w.hardship_shocks.append((np.array(places), np.array(groups), shock_size(w.cfg, ev), until))
    if ev.percent is not None and ev.percent > 0:  # a decided price: its bearers blame the government
        from uprising.mechanisms import legitimacy

        mask = np.zeros(w.P, bool)
        mask[places] = True
        loss = w.cfg.mobilisation.legitimacy_per_doubling * np.log2(1.0 + float(ev.percent) / 100.0)
        legitimacy.apply_shock(w, mask, float(loss))
    _sum(w)


def shock_size(cfg, ev) -> float:
    """H added by a hardship decision: its own ``size``, else the shared response to ``percent``:
    ``hardship_per_doubling x log2(1 + percent / 100)`` (a doubling of a price adds the shared value)."""
    if ev.size is not None:
        return float(ev.size)
    return float(cfg.mobilisation.hardship_per_doubling * np.log2(1.0 + float(ev.percent) / 100.0))


def lapse(w, step: int) -> None:
    if w.hardship_shocks:
        w.hardship_shocks = [h for h in w.hardship_shocks if h[3] >= step]
        _sum(w)


def withdraw(w) -> None:
    """Every shock in force ends now (a concession that repeals the policy)."""
    w.hardship_shocks = []
    _sum(w)


def _sum(w) -> None:
    extra = np.zeros_like(w.hardship_extra)
    for places, groups, size, _until in w.hardship_shocks:
        extra[np.ix_(places, groups)] += size
    w.hardship_extra[:] = extra


MECHANISM = Mechanism(
    name="hardship",
    stage="before",
    install=install,
    events={"hardship": hardship_event},
    lapse=lapse,
    hardship=lambda w, step: w.hardship_extra,
    doc="Price rises and other shocks to hardship, by place and group, for a while.",
)
