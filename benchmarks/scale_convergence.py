"""Do the shared values mean the same at any scale? (issue #21, point 4)

Runs each episode in actors mode over N seeds at several scales (agents per person) and prints,
per episode and scale, the share of runs in which the government falls and the median deaths,
beside the targets: fall share within +-0.15 and median deaths within 20 % of the finest scale's.

    .venv/bin/python benchmarks/scale_convergence.py                       # 3 episodes, 1/1000 1/500 1/100, 8 seeds
    .venv/bin/python benchmarks/scale_convergence.py --episodes peru-2020 --runs 4 --scales 0.001 0.002
    .venv/bin/python benchmarks/scale_convergence.py --json docs/results/scale_convergence.json

Runs go through the experiments' process pool (one process per core), seeds spawned from one root.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

DEFAULT_EPISODES = ("peru-2020", "ecuador-2019", "bolivia-2003")
DEFAULT_SCALES = (0.001, 0.002, 0.01)
FALL_TOLERANCE = 0.15
DEATHS_TOLERANCE = 0.20


def one(args: tuple) -> tuple[str, float, int, bool, float]:
    episode, scale, seed = args
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    sc = load_scenario(episode, {"world.scale": scale, "scenario.decisions": "actors"})
    s = Simulation(sc, seed=seed).run().summary()
    return episode, scale, seed, bool(s["resigned"]), float(s["deaths_total"])


def seeds(root: int, runs: int) -> list[int]:
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(root).spawn(runs)]


def measure(episodes, scales, runs: int, workers: int, root: int = 2026) -> dict:
    jobs = [(e, sc, s) for e in episodes for sc in scales for s in seeds(root, runs)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(one, jobs))
    out: dict = {"command": "benchmarks/scale_convergence.py " + " ".join(sys.argv[1:]),
                 "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                 "runs": runs, "seconds": round(time.perf_counter() - t0, 1), "episodes": {}}
    for e in episodes:
        rows = {}
        for sc in scales:
            mine = [r for r in results if r[0] == e and r[1] == sc]
            rows[str(sc)] = {"fall_share": sum(r[3] for r in mine) / len(mine),
                             "deaths_median": statistics.median(r[4] for r in mine)}
        finest = rows[str(max(scales))]
        for sc in scales:
            r = rows[str(sc)]
            r["fall_share_met"] = abs(r["fall_share"] - finest["fall_share"]) <= FALL_TOLERANCE
            base = finest["deaths_median"]
            r["deaths_met"] = (abs(r["deaths_median"] - base) <= DEATHS_TOLERANCE * base) if base > 0 else \
                r["deaths_median"] <= 1.0
        out["episodes"][e] = rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", nargs="+", default=list(DEFAULT_EPISODES))
    ap.add_argument("--scales", nargs="+", type=float, default=list(DEFAULT_SCALES))
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    a = ap.parse_args()
    out = measure(a.episodes, sorted(a.scales), a.runs, a.workers)
    print(f"{out['command']}  ({out['date']}, {out['runs']} runs per cell, {out['seconds']} s)")
    print(f"{'episode':16s} {'scale':>8s} {'fall share':>10s} {'target':>14s} {'deaths median':>14s} {'target':>12s}")
    for e, rows in out["episodes"].items():
        for sc, r in rows.items():
            print(f"{e:16s} {sc:>8s} {r['fall_share']:10.2f} {'±0.15: ' + ('yes' if r['fall_share_met'] else 'no'):>14s} "
                  f"{r['deaths_median']:14.1f} {'±20%: ' + ('yes' if r['deaths_met'] else 'no'):>12s}")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
