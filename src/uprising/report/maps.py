"""A map that plays a run by step: places as circles sized by people, links coloured by state,
moving markers (marches) and death counts, over an outline, in one or more views (a whole
country and a zoom on where things happen), drawn as SVG by the page's runtime.

Projection: equirectangular with longitude scaled by cos(mid latitude) — over a
country-sized view at low and middle latitudes the distortion is a few percent, and no map library is needed. Everything is
projected here, in Python; the page receives view coordinates and only moves and recolours.

    view = MapView("The country", bbox=(lon_min, lat_min, lon_max, lat_max), box=(0, 0, 360, 560))
    anim = MapAnimation(views=[view], places=[MapPlace(name, lon, lat, population)], ...)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from .escape import text
from .map_labels import LabelItem, Placement, badge_circle, place_labels, text_width
from .page import RenderContext
from .sections import COLOURS, _caption, _title, fmt_int

SPEEDS = (0.5, 1, 2, 4, 8)  # the speed menu: times the animation's own frames per second


def nice_below(value: float) -> float:
    """The largest of 1, 2, 5, 10, 20, 50... not above ``value`` (at least 1)."""
    if value < 1:
        return 1.0
    e = 10 ** math.floor(math.log10(value))
    return float(max(m * e for m in (1, 2, 5) if m * e <= value))


def size_key_values(populations: Sequence[float], count: int = 3) -> list[float]:
    """Round numbers of people for the circles' size key: the largest round number not above the
    biggest place, then a tenth and a hundredth of it (down to 1)."""
    top = nice_below(max([float(p) for p in populations if p and p > 0] or [1.0]))
    return [v for v in (top / 10**i for i in range(count)) if v >= 1]


def compact(people: float) -> str:
    """1000000 -> "1 M", 20000 -> "20 k", 500 -> "500"."""
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if people >= scale:
            return f"{people / scale:g} {unit}"
    return fmt_int(people)

# Colours of the map (colour-blind safe against each other: they differ in lightness too).
MAP_COLOURS = {
    "land": "#f4f1ea",
    "outline": "#bdb6a8",
    "population": "#9a968e",
    "active": COLOURS["active"],
    "road": "#b8b0a2",
    "path": "#a39b8c",
    "blocked": "#9e0b19",  # dark red: darker than the actives' vermilion
    "march": "#0072b2",
    "dead": "#1b1b1f",
}


@dataclass
class MapView:
    """One panel: a lon/lat box drawn into ``box`` = (x, y, width, height) of the map's canvas.

    ``moved`` displaces places in this view only (name -> (lon, lat)), for towns a few km
    apart that would otherwise overlap; the caption should say so. ``labels``: names that may be
    labelled in this view (all places if None), the biggest place first; each label goes where it
    covers no badge, road, circle or other label (``map_labels``). ``label_limit``: label at most
    this many, and leave out a label that cannot be placed clear (an overview). ``radius``: the
    largest circle's radius in this view.
    """

    title: str
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
    box: tuple[float, float, float, float]
    moved: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    labels: Sequence[str] | None = None
    radius: float = 26.0
    show_box_of: int | None = None  # index of another view whose bbox is outlined in this one
    label_limit: int | None = None
    badges: bool = True  # death badges (off in an overview whose places a zoom view shows)
    clock: bool = False  # the frame's date in this view's corner

    def fit(self) -> tuple[float, float, float, float]:
        """(scale x, scale y, offset x, offset y) keeping the aspect of the ground, centred in box."""
        lon0, lat0, lon1, lat1 = self.bbox
        x, y, w, h = self.box
        kx = math.cos(math.radians((lat0 + lat1) / 2))
        sx = w / ((lon1 - lon0) * kx)
        sy = h / (lat1 - lat0)
        s = min(sx, sy)
        ox = x + (w - (lon1 - lon0) * kx * s) / 2
        oy = y + (h - (lat1 - lat0) * s) / 2
        return s * kx, s, ox, oy

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        ax, ay, ox, oy = self.fit()
        lon0, _, _, lat1 = self.bbox
        return round(ox + (lon - lon0) * ax, 2), round(oy + (lat1 - lat) * ay, 2)

    def contains(self, lon: float, lat: float, margin: float = 0.0) -> bool:
        lon0, lat0, lon1, lat1 = self.bbox
        return lon0 - margin <= lon <= lon1 + margin and lat0 - margin <= lat <= lat1 + margin


@dataclass
class MapPlace:
    name: str
    lon: float
    lat: float
    population: float = 0.0


def outline_path(view: MapView, rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    """SVG path data of ``rings`` (lon, lat) projected into ``view``."""
    parts = []
    for ring in rings:
        pts = [view.project(lon, lat) for lon, lat in ring]
        if len(pts) < 3:
            continue
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


@dataclass
class MapAnimation:
    """Places, links and moving markers over one or more :class:`MapView` panels, one frame per step.

    Per frame: ``active[F, P]`` and ``population`` in people (disk area ∝ people: the active disk
    inside the population ring shows the share out), ``deaths[F, P]`` cumulative (a dark badge
    with the count), ``blocked[F]`` the indices of blocked links, ``movers[F]`` moving markers as
    (label, people, lon, lat). ``x`` gives each frame's position on the page's time axes (dates),
    so figures with ``follows=name`` show a cursor there and seek the map on click.
    ``notes[F]`` is a short status line per frame; ``flags[F]`` an optional banner (e.g. "resigned").
    """

    views: Sequence[MapView]
    places: Sequence[MapPlace]
    links: Sequence[tuple[int, int, str]]  # (place a, place b, "road" | "path")
    steps: Sequence[int]
    labels: Sequence[str]  # the frame's date as shown
    x: Sequence[str]  # the frame's x on time axes
    active: np.ndarray
    deaths: np.ndarray
    blocked: Sequence[Sequence[int]]
    movers: Sequence[Sequence[tuple[str, float, float, float]]] = ()
    outline: Sequence[Sequence[tuple[float, float]]] = ()
    notes: Sequence[str] = ()
    flags: Sequence[str] = ()
    title: str | None = "The map"
    caption: str | None = None
    start: int = 0
    fps: int = 6
    name: str = "map"
    width: int = 1000
    height: int = 600
    tips: Mapping[str, np.ndarray] = field(default_factory=dict)  # extra per-frame, per-place values

    def spec(self) -> dict[str, Any]:
        active = np.asarray(self.active, dtype=float)
        deaths = np.asarray(self.deaths, dtype=float)
        frames = len(self.steps)
        if active.shape != (frames, len(self.places)) or deaths.shape != active.shape:
            raise ValueError(f"active/deaths must be [frames, places] = [{frames}, {len(self.places)}]")
        pop = np.array([p.population for p in self.places], dtype=float)
        biggest = max(float(np.nanmax(active)) if active.size else 0.0, float(pop.max()) if pop.size else 0.0, 1.0)
        most_dead = np.nanmax(deaths, axis=0) if deaths.size else np.zeros(len(self.places))
        views = []
        for v in self.views:
            pos = []
            for p in self.places:
                lon, lat = v.moved.get(p.name, (p.lon, p.lat))
                pos.append(list(v.project(lon, lat)) if v.contains(p.lon, p.lat, 0.05) else None)
            k = v.radius / math.sqrt(biggest)  # radius = k * sqrt(people)
            labels = self._labels(v, pos, k * np.sqrt(np.maximum(pop, 0.0)), most_dead)
            view: dict[str, Any] = {
                "title": v.title,
                "box": list(v.box),
                "outline": outline_path(v, self.outline),
                "pos": pos,
                "label": [i in labels for i in range(len(self.places))],
                "lab": [[labels[i].x, labels[i].y, labels[i].anchor, labels[i].leader] if i in labels else None
                        for i in range(len(self.places))],
                "label_box": [list(labels[i].box) if i in labels else None for i in range(len(self.places))],
                "badges": v.badges,
                "clock": v.clock,
                "k": k,
            }
            if v.show_box_of is not None:
                other = self.views[v.show_box_of]
                x0, y0 = v.project(other.bbox[0], other.bbox[3])
                x1, y1 = v.project(other.bbox[2], other.bbox[1])
                view["inset"] = [x0, y0, x1 - x0, y1 - y0]
            views.append(view)
        movers = []
        for frame in self.movers or [[] for _ in range(frames)]:
            out = []
            for label, people, lon, lat in frame:
                out.append({"label": label, "people": people,
                            "pos": [list(v.project(lon, lat)) if v.contains(lon, lat, 0.05) else None for v in self.views]})
            movers.append(out)
        return {
            "width": self.width,
            "height": self.height,
            "views": views,
            "names": [p.name for p in self.places],
            "population": pop,
            "links": [[int(a), int(b), kind] for a, b, kind in self.links],
            "steps": np.asarray(self.steps, dtype=np.int64),
            "labels": list(self.labels),
            "x": list(self.x),
            "active": np.round(active).astype(np.int64),
            "deaths": np.round(deaths, 1),
            "blocked": [sorted(int(e) for e in b) for b in self.blocked],
            "movers": movers,
            "notes": list(self.notes) or [""] * frames,
            "flags": list(self.flags) or [""] * frames,
            "tips": {k: np.round(np.asarray(v, dtype=float), 3) for k, v in self.tips.items()},
            "start": int(min(max(self.start, 0), max(frames - 1, 0))),
            "fps": int(self.fps),
            "speeds": list(SPEEDS),
            "colours": MAP_COLOURS,
            "size_key": self.size_key(views, pop),
            "csv": self.csv_columns(),
        }

    def size_key(self, views: list[dict[str, Any]], pop: np.ndarray) -> dict[str, Any] | None:
        """Circles of round numbers of people at the scale of the main panel (the one with the date,
        else the first), for the page to draw beside the legend at the map's size on screen."""
        if not views or not pop.size:
            return None
        main = next((i for i, v in enumerate(self.views) if v.clock), 0)
        values = size_key_values(pop.tolist())
        return {"view": main, "k": views[main]["k"], "values": values, "labels": [compact(v) for v in values],
                "title": self.views[main].title}

    def csv_columns(self) -> list[str]:
        """The columns of the CSV export of the frame on show (one row per place)."""
        return ["date", "step", "place", "population", "active", "share_active", "killed_so_far",
                *(k.replace(" ", "_") for k in self.tips)]

    def _labels(self, v: MapView, pos: list, radius: np.ndarray, most_dead: np.ndarray) -> dict[int, Placement]:
        """Each labelled place's label in view ``v``: clear of badges, roads, circles and other labels."""
        at = {i: xy for i, xy in enumerate(pos) if xy is not None}
        ring = {i: max(2.5, float(radius[i])) for i in at}
        wanted = set(v.labels) if v.labels is not None else {p.name for p in self.places}
        order = sorted((i for i in at if self.places[i].name in wanted), key=lambda i: -self.places[i].population)
        items = [LabelItem(i, self.places[i].name, at[i][0], at[i][1], ring[i]) for i in order]
        badges = [b for i in at if v.badges
                  for b in [badge_circle(at[i][0], at[i][1], ring[i], float(most_dead[i]))] if b is not None]
        segments = [(*at[a], *at[b]) for a, b, _ in self.links if a in at and b in at]
        return place_labels(items, rings=[(i, (at[i][0], at[i][1], ring[i])) for i in at], badges=badges,
                            segments=segments, bounds=tuple(v.box), avoid=self._panel_text(v),
                            drop_unclear=v.label_limit is not None, limit=v.label_limit)

    def _panel_text(self, v: MapView) -> list[tuple[float, float, float, float]]:
        """Boxes of the text the runtime writes in a panel: its title (top left, 13 px capitals) and,
        with ``clock``, the date (top right, 20 px) and the banner under it (13 px)."""
        x, y, w, _ = v.box
        wide = 1.12  # bold, letter-spaced
        out = [(x + 6, y + 4, text_width(v.title.upper(), 13) * wide + 1.0 * len(v.title), 22)]
        if v.clock:
            date = max((text_width(t, 20) for t in self.labels), default=0.0) * wide
            out.append((x + w - 10 - date, y + 2, date + 4, 26))
            flag = max((text_width(t, 13) for t in self.flags), default=0.0) * wide
            if flag:
                out.append((x + w - 10 - flag, y + 28, flag + 4, 20))
        return out

    def render(self, ctx: RenderContext) -> str:
        anim_id = ctx.uid("map")
        last = max(len(self.steps) - 1, 0)
        c = MAP_COLOURS
        legend_items = [
            (f'<span class="ring" style="border-color:{c["population"]}"></span>', "population (ring)"),
            (f'<span class="disk" style="background:{c["active"]}"></span>', "active (disk, same scale)"),
            (f'<span class="bar" style="background:{c["road"]}"></span>', "road open"),
            (f'<span class="bar thick" style="background:{c["blocked"]}"></span>', "road blocked"),
            (f'<span class="bar dashed" style="border-color:{c["path"]}"></span>', "mountain path"),
            (f'<span class="disk small" style="background:{c["march"]}"></span>', "march under way"),
            (f'<span class="badge" style="background:{c["dead"]}">n</span>', "killed (cumulative)"),
        ]
        legend = "".join(f"<li>{mark}{text(label)}</li>" for mark, label in legend_items)
        spec = self.spec()
        key = spec["size_key"]
        if key:  # circles drawn by the runtime at the map's scale on screen
            legend += (f'<li class="size-key"><svg class="map-size-key" role="img" aria-label="size key"></svg>'
                       f'<span>people (circle area{", " + text(key["title"]) + " panel" if len(self.views) > 1 else ""})'
                       "</span></li>")
        speeds = "".join(f'<option value="{v:g}"{" selected" if v == 1 else ""}>{v:g}×</option>' for v in SPEEDS)
        spec["file"] = f"{ctx.name}-{self.name}" if self.name else ctx.name
        block = ctx.data(spec, "map-data")
        return (
            f'<section class="card map-card">{_title(self.title)}'
            f'<div class="map-anim" id="{anim_id}" data-map="{block}" data-name="{text(self.name)}" tabindex="0">'
            # the controls and the status line above the map, which is sized to the window (report.css):
            # whenever the top of the map is in view, so are they
            '<div class="player">'
            '<button type="button" class="play" aria-label="play">Play</button>'
            f'<input type="range" class="scrub" min="0" max="{last}" value="{int(self.start)}" step="1" aria-label="frame">'
            '<output class="step-label">–</output>'
            f'<label class="speed">speed <select class="speed" aria-label="speed">{speeds}</select></label>'
            "</div>"
            '<p class="map-note"></p>'
            f'<div class="map-wrap"><svg class="map-svg" viewBox="0 0 {int(self.width)} {int(self.height)}" '
            'role="img" aria-label="map of places and roads"></svg><div class="map-tip" hidden></div></div>'
            f'<div class="map-foot"><ul class="legend map-legend">{legend}</ul>'
            '<div class="map-tools"><span>this moment:</span>'
            '<button type="button" class="export-png" title="the map as it is now, as a PNG picture">PNG</button>'
            '<button type="button" class="export-csv" title="every place\'s numbers at this moment, as CSV">CSV</button>'
            "</div></div>"
            "</div>"
            f"{_caption(self.caption)}</section>"
        )


__all__ = ["MapView", "MapPlace", "MapAnimation", "MAP_COLOURS", "outline_path", "size_key_values", "SPEEDS"]
