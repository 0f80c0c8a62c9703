"""Crowds: who is out without being called, who loots, and police who face a crowd by their rules of force.

Phase ``crowds.face`` (after the blockades have counted the actives):

- **spontaneous** people in a place: actives who are not organised members of a group called
  there (and not marchers): crowds that gather on their own, cacerolazos. Epstein's rule puts
  them out (H(1 - L) - R P > T) once a shock has moved their hardship or legitimacy enough; no
  organisation is needed. A place with ``protest_people`` of them makes a "Protests" event
  ("a crowd gathers without a call") once a day;
- **looting**: spontaneous actives whose hardship H is at least ``mobilisation.looting_hardship``
  (ACLED's "Riots / Looting/property destruction", once a day where they reach a quarter of
  ``protest_people``);
- **police** face the crowd: where the police's rule of force (``force``: ``world.force.police``,
  a state of siege's order) allows tear gas or fire and ``protest_people`` are active, once a day a share
  ``mobilisation.police_on_street`` of the place's police clash with the crowd as soldiers do
  (``clashes.clash``: live fire only where the rule allows it and the police are outnumbered
  ``clashes.fire_ratio`` to one). Deaths follow from the force used, never from a toll.

Columns ``spontaneous`` and ``looting`` (people). Config ``[world.mobilisation]``.
"""

from __future__ import annotations

import numpy as np

from uprising.engine.population import ACTIVE, CITIZEN
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.clashes import clash, disperse


def install(w) -> None:
    w.spontaneous_people = np.zeros(w.P)
    w.looting_people = np.zeros(w.P)
    w._crowd_day = np.full(w.P, -1, np.int64)
    w._looting_day = np.full(w.P, -1, np.int64)
    w._police_day = np.full(w.P, -1, np.int64)


def count(w, step: int) -> None:
    """Spontaneous and looting actives per place, in people (module doc)."""
    pop = w.pop
    n = pop.n
    act = (pop.kind[:n] == CITIZEN) & (pop.state[:n] == ACTIVE)
    rows = np.flatnonzero(act)
    if len(rows) == 0:
        w.spontaneous_people[:] = 0.0
        w.looting_people[:] = 0.0
        return
    place = pop.place[rows].astype(np.int64)
    group = np.minimum(pop.group[rows].astype(np.int64), w.call_until.shape[1] - 1)
    called = pop.organised[rows].astype(bool) & (w.call_until[place, group] >= step)
    if w.marcher_until:
        called |= np.isin(pop.agent_id[rows], np.fromiter(w.marcher_until.keys(), np.int64))
    free = ~called
    w.spontaneous_people[:] = np.bincount(place[free], minlength=w.P) * w.ppa
    loot = free & (pop.hardship[rows] >= w.cfg.mobilisation.looting_hardship)
    w.looting_people[:] = np.bincount(place[loot], minlength=w.P) * w.ppa


def face(w, step: int) -> None:
    """Count the crowds, log them, and let the police face them by their rules (module doc)."""
    count(w, step)
    cfg = w.cfg
    day = (step - 1) // w.spd
    for p in np.flatnonzero(w.spontaneous_people >= cfg.protest_people):
        if w._crowd_day[p] != day:
            w._crowd_day[p] = day
            w.log(step, "Protests", "Peaceful protest", cfg.actors.protesters, "", int(p), 0,
                  f"a crowd of about {int(w.spontaneous_people[p]):,} gathers in {w.names[p]} without a call")
    for p in np.flatnonzero(w.looting_people >= cfg.protest_people / 4):
        if w._looting_day[p] != day:
            w._looting_day[p] = day
            w.log(step, "Riots", "Looting/property destruction", cfg.actors.rioters, "", int(p), 0,
                  f"about {int(w.looting_people[p]):,} people loot shops in {w.names[p]}")
    if w.government != 0:
        return
    on_street = cfg.mobilisation.police_on_street
    for p in np.flatnonzero((w.police_force_level > 0) & (w.active_people >= cfg.protest_people)):
        police = on_street * float(w.police_people[p])
        if police < 1 or w._police_day[p] == day:
            continue
        w._police_day[p] = day
        clash(w, step, int(p), police, float(w.active_people[p]), "police disperse a crowd",
              level=int(w.police_force_level[p]), who="police")
        disperse(w, step, int(p), cfg.clashes.arrest_share)


MECHANISM = Mechanism(
    name="crowds",
    stage="after",
    install=install,
    phases=(("crowds.face", face),),
    columns={"spontaneous": (lambda w: w.spontaneous_people.copy(), float),
             "looting": (lambda w: w.looting_people.copy(), float)},
    doc="Crowds that gather without a call, looting, and police facing crowds by their rules of force.",
)
