"""Marches: organised contingents travel to a target along roads or mountain paths.

Decision ``march``: the organisations of ``groups`` call their members in ``places`` to march on
``target`` (default: the capital) until ``until``. Phase ``marches.advance``: from each origin
under a call, ``share`` of the active organised members (at most ``max_people``) set out, the
most mobile first, by the quickest route (roads at ``km_per_day``, paths at ``path_km_per_day``);
at a manned checkpoint, soldiers at least ``intercept_ratio`` of the marchers stop them in a
clash: ``scatter`` of them go home, the rest go on by paths if there are any, else after a day.
Arrivals join the target's grid, active, with the call's threshold until ``until``. A place
that holds marches (a curfew) keeps them home, and a march waits at its edge. Config
``[world.marches]``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_QUIET
from uprising.engine.population import ACTIVE, CITIZEN, QUIET
from uprising.world import kernels
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.clashes import clash

#: kind of a citizen who is marching between places (off every grid; engine phases skip it).
MARCHING = 3


class March:
    """One contingent: who, from where, along which route, how far."""

    def __init__(self, name, group, origin, target, rows, people, route, step, event):
        self.name = name
        self.group = group
        self.origin = origin
        self.target = target
        self.rows_ids = rows  # agent ids (stable across row permutations)
        self.people = float(people)
        self.route = route  # list of (edge, next_place, days)
        self.leg = 0  # index in route
        self.left_days = route[0][2] if route else 0.0
        self.state = "travelling"  # travelling | arrived | scattered
        self.departed = step
        self.event = event
        self.at = origin
        self.intercepted = 0
        self.wait_steps = 0
        self.stopped_at: set[int] = set()
        self.until = 0
        self.arrived: int | None = None  # step it reached its target


def install(w) -> None:
    w.marches = []
    w.march_done = set()  # (event, origin) pairs already sent
    w.march_calls = []  # (event, last step, event, origins, groups)
    w.marcher_until = {}  # agent id -> last step it keeps the call's threshold


def march_event(w, step, i, ev, places, until) -> None:
    gsel = [w.group_names.index(g) for g in ev.groups]
    w.march_calls.append((i, until, ev, places if ev.places else [], gsel))


def _held(w, step: int) -> np.ndarray:
    from uprising.world import registry

    held = np.zeros(w.P, bool)
    for m in registry.MECHANISMS:
        if m.holds_marches is not None:
            held |= m.holds_marches(w, step)
    return held


def route_between(w, a: int, b: int, paths_only: bool):
    """Quickest way from a to b for a contingent: [(edge, next place, days)], or None."""
    m = w.cfg.marches
    days = np.where(w.road_is_path, w.road_km / m.path_km_per_day, w.road_km / m.km_per_day)
    use = w.road_is_path if paths_only else np.ones(w.E, bool)
    mat = np.full((w.P, w.P), np.inf)
    e = np.flatnonzero(use)
    np.minimum.at(mat, (w.road_src[e], w.road_dst[e]), days[e])
    np.minimum.at(mat, (w.road_dst[e], w.road_src[e]), days[e])
    mat[~np.isfinite(mat)] = 0.0
    dist, pred = dijkstra(mat, directed=False, indices=a, return_predecessors=True)
    if not np.isfinite(dist[b]):
        return None
    nodes = [b]
    while nodes[-1] != a:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    out = []
    for u, v in zip(nodes[:-1], nodes[1:]):
        cand = np.flatnonzero(use & (((w.road_src == u) & (w.road_dst == v)) | ((w.road_src == v) & (w.road_dst == u))))
        best = int(cand[np.argmin(days[cand])])
        out.append((best, v, float(days[best])))
    return out


def place_on_grid(w, step: int, rows, p: int, state: int, stream: str) -> bool:
    pop, places = w.pop, w.places
    w._condition_stale = True  # rows change place: citizens.condition rewrites every place
    start, h, wd, _ = w.place_geometry(p)
    empty = np.flatnonzero(places.board[start : start + h * wd] == EMPTY)
    if len(empty) < len(rows):
        return False
    g = w.gen(stream, step, p, int(pop.agent_id[rows[0]]) if len(rows) else 0)
    cells = start + g.choice(empty, size=len(rows), replace=False)
    for r, c in zip(rows, cells):
        pop.kind[r] = CITIZEN
        pop.place[r] = p
        pop.cell[r] = c
        pop.state[r] = state
        places.occupant[c] = r
        places.board[c] = SEEN_ACTIVE if state == ACTIVE else SEEN_QUIET
    return True


def rows_of(w, ids) -> np.ndarray:
    """The rows of these agent ids (one compiled pass; rows move when the engine re-sorts them)."""
    pop = w.pop
    return kernels.rows_of_ids(pop.n, pop.agent_id, np.asarray(ids, np.int64))


def marches_advance(w, step: int) -> None:
    """Contingents set out while their call is in force, travel, can be stopped, and arrive."""
    cfg = w.cfg.marches
    pop = w.pop
    n = pop.n
    held = _held(w, step)
    if w.government == 0:
        for i, until, ev, listed, gsel in w.march_calls:
            if step > until:
                continue
            target = w.index(ev.target) if ev.target else w.capital
            origins = listed or list(range(w.P))
            for p in origins:
                if (i, p) in w.march_done or p == target or held[p]:
                    continue  # a curfew keeps a contingent home until it lifts
                in_groups = np.zeros(max(gsel) + 1 if gsel else 0, bool)
                in_groups[gsel] = True
                rows = kernels.marchers_of(n, pop.kind, pop.state, pop.place, pop.organised, pop.group, p,
                                           in_groups)
                people = min(cfg.max_people, cfg.share * len(rows) * w.ppa)
                k = int(np.floor(people / w.ppa + 0.5))
                if k < 1 or len(rows) == 0:
                    continue
                route = route_between(w, p, target, paths_only=False)
                if route is None:
                    continue
                g = w.gen("march_pick", step, p, i)
                # the most mobile set out first
                order = np.argsort(-(pop.mobility[rows] + 1e-6 * g.random(len(rows))))
                pick = rows[order[: min(k, len(rows))]]
                for r in pick:
                    w.remove_agent(r)
                    pop.kind[r] = MARCHING
                w.march_done.add((i, p))
                m = March(ev.name or "march", int(gsel[0]), p, target, list(pop.agent_id[pick]),
                          len(pick) * w.ppa, route, step, i)
                m.until = until
                w.marches.append(m)
                w.log(step, "Protests", "Peaceful protest", ev.actor or w.cfg.actors.protesters, "", p, 0,
                      f"{m.name}: about {int(m.people):,} set out for {w.names[target]}")
    dt = 1.0 / w.spd
    for m in w.marches:
        if m.state != "travelling":
            continue
        if m.wait_steps > 0:
            m.wait_steps -= 1
            continue
        m.left_days -= dt
        while m.state == "travelling" and m.left_days <= 0:
            edge, node, _days = m.route[m.leg]
            m.at = node
            if node == m.target:
                if held[node]:  # the target holds marches (a curfew): wait at its edge
                    m.left_days = 0.0
                    break
                _arrive(w, step, m)
                break
            if _intercept(w, step, m, node):
                break
            m.leg += 1
            m.left_days += m.route[m.leg][2]


def _intercept(w, step: int, m: March, node: int) -> bool:
    """Troops at a checkpoint stop the contingent: a clash; most scatter, the rest take paths."""
    cfg = w.cfg.marches
    sol = w.checkpoint[node] + w.clearing[node] + w.garrison[node]
    if w.government != 0 or w.checkpoint[node] <= 0 or node in m.stopped_at:
        return False
    if sol < cfg.intercept_ratio * m.people:
        return False
    m.stopped_at.add(node)
    m.intercepted += 1
    clash(w, step, node, sol, m.people, f"troops stop the {m.name}")
    rows = rows_of(w, m.rows_ids)
    g = w.gen("disperse", step, node, m.event)
    k = int(np.floor(len(rows) * cfg.scatter + g.random()))
    home = g.choice(rows, size=min(k, len(rows)), replace=False) if k > 0 else np.array([], np.int64)
    if len(home):
        place_on_grid(w, step, list(home), m.origin, QUIET, "arrive")
    gone = set(home.tolist())
    left = [r for r in rows if r not in gone]
    m.rows_ids = [int(w.pop.agent_id[r]) for r in left]
    m.people = len(left) * w.ppa
    w.log(step, "Strategic developments", "Other", w.cfg.actors.state, w.cfg.actors.protesters, node, 0,
          f"{m.name} stopped at {w.names[node]}; {len(home) * w.ppa:,.0f} scatter")
    if not left:
        m.state = "scattered"
        return True
    detour = route_between(w, node, m.target, paths_only=True)
    if detour is not None:
        m.route, m.leg = detour, 0
        m.left_days = detour[0][2]
    else:
        m.wait_steps = w.spd  # regroup for a day, then go on by road
        m.leg += 1
        m.left_days = m.route[m.leg][2]
    return True


def _arrive(w, step: int, m: March) -> None:
    rows = rows_of(w, m.rows_ids)
    if not place_on_grid(w, step, list(rows), m.target, ACTIVE, "arrive"):
        m.left_days = 0.0
        return
    for i in m.rows_ids:
        w.marcher_until[int(i)] = getattr(m, "until", w.cfg.total_steps)
    m.state = "arrived"
    m.arrived = step
    w.log(step, "Protests", "Peaceful protest", w.cfg.actors.protesters, "", m.target, 0,
          f"{m.name}: about {int(m.people):,} from {w.names[m.origin]} arrive")


def marching_out(w) -> np.ndarray:
    """People out on the road, by the place they left."""
    out = np.zeros(w.P)
    for m in w.marches:
        if m.state == "travelling":
            out[m.origin] += m.people
    return out


MECHANISM = Mechanism(
    name="marches",
    section="marches",
    stage="after",
    install=install,
    phases=(("marches.advance", marches_advance),),
    events={"march": march_event},
    columns={"marching_out": (marching_out, float)},
    doc="Contingents that march on a target; checkpoints stop them.",
)
