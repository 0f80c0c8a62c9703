"""The government's forces: deployments, clearing missions, fuel convoys and checkpoints.

Soldiers in people: ``garrison`` (in barracks), ``clearing`` (on a mission: they stand on the
grid and clear roads), ``checkpoint`` (holding a junction), and the ``reserve``. Decisions:

- ``deploy``: ``soldiers`` from the reserve and ``police`` to ``places``, to hold them
  (``mission = "garrison"``) or to clear their roads for ``days`` (``"clear"``);
- ``convoys``: escorted fuel convoys authorised from ``depot`` to ``target`` (default: the capital)
  whenever the target's fuel shortage reaches ``government.convoy_shortage``, with the rule of
  ``force`` along the route.

Phase ``government.act`` (the doctrine): missions end; an authorised convoy is sent when the
target runs short and withdrawn after ``withdraw_after_days`` quiet days once it is supplied;
checkpoints are manned while contingents march on the capital; soldiers on the grids follow the
deployments (``sync_soldiers``). Config ``[world.government]`` and ``[world.forces]``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from uprising.world import kernels
from uprising.world.config import FORCE_LEVELS
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms import force


def install(w) -> None:
    cfg = w.cfg
    w.garrison = np.zeros(w.P)  # soldiers stationed (people)
    for name, n in cfg.forces.garrisons.items():
        if w.has(name):
            w.garrison[w.index(name)] += n
    w.clearing = np.zeros(w.P)  # soldiers on a clearing mission (people)
    w.checkpoint = np.zeros(w.P)  # soldiers posted at checkpoints (people)
    w.reserve = float(cfg.forces.reserve)
    w.missions = []  # (place, soldiers, last step)
    w.convoys_authorised = False
    w.convoy_target = -1
    w.convoy_route = []
    w.convoy_on = None
    w.checkpoint_places = [w.index(n) for n in cfg.government.checkpoints if w.has(n)]


def deploy(w, step, i, ev, places, until) -> None:
    sol = min(float(ev.soldiers), w.reserve)
    w.reserve -= sol
    share = sol / len(places)
    for p in places:
        if ev.mission == "clear":
            w.clearing[p] += share
            w.missions.append((p, share, step + int(round(ev.days * w.spd))))
        else:
            w.garrison[p] += share
        w.police_people[p] += ev.police / len(places)
    w.sync_soldiers(step)


def convoys(w, step, i, ev, places, until) -> None:
    from uprising.mechanisms import repression

    w.convoys_authorised = True
    w.convoy_target = w.index(ev.target) if ev.target else w.capital
    w.convoy_route = convoy_route(w, w.index(ev.depot) if ev.depot else None, w.convoy_target)
    level = FORCE_LEVELS.index(ev.force) if ev.force else w.force_default
    if w.lethal_force and level >= force.LIVE_FIRE and w.convoy_route:
        route = np.zeros(w.P, bool)
        route[w.convoy_route] = True
        force.authorise(w, np.flatnonzero(route), level, w.cfg.total_steps)
        repression.raise_doctrine(w, route, level)


def convoy_route(w, depot: int | None, target: int) -> list[int]:
    """Places on the quickest road from the depot (default: the first pipeline depot, else the
    first fuel source) to ``target``, depot first; [] if no road joins them."""
    if depot is None:
        src = [p for p in np.flatnonzero(w.is_fuel_source) if w.pipeline[p]] or list(np.flatnonzero(w.is_fuel_source))
        if not src:
            return []
        depot = int(src[0])
    m = np.full((w.P, w.P), 0.0)
    for e in np.flatnonzero(~w.road_is_path):
        a, b = w.road_src[e], w.road_dst[e]
        m[a, b] = m[b, a] = w.road_hours[e]
    dist, pred = dijkstra(m, directed=False, indices=int(depot), return_predecessors=True)
    if not np.isfinite(dist[target]):
        return []
    node = target
    route = [node]
    while node != depot:
        node = int(pred[node])
        route.append(node)
    route.reverse()
    return route


def government_act(w, step: int) -> None:
    """The doctrine: fuel convoys once authorised; checkpoints against marches; missions end."""
    g = w.cfg.government
    keep = []
    for p, n, until in w.missions:  # missions with an end date (deploy events with mission 'clear')
        if step >= until or w.government != 0:
            w.clearing[p] -= n
            w.reserve += n
        else:
            keep.append((p, n, until))
    w.missions = keep
    # soldiers on the grids: the blockades' count of this step (clashes move citizens only)
    have = w.last_tally[:, kernels.T_SOLDIERS_ON_GRID] if getattr(w, "tally_step", None) == step else None
    if w.government != 0:
        recall(w)
        w.sync_soldiers(step, have)
        return
    # fuel convoys (a convoys decision): escort fuel from the depot to its target
    dest = w.convoy_target if w.convoy_target >= 0 else w.capital
    if w.convoys_authorised and not w.convoy_on and w.fuel_short[dest] >= g.convoy_shortage:
        route = [p for p in w.convoy_route if w.population[p] > 0 or w.is_fuel_source[p]]
        n = min(float(g.convoy_soldiers), w.reserve)
        if n > 0 and route:
            w.reserve -= n
            for p in route:
                w.clearing[p] += n / len(route)
            w.convoy_on = (route, n / len(route), step)
            w.log(step, "Strategic developments", "Other", w.cfg.actors.government, "", dest, 0,
                  f"fuel convoy: {int(n)} troops sent along {' – '.join(w.names[p] for p in route)}")
    elif w.convoy_on:
        route, each, since = w.convoy_on
        quiet_days = (step - max(w.last_clash_step[route].max(), since)) / w.spd
        if w.fuel_short[dest] < 0.1 and quiet_days >= g.withdraw_after_days:
            for p in route:
                w.clearing[p] -= each
            w.reserve += each * len(route)
            w.convoy_on = None
    # checkpoints: posted while contingents march on the capital
    marching = any(m.state == "travelling" for m in w.marches)
    for p in w.checkpoint_places:
        if marching and w.checkpoint[p] == 0:
            n = min(float(g.checkpoint_soldiers), w.reserve)
            w.reserve -= n
            w.checkpoint[p] = n
        elif not marching and w.checkpoint[p] > 0:
            w.reserve += w.checkpoint[p]
            w.checkpoint[p] = 0.0
    w.sync_soldiers(step, have)


def recall(w) -> None:
    """Every deployed soldier back to the reserve (the government fell)."""
    w.reserve += w.clearing.sum() + w.checkpoint.sum()
    w.clearing[:] = 0.0
    w.checkpoint[:] = 0.0
    w.convoy_on = None


MECHANISM = Mechanism(
    name="government",
    section="government",
    stage="after",
    install=install,
    phases=(("government.act", government_act),),
    events={"deploy": deploy, "convoys": convoys},
    doc="Deployments, clearing missions, fuel convoys and checkpoints.",
)
