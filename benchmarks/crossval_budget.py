"""How long the leave-one-out (``uprising crossval``) takes at a budget, and how it scales on Dask.

    .venv/bin/python benchmarks/crossval_budget.py                      # every shipped episode, the default budget
    .venv/bin/python benchmarks/crossval_budget.py --episodes peru-2020 iran-2019 kenya-2024 \\
        --particles 4 --generations 2 --runs-per-episode 1 --runs 2 --scale 0.0005 --workers 1 2

For each number of workers it starts a local Dask cluster (``--scheduler local``), times one fold
(the fit on every episode but the first: ``uprising fit`` at the budget) and then the prediction of
the left-out episode (``--runs`` runs), and extrapolates the whole crossval:

    total = episodes x fold + episodes x prediction   (cluster start-up once, said apart)

Each fold fits on all but one episode, so the one timed stands for the others as long as the
episodes take about as long as each other (they do not: the longest, 460 steps, is ten times the
shortest; the fold leaving out a short episode is the slowest, and is what the default times).
Parallel efficiency = wall(1 worker) / (workers x wall(workers)); the CPU-time efficiency (CPU
seconds of 1 worker / all CPU seconds of the run with more, cluster included) does not depend on
what else the machine is doing. The posteriors with 1 and with more workers must be the same.
The machine's load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time


def cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(episodes: list[str], workers: int, args) -> dict:
    from uprising.experiments.crossval import predict
    from uprising.experiments.executors import make_executor
    from uprising.experiments.fit import fit

    overrides = {"world.scale": args.scale}
    held, train = episodes[0], episodes[1:]
    load = os.getloadavg()[0]
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    ex = make_executor(workers, "local")
    started = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="crossval-bench-") as tmp:
        try:
            t1 = time.perf_counter()
            result = fit(train, particles=args.particles, generations=args.generations,
                         runs_per_episode=args.runs_per_episode, seed=args.seed, out=f"{tmp}/folds/{held}", name=held,
                         overrides=overrides, executor=ex)
            fold = time.perf_counter() - t1
            t2 = time.perf_counter()
            predict([held], folds=f"{tmp}/folds/{held}", out=tmp, runs=args.runs, seed=args.seed, overrides=overrides,
                    executor=ex)
            prediction = time.perf_counter() - t2
        finally:
            ex.close()
    cpu = cpu_seconds() - cpu0
    n = len(episodes)
    return {"workers": workers, "load_average_before": round(load, 2), "cluster_start_s": round(started, 1),
            "fold_s": round(fold, 1), "fold_runs": result["runs"], "prediction_s": round(prediction, 1),
            "crossval_estimate_min": round((n * fold + n * prediction + started) / 60, 1), "cpu_s": round(cpu, 1),
            "posterior": result["posterior"]["particles"], "point": result["point"]}


def main() -> None:
    from uprising.scenarios.loader import shipped_episodes

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", nargs="+", default=None, help="default: every shipped episode, the shortest first")
    p.add_argument("--particles", type=int, default=32)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--runs-per-episode", type=int, default=2)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--scale", type=float, default=0.002)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = p.parse_args()
    episodes = args.episodes or sorted(shipped_episodes(), key=_steps)
    rows = [measure(episodes, w, args) for w in args.workers]
    one = rows[0]
    for r in rows[1:]:
        r["same_posterior_as_1_worker"] = r["posterior"] == one["posterior"] and r["point"] == one["point"]
        r["efficiency"] = round(one["fold_s"] / (r["workers"] / one["workers"] * r["fold_s"]), 2)
        r["cpu_efficiency"] = round(one["cpu_s"] / r["cpu_s"], 2)
    budget = {k: getattr(args, k) for k in ("particles", "generations", "runs_per_episode", "runs", "scale", "seed")}
    for r in rows:
        r.pop("posterior"), r.pop("point")
    if args.json:
        print(json.dumps({"episodes": episodes, "budget": budget, "cpus": os.cpu_count(), "rows": rows}, indent=1))
        return
    print(f"{len(episodes)} episodes, budget {budget}, {os.cpu_count()} CPUs; the fold leaves out {episodes[0]}")
    for r in rows:
        print("  " + ", ".join(f"{k} {v}" for k, v in r.items()))


def _steps(name: str) -> int:
    from uprising.scenarios import load_scenario

    return load_scenario(name).scenario.steps


if __name__ == "__main__":
    main()
