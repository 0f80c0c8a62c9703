"""Who an agent sees: the cells within vision, as row segments.

Shapes (``rules.vision_shape``), for a vision ``v`` (a real number) and offsets (dy, dx):

- ``von_neumann``: the diamond |dx| + |dy| <= v (Mesa's ``OrthogonalVonNeumannGrid``);
- ``moore``: the square max(|dx|, |dy|) <= v;
- ``euclidean``: the disc dx² + dy² <= v² (NetLogo ``in-radius``; v = 1.7 gives the 8 Moore
  neighbours, v = 7 gives 149 cells including the centre).

A vision is stored as rows: for each row offset ``dy`` the segment ``dx in [lo, hi]``. On a
torus smaller than the vision, offsets that wrap onto the same cell are merged so that **each
cell is counted once**: the rows are taken modulo the height (a row reached by several ``dy``
keeps the widest segment, since segments are centred and nested), and a segment at least as
wide as the grid becomes the whole row, exactly once. On a bounded grid, cells past an edge
are simply absent (segments are clipped at run time).

The centre (0, 0) always belongs to the table; whether the agent's own cell counts is decided
by the caller (``rules.counts_self``/``vision_includes_own_cell``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED

SHAPES = ("von_neumann", "moore", "euclidean")


def half_width(shape: str, v: float, dy: int) -> int:
    """The largest |dx| with (dy, dx) inside the shape, or -1 if row dy is outside it."""
    a = abs(dy)
    eps = 1e-9  # v is a decimal like 1.7 or 7; absorb float noise at the boundary
    if shape == "moore":
        return int(math.floor(v + eps)) if a <= v + eps else -1
    if shape == "von_neumann":
        return int(math.floor(v - a + eps)) if a <= v + eps else -1
    if shape == "euclidean":
        r2 = v * v - a * a
        return int(math.floor(math.sqrt(r2) + eps)) if r2 >= -eps else -1
    raise ValueError(f"unknown vision shape {shape!r}; allowed: {', '.join(SHAPES)}")


@dataclass(frozen=True)
class Vision:
    """A vision on one place: rows (dy, lo, hi) and the flat list of offsets (for sampling)."""

    shape: str
    radius: float
    height: int
    width: int
    torus: bool
    dy: np.ndarray  # int64 [rows]
    lo: np.ndarray  # int64 [rows]
    hi: np.ndarray  # int64 [rows]
    offset_dy: np.ndarray  # int64 [cells in vision]
    offset_dx: np.ndarray  # int64 [cells in vision]

    @property
    def reach(self) -> int:
        """Largest |dy| or |dx| in the table (grid padding needed for wrap-free lookups)."""
        return int(max(np.abs(self.dy).max(), np.abs(self.lo).max(), np.abs(self.hi).max()))

    @property
    def cells(self) -> int:
        return int(self.offset_dy.shape[0])

    @property
    def window_reach(self) -> int:
        """``reach`` if the vision ``fits_window``, else a reach no grid is inside
        (``planes.random_in_vision`` then walks the segments)."""
        return self.reach if self.fits_window else int(1 << 40)

    @property
    def fits_window(self) -> bool:
        """Every row fits one 64-bit window (2 reach + 1 <= 64), at most 16 rows and 255 cells
        (each row's count a byte of two words: ``planes.random_in_vision``)."""
        return 2 * self.reach + 1 <= 64 and self.dy.shape[0] <= 16 and self.cells <= 255

    @functools.cached_property
    def row_masks(self) -> np.ndarray:
        """uint64 per row: bits lo+reach..hi+reach, the row's segment in a window starting at x - reach."""
        out = np.zeros(self.dy.shape[0], np.uint64)
        if self.fits_window:
            for i, (lo, hi) in enumerate(zip(self.lo.tolist(), self.hi.tolist())):
                out[i] = ((1 << (hi - lo + 1)) - 1) << (lo + self.reach)
        return out

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """What kernels take: (dy, lo, hi, offset_dy, offset_dx)."""
        return (self.dy, self.lo, self.hi, self.offset_dy, self.offset_dx)


def build_vision(shape: str, v: float, height: int, width: int, torus: bool) -> Vision:
    r = int(math.floor(v + 1e-9))
    rows: dict[int, int] = {}
    for dy in range(-r, r + 1):
        w = half_width(shape, v, dy)
        if w < 0:
            continue
        key = dy
        if torus:
            # representative of dy mod height in the window [-(H-1)//2, H//2]
            key = (dy + (height - 1) // 2) % height - (height - 1) // 2
        rows[key] = max(rows.get(key, -1), w)
    dys, los, his = [], [], []
    for dy in sorted(rows):
        w = rows[dy]
        lo, hi = -w, w
        if torus and 2 * w + 1 >= width:
            lo, hi = -((width - 1) // 2), width // 2  # the whole row, each cell once
        dys.append(dy)
        los.append(lo)
        his.append(hi)
    dy_arr = np.array(dys, dtype=np.int64)
    lo_arr = np.array(los, dtype=np.int64)
    hi_arr = np.array(his, dtype=np.int64)
    ody = np.concatenate([np.full(h - lo + 1, d) for d, lo, h in zip(dys, los, his)]).astype(np.int64)
    odx = np.concatenate([np.arange(lo, h + 1) for lo, h in zip(los, his)]).astype(np.int64)
    return Vision(shape, float(v), int(height), int(width), bool(torus), dy_arr, lo_arr, hi_arr, ody, odx)


# --- Direct scans of the board (the sequential schedule: each agent sees every change) -------
#
# numba: the sequential schedule cannot use a snapshot table (every move changes the counts), so
# each agent scans its ~149 cells (v = 7 disc) in the int8 board, row segment by row segment;
# contiguous bytes keep this at ~1 ns per cell (docs/engine.md).

LOW32 = np.int64(0xFFFFFFFF)
RANDOM_TRIES = 8  # rejection-sampling attempts before the exact full scan


@nb.njit(inline="always", cache=True)
def segment(x, lo, hi, width, torus):
    """Row segment [x+lo, x+hi] as up to two contiguous pieces (a1, b1), (a2, b2), inclusive."""
    a = x + lo
    b = x + hi
    if torus:
        if a < 0:
            return a + width, width - 1, 0, b
        if b >= width:
            return a, width - 1, 0, b - width
        return a, b, 0, -1
    return max(a, 0), min(b, width - 1), 0, -1


@nb.njit(inline="always", cache=True)
def row_of(y, dy, height, torus):
    """Row y+dy (wrapped), or -1 off a bounded grid."""
    r = y + dy
    if torus:
        if r < 0:
            r += height
        elif r >= height:
            r -= height
        return r
    if r < 0 or r >= height:
        return -1
    return r


@nb.njit(cache=True)
def scan_seen(board, start, height, width, torus, y, x, dy, lo, hi):
    """Packed (cops << 32 | actives) in vision of (y, x), own cell included, by direct scan."""
    cops = np.int64(0)
    actives = np.int64(0)
    for i in range(dy.shape[0]):
        row = row_of(y, dy[i], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[i], hi[i], width, torus)
        for j in range(base + a1, base + b1 + 1):
            v = board[j]
            cops += v == SEEN_COP
            actives += v == SEEN_ACTIVE
        for j in range(base + a2, base + b2 + 1):
            v = board[j]
            cops += v == SEEN_COP
            actives += v == SEEN_ACTIVE
    return (cops << np.int64(32)) | actives


@nb.njit(cache=True)
def count_code(board, start, height, width, torus, y, x, dy, lo, hi, code, alt):
    """Cells in vision whose board code is ``code`` or ``alt`` (pass alt = code for one code)."""
    n = 0
    for i in range(dy.shape[0]):
        row = row_of(y, dy[i], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[i], hi[i], width, torus)
        for j in range(base + a1, base + b1 + 1):
            n += (board[j] == code) | (board[j] == alt)
        for j in range(base + a2, base + b2 + 1):
            n += (board[j] == code) | (board[j] == alt)
    return n


@nb.njit(cache=True)
def nth_code(board, start, height, width, torus, y, x, dy, lo, hi, code, alt, nth):
    """The flat cell of the nth (0-based, row order) cell in vision coded ``code`` or ``alt``."""
    n = 0
    for i in range(dy.shape[0]):
        row = row_of(y, dy[i], height, torus)
        if row < 0:
            continue
        base = start + row * width
        a1, b1, a2, b2 = segment(x, lo[i], hi[i], width, torus)
        for j in range(base + a1, base + b1 + 1):
            if board[j] == code or board[j] == alt:
                if n == nth:
                    return j
                n += 1
        for j in range(base + a2, base + b2 + 1):
            if board[j] == code or board[j] == alt:
                if n == nth:
                    return j
                n += 1
    return -1


@nb.njit(cache=True)
def random_cell_coded(board, start, height, width, torus, y, x, dy, lo, hi, ody, odx, code, alt, key, agent_id):
    """A uniformly random cell in vision coded ``code``/``alt``, or -1 if there is none.

    Rejection sampling over the vision's offsets (each cell listed once, so a uniform offset is
    a uniform cell; off-grid offsets are rejected), then an exact count-and-pick scan: the
    mixture is exactly uniform over the qualifying cells.
    """
    n_off = ody.shape[0]
    akey = rng.agent_key(key, agent_id)
    for t in range(RANDOM_TRIES):
        o = rng.draw_below(akey, t, n_off)
        row = row_of(y, ody[o], height, torus)
        if row < 0:
            continue
        col = x + odx[o]
        if torus:
            if col < 0:
                col += width
            elif col >= width:
                col -= width
        elif col < 0 or col >= width:
            continue
        c = start + row * width + col
        if board[c] == code or board[c] == alt:
            return c
    n = count_code(board, start, height, width, torus, y, x, dy, lo, hi, code, alt)
    if n == 0:
        return -1
    k = rng.draw_below(akey, RANDOM_TRIES, n)
    return nth_code(board, start, height, width, torus, y, x, dy, lo, hi, code, alt, k)


@nb.njit(cache=True)
def random_empty_in_place(board, start, n_cells, key, agent_id, passable_jailed):
    """A uniformly random empty cell of a whole place (release from jail), or -1 if full."""
    alt = SEEN_JAILED if passable_jailed else EMPTY
    for t in range(RANDOM_TRIES * 4):
        c = start + rng.below(key, agent_id, t, n_cells)
        if board[c] == EMPTY or board[c] == alt:
            return c
    n = 0
    for c in range(start, start + n_cells):
        n += (board[c] == EMPTY) | (board[c] == alt)
    if n == 0:
        return -1
    k = rng.below(key, agent_id, RANDOM_TRIES * 4, n)
    for c in range(start, start + n_cells):
        if board[c] == EMPTY or board[c] == alt:
            if k == 0:
                return c
            k -= 1
    return -1
