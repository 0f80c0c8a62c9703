"""Sequential vs synchronous schedule at Epstein 2002 Run 2 parameters, over many seeds.

    .venv/bin/python benchmarks/schedules_compare.py --seeds 20 --steps 1000

For each seed and schedule: mean active citizens (steps 1..N), peak actives, outbursts
(actives > 50 until < 50, Epstein 2002 Fig 5), mean jailed. Prints per-schedule mean and s.d.
over seeds and a Welch t statistic per measure; --json prints one object per run.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from scipy import stats

from uprising.scenarios.schema import Scenario
from uprising.simulation import Simulation

MEASURES = ("mean_active", "peak_active", "outbursts", "mean_jailed")


def one(schedule: str, seed: int, steps: int) -> dict:
    sim = Simulation(Scenario.model_validate({"scenario": {"steps": steps}}), seed=seed, schedule=schedule).run()
    ts = sim.timeseries()
    s = sim.summary()
    return {
        "schedule": schedule,
        "seed": seed,
        "mean_active": float(ts["active"][1:].mean()),
        "peak_active": int(ts["active"].max()),
        "outbursts": s["outbursts"],
        "mean_jailed": float(ts["jailed"][1:].mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    runs = {sched: [one(sched, seed, args.steps) for seed in range(1, args.seeds + 1)]
            for sched in ("sequential", "synchronous")}
    if args.json:
        for rs in runs.values():
            for r in rs:
                print(json.dumps(r))
        return
    print(f"Run 2 (40x40, L 0.82, vision 7, J_max 30, cops 0.04), {args.steps} steps, seeds 1..{args.seeds}")
    print(f"{'measure':>12} {'sequential':>18} {'synchronous':>18} {'Welch t':>8} {'p':>8}")
    for m in MEASURES:
        a = np.array([r[m] for r in runs["sequential"]], float)
        b = np.array([r[m] for r in runs["synchronous"]], float)
        t, p = stats.ttest_ind(a, b, equal_var=False)
        print(f"{m:>12} {a.mean():>10.1f} ± {a.std(ddof=1):>5.1f} {b.mean():>10.1f} ± {b.std(ddof=1):>5.1f} "
              f"{t:>8.2f} {p:>8.3g}")


if __name__ == "__main__":
    main()
