"""The live viewer's map of an episode, laid out as the report lays out its map.

The panels (the whole country and a zoom, with overlapping places pushed apart and circles at a
panel's edge pulled inside it) come from ``report.episode_map.views``; the projection, the circles'
scale and the labels (placed clear of badges, roads, circles and each other by
``report.map_labels``) from ``report.maps.MapAnimation.spec``. So the page receives view
coordinates, as the report's page does, and only draws.

Labels must also stay clear of the death badges, which the report knows for the whole run and a
live run does not: the labels are placed again whenever a place gets its first death, with a badge
of the largest size reserved at every place that has one (so a growing badge never covers a label).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uprising.report.episode_base import Episode
from uprising.report.episode_map import views
from uprising.report.maps import MAP_COLOURS, MapAnimation, MapPlace

BADGE_RESERVED = 25.0  # deaths at which a badge reaches its largest radius (16 px, map_labels.badge_circle)

# The report's map legend (report.maps.MapAnimation.render), as (mark, text): the page draws each mark.
LEGEND = (
    ("ring", "population (ring)"),
    ("disk", "active (disk, same scale)"),
    ("road", "road open"),
    ("blocked", "road blocked"),
    ("path", "mountain path"),
    ("march", "march under way"),
    ("badge", "killed (cumulative)"),
)


class MapLayout:
    """The map of one live run: panels, positions, scale, labels (placed again as badges appear)."""

    def __init__(self, world, outline: list):
        w = world
        self.places = [MapPlace(w.names[p], float(w.lon[p]), float(w.lat[p]), float(w.population[p]))
                       for p in range(w.P)]
        record = getattr(w, "history", None)
        capital = w.names[w.capital]
        followed = [n for n in (record.report.places if record is not None else []) if n in w.names] or [capital]
        self.episode = Episode(folder=w.cfg.folder, record=record, outline=outline, capital=capital, followed=followed)
        biggest = max([p.population for p in self.places] + [1.0])
        self.panels = views(self.places, self.episode, biggest)
        self.links = [(int(a), int(b), "path" if path else "road")
                      for a, b, path in zip(w.road_src, w.road_dst, w.road_is_path)]
        self.badged: frozenset[int] = frozenset()
        self.version = 0
        self._spec = self._build(self.badged)

    def _build(self, badged: frozenset[int]) -> dict[str, Any]:
        P = len(self.places)
        deaths = np.zeros((1, P))
        deaths[0, sorted(badged)] = BADGE_RESERVED
        anim = MapAnimation(views=self.panels, places=self.places, links=self.links, steps=[0], labels=[""], x=[""],
                            active=np.zeros((1, P)), deaths=deaths, blocked=[[]], outline=self.episode.outline,
                            width=1000, height=620)
        return anim.spec()

    def update(self, deaths: np.ndarray) -> bool:
        """Place the labels again if a place has had its first death; True when they moved."""
        badged = frozenset(int(p) for p in np.flatnonzero(np.asarray(deaths) >= 0.5))
        if badged <= self.badged:
            return False
        self.badged = self.badged | badged
        self._spec = self._build(self.badged)
        self.version += 1
        return True

    def labels(self) -> list[dict[str, Any]]:
        """Per panel: each place's label (x, baseline y, anchor, leader) or None, and its box."""
        return [{"lab": v["lab"], "label_box": v["label_box"]} for v in self._spec["views"]]

    def spec(self) -> dict[str, Any]:
        """What the page draws the map from (JSON): canvas size, panels, places, links, colours, legend."""
        s = self._spec
        out = {
            "width": s["width"], "height": s["height"], "colours": MAP_COLOURS, "legend": [list(x) for x in LEGEND],
            "population": [float(v) for v in s["population"]], "links": s["links"], "version": self.version,
            "views": [{k: v[k] for k in ("title", "box", "outline", "pos", "lab", "label_box", "badges", "clock", "k")
                       if k in v} | ({"inset": v["inset"]} if "inset" in v else {}) for v in s["views"]],
        }
        key = s.get("size_key")
        if key:
            out["size_key"] = {k: key[k] for k in ("view", "k", "values", "labels") if k in key}
        return out


__all__ = ["MapLayout", "LEGEND", "BADGE_RESERVED"]
