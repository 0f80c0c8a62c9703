"""Where the map's labels go (uprising.report.map_labels), and circles kept inside their panel:
pure geometry, no browser (the episode's browser test checks the drawn page)."""

from __future__ import annotations

import itertools

import pytest

from uprising.report.map_labels import (
    LabelItem,
    badge_circle,
    boxes_overlap,
    circle_hits_box,
    place_labels,
    segment_hits_box,
    text_width,
)

BOUNDS = (0.0, 0.0, 400.0, 300.0)


def test_text_width_follows_the_font() -> None:
    # DejaVu Sans at 11.5 px, as Chromium measures it: "Cochabamba" 75.5, "El Alto" 36.8
    assert text_width("Cochabamba") == pytest.approx(75.6, abs=0.5)
    assert text_width("El Alto") == pytest.approx(36.8, abs=0.5)
    assert text_width("Potosí") == text_width("Potosi")  # accents take no room of their own


def test_segment_and_circle_tests() -> None:
    box = (10.0, 10.0, 20.0, 10.0)
    assert segment_hits_box((0, 15, 40, 15), box) and not segment_hits_box((0, 0, 40, 5), box)
    assert segment_hits_box((20, 0, 20, 40), box) and not segment_hits_box((0, 30, 5, 0), box)
    assert circle_hits_box((5, 15, 6), box) and not circle_hits_box((5, 15, 4), box)


def test_labels_avoid_badges_roads_and_each_other() -> None:
    # a crowded cluster: five places, roads between them, badges on the three biggest
    pts = {0: (200, 150, 26), 1: (245, 160, 14), 2: (170, 120, 12), 3: (215, 195, 8), 4: (160, 170, 6)}
    names = {0: "Capital City", 1: "Twin Town", 2: "North Village", 3: "South Hamlet", 4: "West End"}
    items = [LabelItem(k, names[k], *pts[k]) for k in sorted(pts, key=lambda k: -pts[k][2])]
    badges = [badge_circle(*pts[k], d) for k, d in ((0, 40), (1, 12), (2, 5))]
    roads = [(*pts[a][:2], *pts[b][:2]) for a, b in ((0, 1), (0, 2), (0, 3), (0, 4), (1, 3))]
    # a blocked road leaving the capital to the right, where its label would go first
    roads.append((pts[0][0], pts[0][1], 390, 150))
    out = place_labels(items, rings=[(k, v) for k, v in pts.items()], badges=badges, segments=roads, bounds=BOUNDS)
    assert sorted(out) == sorted(pts)
    for a, b in itertools.combinations(out.values(), 2):
        assert not boxes_overlap(a.box, b.box)
    for p in out.values():
        x, y, w, h = p.box
        assert 0 <= x and 0 <= y and x + w <= 400 and y + h <= 300
        assert not any(circle_hits_box(c, p.box) for c in badges)
    assert not any(segment_hits_box(s, out[0].box) for s in roads)  # the capital's label is clear of every road
    assert all(p.clear for p in out.values())
    # the text is anchored on the side facing its place, inside its box
    for k, p in out.items():
        assert p.box[0] - 0.01 <= p.x <= p.box[0] + p.box[2] + 0.01
        assert (p.anchor == "end") == (p.box[0] + p.box[2] <= pts[k][0])


def test_an_overview_leaves_out_what_cannot_be_placed_clear() -> None:
    # ten places on top of one another in a small panel: only a few labels fit, and at most `limit`
    pts = [(50 + 3 * i, 50 + 2 * i, 4.0) for i in range(10)]
    items = [LabelItem(i, f"Place number {i}", *p) for i, p in enumerate(pts)]
    rings = list(enumerate(pts))
    some = place_labels(items, rings=rings, bounds=(0, 0, 200, 120), drop_unclear=True)
    assert 0 < len(some) < 10  # beside their places, never on one another
    assert not any(boxes_overlap(a.box, b.box) for a, b in itertools.combinations(some.values(), 2))
    assert len(place_labels(items, rings=rings, bounds=(0, 0, 200, 120), drop_unclear=True, limit=2)) <= 2
    assert len(place_labels(items, rings=rings, bounds=(0, 0, 200, 120))) == 10  # without: every one, the least bad


def test_a_label_set_farther_out_gets_a_leader_line() -> None:
    from uprising.report.map_labels import candidates

    hub = LabelItem(0, "Hub", 100.0, 100.0, 10.0)
    near = place_labels([hub], rings=[(0, (100.0, 100.0, 10.0))], bounds=(0, 0, 300, 300))[0]
    assert near.leader is None and near.clear
    # small places on every near spot push the label out; a line joins it to its place
    blockers = [(i + 1, (b[0] + b[2] / 2, b[1] + b[3] / 2, 4.0)) for i, (b, _, extra) in enumerate(candidates(hub))
                if extra == 0]
    far = place_labels([hub], rings=[(0, (100.0, 100.0, 10.0)), *blockers], bounds=(0, 0, 300, 300))[0]
    assert far.clear and far.leader is not None
    x0, y0, x1, y1 = far.leader
    assert abs(((x0 - 100) ** 2 + (y0 - 100) ** 2) ** 0.5 - 10) < 0.1  # from the circle
    assert circle_hits_box((x1, y1, 0.5), far.box)  # to the label


def test_spread_keeps_every_circle_inside_the_panel() -> None:
    from uprising.report.episode_map import spread
    from uprising.report.maps import MapPlace, MapView

    view = MapView("zoom", (0.0, 0.0, 1.0, 1.0), (0, 0, 300, 300))
    places = [MapPlace("edge", 0.999, 0.5, 1e6), MapPlace("corner", 0.001, 0.999, 1e5), MapPlace("mid", 0.5, 0.5, 1e4)]
    radius = {"edge": 40.0, "corner": 20.0, "mid": 5.0}
    moved = spread(view, places, radius)
    assert set(moved) == {"edge", "corner"}  # the middle one needs no room
    for p in places:
        x, y = view.project(*moved.get(p.name, (p.lon, p.lat)))
        r = radius[p.name]
        assert r <= x <= 300 - r and r <= y <= 300 - r, (p.name, x, y)
