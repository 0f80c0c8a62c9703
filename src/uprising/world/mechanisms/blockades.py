"""Blockades: enough actives at a road's end block it; troops on a clearing mission clash with them.

Phase ``blockades.update`` (after the agents act): actives in people per place (one tally pass,
or the soldiers' count when no soldier acted); a road is blocked while the blockers at one end,
``share`` (``city_share`` in cities) of the actives there, reach ``blockade.people``, unless it
was cleared in the last ``cleared_hours``. Troops on a clearing mission at a blocked road's end
clash with the crowd there when they are at least ``clear_ratio`` of the blockers; the roads
reopen. A place with ``protest_people`` actives makes a "Protests" event once a day. Config
``[world.blockade]``.
"""

from __future__ import annotations

import numpy as np

from uprising.world import kernels
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.clashes import clash, disperse


def install(w) -> None:
    w.blocked = np.zeros(w.E, bool)
    w.cleared_until = np.full(w.E, -1, np.int64)
    w.blockers = np.zeros(w.E)
    w.is_city = np.array(["city" in t for t in w.tags], bool)
    w._protest_day = np.full(w.P, -1, np.int64)


def blockades_update(w, step: int) -> None:
    """A road is blocked while one end holds enough blockers; clearing troops clash with them."""
    cfg = w.cfg.blockade
    ms = w.mechanisms
    if ms.tally_step == step and not ms.on.get("loyalty"):
        # the actives are those soldiers.repress counted before the soldiers acted, less those they
        # arrested, dispersed or killed (jail.release frees citizens as quiet); without loyalty every
        # soldier on duty stands on a grid. No pass over the rows (issues #8, #14)
        t = np.zeros((w.P, kernels.N_TALLY), np.int64)
        t[:, kernels.T_ACTIVE] = ms.tally[:, kernels.T_ACTIVE] - (ms.actives_taken if ms.soldiers_acted else 0)
        t[:, kernels.T_SOLDIERS_ON_GRID] = ms.tally[:, kernels.T_SOLDIERS]
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
            disperse(w, step, int(p), w.cfg.clashes.arrest_share)
            w.cleared_until[roads] = step + int(round(cfg.cleared_hours / w.hps))
            now[roads] = False
    w.blocked[:] = now
    for e in np.flatnonzero(now & ~was):
        p = int(w.road_src[e] if act[w.road_src[e]] >= act[w.road_dst[e]] else w.road_dst[e])
        w.log(step, "Protests", "Peaceful protest", w.cfg.actors.protesters, "", p, 0, f"road blockade: {w.road_names[e]}")


def roads_blocked(w) -> np.ndarray:
    """Blocked roads at each place (a road counts at both of its ends)."""
    at = np.zeros(w.P)
    for e in np.flatnonzero(w.blocked):
        at[w.road_src[e]] += 1
        at[w.road_dst[e]] += 1
    return at


MECHANISM = Mechanism(
    name="blockades",
    section="blockade",
    stage="after",
    install=install,
    phases=(("blockades.update", blockades_update),),
    columns={"roads_blocked": (roads_blocked, np.int64)},
    doc="Roads blocked by actives at their ends; troops clear them in clashes.",
)
