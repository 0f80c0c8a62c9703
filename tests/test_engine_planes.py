"""The bit planes' window path (one 64-bit window per vision row) equals the segment walk, and
the move draw is uniform over the free cells in vision."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from engine_helpers import cells_in_vision

from uprising.engine import planes, rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, Places
from uprising.engine.vision import build_vision

GRIDS = [  # (height, width, torus, vision): window path inside, segment walk at the edges
    (30, 30, True, 7.0),
    (21, 130, True, 7.0),  # rows of three words: windows straddle words
    (7, 5, True, 7.0),  # the vision wraps past itself: never inside
    (25, 70, False, 7.0),  # bounded: clipped at the edges
    (20, 20, True, 1.7),
    (40, 40, True, 20.0),  # too wide for a window: always the segment walk
]
SHAPES = ["von_neumann", "moore", "euclidean"]


def _planes(h, w, torus, seed):
    places = Places([h], [w], torus)
    places.board[:] = np.random.default_rng(seed).choice(
        [EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED, 1], h * w, p=[0.3, 0.2, 0.1, 0.1, 0.3]).astype(np.int8)
    pl = planes.Planes(places)
    pl.build(places, False)
    return places, pl


@nb.njit
def _mismatches(bits, h, w, torus, wpr, dy, lo, hi, mask, reach, key):
    """Cells where the window path and the segment walk disagree, and cells on the window path."""
    bad = 0
    inside = 0
    r1 = dy.shape[0]
    for y in range(h):
        for x in range(w):
            akey = rng.agent_key(key, y * w + x)
            inside += planes.inside(y, x, reach, h, w)
            bad += planes.seen_in_vision(bits, 0, wpr, h, w, torus, y, x, dy, lo, hi, mask, 0, r1, reach) != \
                planes.seen(bits, 0, wpr, h, w, torus, y, x, dy, lo, hi, 0, r1)
            for plane in (planes.FREE_PLANE, planes.ACTIVE_PLANE):
                got = planes.random_in_vision(bits, plane, 0, 0, wpr, h, w, torus, y, x, dy, lo, hi, mask, 0, r1,
                                              reach, akey, 3)
                n = planes.count_plane(bits, plane, 0, wpr, h, w, torus, y, x, dy, lo, hi, 0, r1)
                want = -1
                if n > 0:
                    want = planes.nth_plane(bits, plane, 0, 0, wpr, h, w, torus, y, x, dy, lo, hi, 0, r1,
                                            rng.draw_below(akey, 3, n))
                bad += got != want
    return bad, inside


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("h,w,torus,v", GRIDS)
def test_window_path_equals_segment_walk(shape, h, w, torus, v):
    vision = build_vision(shape, v, h, w, torus)
    places, pl = _planes(h, w, torus, h * 1000 + w)
    bad, inside = _mismatches(pl.bits, h, w, torus, int(pl.words_per_row[0]), vision.dy, vision.lo, vision.hi,
                              vision.row_masks, vision.window_reach, rng.step_key(1, "move", 1))
    assert bad == 0
    if v == 7.0 and h >= 21:
        assert inside > 0  # the window path was exercised
    if v == 20.0 or h < 8:
        assert inside == 0


@nb.njit
def _draws(board, bits, h, w, torus, wpr, y, x, dy, lo, hi, mask, reach, ody, odx, key, draws):
    out = np.empty(draws, np.int64)
    for agent in range(draws):
        out[agent] = planes.random_free(board, EMPTY, bits, 0, 0, wpr, h, w, torus, y, x, dy, lo, hi, mask, 0,
                                        dy.shape[0], reach, ody, odx, 0, ody.shape[0], rng.agent_key(key, agent))
    return out


@pytest.mark.parametrize("h,w,torus,y,x", [(30, 30, True, 15, 15), (12, 13, False, 1, 2), (30, 30, True, 0, 29)])
def test_move_draw_is_uniform_over_free_cells(h, w, torus, y, x):
    vision = build_vision("euclidean", 3.0, h, w, torus)
    places, pl = _planes(h, w, torus, 5)
    board = places.board
    want = {r * w + c for r, c in cells_in_vision(vision, y, x) if board[r * w + c] == EMPTY}
    draws = 20000
    got = _draws(board, pl.bits, h, w, torus, int(pl.words_per_row[0]), y, x, vision.dy, vision.lo, vision.hi,
                 vision.row_masks, vision.window_reach, vision.offset_dy, vision.offset_dx,
                 rng.step_key(7, "move", 1), draws)
    hits = dict(zip(*np.unique(got, return_counts=True)))
    assert set(hits) == want
    expected = draws / len(want)
    chi2 = sum((n - expected) ** 2 / expected for n in hits.values())
    assert chi2 < len(want) + 6 * np.sqrt(2 * len(want))  # ~6 sigma


def test_random_free_none_when_nothing_is_free():
    vision = build_vision("moore", 2.0, 9, 9, True)
    places = Places([9], [9], True)
    places.board[:] = SEEN_COP
    pl = planes.Planes(places)
    pl.build(places, False)
    got = _draws(places.board, pl.bits, 9, 9, True, 1, 4, 4, vision.dy, vision.lo, vision.hi, vision.row_masks,
                 vision.window_reach, vision.offset_dy, vision.offset_dx, rng.step_key(1, "move", 1), 10)
    assert (got == -1).all()
