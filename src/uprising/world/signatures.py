"""Phase signatures: the first step at which a run shows what the record calls a phase (from the
step a phase may start: ``not_before``, ``after_previous``).

A phase's signature is data (``record.toml``, :class:`uprising.world.history.Signature`); this
module reads a finished run's recorded arrays and answers with a step, or None when the run never
showed it. Each kind is one function below; they read only what the world recorded per step
(blocked roads, deaths by place, actives by place, fuel shortage) and the events it applied.
"""

from __future__ import annotations

import numpy as np

from uprising.world.config import road_key


def _first(mask, start: int = 0) -> int | None:
    hit = np.flatnonzero(mask)
    hit = hit[hit >= start]
    return int(hit[0]) if len(hit) else None


def _places(w, names, tag: str = "") -> list[int]:
    if tag:
        return [p for p in range(w.P) if tag in w.tags[p]]
    return [w.index(n) for n in names if w.has(n)] if names else list(range(w.P))


def blockade(w, sig, rows: int, start: int = 0) -> int | None:
    """A blockable road touching one of the places is blocked."""
    places = _places(w, sig.places, sig.tag)
    roads = np.isin(w.road_src, places) | np.isin(w.road_dst, places)
    return _first(w.rec_blocked[:rows][:, roads & w.road_blockable].any(axis=1), start) if roads.any() else None


def deaths(w, sig, rows: int, start: int = 0) -> int | None:
    """At least ``at_least`` people killed within one day (the last ``steps_per_day`` steps)."""
    places = _places(w, sig.places, sig.tag)
    if not places:
        return None
    cum = w.rec["deaths"][:rows][:, places].sum(axis=1)
    day = np.array([cum[s] - cum[max(0, s - w.spd)] for s in range(rows)])
    return _first(day >= max(sig.at_least, 1e-9), start)


def mobilisation(w, sig, rows: int, start: int = 0) -> int | None:
    """At least ``at_least`` of the places hold ``world.protest_people`` actives on ``days`` days running."""
    places = _places(w, sig.places, sig.tag)
    if not places:
        return None
    active = w.recorder.columns()["active"][:rows][:, places] * w.ppa
    ndays = rows // w.spd
    peak = np.zeros((ndays, len(places)))
    for d in range(ndays):
        a, b = 1 + d * w.spd, min(rows, 1 + (d + 1) * w.spd)
        if a < b:
            peak[d] = active[a:b].max(axis=0)
    mob = (peak >= w.cfg.protest_people).sum(axis=1) >= sig.at_least
    k = sig.days
    if ndays < k:
        return None
    run = np.ones(ndays - k + 1, bool)
    for j in range(k):
        run &= mob[j : ndays - k + 1 + j]
    hit = [int(1 + h * w.spd) for h in np.flatnonzero(run) if 1 + (h + 1) * w.spd > start]
    return max(hit[0], start) if hit else None


def shortage(w, sig, rows: int, start: int = 0) -> int | None:
    """Fuel shortage in ``place`` at least ``at_least``, with ``road`` blocked if one is named."""
    if not w.has(sig.place):
        return None
    short = w.rec["fuel_shortage"][:rows, w.index(sig.place)] >= sig.at_least
    if sig.road:
        a, b = road_key(sig.road)
        if not (w.has(a) and w.has(b)):
            return None
        ia, ib = w.index(a), w.index(b)
        e = np.flatnonzero(((w.road_src == ia) & (w.road_dst == ib)) | ((w.road_src == ib) & (w.road_dst == ia)))
        short &= w.rec_blocked[:rows][:, e].any(axis=1)
    return _first(short, start)


def arrival(w, sig, rows: int, start: int = 0) -> int | None:
    """A march arrived in ``place``."""
    if not w.has(sig.place):
        return None
    p = w.index(sig.place)
    steps = [m.arrived for m in w.marches if m.target == p and m.arrived is not None and start <= m.arrived < rows]
    return min(steps) if steps else None


def decision(w, sig, rows: int, start: int = 0) -> int | None:
    """The first decision of kind ``decision`` the world applied (its log of decisions)."""
    steps = [s for s, kind, _actor in getattr(w, "decisions_taken", []) if kind == sig.decision and start <= s < rows]
    return min(steps) if steps else None


def resignation(w, sig, rows: int, start: int = 0) -> int | None:
    return w.resigned_step if w.resigned_step is not None and w.resigned_step >= start else None


KINDS = {
    "blockade": blockade,
    "deaths": deaths,
    "mobilisation": mobilisation,
    "shortage": shortage,
    "arrival": arrival,
    "decision": decision,
    "resignation": resignation,
}


def phase_steps(w, record) -> dict[str, int | None]:
    """First step of each of the record's phases in the run (None: never happened). A phase with
    ``not_before`` is looked for from that date on; with ``after_previous`` only from the step the
    previous phase began (an episode with several waves scores each wave, not its first one twice)."""
    rows = w.rec_rows
    out: dict[str, int | None] = {}
    previous: int | None = 0
    for ph in record.phases:
        start = 0
        if ph.not_before is not None:
            start = max(start, w.step_of(ph.not_before))
        if ph.after_previous:
            if previous is None:
                out[ph.name] = None
                continue
            start = max(start, previous)
        out[ph.name] = previous = KINDS[ph.signature.kind](w, ph.signature, rows, start)
    return out


def in_order(steps: dict[str, int | None], names: list[str]) -> bool:
    """Every phase happened, each no earlier than the one before it."""
    seq = [steps.get(p) for p in names]
    if any(s is None for s in seq):
        return False
    return all(a <= b for a, b in zip(seq[:-1], seq[1:]))
