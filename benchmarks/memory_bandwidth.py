"""What this machine's memory can do: the floor under every engine phase (docs/engine.md).

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/memory_bandwidth.py
    .venv/bin/python benchmarks/memory_bandwidth.py --mb 256 --repeats 7 --json

STREAM-like loops compiled with numba on arrays far larger than the caches (``--mb`` per
array): ``read`` (sum of a float64 array), ``copy`` (b = a), ``triad`` (a = b + s c), in GB/s
counting the bytes the loop names (a store's read-for-ownership not counted, as STREAM does),
serial and parallel (all numba threads); ``gather`` reads one int64 per random 64-byte line
(a dependent chain: pure latency, ns per line) and ``gather_indep`` independent random lines
(what the out-of-order core overlaps: ns per line at full memory-level parallelism). Best of
``--repeats`` runs, CPU seconds of this process (``time.process_time``) beside the wall clock,
and the 1-minute load average: on a shared machine the wall clock measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numba as nb
import numpy as np


@nb.njit(fastmath=True, cache=True)  # fastmath: the sum may be reordered, so it vectorises
def _read(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s


@nb.njit(parallel=True, fastmath=True, cache=True)
def _read_par(a):
    s = 0.0
    for i in nb.prange(a.shape[0]):
        s += a[i]
    return s


@nb.njit(cache=True)
def _copy(a, b):
    for i in range(a.shape[0]):
        b[i] = a[i]


@nb.njit(parallel=True, cache=True)
def _copy_par(a, b):
    for i in nb.prange(a.shape[0]):
        b[i] = a[i]


@nb.njit(cache=True)
def _triad(a, b, c, s):
    for i in range(a.shape[0]):
        a[i] = b[i] + s * c[i]


@nb.njit(parallel=True, cache=True)
def _triad_par(a, b, c, s):
    for i in nb.prange(a.shape[0]):
        a[i] = b[i] + s * c[i]


@nb.njit(cache=True)
def _chase(nxt, steps):
    """Follow a random cyclic chain of line indices: each load waits for the previous one."""
    j = 0
    for _ in range(steps):
        j = nxt[j * 8]
    return j


@nb.njit(cache=True)
def _gather(data, idx):
    """Independent loads of random lines (the core may overlap them)."""
    s = 0
    for i in range(idx.shape[0]):
        s += data[idx[i] * 8]
    return s


def _best(fn, repeats):
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=128, help="MB per array (far above the last-level cache)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    n = args.mb * 2**20 // 8
    a = np.ones(n)
    b = np.ones(n)
    c = np.ones(n)
    lines = n // 8
    rng = np.random.default_rng(1)
    perm = rng.permutation(lines)
    nxt = np.zeros(n, np.int64)  # one int64 per 64-byte line: a single random cycle through all lines
    nxt[perm * 8] = np.roll(perm, -1)
    idx = rng.integers(0, lines, lines).astype(np.int64)
    data = np.arange(n, dtype=np.int64)
    chase_steps = min(lines, 4_000_000)
    for f, x in ((_read, (a,)), (_read_par, (a,)), (_copy, (a, b)), (_copy_par, (a, b)), (_triad, (a, b, c, 3.0)),
                 (_triad_par, (a, b, c, 3.0)), (_chase, (nxt, 10)), (_gather, (data, idx[:10]))):
        f(*x)  # compile or load the cache
    rows = []
    for name, fn, nbytes, count, unit in (
        ("read", lambda: _read(a), 8 * n, None, "GB/s"),
        ("read, parallel", lambda: _read_par(a), 8 * n, None, "GB/s"),
        ("copy", lambda: _copy(a, b), 16 * n, None, "GB/s"),
        ("copy, parallel", lambda: _copy_par(a, b), 16 * n, None, "GB/s"),
        ("triad", lambda: _triad(a, b, c, 3.0), 24 * n, None, "GB/s"),
        ("triad, parallel", lambda: _triad_par(a, b, c, 3.0), 24 * n, None, "GB/s"),
        ("gather (dependent chain)", lambda: _chase(nxt, chase_steps), None, chase_steps, "ns/line"),
        ("gather (independent)", lambda: _gather(data, idx), None, lines, "ns/line"),
    ):
        wall, cpu = _best(fn, args.repeats)
        value = nbytes / wall / 1e9 if nbytes else wall / count * 1e9
        rows.append({"loop": name, "value": round(value, 2), "unit": unit, "wall_s": round(wall, 4),
                     "cpu_s": round(cpu, 4), "mb_per_array": args.mb, "threads": nb.get_num_threads(),
                     "load_1min": round(os.getloadavg()[0], 2)})
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{args.mb} MB per array, {nb.get_num_threads()} numba threads, best of {args.repeats}")
    print(f"{'loop':<28}{'value':>10} {'unit':<8}{'wall s':>9}{'cpu s':>9}{'load':>7}")
    for r in rows:
        print(f"{r['loop']:<28}{r['value']:>10.2f} {r['unit']:<8}{r['wall_s']:>9.4f}{r['cpu_s']:>9.4f}"
              f"{r['load_1min']:>7.2f}")


if __name__ == "__main__":
    main()
