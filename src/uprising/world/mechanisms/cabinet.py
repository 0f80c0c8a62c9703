"""The government as an actor: it deploys, sends convoys, declares curfews and concedes by a doctrine.

With ``scenario.decisions = "actors"``, phase ``government.decide`` (after the organisations) reads
the world at the step's start and takes, through the same handlers as the record's decisions:

- **clearing missions** (``deploy``, mission clear): a road blocked for ``clear_after_days`` draws
  ``clear_soldiers`` from the reserve to its busier end for ``clear_days`` (the state answers a
  challenge with coercion: Davenport 2007's "law of coercive responsiveness"); at most
  ``max_missions`` at a time, ``mission_gap_days`` apart, never to ``no_missions_in``;
- **convoys** (``convoys``): once the capital's fuel shortage has exceeded
  ``world.government.convoy_shortage`` for ``convoy_after_days``, escorted convoys from ``depot``
  with the rule of ``convoy_force`` along their route;
- **a curfew** in the capital once it has been paralysed ``curfew_after_days`` days in a row
  (0: never), for ``curfew_days``;
- **concessions** (``concession``): the government sees a share (1 - ``misreading``) of the pressure

      P = blocked share of blockable roads + capital fuel shortage + d / (d + D) + (1 - E)

  (d: deaths so far per million people, D the organisations' shared ``deaths_half``, E: the
  coalition's support), and concedes ``concession_size`` once the perceived
  pressure has stayed above ``concede_at`` for ``concede_delay_days``, at most ``concessions``
  times, ``concession_gap_days`` apart: accommodation comes late because the crowd is misread
  (Moore 1998 on the substitution of repression and accommodation; Kuran 1991).

It resigns only by the regime's routes (``regime``). Parameters ``[government]``
(``world/actors_config.py``); docs/mechanisms/actors.md.
"""

from __future__ import annotations

import numpy as np

from uprising.world.events_config import Event
from uprising.world.mechanism import Mechanism


def install(w) -> None:
    w.blocked_since = np.full(w.E, -1, np.int64)  # first step of the current blockade, per road
    w.short_since = -1  # first step of the capital's current shortage spell
    w.pressure_since = -1
    w.perceived_pressure = 0.0
    w.concessions_made = 0
    w.last_concession = -(10**9)
    w.cabinet_missions = {}  # place -> last step of its clearing mission
    w.curfew_declared = False
    g = w.scenario.government
    w.no_missions = {w.index(n) for n in g.no_missions_in if w.has(n)}


def perceived(w) -> float:
    """What the government sees of the pressure on it (module doc)."""
    g = w.scenario.government
    roads = w.road_blockable
    blocked = float(w.blocked[roads].mean()) if roads.any() else 0.0
    d = float(w.mechanisms.deaths_people.sum()) * 1e6 / max(float(w.population.sum()), 1.0)  # per million
    half = w.scenario.organisation_rules.deaths_half
    true = blocked + float(w.fuel_short[w.capital]) + d / (d + half) + (1.0 - float(w.elite_support))
    return (1.0 - g.misreading) * true


def decide(w, step: int) -> None:
    """The doctrine, once a step (module doc)."""
    from uprising.world.mechanisms.decisions import take

    if w.scenario.scenario.decisions != "actors" or w.government != 0:
        return
    g = w.scenario.government
    cfg = w.cfg
    today = w.date_of(step)
    actor = cfg.actors.government
    spd = w.spd

    def new(kind: str, **fields) -> None:
        take(w, step, 10_000 + len(w.decisions_taken), Event(date=today, kind=kind, actor=actor, **fields), actor)

    # clearing missions against roads blocked long enough
    w.blocked_since[~w.blocked] = -1
    w.blocked_since[w.blocked & (w.blocked_since < 0)] = step
    long_blocked = np.flatnonzero(w.blocked & (step - w.blocked_since >= g.clear_after_days * spd))
    for e in long_blocked:
        a, b = int(w.road_src[e]), int(w.road_dst[e])
        p = a if w.active_people[a] >= w.active_people[b] else b
        if p in w.no_missions:
            continue
        running = sum(1 for until in w.cabinet_missions.values() if until >= step)
        last_end = max(w.cabinet_missions.values(), default=-(10**9))
        if (w.cabinet_missions.get(p, -1) >= step or running >= g.max_missions or w.reserve < g.clear_soldiers
                or g.clear_soldiers == 0 or step - last_end < g.mission_gap_days * spd):
            continue
        days = g.clear_days
        new("deploy", name=f"troops sent to clear the roads at {w.names[p]}", places=[w.names[p]],
            soldiers=g.clear_soldiers, mission="clear", days=days)
        w.cabinet_missions[p] = step + int(round(days * spd))
    # convoys when the capital runs short
    cap = w.capital
    if w.fuel_short[cap] >= cfg.government.convoy_shortage:
        w.short_since = step if w.short_since < 0 else w.short_since
    else:
        w.short_since = -1
    if not w.convoys_authorised and w.short_since >= 0 and step - w.short_since >= g.convoy_after_days * spd:
        new("convoys", name="the armed forces move fuel to the capital", depot=g.depot, force=g.convoy_force)
    # a curfew in the paralysed capital
    if (g.curfew_after_days > 0 and not w.curfew_declared
            and w.paralysed_run >= g.curfew_after_days * spd):
        until = w.date_of(min(step + int(round(g.curfew_days * spd)), cfg.total_steps))
        new("curfew", name="curfew in the capital", places=[w.names[cap]], until=until)
        w.curfew_declared = True
    # concessions, late: the perceived pressure must hold
    w.perceived_pressure = perceived(w)
    if w.perceived_pressure >= g.concede_at:
        w.pressure_since = step if w.pressure_since < 0 else w.pressure_since
    else:
        w.pressure_since = -1
    if (w.concessions_made < g.concessions and w.pressure_since >= 0
            and step - w.pressure_since >= g.concede_delay_days * spd
            and step - w.last_concession >= g.concession_gap_days * spd):
        new("concession", name=f"concession {w.concessions_made + 1}", size=g.concession_size,
            withdraws=g.concession_withdraws)
        w.concessions_made += 1
        w.last_concession = step


MECHANISM = Mechanism(
    name="cabinet",
    stage="before",
    install=install,
    phases=(("government.decide", decide),),
    columns={"perceived_pressure": (lambda w: np.full(w.P, w.perceived_pressure), float)},
    doc="The government's doctrine as an actor: clearing missions, convoys, a curfew, late concessions.",
)
