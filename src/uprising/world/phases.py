"""The phases of the world of places and the plan that orders them (design-gas-war.md section 3).

``events.apply → supply.flow → legitimacy.update → citizens.condition → agents.move →
citizens.decide → cops.arrest → [mechanisms] → jail.release → blockades.update →
government.act → marches.advance → information.spread → regime.update → record``

Each phase is ``phase(world, step)`` on a :class:`~uprising.world.country.CountryWorld`.
The engine's own phases (move, decide, arrest, jail) run Epstein's rules on every place's grid.

The mechanisms (issue #3) are installed on this world (``mechanisms.phases.install``) and add
their phases (``extend_plan``): ``legitimacy.update`` (first), ``soldiers.repress`` and
``loyalty.update`` after ``cops.arrest``. The world calls their entry points: announcements and
concessions (``legitimacy.apply_shock/apply_concession``), radio news (``legitimacy.hear_news``),
soldiers' arrivals (``repression.deploy_soldiers``), convoys under live fire (``repression.raise_doctrine``).
Deaths in clashes are added to ``world.mechanisms.deaths_people``/``killed_step`` so backfire
and the toll see every death once.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from uprising.engine import jail, synchronous
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_QUIET
from uprising.engine.plan import Phase, Plan
from uprising.engine.plan import record as engine_record
from uprising.engine.population import ACTIVE, CITIZEN, QUIET
from uprising.world import kernels
from uprising.world.config import FORCE_LEVELS
from uprising.world.country import MARCHING, CountryWorld, March  # noqa: F401

LIVE_FIRE = FORCE_LEVELS.index("live_fire")


# ------------------------------------------------------------------------------ events
def _until_step(w: CountryWorld, ev) -> int:
    """Last step an event is in force: the end of its ``until`` day, or the end of the run."""
    return w.step_of(ev.until) + w.spd - 1 if ev.until is not None else w.cfg.total_steps


def _expire(w: CountryWorld, step: int) -> None:
    """Rules that lapse: states of siege and hardship shocks past their ``until``."""
    if w.sieges:
        w.sieges = [s for s in w.sieges if s[2] >= step]
        level = np.full(w.P, w.force_default, np.int64)
        for places, lv, _until in w.sieges:  # later decisions override earlier ones
            level[places] = lv
        w.force_level[:] = level
        w.mechanisms.doctrine_cap[:] = level
    if w.hardship_shocks:
        w.hardship_shocks = [h for h in w.hardship_shocks if h[3] >= step]
        extra = np.zeros_like(w.hardship_extra)
        for places, groups, size, _until in w.hardship_shocks:
            extra[np.ix_(places, groups)] += size
        w.hardship_extra[:] = extra


def events_apply(w: CountryWorld, step: int) -> None:
    """Dated decisions of the scenario take effect on the first step of their day."""
    from uprising.mechanisms import legitimacy, repression

    cfg = w.cfg
    had_rules = bool(w.sieges or w.hardship_shocks)
    for i, ev in enumerate(w.scenario.events):
        if w.step_of(ev.date) != step and not (step == 1 and ev.date <= cfg.start):
            continue
        places = [w.index(n) for n in ev.places if w.has(n)] if ev.places else list(range(w.P))
        if ev.places and not places:
            continue
        if w.government != 0 and ev.kind not in ("censorship", "hardship"):
            continue  # addressed to the government that fell (docs/episodes.md)
        mask = np.zeros(w.P, bool)
        mask[places] = True
        actor = ev.actor or cfg.actors.government
        where = places[0] if ev.places else None
        until = _until_step(w, ev)
        if ev.kind == "announcement":
            legitimacy.apply_shock(w, mask, ev.size)
        elif ev.kind == "hardship":
            gsel = [w.group_names.index(g) for g in ev.groups] if ev.groups else list(range(w.hardship_extra.shape[1]))
            w.hardship_shocks.append((np.array(places), np.array(gsel), float(ev.size), until))
        elif ev.kind in ("call", "march"):
            gsel = [w.group_names.index(g) for g in ev.groups]
            if ev.kind == "call":
                for p in places:
                    for g in gsel:
                        w.call_until[p, g] = max(w.call_until[p, g], until)
            else:
                w.march_calls.append((i, until, ev, places if ev.places else [], gsel))
        elif ev.kind == "deploy":
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
        elif ev.kind == "state_of_siege":
            w.sieges.append((np.array(places), FORCE_LEVELS.index(ev.force), until))
        elif ev.kind == "curfew":
            w.curfew_until[places] = np.maximum(w.curfew_until[places], until)
        elif ev.kind == "convoys":
            w.convoys_authorised = True
            w.convoy_target = w.index(ev.target) if ev.target else w.capital
            w.convoy_route = convoy_route(w, w.index(ev.depot) if ev.depot else None, w.convoy_target)
            level = FORCE_LEVELS.index(ev.force) if ev.force else w.force_default
            if w.lethal_force and level >= LIVE_FIRE and w.convoy_route:
                route = np.zeros(w.P, bool)
                route[w.convoy_route] = True
                w.sieges.append((np.flatnonzero(route), level, w.cfg.total_steps))
                repression.raise_doctrine(w, route, level)
        elif ev.kind == "concession":
            legitimacy.apply_concession(w, mask, ev.size)
        elif ev.kind == "censorship":
            w.radio_reach[places] *= cfg.information.attack_reach
            w.mechanisms.radio_reach[:] = w.radio_reach
        w.decisions_taken.append((step, ev.kind))
        w.log(step, "Strategic developments", "Other", actor, "", where, 0, f"{ev.kind}: {ev.name or ev.kind}")
    if had_rules or w.sieges or w.hardship_shocks:
        _expire(w, step)


# ------------------------------------------------------------------------------ supply
def _travel_hours(w: CountryWorld) -> np.ndarray:
    key = w.blocked.tobytes()
    if getattr(w, "_tt_key", None) == key:
        return w._tt
    usable = ~w.road_is_path & ~(w.blocked & w.road_blockable)
    m = np.full((w.P, w.P), np.inf)
    e = np.flatnonzero(usable)
    np.minimum.at(m, (w.road_src[e], w.road_dst[e]), w.road_hours[e])
    np.minimum.at(m, (w.road_dst[e], w.road_src[e]), w.road_hours[e])
    m[~np.isfinite(m)] = 0.0  # dense zeros are "no edge" for scipy
    w._tt = dijkstra(m, directed=False)
    w._tt_key = key
    return w._tt


def supply_flow(w: CountryWorld, step: int) -> None:
    """Stocks fall by a day's use per day; a place reached from a source by open roads refills."""
    s = w.cfg.supply
    tt = _travel_hours(w)
    per_step = 1.0 / w.spd
    for stock, short, sources in ((w.fuel_stock, w.fuel_short, w.is_fuel_source), (w.food_stock, w.food_short, w.is_food_source)):
        src = np.flatnonzero(sources)
        supplied = (tt[src] <= s.max_hours).any(axis=0) if len(src) else np.zeros(w.P, bool)
        stock += np.where(supplied, s.refill_per_day * per_step, 0.0) - per_step
        if stock is w.fuel_stock:
            stock[w.pipeline] = s.target_days
        np.clip(stock, 0.0, s.target_days, out=stock)
        stock[sources] = s.target_days
        short[:] = np.clip(1.0 - stock / s.target_days, 0.0, 1.0)
    short_none = w.population == 0
    w.fuel_short[short_none] = 0.0
    w.food_short[short_none] = 0.0


# ------------------------------------------------------------------------------ citizens
class _Conditioned:
    """What ``citizens.condition`` last wrote, per place (a cache: never checkpointed; a resumed
    run recomputes every place on its first step)."""

    __checkpoint_skip__ = True

    def __init__(self, extra, called, marchers, next_id, t_shift):
        self.t_shift = t_shift
        self.extra = extra
        self.called = called
        self.marchers = marchers
        self.next_id = next_id


def citizens_condition(w: CountryWorld, step: int) -> None:
    """Write each citizen's H (raised by shortage) and T (lowered while its organisation calls).

    H = min(1, H0 + fuel_hardship * fuel shortage + food_hardship * food shortage + shocks) of its
    place and group (shocks: ``hardship`` events in force);
    T = T0, at most ``calls.unorganised_threshold`` in a place where a call is in force, and
    ``calls.threshold`` for organised members of a called group and for marchers who arrived;
    plus ``curfew.threshold`` in a place under curfew.
    Only the places whose shortage or calls changed since the last step are rewritten (all of
    them when marchers arrived or left, or new citizens joined): one compiled pass (issue #8).
    """
    pop, cfg = w.pop, w.cfg
    n = pop.n
    s = cfg.supply
    extra = (s.fuel_hardship * w.fuel_short + s.food_hardship * w.food_short)[:, None] + w.hardship_extra
    t_shift = np.where(w.curfew_until >= step, cfg.curfew.threshold, 0.0)
    called = w.call_until >= step
    last = getattr(w, "_conditioned", None)
    everything = last is None or getattr(w, "_condition_stale", False)
    if last is not None and pop.next_id != last.next_id:  # new rows: defectors joining the crowd?
        new = np.flatnonzero(pop.agent_id[:n] >= len(w.base_hardship))
        if (pop.kind[new] == CITIZEN).any():
            w.extend_bases()
            everything = True
    elif last is None and n and int(pop.agent_id[:n].max()) >= len(w.base_hardship):
        w.extend_bases()
    if w.marcher_until:
        mids = np.fromiter(w.marcher_until.keys(), np.int64)
        until = np.fromiter(w.marcher_until.values(), np.int64)
        marchers = np.sort(mids[until >= step])
    else:
        marchers = np.zeros(0, np.int64)
    if last is not None and not np.array_equal(marchers, last.marchers):
        everything = True
    if everything:
        dirty = np.ones(w.P, bool)
    else:
        dirty = (extra != last.extra).any(axis=1) | (called != last.called).any(axis=1) | (t_shift != last.t_shift)
    w._conditioned = _Conditioned(extra, called, marchers, pop.next_id, t_shift)
    w._condition_stale = False
    if not dirty.any():
        return
    mark = getattr(w, "_marcher_mark", None)
    if mark is None or len(mark) != len(w.base_hardship):
        mark = w._marcher_mark = np.zeros(len(w.base_hardship), bool)
    else:
        mark[:] = False
    mark[marchers[marchers < len(mark)]] = True
    kernels.condition(n, pop.kind, pop.place, pop.group, pop.organised, pop.agent_id, w.base_hardship,
                      w.base_threshold, mark, extra, called, called.any(axis=1), dirty,
                      float(cfg.calls.unorganised_threshold), float(cfg.calls.threshold), t_shift, pop.hardship,
                      pop.threshold)


# ------------------------------------------------------------------------------ clashes
def clash(w: CountryWorld, step: int, p: int, soldiers: float, crowd: float, what: str) -> float:
    """Soldiers (people) face a crowd (people) at place p: tear gas, or live fire if outnumbered.

    Deaths ~ Binomial(soldiers in people, p_kill): each soldier, a person, kills with p_kill in a
    6-hour clash (scaled by hours_per_step), so the expected toll is the same at every scale.
    """
    r = w.cfg.clashes
    level = int(w.force_level[p])
    fire = w.lethal_force and level >= LIVE_FIRE and crowd >= r.fire_ratio * soldiers
    pk = (r.kill_per_soldier if fire else r.teargas_kill_per_soldier if level > 0 else 0.0) * (w.hps / 6.0)
    g = w.gen("clash", step, p)
    deaths = float(g.binomial(int(round(soldiers)), min(pk, 1.0)))
    w.last_clash_step[p] = step
    w.clashes.append((step, p, what, soldiers, crowd, fire, deaths))
    w.log(step, "Riots", "Violent demonstration", w.cfg.actors.rioters, w.cfg.actors.state, p, 0,
          f"{what}: {int(soldiers)} troops against a crowd of about {int(crowd)}"
          + (" (live fire)" if fire else " (tear gas)"))
    if deaths > 0:
        w.register_deaths(p, deaths, step, what, w.cfg.actors.state)
        w._clash_step[p] += deaths
    return deaths


def _disperse(w: CountryWorld, step: int, p: int, share: float) -> None:
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


# ------------------------------------------------------------------------------ blockades
def blockades_update(w: CountryWorld, step: int) -> None:
    """A road is blocked while one end holds enough blockers; clearing troops clash with them."""
    cfg = w.cfg.blockade
    ms = w.mechanisms
    if ms.tally_step == step and not ms.soldiers_acted and not ms.on.get("loyalty"):
        # no soldier on duty this step: the actives are those soldiers.repress counted (jail.release
        # frees citizens as quiet), and no soldier stands on a grid; no pass over the rows (issue #8)
        t = np.zeros((w.P, kernels.N_TALLY), np.int64)
        t[:, kernels.T_ACTIVE] = ms.tally[:, kernels.T_ACTIVE]
        w.last_tally = t
    else:
        w.tally()
    w.active_people = w.last_tally[:, kernels.T_ACTIVE].astype(float) * w.ppa
    w.tally_step = step  # government.act reads its soldiers on the grids (nothing moves them in between)
    act = w.active_people
    day = (step - 1) // w.spd
    for p in np.flatnonzero(act >= w.cfg.protest_people):
        if w._protest_day[p] != day:
            w._protest_day[p] = day
            w.log(step, "Protests", "Peaceful protest", w.cfg.actors.protesters, "", int(p), 0,
                  f"about {int(act[p]):,} people protesting in {w.names[p]}")
    share = np.where(w.is_city, cfg.city_share, cfg.share)
    blockers = np.maximum(act[w.road_src] * share[w.road_src], act[w.road_dst] * share[w.road_dst])
    w.blockers = blockers
    was = w.blocked.copy()
    now = w.road_blockable & (blockers >= cfg.people) & (step > w.cleared_until)
    # clearing: troops on a clearing mission at a road's end clash with the blockers, once per place
    if w.government == 0:
        for p in np.flatnonzero(w.clearing > 0):
            roads = np.flatnonzero(now & ((w.road_src == p) | (w.road_dst == p)))
            if len(roads) == 0:
                continue
            need = cfg.clear_ratio * blockers[roads].max()
            if w.clearing[p] < need:
                continue  # too few troops to try: the crowd holds the road
            other = np.where(w.road_src[roads] == p, w.road_dst[roads], w.road_src[roads])
            crowd = act[p] + float((act[other] * share[other]).sum())
            clash(w, step, int(p), float(w.clearing[p]), crowd, f"troops clear blockade at {w.names[p]}")
            _disperse(w, step, int(p), w.cfg.clashes.arrest_share)
            w.cleared_until[roads] = step + int(round(cfg.cleared_hours / w.hps))
            now[roads] = False
    w.blocked[:] = now
    for e in np.flatnonzero(now & ~was):
        p = int(w.road_src[e] if act[w.road_src[e]] >= act[w.road_dst[e]] else w.road_dst[e])
        w.log(step, "Protests", "Peaceful protest", w.cfg.actors.protesters, "", p, 0, f"road blockade: {w.road_names[e]}")


# ------------------------------------------------------------------------------ government
def government_act(w: CountryWorld, step: int) -> None:
    """The doctrine: fuel convoys once authorised; checkpoints against marches; missions end."""
    g = w.cfg.government
    cap = w.capital
    # missions with an end date (deploy events with mission 'clear')
    keep = []
    for p, n, until in w.missions:
        if step >= until or w.government != 0:
            w.clearing[p] -= n
            w.reserve += n
        else:
            keep.append((p, n, until))
    w.missions = keep
    # soldiers on the grids: the blockades' count of this step (clashes move citizens only)
    have = w.last_tally[:, kernels.T_SOLDIERS_ON_GRID] if getattr(w, "tally_step", None) == step else None
    if w.government != 0:
        _recall(w)
        w.sync_soldiers(step, have)
        return
    # fuel convoys (a convoys decision): escort fuel from the depot to its target
    dest = w.convoy_target if w.convoy_target >= 0 else cap
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


def _recall(w: CountryWorld) -> None:
    w.reserve += w.clearing.sum() + w.checkpoint.sum()
    w.clearing[:] = 0.0
    w.checkpoint[:] = 0.0
    w.convoy_on = None


# ------------------------------------------------------------------------------ marches
def _route(w: CountryWorld, a: int, b: int, paths_only: bool):
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


def _place_on_grid(w: CountryWorld, step: int, rows, p: int, state: int, stream: str) -> bool:
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


def _rows_of(w: CountryWorld, ids) -> np.ndarray:
    pop = w.pop
    n = pop.n
    where = np.full(int(pop.agent_id[:n].max()) + 1, -1, np.int64)
    where[pop.agent_id[:n]] = np.arange(n)
    return where[np.asarray(ids, np.int64)]


def marches_advance(w: CountryWorld, step: int) -> None:
    """Contingents set out while their call is in force, travel, can be stopped, and arrive."""
    cfg = w.cfg.marches
    pop = w.pop
    n = pop.n
    if w.government == 0:
        for i, until, ev, listed, gsel in w.march_calls:
            if step > until:
                continue
            target = w.index(ev.target) if ev.target else w.capital
            origins = listed or list(range(w.P))
            for p in origins:
                if (i, p) in w.march_done or p == target or w.curfew_until[p] >= step:
                    continue  # a curfew keeps a contingent home until it lifts
                in_groups = np.zeros(max(gsel) + 1 if gsel else 0, bool)
                in_groups[gsel] = True
                rows = kernels.marchers_of(n, pop.kind, pop.state, pop.place, pop.organised, pop.group, p,
                                           in_groups)
                people = min(cfg.max_people, cfg.share * len(rows) * w.ppa)
                k = int(np.floor(people / w.ppa + 0.5))
                if k < 1 or len(rows) == 0:
                    continue
                route = _route(w, p, target, paths_only=False)
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
                if w.curfew_until[node] >= step:  # the city is under curfew: wait at its edge
                    m.left_days = 0.0
                    break
                _arrive(w, step, m)
                break
            if _intercept(w, step, m, node):
                break
            m.leg += 1
            m.left_days += m.route[m.leg][2]


def _intercept(w: CountryWorld, step: int, m: March, node: int) -> bool:
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
    rows = _rows_of(w, m.rows_ids)
    g = w.gen("disperse", step, node, m.event)
    k = int(np.floor(len(rows) * cfg.scatter + g.random()))
    home = g.choice(rows, size=min(k, len(rows)), replace=False) if k > 0 else np.array([], np.int64)
    if len(home):
        _place_on_grid(w, step, list(home), m.origin, QUIET, "arrive")
    gone = set(home.tolist())
    left = [r for r in rows if r not in gone]
    m.rows_ids = [int(w.pop.agent_id[r]) for r in left]
    m.people = len(left) * w.ppa
    w.log(step, "Strategic developments", "Other", w.cfg.actors.state, w.cfg.actors.protesters, node, 0,
          f"{m.name} stopped at {w.names[node]}; {len(home) * w.ppa:,.0f} scatter")
    if not left:
        m.state = "scattered"
        return True
    detour = _route(w, node, m.target, paths_only=True)
    if detour is not None:
        m.route, m.leg = detour, 0
        m.left_days = detour[0][2]
    else:
        m.wait_steps = w.spd  # regroup for a day, then go on by road
        m.leg += 1
        m.left_days = m.route[m.leg][2]
    return True


def _arrive(w: CountryWorld, step: int, m: March) -> None:
    rows = _rows_of(w, m.rows_ids)
    if not _place_on_grid(w, step, list(rows), m.target, ACTIVE, "arrive"):
        m.left_days = 0.0
        return
    for i in m.rows_ids:
        w.marcher_until[int(i)] = getattr(m, "until", w.cfg.total_steps)
    m.state = "arrived"
    m.arrived = step
    w.log(step, "Protests", "Peaceful protest", w.cfg.actors.protesters, "", m.target, 0,
          f"{m.name}: about {int(m.people):,} from {w.names[m.origin]} arrive")


# ------------------------------------------------------------------------------ information
def information_spread(w: CountryWorld, step: int) -> None:
    """News of this step's deaths by radio: each place hears the others' deaths, weighted by the
    reach of their stations (the legitimacy phase multiplies by the listeners' reach)."""
    from uprising.mechanisms import legitimacy

    total = w.mechanisms.deaths_people
    w.deaths_step = total - w._deaths_seen
    w._deaths_seen = total.copy()
    broadcast = w.radio_reach * w.deaths_step
    w.news_radio = broadcast.sum() - broadcast
    legitimacy.hear_news(w, w.news_radio)
    street = w.deaths_step - w._clash_step
    for p in np.flatnonzero(street > 0):
        w.log(step, "Violence against civilians", "Attack", w.cfg.actors.state, w.cfg.actors.civilians, int(p),
              int(round(street[p])), f"soldiers fire on crowds in {w.names[p]}: {street[p]:.0f} killed")
    w._clash_step = np.zeros(w.P)


# ------------------------------------------------------------------------------ regime
def regime_update(w: CountryWorld, step: int) -> None:
    """Elite support erodes with deaths, paralysis and shortage; the resignation rule."""
    r = w.cfg.regime
    cap = w.capital
    paralysed = w.active_people[cap] > r.paralysis_ratio * w.security_people(cap)
    w.paralysed_run = w.paralysed_run + 1 if paralysed else 0
    w.paralysed_steps += int(paralysed)
    short = w.fuel_short[cap] >= w.cfg.supply.short_below
    w.short_steps_capital += int(short)
    if w.mechanisms.on.get("loyalty"):  # only loyalty makes agents neutral: else the share is 0
        t = w.tally()
        on_grid = t[:, kernels.T_SECURITY_ON_GRID].sum()
        w.neutral_share = float(t[:, kernels.T_NEUTRAL_ON_GRID].sum() / on_grid) if on_grid else 0.0
    else:
        w.neutral_share = 0.0
    if w.government != 0:
        return
    w.elite_support -= (
        r.elite_per_death * w.deaths_step.sum()
        + r.elite_per_paralysed_day / w.spd * paralysed
        + r.elite_per_short_day / w.spd * short
    )
    reason = None
    if "elite" in r.routes and w.elite_support <= 0:
        reason = "elite support gone"
    elif "paralysis" in r.routes and w.paralysed_run >= r.paralysis_days * w.spd:
        reason = f"capital paralysed {r.paralysis_days:g} days"
    elif "defection" in r.routes and w.neutral_share >= r.defection_share:
        reason = "security forces defect"
    if reason is None:
        return
    w.government = 1
    w.resigned_step = step
    w.resign_reason = reason
    _successor(w, r.successor_legitimacy)
    w.call_until[:] = np.minimum(w.call_until, step)
    for k in list(w.marcher_until):
        w.marcher_until[k] = min(w.marcher_until[k], step)
    w.convoys_authorised = False
    _recall(w)
    w.log(step, "Strategic developments", "Other", w.cfg.actors.government, "", cap, 0,
          f"the president resigns ({reason}); a successor takes office")


def _successor(w: CountryWorld, gain: float) -> None:
    """A successor takes office: every citizen's legitimacy and its baseline rise by ``gain``."""
    from uprising.mechanisms import legitimacy

    shift = legitimacy._shift(w, np.ones(w.P, bool), gain)
    legitimacy._run(w, 0.0, np.ones(w.P), shift)
    legitimacy._move_baseline(w, shift)


def record(w: CountryWorld, step: int) -> None:
    engine_record(w, step)
    w.record_world(step)


# ------------------------------------------------------------------------------ the plan
def build_plan(w: CountryWorld) -> Plan:
    """The world's phases around the engine's, then the mechanisms' (legitimacy, soldiers, loyalty)."""
    from uprising.mechanisms import phases as mechanisms

    plan = Plan(
        [
            Phase("events.apply", events_apply),
            Phase("supply.flow", supply_flow),
            Phase("citizens.condition", citizens_condition),
            Phase("agents.move", synchronous.move),
            Phase("citizens.decide", synchronous.decide),
            Phase("cops.arrest", synchronous.arrest),
            Phase("jail.release", jail.release_phase),
            Phase("blockades.update", blockades_update),
            Phase("government.act", government_act),
            Phase("marches.advance", marches_advance),
            Phase("information.spread", information_spread),
            Phase("regime.update", regime_update),
            Phase("record", record),
        ]
    )
    return mechanisms.extend_plan(w, plan)


def capital_of(w: CountryWorld) -> int:
    """The seat of government: ``regime.capital``, else the first place tagged capital."""
    if w.cfg.regime.capital:
        return w.index(w.cfg.regime.capital)
    tagged = [p for p in range(w.P) if "capital" in w.tags[p]]
    return tagged[0] if tagged else 0


def convoy_route(w: CountryWorld, depot: int | None, target: int) -> list[int]:
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


def setup(w: CountryWorld) -> None:
    """World state the phases need beyond CountryWorld's own set-up."""
    cfg = w.cfg
    w.capital = capital_of(w)
    w.missions = []
    w.clashes = []
    w.convoy_on = None
    w.successor_bonus = 0.0
    w.resign_reason = ""
    w._clash_step = np.zeros(w.P)
    w.is_city = np.array(["city" in t for t in w.tags], bool)
    w.checkpoint_places = [w.index(n) for n in cfg.government.checkpoints if w.has(n)]
    w.mechanisms.doctrine_cap[:] = w.force_level
    for m in w.marches:
        m.stopped_at = set()
