"""Loyalty and defection of police and soldiers (issue #3).

Every security agent j (police or soldier, on duty) in place p has a loyalty l_j, drawn at
set-up ~ U(low, high) by kind (stream ``loyalty``). Each step (phase ``loyalty.update``, after the
soldiers acted), with A_j the actives and S_j the security agents on duty in j's vision (own
cell included, so S_j >= 1), and D_p the people killed in p this step:

    l_j <- l_j - e max(0, A_j / S_j - r0) (1 + o [j is a soldier ordered to fire]) - b D_p

("ordered to fire": the place's doctrine is live fire and actives are in j's vision). When l_j
falls below ``threshold`` the agent turns neutral (state 4): it stops repressing and leaves the
grid ("police stations raised white flags of neutrality": docs/mechanisms/loyalty.md). A share ``join_share``
of those (keyed draw, stream ``defection``) join the crowd: each becomes a new citizen of the
group ``defectors`` on the cell it left — active, with H = 1, R = 0, L = 0, so it stays active
until arrested or killed. Defection is absorbing: loyalty does not recover.

Reads: ``pop`` (kind, state, place, cell, loyalty), the board, ``world.mechanisms`` (doctrine,
killed_step), ``scenario.loyalty``. Writes: ``pop.loyalty``, security agents' state and cell,
new citizen rows (defectors), ``world.mechanisms`` (defected_step, joined_step).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE
from uprising.engine.population import ACTIVE, CITIZEN, COP, NEUTRAL, SOLDIER
from uprising.engine.vision import LOW32, scan_seen
from uprising.mechanisms import groups as groups_mod
from uprising.mechanisms.state import security_rows


# numba: parallel over the place's security agents; each scans its vision (~149 cells) and
# writes only its own loyalty and flag (race-free).
@nb.njit(parallel=True, cache=True)
def erode(rows, kind, cell, loyalty, board, start, height, width, torus, kv, level, erosion, r0, fire_factor,
          death_loss, threshold, defect):
    for idx in nb.prange(rows.shape[0]):
        j = rows[idx]
        local = cell[j] - start
        y = local // width
        x = local - y * width
        packed = scan_seen(board, start, height, width, torus, y, x, kv[0], kv[1], kv[2])
        security = max(packed >> np.int64(32), np.int64(1))
        actives = packed & LOW32
        excess = actives / security - r0
        loss = death_loss
        if excess > 0.0:
            ordered = kind[j] == SOLDIER and level >= 2 and actives > 0
            loss += erosion * excess * (1.0 + fire_factor * ordered)
        loyalty[j] = np.float32(loyalty[j] - loss)
        defect[idx] = loyalty[j] < threshold


def draw_initial(world, rows: np.ndarray) -> None:
    """Initial loyalty of new security rows ~ U(low, high) by kind (keyed by agent id)."""
    cfg = world.scenario.loyalty
    pop = world.pop
    u = rng.uniform_array(world.key("loyalty", 0), pop.agent_id[rows], 0)
    for kind, low, high in ((COP, cfg.police_low, cfg.police_high), (SOLDIER, cfg.soldiers_low, cfg.soldiers_high)):
        sel = pop.kind[rows] == kind
        pop.loyalty[rows[sel]] = low + (high - low) * u[sel]


def install(world) -> None:
    pop = world.pop
    kind = pop.kind[: pop.n]
    draw_initial(world, np.flatnonzero((kind == COP) | (kind == SOLDIER)))


def _defect(world, rows: np.ndarray, step: int) -> None:
    """Rows turn neutral and leave the grid; a share join the crowd as active defectors."""
    cfg = world.scenario.loyalty
    pop, places = world.pop, world.places
    ms = world.mechanisms
    rows = rows[np.argsort(pop.agent_id[rows], kind="stable")]
    cells = pop.cell[rows].copy()
    pop.state[rows] = NEUTRAL
    pop.cell[rows] = -1
    places.occupant[cells] = -1
    places.board[cells] = EMPTY
    np.add.at(ms.defected_step, pop.place[rows], 1)
    if cfg.join_share <= 0:
        return
    joins = rng.uniform_array(world.key("defection", step), pop.agent_id[rows], 0) < cfg.join_share
    if not joins.any():
        return
    where = cells[joins]
    their_place = pop.place[rows[joins]].copy()
    new = pop.add(len(where), CITIZEN)
    pop.place[new] = their_place
    pop.group[new] = groups_mod.defector_group(world)
    pop.state[new] = ACTIVE
    pop.cell[new] = where
    pop.hardship[new] = 1.0
    pop.risk_aversion[new] = 0.0
    pop.threshold[new] = world.scenario.citizen.threshold
    pop.legitimacy[new] = 0.0
    places.occupant[where] = new
    places.board[where] = SEEN_ACTIVE
    np.add.at(ms.joined_step, their_place, 1)
    world.counter[0] = pop.n
    world.counter[1] = pop.next_id


def update(world, step: int) -> None:
    """Phase loyalty.update."""
    cfg = world.scenario.loyalty
    ms = world.mechanisms
    pop, places = world.pop, world.places
    ms.defected_step[:] = 0
    ms.joined_step[:] = 0
    rows = security_rows(pop.n, pop.kind, pop.state)
    if len(rows) == 0:
        return
    rows = rows[np.argsort(pop.place[rows], kind="stable")]
    bounds = np.searchsorted(pop.place[rows], np.arange(places.count + 1))
    leaving = []
    for p in range(places.count):
        mine = rows[bounds[p] : bounds[p + 1]]
        if len(mine) == 0:
            continue
        start, height, width, torus = world.place_geometry(p)
        defect = np.zeros(len(mine), np.bool_)
        erode(mine, pop.kind, pop.cell, pop.loyalty, places.board, start, height, width, torus,
              world.cop_vision[p].arrays, int(ms.doctrine[p]), float(cfg.erosion), float(cfg.crowd_ratio),
              float(cfg.fire_order_factor), float(cfg.death_erosion * ms.killed_step[p]), float(cfg.threshold),
              defect)
        leaving.append(mine[defect])
    leaving = np.concatenate(leaving) if leaving else np.zeros(0, np.int64)
    if len(leaving):
        _defect(world, leaving, step)


__all__ = ["install", "update", "draw_initial"]
