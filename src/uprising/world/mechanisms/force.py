"""Rules of force: the most force soldiers may use in each place (0 arrest, 1 tear gas, 2 live fire).

Outside any state of siege the rule is ``[world.force] soldiers``. Decision ``state_of_siege``
sets the rule of ``force`` in ``places`` until ``until``; later decisions override earlier ones
where they overlap, and each lapses after its ``until``. The rule caps the grid soldiers'
doctrine (``mechanisms.repression``: level = min(cap, max(floor, escalation))) and their fire in
clashes (:func:`uprising.world.mechanisms.clashes.clash` fires live only where the rule is live fire).
"""

from __future__ import annotations

import numpy as np

from uprising.world.config import FORCE_LEVELS
from uprising.world.mechanism import Mechanism

LIVE_FIRE = FORCE_LEVELS.index("live_fire")


def install(w) -> None:
    w.force_default = FORCE_LEVELS.index(w.cfg.force.soldiers)
    w.force_level = np.full(w.P, w.force_default, np.int64)
    w.sieges = []  # (places, level, last step), in the order decided
    w.mechanisms.doctrine_cap[:] = w.force_level


def authorise(w, places, level: int, until: int) -> None:
    """The rule of ``level`` in ``places`` until step ``until`` (a state of siege, or a convoy's orders)."""
    w.sieges.append((np.asarray(places, np.int64), int(level), int(until)))
    _apply(w)


def state_of_siege(w, step, i, ev, places, until) -> None:
    authorise(w, places, FORCE_LEVELS.index(ev.force), until)


def lapse(w, step: int) -> None:
    if w.sieges:
        w.sieges = [s for s in w.sieges if s[2] >= step]
        _apply(w)


def _apply(w) -> None:
    level = np.full(w.P, w.force_default, np.int64)
    for places, lv, _until in w.sieges:  # later decisions override earlier ones
        level[places] = lv
    w.force_level[:] = level
    w.mechanisms.doctrine_cap[:] = level


MECHANISM = Mechanism(
    name="force",
    section="force",
    stage="before",
    install=install,
    events={"state_of_siege": state_of_siege},
    lapse=lapse,
    columns={"force_level": (lambda w: w.force_level, np.int64)},
    doc="The rule of force by place: the default, and states of siege.",
)
