"""The episode page's map: the whole country and a zoom on where things happen, played by step.

Everything is read from the run and the episode: the country view spans the outline (or every
place), the zoom spans the record's ``[report] box`` if it gives one, otherwise the places nearest
the followed places (the record's ``[report] places``, or the capital). In the zoom, places whose
circles would overlap (towns a few km apart) are pushed apart until they can be read, and circles
at the panel's edge are pulled inside it; the caption names the places that were moved. Labels go
where they cover no badge, road, circle or other label (``map_labels``, called by ``maps``).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import polars as pl

from .episode_base import Episode, EpisodeRun, day_label, wide, xdate
from .maps import MapAnimation, MapPlace, MapView
from .sections import fmt_int, fmt_pct

COUNTRY_BOX = (0, 0, 360, 620)
ZOOM_BOX = (372, 0, 628, 620)
ZOOM_RADIUS = 44.0
COUNTRY_RADIUS = 18.0
CLOCK = (250.0, 50.0)  # width and height of the date in a view's top right corner (maps.MapView.clock)
COUNTRY_LABELS = 10  # the biggest places outside the zoom (and the capital) are labelled in the country view


def _pad(box: tuple[float, float, float, float], share: float, least: float = 0.0) -> tuple[float, float, float, float]:
    lon0, lat0, lon1, lat1 = box
    dx = max((lon1 - lon0) * share, least)
    dy = max((lat1 - lat0) * share, least)
    return lon0 - dx, lat0 - dy, lon1 + dx, lat1 + dy


def _extent(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _fit_aspect(box: tuple[float, float, float, float], w: float, h: float) -> tuple[float, float, float, float]:
    """Widen the shorter side of a lon/lat box so that it fills a w × h panel (ground aspect kept)."""
    lon0, lat0, lon1, lat1 = box
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    gw, gh = (lon1 - lon0) * kx, lat1 - lat0
    if gw / max(gh, 1e-9) < w / h:
        extra = (gh * w / h - gw) / kx / 2
        return lon0 - extra, lat0, lon1 + extra, lat1
    extra = (gw * h / w - gh) / 2
    return lon0, lat0 - extra, lon1, lat1 + extra


def country_bbox(places: list[MapPlace], outline: list) -> tuple[float, float, float, float]:
    pts = [pt for ring in outline for pt in ring] or [(p.lon, p.lat) for p in places]
    return _pad(_extent(pts), 0.03, 0.05)


def zoom_bbox(places: list[MapPlace], ep: Episode) -> tuple[float, float, float, float] | None:
    """The record's box, or the extent of the places nearest the followed places."""
    if ep.record is not None and ep.record.report.box:
        return tuple(float(v) for v in ep.record.report.box)
    if len(places) < 4:
        return None
    centre_of = [p for p in places if p.name in ep.followed] or [max(places, key=lambda p: p.population)]
    clon = float(np.mean([p.lon for p in centre_of]))
    clat = float(np.mean([p.lat for p in centre_of]))
    k = math.cos(math.radians(clat))
    near = sorted(places, key=lambda p: math.hypot((p.lon - clon) * k, p.lat - clat))
    keep = near[: min(15, max(4, len(places) // 2))]
    box = _pad(_extent([(p.lon, p.lat) for p in keep]), 0.12, 0.15)
    return _fit_aspect(box, ZOOM_BOX[2], ZOOM_BOX[3])


def spread(view: MapView, places: list[MapPlace], radius_of: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Positions (lon, lat) that keep the circles of ``view`` apart: places that overlap are pushed
    away from each other, step by step, until each pair is its radii (and a gap) apart."""
    inside = [p for p in places if view.contains(p.lon, p.lat, 0.05)]
    if not inside:
        return {}
    pos = np.array([view.project(p.lon, p.lat) for p in inside], dtype=float)
    start = pos.copy()
    r = np.array([max(radius_of[p.name], 10.0) for p in inside])  # small places: room for a badge
    x0, y0, w, h = view.box
    edge = np.array([max(radius_of[p.name], 2.5) + 3.0 for p in inside])  # whole circles inside the panel
    for _ in range(300):
        moved = False
        for i in range(len(inside)):
            for j in range(i + 1, len(inside)):
                need = r[i] + r[j] + 10.0
                d = pos[j] - pos[i]
                dist = float(np.hypot(*d))
                if dist >= need - 0.5:
                    continue
                u = d / dist if dist > 1e-6 else np.array([math.cos(1.3 * (i + j)), math.sin(1.3 * (i + j))])
                # the smaller place moves more: a big city stays nearer its place
                wi = r[i] ** 2 / (r[i] ** 2 + r[j] ** 2) if r[i] + r[j] > 0 else 0.5
                push = (need - dist) * 0.55
                pos[i] -= u * push * (1 - wi)
                pos[j] += u * push * wi
                moved = True
        clipped = np.clip(pos[:, 0], x0 + edge, x0 + w - edge), np.clip(pos[:, 1], y0 + edge, y0 + h - edge)
        if view.clock:  # nor under the date in the top right corner
            under = clipped[0] + edge > x0 + w - CLOCK[0]
            clipped = clipped[0], np.where(under, np.maximum(clipped[1], y0 + CLOCK[1] + edge), clipped[1])
        moved = moved or bool(np.any(clipped[0] != pos[:, 0]) or np.any(clipped[1] != pos[:, 1]))
        pos[:, 0], pos[:, 1] = clipped
        if not moved:
            break
    ax, ay, ox, oy = view.fit()
    lon0, _, _, lat1 = view.bbox
    out = {}
    for p, a, b in zip(inside, start, pos):
        if float(np.hypot(*(a - b))) > 1.0:
            out[p.name] = (float(lon0 + (b[0] - ox) / ax), float(lat1 - (b[1] - oy) / ay))
    return out


def views(places: list[MapPlace], ep: Episode, biggest: float) -> list[MapView]:
    """The country view and, when the places spread wider than the zoom, the zoom view."""
    cbox = country_bbox(places, ep.outline)
    zbox = zoom_bbox(places, ep)
    if zbox is not None:
        inside = [p for p in places if zbox[0] <= p.lon <= zbox[2] and zbox[1] <= p.lat <= zbox[3]]
        if len(inside) == len(places):
            zbox = None
    title = (ep.record.country if ep.record is not None and ep.record.country else "") or "The country"
    if zbox is None:
        view = MapView(title, cbox, (0, 0, 1000, 620), radius=ZOOM_RADIUS, clock=True)
        radii = _radii(places, view.radius, biggest)
        view.moved = spread(view, places, radii)
        return [view]
    outside = [p.name for p in places if not (zbox[0] <= p.lon <= zbox[2] and zbox[1] <= p.lat <= zbox[3])]
    country = MapView(title, cbox, COUNTRY_BOX, radius=COUNTRY_RADIUS, show_box_of=1, badges=False)
    country.labels, country.label_limit = [*outside, ep.capital or ""], COUNTRY_LABELS
    centre = ep.capital or (ep.followed[0] if ep.followed else "")
    zoom = MapView(f"Around {centre}" if centre else "Where it happened", zbox, ZOOM_BOX, radius=ZOOM_RADIUS,
                   clock=True)
    radii = _radii(places, zoom.radius, biggest)
    zoom.moved = spread(zoom, places, radii)
    return [country, zoom]


def _radii(places: list[MapPlace], radius: float, biggest: float) -> dict[str, float]:
    k = radius / math.sqrt(max(biggest, 1.0))
    return {p.name: k * math.sqrt(max(p.population, 0.0)) for p in places}


def map_section(b: EpisodeRun, ep: Episode) -> MapAnimation | None:
    ts = b.ts
    if ts is None or not {"place_name", "lat", "lon", "active", "dead"} <= set(ts.columns):
        return None
    steps, names, active = wide(ts, "active")
    _, _, dead = wide(ts, "dead")
    fuel = wide(ts, "fuel_shortage")[2] if "fuel_shortage" in ts.columns else None
    food = wide(ts, "food_shortage")[2] if "food_shortage" in ts.columns else None
    first = ts.filter(pl.col("step") == steps[0]).sort("place")
    places = [MapPlace(n, float(lon), float(lat), float(pop or 0)) for n, lon, lat, pop in
              zip(first["place_name"], first["lon"], first["lat"], first["population"])]
    index = {p.name: i for i, p in enumerate(places)}
    dates = ts.filter(pl.col("place") == first["place"][0]).sort("step")["date"].to_list()
    biggest = max(float(np.nanmax(active)) if active.size else 0.0, max(p.population for p in places), 1.0)
    panels = views(places, ep, biggest)
    moved = panels[-1].moved

    links: list[tuple[int, int, str]] = []
    blocked: list[list[int]] = [[] for _ in steps]
    if b.roads is not None and b.roads.height:
        r0 = b.roads.filter(pl.col("step") == b.roads["step"].min()).sort("road")
        road_ids = r0["road"].to_list()
        for a, c, kind in zip(r0["from"], r0["to"], r0["kind"]):
            links.append((index.get(a, -1), index.get(c, -1), "path" if kind == "path" else "road"))
        pos = {rid: k for k, rid in enumerate(road_ids)}
        step_pos = {int(s): i for i, s in enumerate(steps)}
        for s, rid in b.roads.filter(pl.col("blocked")).select("step", "road").iter_rows():
            if int(s) in step_pos:
                blocked[step_pos[int(s)]].append(pos[rid])
        keep = [k for k, (a, c, _) in enumerate(links) if a >= 0 and c >= 0]
        remap = {k: i for i, k in enumerate(keep)}
        links = [links[k] for k in keep]
        blocked = [[remap[e] for e in fr if e in remap] for fr in blocked]

    movers: list[list[tuple[str, float, float, float]]] = [[] for _ in steps]
    if b.marches is not None and b.marches.height:
        step_pos = {int(s): i for i, s in enumerate(steps)}
        for row in b.marches.iter_rows(named=True):
            i = step_pos.get(int(row["step"]))
            if i is None:
                continue
            lon, lat = row["lon"], row["lat"]
            # where the zoom moved places apart, march toward the moved positions
            at, nxt = row.get("at"), row.get("next")
            if at in moved or nxt in moved:
                a = moved.get(at, (places[index[at]].lon, places[index[at]].lat)) if at in index else (lon, lat)
                c = moved.get(nxt, (places[index[nxt]].lon, places[index[nxt]].lat)) if nxt in index else (lon, lat)
                f = float(row["fraction"])
                lon, lat = a[0] + f * (c[0] - a[0]), a[1] + f * (c[1] - a[1])
            movers[i].append((str(row["name"]), float(row["people"]), float(lon), float(lat)))

    total_active = np.nansum(active, axis=1)
    total_dead = np.nansum(dead, axis=1)
    rstep = b.summary.get("resignation_step")
    cap = index.get(ep.capital) if ep.capital else None
    notes, flags = [], []
    for i, s in enumerate(steps):
        n_block = len(blocked[i])
        marching = sum(m[1] for m in movers[i])
        parts = [f"{fmt_int(total_active[i])} active", f"{fmt_int(total_dead[i])} killed so far",
                 f"{n_block} road{'s' if n_block != 1 else ''} blocked"]
        if marching:
            parts.append(f"{fmt_int(marching)} marching")
        if fuel is not None and cap is not None and np.isfinite(fuel[i, cap]):
            parts.append(f"{ep.capital} fuel shortage {fmt_pct(fuel[i, cap], 0)}")
        notes.append(" · ".join(parts))
        flags.append("the government has resigned" if rstep is not None and s >= rstep else "")

    # open on the busiest moment in the followed places (the picture a still of the page should show)
    follow = [index[n] for n in ep.followed if n in index]
    start = int(np.nanargmax(np.nansum(active[:, follow], axis=1))) if follow else int(np.nanargmax(total_active))
    tips = {}
    if fuel is not None:
        tips["fuel shortage"] = fuel
    if food is not None:
        tips["food shortage"] = food
    caption = ("Each place is a ring whose area is its people and a disk whose area is its actives, on one "
               "scale: a full disk is a place all out. Roads turn dark red while blocked; dashed lines are "
               "mountain paths; blue dots are marches under way; black badges count the killed. ")
    if moved:
        caption += f"The zoom moves {', '.join(sorted(moved))} off their places so that overlapping circles can be read. "
    caption += ("Opens on the busiest moment in " + (" and ".join(ep.followed) if ep.followed else "the country")
                + "; play, drag, use ← →, or click any plot below to go to that day.")
    return MapAnimation(
        views=panels, places=places, links=links, steps=steps, labels=[day_label(d) for d in dates], x=xdate(dates),
        active=np.nan_to_num(active), deaths=np.nan_to_num(dead), blocked=blocked, movers=movers,
        outline=ep.outline, notes=notes, flags=flags, title="The country, step by step", caption=caption,
        start=start, name="map", width=1000, height=620, tips=tips,
    )


__all__ = ["map_section", "views", "zoom_bbox", "country_bbox", "spread"]
