"""Organisations as actors: federations, unions and councils call their members out by a rule.

With ``scenario.decisions = "actors"``, phase ``organisations.decide`` (after the day's scheduled
decisions) computes each organisation o's pressure from what its members live through, in its
places P_o and groups G_o, at the step's start:

    p_o = w_g G_o + w_d d_o / (d_o + D_o) + w_s s_o + w_a a_o + w_j j_o

- G_o: the mean grievance H(1 - L) of its members (Epstein 2002's grievance);
- d_o: people killed in its places, plus the deaths it heard of by radio elsewhere (reach x
  deaths), so far, per million of its places' people (a scale that means the same in any country);
  D_o = ``deaths_half`` (repression that backfires: Francisco 2004, Chenoweth et
  al. 2022);
- s_o: the mean fuel and food shortage in its places;
- a_o: the share of its allies calling (protest cycles spread along coalitions: Tarrow 1998);
- j_o: the share of its members in jail.

It calls (a ``call`` decision for its groups in its places) once p_o >= ``threshold`` has held for
``delay_days``; the call stays in force while p_o >= ``end_below`` (renewed day by day), and
ends when it falls below. With a ``target`` (data: marching is in its repertoire) it also calls a march on ``target`` once p_o >=
``march_at``. Its calls then work as the record's do (``citizens.condition``: organised members
act at ``calls.threshold``). The rule's values are shared by every organisation of every episode
(``[organisation_rules]`` in world/shared_values.toml); a folder that sets one for its organisation
overrides it in the open (``scenario.tuned``). Parameters: ``[[organisations]]`` (``world/actors_config.py``);
docs/mechanisms/actors.md.
"""

from __future__ import annotations

import numpy as np

from uprising.engine.population import CITIZEN, DEAD, JAILED
from uprising.world.events_config import Event
from uprising.world.mechanism import Mechanism


def install(w) -> None:
    orgs = w.scenario.organisations
    w.org_places = []
    w.org_groups = []
    for org in orgs:
        places = [w.index(n) for n in org.places if w.has(n)] if org.places else list(range(w.P))
        w.org_places.append(np.array(places, np.int64))
        w.org_groups.append(np.array([w.group_names.index(g) for g in org.groups], np.int64))
    n = len(orgs)
    w.org_pressure = np.zeros(n)
    w.org_above_since = np.full(n, -1, np.int64)  # first step of the current spell above threshold
    w.org_calling = np.zeros(n, bool)
    w.org_marched = np.zeros(n, bool)


def rule(w, org, name: str):
    """The organisation's own value of a rule if its folder overrides it (in the open), else the shared one."""
    own = getattr(org, name)
    return getattr(w.scenario.organisation_rules, name) if own is None else own


def _member_means(w) -> tuple[np.ndarray, np.ndarray]:
    """Mean grievance and jailed share per (place, group), from the citizens' rows (one numpy pass)."""
    pop = w.pop
    n = pop.n
    cit = (pop.kind[:n] == CITIZEN) & (pop.state[:n] != DEAD)
    G = w.call_until.shape[1]
    idx = pop.place[:n][cit].astype(np.int64) * G + np.minimum(pop.group[:n][cit].astype(np.int64), G - 1)
    grievance = pop.hardship[:n][cit].astype(np.float64) * (1.0 - pop.legitimacy[:n][cit].astype(np.float64))
    size = w.P * G
    count = np.bincount(idx, minlength=size).astype(float)
    total = np.bincount(idx, weights=grievance, minlength=size)
    jailed = np.bincount(idx, weights=(pop.state[:n][cit] == JAILED).astype(float), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.where(count > 0, total / count, 0.0).reshape(w.P, G),
                np.where(count > 0, jailed / count, 0.0).reshape(w.P, G))


def pressures(w) -> np.ndarray:
    """Each organisation's pressure p_o (module doc)."""
    orgs = w.scenario.organisations
    if not orgs:
        return np.zeros(0)
    grievance, jailed = _member_means(w)
    deaths = w.mechanisms.deaths_people
    heard = w.radio_reach * (deaths.sum() - deaths)  # deaths elsewhere, as far as radio carries them
    names = [o.name for o in orgs]
    out = np.zeros(len(orgs))
    for k, org in enumerate(orgs):
        places, groups = w.org_places[k], w.org_groups[k]
        wt = rule(w, org, "weights")
        g = float(grievance[np.ix_(places, groups)].mean())
        j = float(jailed[np.ix_(places, groups)].mean())
        people = max(float(w.population[places].sum()), 1.0)
        d = float(deaths[places].sum() + heard[places].mean()) * 1e6 / people  # per million of its places' people
        s = float((w.fuel_short[places].mean() + w.food_short[places].mean()) / 2.0)
        allies = [names.index(a) for a in org.allies]
        a = float(w.org_calling[allies].mean()) if allies else 0.0
        out[k] = wt.grievance * g + wt.deaths * d / (d + rule(w, org, "deaths_half")) + wt.shortage * s + wt.allies * a + wt.jailed * j
    return out


def decide(w, step: int) -> None:
    """Each organisation calls, renews, ends its call, or marches, by its pressure (module doc)."""
    from uprising.world.mechanisms.decisions import take

    orgs = w.scenario.organisations
    if w.scenario.scenario.decisions != "actors" or not orgs or w.government != 0:
        return
    first_of_day = (step - 1) % w.spd == 0
    p = pressures(w)
    w.org_pressure[:] = p
    today = w.date_of(step)
    for k, org in enumerate(orgs):
        above = p[k] >= rule(w, org, "threshold")
        if above and w.org_above_since[k] < 0:
            w.org_above_since[k] = step
        elif not above and not w.org_calling[k]:
            w.org_above_since[k] = -1
        held = w.org_above_since[k] >= 0 and (step - w.org_above_since[k]) >= rule(w, org, "delay_days") * w.spd
        places = [w.names[q] for q in w.org_places[k]] if org.places else []
        if not w.org_calling[k] and held:
            ev = Event(date=today, kind="call", name=f"{org.name} calls a {org.act}", groups=list(org.groups),
                       places=places, until=today, actor=org.name)
            take(w, step, 10_000 + len(w.decisions_taken), ev, org.name)
            w.org_calling[k] = True
        elif w.org_calling[k] and p[k] < rule(w, org, "end_below"):
            w.org_calling[k] = False
            w.org_above_since[k] = -1
            w.call_until[np.ix_(w.org_places[k], w.org_groups[k])] = step - 1
            w.log(step, "Strategic developments", "Other", org.name, "", None, 0, f"{org.name} ends its {org.act}")
        elif w.org_calling[k] and first_of_day:  # renewed day by day while the pressure holds
            w.call_until[np.ix_(w.org_places[k], w.org_groups[k])] = np.maximum(
                w.call_until[np.ix_(w.org_places[k], w.org_groups[k])], step + w.spd - 1)
        if (w.org_calling[k] and org.target and not w.org_marched[k] and p[k] >= rule(w, org, "march_at")):
            ev = Event(date=today, kind="march", name=f"{org.name} marches", groups=list(org.groups), places=places,
                       target=org.target, until=w.date_of(min(step + 3 * w.spd, w.cfg.total_steps)), actor=org.name)
            take(w, step, 10_000 + len(w.decisions_taken), ev, org.name)
            w.org_marched[k] = True


MECHANISM = Mechanism(
    name="organisations",
    stage="before",
    install=install,
    phases=(("organisations.decide", decide),),
    doc="Organisations that call their members out when the pressure on them holds.",
)
