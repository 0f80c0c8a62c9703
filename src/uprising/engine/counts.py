"""Neighbourhood counts of cops and actives on a snapshot, at a cost independent of vision.

Used by the synchronous schedule, where every agent looks at one snapshot of the board. The
board of a place is padded by the vision's reach ``R`` on every side (wrapped copies on a
torus, zeros on a bounded grid), so lookups never wrap or clip. Each cell holds one packed
int64, ``cops << 32 | actives``, so one table lookup returns both counts (and half the memory
traffic of two tables).

Three tables, by shape (``method_for``):

- ``BOX`` (Moore square): a 2-D summed-area table; 4 lookups per agent, whatever the radius.
- ``DIAMOND`` (von Neumann): a summed-area table over the padded grid rotated by 45 degrees
  (u = y + x, v = y - x), where the diamond is an axis-aligned square; 4 lookups per agent.
  The rotated table has about 4x the padded grid's cells, so for small radii the row method
  below is cheaper; ``method_for`` picks by radius (threshold measured in docs/engine.md).
- ``ROWS`` (Euclidean disc, and any vision that wraps past itself on a small torus): per-row
  prefix sums; 2 lookups per row, i.e. 2(2r+1) per agent — O(v), not O(v²). A disc has no
  exact O(1) decomposition into rectangles (its staircase has O(v) steps), so O(v) is the
  floor for exact disc counts from prefix tables.

The owner's cell is included in every count; callers subtract it when the rules say so.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from uprising.engine.grid import SEEN_ACTIVE, SEEN_COP
from uprising.engine.vision import Vision

ROWS, BOX, DIAMOND = 0, 1, 2
LOW32 = np.int64(0xFFFFFFFF)
DIAMOND_MIN_RADIUS = 12  # below this the ROWS method is faster for the diamond (docs/engine.md)


def method_for(vision: Vision) -> int:
    """The cheapest exact method for this vision (ROWS whenever the table wrapped on itself)."""
    r = int(np.floor(vision.radius + 1e-9))
    wrapped = vision.torus and (2 * r + 1 > vision.height or 2 * r + 1 > vision.width)
    if wrapped:
        return ROWS
    if vision.shape == "moore":
        return BOX
    if vision.shape == "von_neumann" and r >= DIAMOND_MIN_RADIUS:
        return DIAMOND
    return ROWS


@nb.njit(inline="always", cache=True)
def _packed(b):
    return (np.int64(b == SEEN_COP) << np.int64(32)) | np.int64(b == SEEN_ACTIVE)


@nb.njit(parallel=True, cache=True)
def _pad(board, height, width, reach, torus):
    """The place's board padded by ``reach`` as packed int64 [H+2R, W+2R]."""
    hp, wp = height + 2 * reach, width + 2 * reach
    out = np.zeros((hp, wp), np.int64)
    for yp in nb.prange(hp):
        y = yp - reach
        if torus:
            y = y % height
        elif y < 0 or y >= height:
            continue
        base = y * width
        for xp in range(wp):
            x = xp - reach
            if torus:
                if x < 0 or x >= width:
                    x = x % width
            elif x < 0 or x >= width:
                continue
            out[yp, xp] = _packed(board[base + x])
    return out


# numba: padding and row prefix sums fused in one pass into a reused buffer; parallel over rows.
# (Separate numpy pad + cumsum allocated 16 MB per step at 1000x1000; page faults dominated.)
@nb.njit(parallel=True, cache=True)
def _board_row_prefix(board, height, width, reach, torus, out, first_row):
    """out[first_row + yp, xp + 1] = packed sum of padded row yp up to column xp; out[:, 0] = 0."""
    hp, wp = height + 2 * reach, width + 2 * reach
    for yp in nb.prange(hp):
        r = first_row + yp
        out[r, 0] = 0
        y = yp - reach
        if torus:
            y = y % height
        elif y < 0 or y >= height:
            for xp in range(wp):
                out[r, xp + 1] = 0
            continue
        base = y * width
        acc = np.int64(0)
        for xp in range(wp):
            x = xp - reach
            if x < 0 or x >= width:
                if torus:
                    acc += _packed(board[base + x % width])
            else:
                acc += _packed(board[base + x])
            out[r, xp + 1] = acc


@nb.njit(parallel=True, cache=True)
def _row_prefix(padded):
    hp, wp = padded.shape
    out = np.zeros((hp, wp + 1), np.int64)
    for yp in nb.prange(hp):
        acc = np.int64(0)
        for xp in range(wp):
            acc += padded[yp, xp]
            out[yp, xp + 1] = acc
    return out


@nb.njit(parallel=True, cache=True)
def _column_cumsum(table):
    """In place: table[y] += table[y-1] for all y, parallel over column chunks."""
    h, w = table.shape
    chunk = 256
    nchunks = (w + chunk - 1) // chunk
    for c in nb.prange(nchunks):
        a = c * chunk
        b = min(w, a + chunk)
        for y in range(1, h):
            for x in range(a, b):
                table[y, x] += table[y - 1, x]


@nb.njit(parallel=True, cache=True)
def _rotate(padded):
    """The padded board on rotated axes u = y + x, v = y - x + (W'-1), shifted by one for a SAT."""
    hp, wp = padded.shape
    n = hp + wp - 1
    out = np.zeros((n + 1, n + 1), np.int64)
    for u in nb.prange(n):
        # cells with y + x = u: y from max(0, u-wp+1) to min(hp-1, u)
        for y in range(max(0, u - wp + 1), min(hp - 1, u) + 1):
            x = u - y
            out[u + 1, y - x + wp - 1 + 1] = padded[y, x]
    return out


def table_shape(method: int, vision: Vision) -> tuple[int, int]:
    hp, wp = vision.height + 2 * vision.reach, vision.width + 2 * vision.reach
    if method == ROWS:
        return hp, wp + 1
    if method == BOX:
        return hp + 1, wp + 1
    n = hp + wp - 1
    return n + 1, n + 1


def build_table(method: int, board: np.ndarray, vision: Vision, out: np.ndarray | None = None) -> np.ndarray:
    """The lookup table of ``method`` for one place's board (flat int8, height*width).

    ``out``: a buffer of ``table_shape(method, vision)`` to fill (ROWS and BOX), reused across steps.
    """
    h, w, reach, torus = vision.height, vision.width, vision.reach, vision.torus
    if method in (ROWS, BOX):
        if out is None:
            out = np.empty(table_shape(method, vision), np.int64)
        if method == ROWS:
            _board_row_prefix(board, h, w, reach, torus, out, 0)
            return out
        out[0] = 0
        _board_row_prefix(board, h, w, reach, torus, out, 1)
        _column_cumsum(out)
        return out
    padded = _pad(board, h, w, reach, torus)
    rot = _rotate(padded)
    rows = _row_prefix(rot[1:, 1:])  # row prefix over v, then cumulate over u
    table = np.vstack([np.zeros((1, rows.shape[1]), np.int64), rows])
    _column_cumsum(table)
    return table


@nb.njit(inline="always", cache=True)
def seen_at(method, table, reach, wp, y, x, dy, lo, hi, r):
    """Packed (cops << 32 | actives) within vision of cell (y, x), own cell included."""
    yc = y + reach
    xc = x + reach
    if method == BOX:
        y0 = yc + dy[0]
        y1 = yc + dy[dy.shape[0] - 1] + 1
        x0 = xc + lo[0]
        x1 = xc + hi[0] + 1
        return table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]
    if method == DIAMOND:
        u = yc + xc
        v = yc - xc + wp - 1
        return (
            table[u + r + 1, v + r + 1] - table[u - r, v + r + 1] - table[u + r + 1, v - r] + table[u - r, v - r]
        )
    total = np.int64(0)
    for i in range(dy.shape[0]):
        row = yc + dy[i]
        total += table[row, xc + hi[i] + 1] - table[row, xc + lo[i]]
    return total


@nb.njit(parallel=True, cache=True)
def seen_at_cells(method, table, reach, wp, width, cells, dy, lo, hi, r):
    """``seen_at`` for each flat in-place cell index of ``cells`` (tests, diagnostics)."""
    out = np.empty(cells.shape[0], np.int64)
    for i in nb.prange(cells.shape[0]):
        c = cells[i]
        out[i] = seen_at(method, table, reach, wp, c // width, c % width, dy, lo, hi, r)
    return out


def cops_actives(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return packed >> 32, packed & LOW32
