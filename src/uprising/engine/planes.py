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
        self.bits = np.zeros((int(self.word_start[-1]), N_PLANES), np.uint64)
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
    if pl is None or pl.bits.shape[0] != _words(places):
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
    local = c - start
    y = local // width
    x = local - y * width
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
def seen(bits, wbase, wpr, height, width, torus, y, x, dy, lo, hi):
    """Packed (security << 32 | actives) in vision of (y, x), own cell included (== vision.scan_seen)."""
    act = np.int64(0)
    sec = np.int64(0)
    for i in range(dy.shape[0]):
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
def count_plane(bits, plane, wbase, wpr, height, width, torus, y, x, dy, lo, hi):
    """Cells of ``plane`` in vision of (y, x) (== vision.count_code for that plane's codes)."""
    n = 0
    for i in range(dy.shape[0]):
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
def nth_plane(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, k):
    """The flat cell of the k-th cell of ``plane`` in vision, in vision.nth_code's order:
    rows in table order; within a row, the piece x+lo.. (wrapped to the row's end) first, then
    the piece from column 0."""
    for i in range(dy.shape[0]):
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


@nb.njit(inline="always", cache=True)
def random_cell(board, bits, plane, code, alt, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, ody, odx,
                key, agent_id, known):
    """``vision.random_cell_coded`` (same draws, same result) with the exact fallback on planes.

    ``plane`` must hold exactly the cells coded ``code``/``alt``. ``known``: the number of such
    cells in vision if the caller counted them already, else -1.
    """
    n_off = ody.shape[0]
    akey = rng.agent_key(key, agent_id)
    # All tries are drawn and tested without branching, last to first, so ``found`` ends as the
    # first try that hits: the same cell as stopping at it, without a mispredicted branch per try
    # (numba: 2.2x faster choose pass, docs/engine.md).
    found = np.int64(-1)
    for t in range(RANDOM_TRIES - 1, -1, -1):
        o = rng.draw_below(akey, t, n_off)
        row = y + ody[o]
        col = x + odx[o]
        if torus:
            row += np.int64(row < 0) * height - np.int64(row >= height) * height
            col += np.int64(col < 0) * width - np.int64(col >= width) * width
            inside = True
        else:
            inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
            row = min(max(row, 0), height - 1)
            col = min(max(col, 0), width - 1)
        c = start + row * width + col
        b = board[c]
        hit = inside & ((b == code) | (b == alt))
        found = c if hit else found
    if found >= 0:
        return found
    n = known if known >= 0 else count_plane(bits, plane, wbase, wpr, height, width, torus, y, x, dy, lo, hi)
    if n == 0:
        return -1
    k = rng.draw_below(akey, RANDOM_TRIES, n)
    return nth_plane(bits, plane, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, k)


@nb.njit(inline="always", cache=True)
def random_active(board, bits, start, wbase, wpr, height, width, torus, y, x, dy, lo, hi, ody, odx, key, agent_id):
    """A uniformly random active cell in vision (== random_cell_coded for SEEN_ACTIVE), or -1.

    Counts the actives first (a few popcounts): with none in sight — most cops, most steps — the
    eight rejection tries and the byte scan are skipped; the result is the same either way.
    """
    n = count_plane(bits, ACTIVE_PLANE, wbase, wpr, height, width, torus, y, x, dy, lo, hi)
    if n == 0:
        return -1
    return random_cell(board, bits, ACTIVE_PLANE, SEEN_ACTIVE, SEEN_ACTIVE, start, wbase, wpr, height, width, torus,
                       y, x, dy, lo, hi, ody, odx, key, agent_id, n)


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
