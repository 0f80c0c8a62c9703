"""Clashes: soldiers or police (people) face a crowd (people) at a place; deaths counted in people.

Called by blockades (troops clearing a road), marches (troops stopping a column) and crowds (police
facing a crowd by their own rules of force); no phase of its own. Under the rule of live fire (``force``) and outnumbered ``fire_ratio`` to one, each
soldier kills with ``kill_per_soldier`` per 6-hour step; under tear gas with
``teargas_kill_per_soldier``; under arrest only, nobody: deaths ~ Binomial(soldiers, p), so the
expected toll does not depend on the scale. A clash also disperses a share of the place's
actives (tear gas and arrests turn them quiet). Config ``[world.clashes]``.
"""

from __future__ import annotations

import numpy as np

from uprising.engine.grid import SEEN_QUIET
from uprising.engine.population import ACTIVE, QUIET
from uprising.world import kernels
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.force import LIVE_FIRE


def install(w) -> None:
    w.last_clash_step = np.full(w.P, -(10**9))
    w.clashes = []  # (step, place, what, soldiers, crowd, live fire, deaths)
    w._clash_step = np.zeros(w.P)  # deaths in clashes this step (information tells the rest apart)


def clash(w, step: int, p: int, soldiers: float, crowd: float, what: str, level: int | None = None,
          who: str = "troops") -> float:
    """Soldiers (or police: ``who``) in people face a crowd (people) at place p: the rule of force
    (``level``, default the soldiers' rule there) decides what they use."""
    r = w.cfg.clashes
    level = int(w.force_level[p]) if level is None else int(level)
    fire = w.lethal_force and level >= LIVE_FIRE and crowd >= r.fire_ratio * soldiers
    pk = (r.kill_per_soldier if fire else r.teargas_kill_per_soldier if level > 0 else 0.0) * (w.hps / 6.0)
    g = w.gen("clash", step, p)
    deaths = float(g.binomial(int(round(soldiers)), min(pk, 1.0)))
    w.last_clash_step[p] = step
    w.clashes.append((step, p, what, soldiers, crowd, fire, deaths))
    w.log(step, "Riots", "Violent demonstration", w.cfg.actors.rioters, w.cfg.actors.state, p, 0,
          f"{what}: {int(soldiers)} {who} against a crowd of about {int(crowd)}"
          + (" (live fire)" if fire else " (tear gas)"))
    if deaths > 0:
        w.register_deaths(p, deaths, step, what, w.cfg.actors.state)
        w._clash_step[p] += deaths
    return deaths


def disperse(w, step: int, p: int, share: float) -> None:
    """Tear gas and arrests: a share of p's actives turn quiet."""
    pop = w.pop
    n = pop.n
    act = kernels.citizens_of(n, pop.kind, pop.state, pop.place, pop.cell, p, ACTIVE, False)
    if len(act) == 0 or share <= 0:
        return
    g = w.gen("disperse", step, p)
    k = int(np.floor(len(act) * share + g.random()))
    rows = g.choice(act, size=min(k, len(act)), replace=False)
    pop.state[rows] = QUIET
    cells = pop.cell[rows]
    w.places.board[cells[cells >= 0]] = SEEN_QUIET


MECHANISM = Mechanism(
    name="clashes",
    section="clashes",
    install=install,
    doc="Troops against crowds at blockades and checkpoints; deaths in people.",
)
