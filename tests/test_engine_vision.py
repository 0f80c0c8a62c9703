"""Fast neighbourhood counts and direct scans equal a brute-force scan of the shape's definition."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import cells_in_vision

from uprising.engine import counts, rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP
from uprising.engine.vision import build_vision, random_cell_coded, scan_seen

GRIDS = [  # (height, width, torus, vision)
    (40, 40, True, 7.0),
    (17, 29, True, 4.5),  # non-square
    (7, 5, True, 7.0),  # the vision wraps past itself: each cell once
    (3, 2, True, 1.7),
    (1, 9, True, 3.0),
    (12, 15, False, 3.5),  # bounded
    (6, 4, False, 7.0),  # bounded, vision larger than the grid
    (50, 45, True, 13.0),  # diamond radius large enough for the rotated table
    (40, 41, False, 12.0),
]
SHAPES = ["von_neumann", "moore", "euclidean"]


def brute(board, vision):
    h, w = vision.height, vision.width
    cops = np.zeros(h * w, np.int64)
    actives = np.zeros(h * w, np.int64)
    grid = board.reshape(h, w)
    for y in range(h):
        for x in range(w):
            cells = cells_in_vision(vision, y, x)
            cops[y * w + x] = sum(grid[c] == SEEN_COP for c in cells)
            actives[y * w + x] = sum(grid[c] == SEEN_ACTIVE for c in cells)
    return cops, actives


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("h,w,torus,v", GRIDS)
def test_counts_equal_brute_force(shape, h, w, torus, v):
    vision = build_vision(shape, v, h, w, torus)
    board = np.random.default_rng(h * 100 + w).integers(0, 5, h * w).astype(np.int8)
    want_c, want_a = brute(board, vision)
    methods = {counts.ROWS, counts.method_for(vision)}
    if shape == "moore" and counts.method_for(vision) == counts.BOX:
        methods.add(counts.BOX)
    if shape == "von_neumann" and not (torus and (2 * int(v) + 1 > h or 2 * int(v) + 1 > w)):
        methods.add(counts.DIAMOND)  # exact even below the radius where it pays
    cells = np.arange(h * w, dtype=np.int64)
    for method in methods:
        table = counts.build_table(method, board, vision)
        got = counts.seen_at_cells(method, table, vision.reach, w + 2 * vision.reach, w, cells,
                                   vision.dy, vision.lo, vision.hi, int(np.floor(v + 1e-9)))
        c, a = counts.cops_actives(got)
        np.testing.assert_array_equal(c, want_c, err_msg=f"method {method}")
        np.testing.assert_array_equal(a, want_a, err_msg=f"method {method}")
    for cell in range(h * w):
        packed = scan_seen(board, 0, h, w, torus, cell // w, cell % w, vision.dy, vision.lo, vision.hi)
        assert packed >> 32 == want_c[cell] and packed & 0xFFFFFFFF == want_a[cell]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("h,w,torus,v", GRIDS[:7])
def test_vision_lists_each_cell_once(shape, h, w, torus, v):
    vision = build_vision(shape, v, h, w, torus)
    y, x = h // 2, w // 2
    listed = []
    for dy, dx in zip(vision.offset_dy, vision.offset_dx):
        yy, xx = y + dy, x + dx
        if torus:
            listed.append((yy % h, xx % w))
        elif 0 <= yy < h and 0 <= xx < w:
            listed.append((yy, xx))
    assert len(listed) == len(set(listed))
    assert set(listed) == cells_in_vision(vision, y, x)


def test_euclidean_radius_17_is_moore_neighbourhood():
    vision = build_vision("euclidean", 1.7, 40, 40, True)
    assert vision.cells == 9  # 8 neighbours and the centre (Table 2, Run 1)
    assert build_vision("euclidean", 7.0, 40, 40, True).cells == 149


@pytest.mark.parametrize("torus", [True, False])
def test_random_cell_is_uniform_over_qualifying_cells(torus):
    h, w = 11, 13
    vision = build_vision("euclidean", 3.0, h, w, torus)
    board = np.random.default_rng(3).choice([EMPTY, SEEN_ACTIVE, SEEN_COP], h * w, p=[0.1, 0.6, 0.3]).astype(np.int8)
    y, x = 1, 2
    want = {r * w + c for r, c in cells_in_vision(vision, y, x) if board[r * w + c] == EMPTY}
    key = rng.step_key(7, "move", 1)
    hits: dict[int, int] = {}
    draws = 20000
    for agent in range(draws):
        c = random_cell_coded(board, 0, h, w, torus, y, x, *vision.arrays, EMPTY, EMPTY, key, agent)
        hits[c] = hits.get(c, 0) + 1
    assert set(hits) == want
    expected = draws / len(want)
    chi2 = sum((n - expected) ** 2 / expected for n in hits.values())
    assert chi2 < len(want) + 6 * np.sqrt(2 * len(want))  # ~6 sigma


def test_random_cell_none_when_nothing_qualifies():
    vision = build_vision("moore", 2.0, 9, 9, True)
    board = np.full(81, SEEN_COP, np.int8)
    key = rng.step_key(1, "move", 1)
    assert random_cell_coded(board, 0, 9, 9, True, 4, 4, *vision.arrays, EMPTY, EMPTY, key, 0) == -1
