"""Where a map's place names go: each label beside its place, clear of the death badges, the
roads, the other places' circles and the labels already placed, and inside its panel.

Pure geometry in the map's own units (the SVG's viewBox): no place, no episode. Labels are placed
greedily in the order given (the biggest place first): for each, candidate boxes around its
circle — right, left, above, below, then the four diagonals, then the same farther out — and the
first that touches nothing wins; a label set farther out gets a leader line to its circle. If every
candidate touches something, the one that costs least (a label or a badge or the panel's edge
weighs most, then a road, then another place's ring, then the distance); with ``drop_unclear``
a label that would cover another label, a badge or the panel's edge is left out instead (an
overview that labels only some places, beside them: it may cross a road or a circle).

A label's width is estimated from DejaVu Sans' advance widths (the widest of the common sans
fonts, and the one Debian's Chromium uses), so on other fonts the text is narrower than its box:
the text is anchored on the side that faces its place, and never reaches past the box.

    boxes = place_labels([LabelItem(0, "Town", x, y, r)], badges=[...], segments=[...], bounds=(0, 0, 600, 400))
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Sequence

FONT_PX = 11.5  # .map-label in report.css
ASCENT, DESCENT = 0.928, 0.236  # DejaVu Sans, per em
LINE_PX = (ASCENT + DESCENT) * FONT_PX
GAP = 3.0  # between a circle and its label
PAD = 1.0  # labels keep this far from each other and from badges
FARTHER = (0.0, 8.0, 18.0)  # candidates this far beyond the nearest ones (a leader line joins them)
ROAD_HALF = 2.5  # half the width of a blocked road (.map-link.blocked), and a little more

# DejaVu Sans advance widths in units of 1/2048 em (lower case, upper case, digits, a few marks).
_WIDTHS = {
    **dict(zip("abcdefghijklmnopqrstuvwxyz", (1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995,
                                               1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075))),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (1401, 1405, 1430, 1577, 1294, 1178, 1579, 1540, 604, 604, 1343, 1141, 1767,
                                               1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403))),
    **{d: 1303 for d in "0123456789"},
    " ": 651, ".": 651, ",": 651, "-": 739, "'": 563, "(": 799, ")": 799, "/": 690, "&": 1593,
}


def text_width(label: str, size: float = FONT_PX) -> float:
    """The width of ``label`` at ``size`` px in DejaVu Sans (accents ignored, unknown glyphs as wide as 'M')."""
    units = 0
    for ch in unicodedata.normalize("NFKD", label):
        if unicodedata.combining(ch):
            continue
        units += _WIDTHS.get(ch, 1767)
    return units / 2048 * size


Box = tuple[float, float, float, float]  # x, y, width, height
Circle = tuple[float, float, float]  # x, y, r
Segment = tuple[float, float, float, float]  # x1, y1, x2, y2


@dataclass(frozen=True)
class LabelItem:
    key: int  # the caller's index of the place
    text: str
    x: float
    y: float
    r: float  # the place's circle


@dataclass(frozen=True)
class Placement:
    box: Box
    x: float  # where the text is drawn: x, baseline y, and its text-anchor
    y: float
    anchor: str
    clear: bool  # touches nothing
    leader: tuple[float, float, float, float] | None = None  # a line from the circle to a label set farther out


def boxes_overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    return (a[0] < b[0] + b[2] + pad and b[0] < a[0] + a[2] + pad
            and a[1] < b[1] + b[3] + pad and b[1] < a[1] + a[3] + pad)


def circle_hits_box(c: Circle, b: Box, pad: float = 0.0) -> bool:
    nx = min(max(c[0], b[0]), b[0] + b[2])
    ny = min(max(c[1], b[1]), b[1] + b[3])
    return math.hypot(c[0] - nx, c[1] - ny) < c[2] + pad


def segment_hits_box(s: Segment, b: Box) -> bool:
    """Whether the segment crosses the box (Liang–Barsky clipping)."""
    x1, y1, x2, y2 = s
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - b[0]), (dx, b[0] + b[2] - x1), (-dy, y1 - b[1]), (dy, b[1] + b[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _grow(b: Box, d: float) -> Box:
    return (b[0] - d, b[1] - d, b[2] + 2 * d, b[3] + 2 * d)


def inside(b: Box, bounds: Box, margin: float = 2.0) -> bool:
    return (b[0] >= bounds[0] + margin and b[1] >= bounds[1] + margin
            and b[0] + b[2] <= bounds[0] + bounds[2] - margin and b[1] + b[3] <= bounds[1] + bounds[3] - margin)


def candidates(item: LabelItem, farther: Sequence[float] = FARTHER) -> list[tuple[Box, str, float]]:
    """Boxes around the circle, in order of preference, each with the text-anchor facing the place
    and its distance beyond the nearest ring of candidates."""
    w, h = text_width(item.text), LINE_PX
    out = []
    for extra in farther:
        r = item.r + GAP + extra
        d = (item.r + extra) * 0.72 + GAP  # diagonals: the box's corner on the circle at 45 degrees
        x, y = item.x, item.y
        out += [(box, anchor, extra) for box, anchor in (
            ((x + r, y - h / 2, w, h), "start"),  # right
            ((x - r - w, y - h / 2, w, h), "end"),  # left
            ((x - w / 2, y - r - h, w, h), "middle"),  # above
            ((x - w / 2, y + r, w, h), "middle"),  # below
            ((x + d, y - d - h, w, h), "start"),  # above right
            ((x + d, y + d, w, h), "start"),  # below right
            ((x - d - w, y - d - h, w, h), "end"),  # above left
            ((x - d - w, y + d, w, h), "end"),  # below left
        )]
    return out


def place_labels(items: Sequence[LabelItem], *, rings: Sequence[tuple[int, Circle]] = (),
                 badges: Sequence[Circle] = (), segments: Sequence[Segment] = (), bounds: Box,
                 avoid: Sequence[Box] = (), drop_unclear: bool = False,
                 limit: int | None = None) -> dict[int, Placement]:
    """Placements by ``key``, in the order of ``items`` (place the most important first).

    ``rings``: every place's circle in the panel, as (key, circle), labelled or not (a label may not
    cover another place); ``badges``: the death badges at their largest; ``segments``: the roads;
    ``avoid``: other text in the panel (its title, its clock)."""
    placed: dict[int, Placement] = {}
    boxes: list[Box] = list(avoid)
    for item in items:
        if limit is not None and len(placed) >= limit:
            break
        best: tuple[float, Box, str, float, float, float] | None = None
        # an overview keeps its labels beside their places (only the nearest candidates)
        for k, (box, anchor, extra) in enumerate(candidates(item, FARTHER[:1] if drop_unclear else FARTHER)):
            preference = 0.01 * k + 0.2 * extra  # nearer is better, when both touch something
            hard = 100.0 * (not inside(box, bounds))
            hard += 100.0 * sum(boxes_overlap(box, o, PAD) for o in boxes)
            hard += 100.0 * sum(circle_hits_box(c, box, PAD) for c in badges)
            soft = 8.0 * sum(circle_hits_box(c, box) for key, c in rings if key != item.key)
            soft += 10.0 * sum(segment_hits_box(s, _grow(box, ROAD_HALF)) for s in segments)
            cost = preference + hard * (10.0 if drop_unclear else 1.0) + soft
            if best is None or cost < best[0]:
                best = (cost, box, anchor, extra, hard + soft, hard)
            if not hard and not soft:
                break  # the first clear candidate
        assert best is not None
        _, box, anchor, extra, conflicts, hard = best
        clear = conflicts == 0
        if drop_unclear and hard:
            continue  # an overview may cross a road or a circle, never a label, a badge or its edge
        x = box[0] + {"start": 0.0, "middle": box[2] / 2, "end": box[2]}[anchor]
        placed[item.key] = Placement(tuple(round(v, 2) for v in box), round(x, 2), round(box[1] + ASCENT * FONT_PX, 2),
                                     anchor, clear, leader(item, box) if extra else None)
        boxes.append(box)
    return placed


def leader(item: LabelItem, box: Box) -> tuple[float, float, float, float]:
    """A line from the edge of the item's circle to the nearest point of its label's box."""
    nx = min(max(item.x, box[0]), box[0] + box[2])
    ny = min(max(item.y, box[1]), box[1] + box[3])
    d = math.hypot(nx - item.x, ny - item.y) or 1.0
    sx, sy = item.x + (nx - item.x) / d * item.r, item.y + (ny - item.y) / d * item.r
    return (round(sx, 2), round(sy, 2), round(nx, 2), round(ny, 2))


def badge_circle(x: float, y: float, ring: float, deaths: float) -> Circle | None:
    """The death badge of a place at (x, y) with ring radius ``ring`` (as the runtime draws it)."""
    if deaths < 0.5:
        return None
    r = max(7.0, min(16.0, 5 + 2.2 * math.sqrt(deaths)))
    return (x + ring * 0.72, y - ring * 0.72, r)


__all__ = ["LabelItem", "Placement", "place_labels", "text_width", "badge_circle", "boxes_overlap",
           "circle_hits_box", "segment_hits_box", "candidates"]
