"""Batch speed: 1,000 classic runs (Epstein Run 2, 40x40, 500 steps) through the sweep machinery.

    .venv/bin/python benchmarks/batch_runs.py                 # 1,000 runs: serial, then 2 workers
    .venv/bin/python benchmarks/batch_runs.py --runs 200      # quicker
    .venv/bin/python benchmarks/batch_runs.py --workers 2 --skip-serial --json

Each measurement is a whole batch as ``uprising sweep`` makes it: spec expanded, seeds spawned,
runs chunked to the executor, every run's Parquet file written atomically and catalogued in
DuckDB. "engine" is the sum of the runs' own simulation time, so ``wall - engine / workers`` is
the batch's overhead (process start-up, numba cache loading, transfer, store). Every worker,
and the serial batch, runs numba with one thread. Parallel
efficiency = serial wall / (workers x parallel wall); on a busy machine the CPU-time efficiency
(serial CPU seconds / all CPU seconds of the parallel batch, workers included) says how much work
the pool itself adds, independent of the load.

The machine's load average is printed: on a shared machine the figures are only as good as the
quiet they were measured in.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

from uprising.experiments import load_spec, run_sweep


def spec_for(runs: int, steps: int, size: int) -> dict:
    return {
        "sweep": {"name": "batch-bench", "scenario": "epstein-1", "seed": 1, "seeds": runs, "steps": steps},
        "set": {"grid.width": size, "grid.height": size},
    }


def measure(runs: int, steps: int, size: int, workers: int) -> dict:
    spec = load_spec(spec_for(runs, steps, size))
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        load = os.getloadavg()[0]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        report = run_sweep(spec, tmp, workers=workers, progress=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, reaped at its shutdown
        cpu = (time.process_time() - cpu0) + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        frame = report.store.runs()
    assert report.ran == runs and report.failed == 0, report.line()
    engine = float(frame["wall_seconds"].sum())
    return {
        "runs": runs, "grid": f"{size}x{size}", "steps": steps, "workers": workers,
        "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "engine_seconds": round(engine, 2),
        "per_run_ms": round(1000 * wall * workers / runs, 1),
        "overhead_seconds": round(wall - engine / workers, 2),
        "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-serial", action="store_true")
    parser.add_argument("--json", action="store_true", help="One JSON object per measurement.")
    args = parser.parse_args()

    # One core per worker, as in the pool (whose workers run numba with one thread): the serial
    # batch must not borrow the second core through numba's parallel loops.
    import numba

    numba.set_num_threads(1)
    # Warm numba's cache in this process so the serial batch is not charged for compilation.
    from uprising.experiments import run_one

    run_one({"scenario": {"steps": 2}}, seed=0)

    results = []
    if not args.skip_serial:
        results.append(measure(args.runs, args.steps, args.size, 1))
    results.append(measure(args.runs, args.steps, args.size, args.workers))
    if len(results) == 2:
        results[1]["parallel_efficiency"] = round(results[0]["wall_seconds"] / (args.workers * results[1]["wall_seconds"]), 3)
        # Load-independent companion: CPU seconds of the serial batch over all CPU seconds of the
        # parallel one (workers and main process). 1.0 = the pool adds no work; what a quiet
        # machine's wall-clock efficiency cannot exceed.
        results[1]["cpu_efficiency"] = round(results[0]["cpu_seconds"] / results[1]["cpu_seconds"], 3)
    for r in results:
        if args.json:
            print(json.dumps(r))
        else:
            eff = (f", efficiency {r['parallel_efficiency']:.0%} (CPU-time {r['cpu_efficiency']:.0%})"
                   if "parallel_efficiency" in r else "")
            print(f"{r['runs']} runs {r['grid']} x {r['steps']} steps on {r['workers']} worker(s): "
                  f"{r['wall_seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU ({r['per_run_ms']:.0f} ms per run per worker; engine "
                  f"{r['engine_seconds']:.1f} s, overhead {r['overhead_seconds']:.1f} s){eff}; "
                  f"load {r['load_before']} -> {r['load_after']} on {r['cpus']} CPUs")


if __name__ == "__main__":
    main()
