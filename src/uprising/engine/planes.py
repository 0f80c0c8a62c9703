"""Bit-plane boards: per grid row, uint64 words of "active", "security" and "free" cells.

A scan of a vision on the int8 board reads every cell (~149 byte compares for a v = 7 disc);
on bit planes a row segment of the vision is one or two masked popcounts per plane, so a scan
costs ~15 rows x 2 words instead of ~149 bytes (docs/engine.md, "Bit planes").

Layout: ``bits[word, plane]`` (planes of one word side by side, so counting actives and cops of
a segment touches one 32-byte chunk). Place ``p``'s row ``y`` starts at word
``word_start[p] + y * words_per_row[p]``; column ``x`` is bit ``x & 63`` of word ``x >> 6``.

- plane ``ACTIVE_PLANE``: board code SEEN_ACTIVE;
- plane ``SECURITY_PLANE``: board code SEEN_COP (police and soldiers);
- plane ``FREE_PLANE``: a cell a mover may step onto: EMPTY, or SEEN_JAILED when the jailed keep
  a passable cell (``passable``).

The board stays the authority: planes are rebuilt from it (``build``) at the start of a phase
that uses them, and a kernel that writes the board keeps them in step with ``refresh(cell)``.
Code elsewhere (mechanisms, world phases) may write the board freely between phases.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_ACTIVE, SEEN_COP, SEEN_JAILED
from uprising.engine.vision import RANDOM_TRIES

ACTIVE_PLANE, SECURITY_PLANE, FREE_PLANE = 0, 1, 2
N_PLANES = 4  # one spare, so a word's planes are 32 bytes
ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@intrinsic
def popcount(typingctx, x):
    """Set bits of a uint64 (one POPCNT instruction)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        (v,) = args
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
        return builder.call(fn, [builder.zext(v, ir.IntType(64)) if v.type.width < 64 else v])

    return types.int64(x), codegen


@intrinsic
def trailing_zeros(typingctx, x):
    """Index of the lowest set bit of a nonzero uint64 (TZCNT)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        (v,) = args
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.cttz.i64")
        return builder.call(fn, [v, ir.Constant(ir.IntType(1), 0)])

    return types.int64(x), codegen


# worlds of at most this many plane words (64 cells each, ~16k cells) build on one thread: the same
# planes, without the parallel launch (~2 us, more than a 40x40 build)
SERIAL_BUILD_WORDS = 256


class Planes:
    """Word offsets of every place's rows and the plane array (reused across steps)."""

    def __init__(self, places):
        h = np.asarray(places.height, np.int64)
        w = np.asarray(places.width, np.int64)
        self.words_per_row = (w + 63) // 64
        self.word_start = np.zeros(len(h) + 1, np.int64)
        self.word_start[1:] = np.cumsum(h * self.words_per_row)
        # one spare word after the last row: ``window`` reads the word after a row's word unguarded
        self.bits = np.zeros((int(self.word_start[-1]) + 1, N_PLANES), np.uint64)
        # one entry per grid row of every place: (place, y), so one parallel build covers all places
        self.row_place = np.repeat(np.arange(len(h), dtype=np.int64), h)
        self.row_y = np.concatenate([np.arange(n, dtype=np.int64) for n in h]) if len(h) else np.zeros(0, np.int64)
        self.places = None  # planes_of: the Places these were sized for (skips re-measuring every step)

    def build(self, places, passable: bool) -> None:
        kernel = build_serial if self.bits.shape[0] <= SERIAL_BUILD_WORDS else build
        kernel(places.board, places.cell_start, places.width, self.word_start, self.words_per_row, self.row_place,
               self.row_y, passable, self.bits)


def planes_of(world) -> Planes:
    """The world's planes (created on first use; recreated if the places changed)."""
    pl = getattr(world, "planes", None)
    places = world.places
    if pl is not None and pl.places is places:  # the same Places object: sized for it already
        return pl
    if pl is None or pl.bits.shape[0] != _words(places) + 1:
        pl = Planes(places)
        world.planes = pl
    pl.places = places
    return pl


def _words(places) -> int:
    w = np.asarray(places.width, np.int64)
    return int((np.asarray(places.height, np.int64) * ((w + 63) // 64)).sum())


# numba: one pass over the board bytes, parallel over grid rows of all places. Branch-free per
# byte (the codes are random, so the old if/elif chain mispredicted): numba, one thread, 1000²,
# 3.8 -> 0.94 ms per build, three builds a synchronous step (docs/engine.md).
@nb.njit(inline="always", cache=True)
def _build_row(r, board, cell_start, width, word_start, words_per_row, row_place, row_y, passable, bits):
    p = row_place[r]
    y = row_y[r]
    w = width[p]
    cbase = cell_start[p] + y * w
    wbase = word_start[p] + y * words_per_row[p]
    for k in range(words_per_row[p]):
        a = np.uint64(0)
        s = np.uint64(0)
        f = np.uint64(0)
        x0 = k * 64
        x1 = min(w, x0 + 64)
        for x in range(x0, x1):
            b = board[cbase + x]
            sh = np.uint64(x - x0)
            a |= np.uint64(b == SEEN_ACTIVE) << sh
            s |= np.uint64(b == SEEN_COP) << sh
            f |= np.uint64((b == EMPTY) | (passable & (b == SEEN_JAILED))) << sh
        bits[wbase + k, ACTIVE_PLANE] = a
        bits[wbase + k, SECURITY_PLANE] = s
        bits[wbase + k, FREE_PLANE] = f


@nb.njit(parallel=True, cache=True)
def build(board, cell_start, width, word_start, words_per_row, row_place, row_y, passable, bits):
    for r in nb.prange(row_place.shape[0]):
        _build_row(r, board, cell_start, width, word_start, words_per_row, row_place, row_y, passable, bits)


@nb.njit(cache=True)
def build_serial(board, cell_start, width, word_start, words_per_row, row_place, row_y, passable, bits):
    """``build`` on one thread: a small world's build is ~1 us, less than launching the parallel loop."""
    for r in range(row_place.shape[0]):
        _build_row(r, board, cell_start, width, word_start, words_per_row, row_place, row_y, passable, bits)


@nb.njit(inline="always", cache=True)
def refresh(bits, board, c, start, width, wbase, wpr, passable):
    """Bring the planes of cell c (of the place starting at cell ``start``) in line with board[c]."""
    y, x = split(c - start, width)  # not //: a 64-bit division is 40-90 cycles here
    w = wbase + y * wpr + (x >> 6)
    m = np.uint64(1) << np.uint64(x & 63)
    b = board[c]
    if b == SEEN_ACTIVE:
        bits[w, ACTIVE_PLANE] |= m
    else:
        bits[w, ACTIVE_PLANE] &= ~m
    if b == SEEN_COP:
        bits[w, SECURITY_PLANE] |= m
    else:
        bits[w, SECURITY_PLANE] &= ~m
    if b == EMPTY or (passable and b == SEEN_JAILED):
        bits[w, FREE_PLANE] |= m
    else:
        bits[w, FREE_PLANE] &= ~m


@nb.njit(inline="always", cache=True)
def _span_mask(a, b):
    """Bits a..b (0 <= a <= b <= 63) of a word."""
    return (ALL >> np.uint64(63 - (b - a))) << np.uint64(a)


@nb.njit(inline="always", cache=True)
def count_span(bits, plane, rbase, a, b):
    """Set bits of ``plane`` in columns a..b (inclusive, a <= b) of the row starting at word rbase."""
    wa = a >> 6
    wb = b >> 6
    if wa == wb:
        return popcount(bits[rbase + wa, plane] & _span_mask(a & 63, b & 63))
    n = popcount(bits[rbase + wa, plane] >> np.uint64(a & 63))
    for k in range(wa + 1, wb):
        n += popcount(bits[rbase + k, plane])
    return n + popcount(bits[rbase + wb, plane] & (ALL >> np.uint64(63 - (b & 63))))


@nb.njit(inline="always", cache=True)
def count_span2(bits, rbase, a, b):
    """(actives, security) in columns a..b of the row starting at word rbase."""
    wa = a >> 6
    wb = b >> 6
    if wa == wb:
        m = _span_mask(a & 63, b & 63)
        return popcount(bits[rbase + wa, ACTIVE_PLANE] & m), popcount(bits[rbase + wa, SECURITY_PLANE] & m)
    sh = np.uint64(a & 63)
    na = popcount(bits[rbase + wa, ACTIVE_PLANE] >> sh)
    ns = popcount(bits[rbase + wa, SECURITY_PLANE] >> sh)
    for k in range(wa + 1, wb):
        na += popcount(bits[rbase + k, ACTIVE_PLANE])
        ns += popcount(bits[rbase + k, SECURITY_PLANE])
    m = ALL >> np.uint64(63 - (b & 63))
    return na + popcount(bits[rbase + wb, ACTIVE_PLANE] & m), ns + popcount(bits[rbase + wb, SECURITY_PLANE] & m)


@nb.njit(inline="always", cache=True)
def nth_in_span(bits, plane, rbase, a, b, k):
    """Column of the k-th (0-based) set bit of ``plane`` in columns a..b; there must be > k."""
    wa = a >> 6
    wb = b >> 6
    for w in range(wa, wb + 1):
        word = bits[rbase + w, plane]
        if w == wa:
            word &= ALL << np.uint64(a & 63)
        if w == wb:
            word &= ALL >> np.uint64(63 - (b & 63))
        n = popcount(word)
        if k < n:
            for _ in range(k):
                word &= word - np.uint64(1)
            return w * 64 + trailing_zeros(word)
        k -= n
    return -1


@nb.njit(inline="always", cache=True)
def seen(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1):
    """Packed (security << 32 | actives) in vision rows r0..r1-1 of (y, x), own cell included
    (== vision.scan_seen)."""
    act = np.int64(0)
    sec = np.int64(0)
    for i in range(r0, r1):
        row = y + dy[i]
        if torus:
            if row < 0:
                row += height
            elif row >= height:
                row -= height
        elif row < 0 or row >= height:
            continue
        rbase = wbase + row * wpr
        a = x + lo[i]
        b = x + hi[i]
        if torus:
            if a < 0:
                na, ns = count_span2(bits, rbase, a + width, width - 1)
                act += na
                sec += ns
                a = 0
            elif b >= width:
                na, ns = count_span2(bits, rbase, 0, b - width)
                act += na
                sec += ns
                b = width - 1
        else:
            a = max(a, 0)
            b = min(b, width - 1)
        na, ns = count_span2(bits, rbase, a, b)
        act += na
        sec += ns
    return (sec << np.int64(32)) | act


@nb.njit(inline="always", cache=True)
def count_plane(bits, plane, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1):
    """Cells of ``plane`` in vision rows r0..r1-1 of (y, x) (== vision.count_code for that plane's codes)."""
    n = 0
    for i in range(r0, r1):
        row = y + dy[i]
        if torus:
            if row < 0:
                row += height
            elif row >= height:
                row -= height
        elif row < 0 or row >= height:
            continue
        rbase = wbase + row * wpr
        a = x + lo[i]
        b = x + hi[i]
        if torus:
            if a < 0:
                n += count_span(bits, plane, rbase, a + width, width - 1)
                a = 0
            elif b >= width:
                n += count_span(bits, plane, rbase, 0, b - width)
                b = width - 1
        else:
            a = max(a, 0)
            b = min(b, width - 1)
        n += count_span(bits, plane, rbase, a, b)
    return n


@nb.njit(inline="always", cache=True)
def nth_plane(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1, k):
    """The flat cell of the k-th cell of ``plane`` in vision, in vision.nth_code's order:
    rows in table order; within a row, the piece x+lo.. (wrapped to the row's end) first, then
    the piece from column 0."""
    for i in range(r0, r1):
        row = y + dy[i]
        if torus:
            if row < 0:
                row += height
            elif row >= height:
                row -= height
        elif row < 0 or row >= height:
            continue
        rbase = wbase + row * wpr
        a1 = x + lo[i]
        b1 = x + hi[i]
        a2 = 0
        b2 = -1
        if torus:
            if a1 < 0:
                a2, b2 = 0, b1
                a1, b1 = a1 + width, width - 1
            elif b1 >= width:
                a2, b2 = 0, b1 - width
                b1 = width - 1
        else:
            a1 = max(a1, 0)
            b1 = min(b1, width - 1)
        cbase = start + row * width
        if a1 <= b1:
            n = count_span(bits, plane, rbase, a1, b1)
            if k < n:
                return cbase + nth_in_span(bits, plane, rbase, a1, b1, k)
            k -= n
        if a2 <= b2:
            n = count_span(bits, plane, rbase, a2, b2)
            if k < n:
                return cbase + nth_in_span(bits, plane, rbase, a2, b2, k)
            k -= n
    return -1


# --- one draw per choice, ranked among the cells the planes hold ----------------------------------
#
# An agent whose whole vision lies inside its grid (no wrap, no clipping: nearly every agent of a
# large place) reads each vision row as one 64-bit window of the plane starting at column
# x - reach, masked by the row's precomputed segment (``vision.row_masks``): a count is one
# popcount per row, and the k-th cell is found by walking the rows' counts. Others (near an edge
# of a bounded grid or a torus seam) take the general segment walk, in the same cell order.

FAR = np.int64(1 << 40)  # the reach of a vision too wide for one window: never "inside"


@nb.njit(inline="always", cache=True)
def window(bits, plane, rbase, a):
    """Columns a..a+63 of ``plane`` in the row starting at word rbase, as one word (bit j is
    column a + j). Columns past the row's word ``a >> 6`` come from the next word, which on the
    row's last word is the next row's (or the spare word): a caller's mask covers only columns
    of the row, and those lie in the next word only if the row has one."""
    wa = a >> 6
    s = np.uint64(a & 63)
    w0 = bits[rbase + wa, plane] >> s
    w1 = bits[rbase + wa + 1, plane]
    return w0 | ((w1 << np.uint64(1)) << (np.uint64(63) - s))


@nb.njit(inline="always", cache=True)
def inside(y, x, reach, height, width):
    """The vision of reach ``reach`` around (y, x) lies inside the grid: no wrap, no clipping."""
    return (y >= reach) & (y + reach < height) & (x >= reach) & (x + reach < width)


ONES8 = np.uint64(0x0101010101010101)
LANES16 = np.uint64(0x00FF00FF00FF00FF)
BIT8 = np.uint64(0x0100010001000100)
ONES16 = np.uint64(0x0001000100010001)


@nb.njit(inline="always", cache=True)
def kth_bit(m, k):
    """Index of the k-th (0-based) set bit of m (m has more than k set bits); branch-free."""
    pos = np.uint64(0)
    kk = np.uint64(k)
    for sh in (32, 16, 8, 4, 2, 1):
        w = np.uint64(sh)
        low = np.uint64(popcount(m & ((np.uint64(1) << w) - np.uint64(1))))
        go = kk >= low
        kk = kk - low if go else kk
        m = m >> w if go else m
        pos = pos + w if go else pos
    return np.int64(pos)


@nb.njit(inline="always", cache=True)
def _bytes_at_most(prefix, k16):
    """How many of the 8 byte lanes of ``prefix`` are <= k (``k16``: k + 256 in each 16-bit lane)."""
    even = (k16 - (prefix & LANES16)) & BIT8
    odd = (k16 - ((prefix >> np.uint64(8)) & LANES16)) & BIT8
    return popcount(even) + popcount(odd)


@nb.njit(inline="always", cache=True)
def _byte(word, j):
    return np.int64((word >> np.uint64(8 * j)) & np.uint64(0xFF))


@nb.njit(inline="always", cache=True)
def _row_counts(bits, plane, rbase, wpr, a, dy, mask, r0, rows):
    """Cells of ``plane`` in each of ``rows`` (<= 16) vision rows from r0, as bytes: rows 0..7
    of the first word, 8..15 of the second. Called with a literal ``rows`` where it can be,
    the loop unrolls (numba, one thread, 1000²: ~25 ns per agent less than a run-time count)."""
    c_lo = np.uint64(0)
    c_hi = np.uint64(0)
    for j in range(rows):
        c = np.uint64(popcount(window(bits, plane, rbase + dy[r0 + j] * wpr, a) & mask[r0 + j]))
        sh = np.uint64(8 * (j & 7))
        if j < 8:
            c_lo |= c << sh
        else:
            c_hi |= c << sh
    return c_lo, c_hi


@nb.njit(inline="always", cache=True)
def random_in_vision(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, r0, r1, reach,
                     akey, draw):
    """A uniformly random cell of ``plane`` in the vision rows r0..r1-1 of (y, x), or -1 if none.

    One draw: count the cells, draw k below the count, return the k-th in row order (==
    ``nth_plane``'s order). Inside the grid (``inside``) a row is one masked window and one
    popcount; the rows' counts are kept as bytes of two words (``window_reach`` guarantees at
    most 16 rows and 255 cells), so the k-th cell's row is found without a branch: byte-wise
    prefix sums by one multiply, and a lane-wise compare with k. ``mask``/``reach``: the vision's
    ``row_masks`` and ``window_reach``; ``akey``: ``rng.agent_key(key, agent_id)``; k is that
    key's draw number ``draw``.
    """
    if inside(y, x, reach, height, width):
        a = x - reach
        rbase = wbase + y * wpr
        if r1 - r0 == 15:  # the common visions (v = 7: disc, square, diamond): a constant trip count
            c_lo, c_hi = _row_counts(bits, plane, rbase, wpr, a, dy, mask, r0, 15)
        else:
            c_lo, c_hi = _row_counts(bits, plane, rbase, wpr, a, dy, mask, r0, r1 - r0)
        p_lo = c_lo * ONES8  # byte j: cells in rows 0..j (<= 255: no carry between bytes)
        n_lo = p_lo >> np.uint64(56)
        p_hi = c_hi * ONES8 + n_lo * ONES8
        n = np.int64(p_hi >> np.uint64(56))
        if n == 0:
            return np.int64(-1)
        k = rng.draw_below(akey, draw, n)
        k16 = np.uint64(k + 256) * ONES16
        j = _bytes_at_most(p_lo, k16) + _bytes_at_most(p_hi, k16)  # the row holding the k-th cell
        before = np.int64(0)
        if j > 0:
            before = _byte(p_lo, j - 1) if j <= 8 else _byte(p_hi, j - 9)
        row = y + dy[r0 + j]
        m = window(bits, plane, wbase + row * wpr, a) & mask[r0 + j]
        return start + row * width + a + kth_bit(m, k - before)
    # plane and draw as int64, not the callers' literals: one compiled edge function, not one per call site
    return _random_in_vision_edge(bits, np.int64(plane), start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0,
                                  r1, akey, np.int64(draw))


# not inlined: the rare edge case, kept out of the callers' hot loops (inlined, its loops doubled
# the time of the window path: numba, one thread, 1000², 31 -> 63 ms per pass over all rows)
@nb.njit(cache=True)
def _random_in_vision_edge(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1, akey,
                           draw):
    """``random_in_vision`` by the segment walk (any vision, any position)."""
    n = count_plane(bits, plane, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1)
    if n == 0:
        return np.int64(-1)
    k = rng.draw_below(akey, draw, n)
    return nth_plane(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1, k)


@nb.njit(inline="always", cache=True)
def seen_in_vision(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, r0, r1, reach):
    """``seen`` over the vision rows r0..r1-1, by one window per row and plane when inside the grid."""
    if inside(y, x, reach, height, width):
        a = x - reach
        act = np.int64(0)
        sec = np.int64(0)
        for i in range(r0, r1):
            rbase = wbase + (y + dy[i]) * wpr
            m = mask[i]
            act += popcount(window(bits, ACTIVE_PLANE, rbase, a) & m)
            sec += popcount(window(bits, SECURITY_PLANE, rbase, a) & m)
        return (sec << np.int64(32)) | act
    return _seen_edge(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1)


@nb.njit(cache=True)  # not inlined: see _random_in_vision_edge
def _seen_edge(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1):
    return seen(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi, r0, r1)


@nb.njit(inline="always", cache=True)
def _try(board, alt, start, height, width, torus, row, col, found):
    """One rejection try at (row, col) (wrapped on a torus, rejected off a bounded grid): the
    cell if it is free, else ``found``; no branch."""
    if torus:
        row += np.int64(row < 0) * height - np.int64(row >= height) * height
        col += np.int64(col < 0) * width - np.int64(col >= width) * width
        ok = True
    else:
        ok = (row >= 0) & (row < height) & (col >= 0) & (col < width)
        row = min(max(row, 0), height - 1)
        col = min(max(col, 0), width - 1)
    c = start + row * width + col
    b = board[c]
    return c if ok & ((b == EMPTY) | (b == alt)) else found


@nb.njit(inline="always", cache=True)
def random_free(board, alt, bits, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, r0, r1, reach, ody,
                odx, o0, o1, akey):
    """A uniformly random free cell (board EMPTY or ``alt``; == FREE_PLANE) in vision, or -1.

    ``RANDOM_TRIES`` rejection tries over the vision's offsets o0..o1-1 (two per draw of the
    agent's key: the high and the low 32 bits of draws 0..3, each mapped by multiply-shift; all
    drawn and tested without a branch, last to first, so the first hit wins), then, if none hit,
    one draw ranked among the free cells (``random_in_vision``, draw 8): the mixture is exactly
    uniform (up to the multiply-shift's n / 2**32). At the classic densities (~26 % free) a try
    hits 1 time in 4, and the tries cost less than the exact count (docs/engine.md).
    """
    n_off = np.uint64(o1 - o0)
    found = np.int64(-1)
    for d in range(RANDOM_TRIES // 2 - 1, -1, -1):
        # two tries per mixing round: try 2d from the high 32 bits of draw d, try 2d+1 from the low
        r = rng.mix(akey ^ np.uint64(d))
        o = o0 + np.int64(((r & np.uint64(0xFFFFFFFF)) * n_off) >> np.uint64(32))
        found = _try(board, alt, start, height, width, torus, y + ody[o], x + odx[o], found)
        o = o0 + np.int64(((r >> np.uint64(32)) * n_off) >> np.uint64(32))
        found = _try(board, alt, start, height, width, torus, y + ody[o], x + odx[o], found)
    if found >= 0:
        return found
    return random_in_vision(bits, FREE_PLANE, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, mask, r0, r1,
                            reach, akey, RANDOM_TRIES)


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the cache to load arr[idx] (LLVM ``llvm.prefetch``, read, keep in all levels); no effect
    on results, and an index past the array is harmless (a prefetch never faults)."""
    if not (isinstance(arr, types.Array) and isinstance(idx, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary, i = args
        array = context.make_array(aryty)(context, builder, ary)
        i = context.cast(builder, i, sig.args[1], types.intp)
        ptr = cgutils.get_item_pointer(context, builder, aryty, array, [i], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, ir.IntType(32), ir.IntType(32), ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        i32 = ir.IntType(32)
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.none(arr, idx), codegen


@intrinsic
def atomic_min(typingctx, arr, idx, value):
    """arr[idx] = min(arr[idx], value) atomically (int64 array); returns the old value.

    Used to settle claims inside a parallel pass: min is order-free, so the winner of a cell is
    the smallest priority whatever the thread count or interleaving.
    """
    if not (isinstance(arr, types.Array) and arr.dtype == types.int64 and isinstance(idx, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary, i, v = args
        array = context.make_array(aryty)(context, builder, ary)
        i = context.cast(builder, i, sig.args[1], types.intp)
        v = context.cast(builder, v, sig.args[2], types.int64)
        ptr = cgutils.get_item_pointer(context, builder, aryty, array, [i], wraparound=False)
        return builder.atomic_rmw("min", ptr, v, "monotonic")

    return types.int64(arr, idx, value), codegen


@nb.njit(inline="always", cache=True)
def split(local, width):
    """(local // width, local % width) for 0 <= local < 2**52, by a float division and a
    correction: a 64-bit integer division costs 40-90 cycles on this Xeon, more than a whole scan
    of the planes (numba: 46 -> 12 ns per row of the synchronous choose pass, docs/engine.md)."""
    y = np.int64(np.float64(local) / np.float64(width))
    x = local - y * width
    if x < 0:
        y -= 1
        x += width
    elif x >= width:
        y += 1
        x -= width
    return y, x


@intrinsic
def borrow(typingctx, arr):
    """The same array without its reference count (meminfo NULL): a view the caller keeps alive.

    numba increfs and decrefs an array (an atomic ``lock inc/dec``) each time it is bound to a
    new variable: every argument of every helper, inlined or not. In the sequential kernel these
    atomics were ~70 % of the time (perf: NRT_incref/NRT_decref); on a borrowed array they are a
    null test. Use only on arrays that outlive the kernel (its arguments).
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        src = context.make_array(aryty)(context, builder, value=args[0])
        out = context.make_array(aryty)(context, builder)
        for field in ("nitems", "itemsize", "data", "shape", "strides", "parent"):
            setattr(out, field, getattr(src, field))
        out.meminfo = cgutils.get_null_value(out.meminfo.type)
        out.parent = cgutils.get_null_value(out.parent.type)
        return out._getvalue()

    return arr(arr), codegen
