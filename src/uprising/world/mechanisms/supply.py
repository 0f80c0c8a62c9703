"""Supply: fuel and food stocks in days of consumption, refilled from sources along open roads.

Phase ``supply.flow``: each stock falls by a day's use per day; a place that a source reaches
within ``supply.max_hours`` by vehicle on open roads (Dijkstra over unblocked roads) refills by
``refill_per_day``; sources and pipeline depots stay full. A folder that tags no source of a good
(``fuel_source``, ``farm_region``) does not model that good's supply: no place runs short of it. Shortage s = 1 - stock/target feeds
citizens' hardship (``citizens.condition``). Config ``[world.supply]``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from uprising.world.mechanism import Mechanism


def install(w) -> None:
    cfg = w.cfg.supply
    P = w.P
    w.fuel_stock = np.full(P, cfg.target_days)
    w.food_stock = np.full(P, cfg.target_days)
    w.fuel_short = np.zeros(P)
    w.food_short = np.zeros(P)
    w.is_fuel_source = _places(w, cfg.fuel_sources, "fuel_source")
    w.is_food_source = _places(w, cfg.food_sources, "farm_region")
    w.pipeline = _places(w, cfg.pipeline_to, "pipeline")


def _places(w, names, tag: str) -> np.ndarray:
    """Mask of the named places; a list left empty falls back to the places tagged ``tag``."""
    if not names:
        return np.array([tag in t for t in w.tags], bool)
    mask = np.zeros(w.P, bool)
    for n in names:
        if w.has(n):
            mask[w.index(n)] = True
    return mask


def travel_hours(w) -> np.ndarray:
    """Hours by vehicle between places on open roads (cached while the blockades do not change)."""
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


def supply_flow(w, step: int) -> None:
    """Stocks fall by a day's use per day; a place reached from a source by open roads refills."""
    s = w.cfg.supply
    tt = travel_hours(w)
    per_step = 1.0 / w.spd
    for stock, short, sources in ((w.fuel_stock, w.fuel_short, w.is_fuel_source), (w.food_stock, w.food_short, w.is_food_source)):
        src = np.flatnonzero(sources)
        if not len(src):  # a folder that tags no source of this good does not model its supply
            continue
        supplied = (tt[src] <= s.max_hours).any(axis=0)
        stock += np.where(supplied, s.refill_per_day * per_step, 0.0) - per_step
        if stock is w.fuel_stock:
            stock[w.pipeline] = s.target_days
        np.clip(stock, 0.0, s.target_days, out=stock)
        stock[sources] = s.target_days
        short[:] = np.clip(1.0 - stock / s.target_days, 0.0, 1.0)
    short_none = w.population == 0
    w.fuel_short[short_none] = 0.0
    w.food_short[short_none] = 0.0


def hardship(w, step: int) -> np.ndarray:
    """H added by shortage, per place (every group): fuel_hardship x s_fuel + food_hardship x s_food."""
    s = w.cfg.supply
    return s.fuel_hardship * w.fuel_short + s.food_hardship * w.food_short


MECHANISM = Mechanism(
    name="supply",
    section="supply",
    stage="before",
    install=install,
    phases=(("supply.flow", supply_flow),),
    columns={
        "supply_fuel": (lambda w: w.fuel_stock / w.cfg.supply.target_days, float),
        "supply_food": (lambda w: w.food_stock / w.cfg.supply.target_days, float),
        "fuel_shortage": (lambda w: w.fuel_short, float),
        "food_shortage": (lambda w: w.food_short, float),
    },
    hardship=hardship,
    doc="Fuel and food stocks refilled from sources along open roads; shortage raises hardship.",
)
