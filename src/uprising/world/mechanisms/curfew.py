"""Curfew: movement stops in a place for a while.

Decision ``curfew``: in ``places`` until ``until``,

- the street is riskier: every citizen's activation threshold rises by ``curfew.threshold``
  (T' = T + c; ``citizens.condition`` adds it), so fewer turn active at the same grievance and risk;
- no march leaves the place, and a march that reaches it waits at its edge until the curfew lifts
  (``marches.advance`` asks :func:`holds`).

Parameter ``[world.curfew] threshold`` (default 0.1, one Epstein threshold [ours]). This module is
the worked example of a new mechanism in docs/episodes.md: one module, one line in the registry.
"""

from __future__ import annotations

import numpy as np

from uprising.world.mechanism import Mechanism


def install(w) -> None:
    w.curfew_until = np.full(w.P, -1, np.int64)  # last step of the curfew, per place


def curfew_event(w, step, i, ev, places, until) -> None:
    w.curfew_until[places] = np.maximum(w.curfew_until[places], until)


def threshold(w, step: int) -> np.ndarray:
    return np.where(w.curfew_until >= step, w.cfg.curfew.threshold, 0.0)


def holds(w, step: int) -> np.ndarray:
    return w.curfew_until >= step


MECHANISM = Mechanism(
    name="curfew",
    section="curfew",
    stage="before",
    install=install,
    events={"curfew": curfew_event},
    threshold=threshold,
    holds_marches=holds,
    columns={"curfew": (lambda w: w.curfew_until >= w.recording_step, bool)},
    doc="A curfew raises the street's risk (T + c) and holds marches.",
)
