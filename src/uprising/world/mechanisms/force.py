"""Rules of force: the most force soldiers and police may use in each place (0 arrest, 1 tear gas,
2 live fire), and bans on gathering.

Outside any state of siege the rules are ``[world.force] soldiers`` and ``police`` (each force's
doctrine, data). Decision ``state_of_siege`` sets the rule of ``force`` for both forces in
``places`` until ``until`` (with ``ban = true`` it bans gatherings there: T rises by
``mobilisation.ban_threshold``, so acting is riskier and the aggrieved can still defy it); a
convoy's orders bind its soldiers only; later decisions override earlier ones
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
    w.police_force_default = FORCE_LEVELS.index(w.cfg.force.police)
    w.force_level = np.full(w.P, w.force_default, np.int64)
    w.police_force_level = np.full(w.P, w.police_force_default, np.int64)
    w.ban = np.zeros(w.P, bool)
    w.sieges = []  # (places, level, last step, police too, ban), in the order decided
    w.mechanisms.doctrine_cap[:] = w.force_level


def authorise(w, places, level: int, until: int, police: bool = False, ban: bool = False) -> None:
    """The rule of ``level`` in ``places`` until step ``until`` (a state of siege, or a convoy's orders);
    ``police``: the order binds the police too; ``ban``: gatherings are banned there."""
    w.sieges.append((np.asarray(places, np.int64), int(level), int(until), bool(police), bool(ban)))
    _apply(w)


def state_of_siege(w, step, i, ev, places, until) -> None:
    """A state of siege orders soldiers and police alike; with ``ban`` it bans gatherings."""
    authorise(w, places, FORCE_LEVELS.index(ev.force), until, police=True, ban=ev.ban)


def lapse(w, step: int) -> None:
    if w.sieges:
        w.sieges = [s for s in w.sieges if s[2] >= step]
        _apply(w)


def _apply(w) -> None:
    level = np.full(w.P, w.force_default, np.int64)
    police = np.full(w.P, w.police_force_default, np.int64)
    ban = np.zeros(w.P, bool)
    for places, lv, _until, binds_police, bans in w.sieges:  # later decisions override earlier ones
        level[places] = lv
        if binds_police:
            police[places] = lv
        if bans:
            ban[places] = True
    w.force_level[:] = level
    w.police_force_level[:] = police
    w.ban[:] = ban
    w.mechanisms.doctrine_cap[:] = level


def ban_threshold(w, step: int) -> np.ndarray:
    """Where gatherings are banned, acting is riskier: T rises by ``mobilisation.ban_threshold``."""
    return np.where(w.ban, w.cfg.mobilisation.ban_threshold, 0.0)


MECHANISM = Mechanism(
    name="force",
    section="force",
    stage="before",
    install=install,
    events={"state_of_siege": state_of_siege},
    lapse=lapse,
    threshold=ban_threshold,
    columns={"force_level": (lambda w: w.force_level, np.int64),
             "police_force_level": (lambda w: w.police_force_level, np.int64),
             "ban": (lambda w: w.ban, bool)},
    doc="The rule of force by place: the default, and states of siege.",
)
