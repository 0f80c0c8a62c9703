"""Per-phase time of the engine (Run 2 parameters): where a step's time goes.

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/engine_profile.py --size 1000 --steps 16
    .venv/bin/python benchmarks/engine_profile.py --size 200 --schedule sequential --steps 100

Prints, per phase of the plan, CPU milliseconds per step (``time.process_time``: steadier than
the wall clock on a shared machine; with one numba thread it is the work done) and wall
milliseconds per step, the share of the step, and the 1-minute load average; warms up
(compiles or loads numba's cache) on a 2-step run first. ``--repeats`` runs the timed steps on
fresh runs several times and keeps each phase's minimum.
"""

from __future__ import annotations

import argparse
import os
import time

import numba

from uprising.scenarios.schema import Scenario
from uprising.simulation import Simulation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--schedule", default="synchronous")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1, help="fresh runs; each phase's minimum is kept")
    args = ap.parse_args()
    sc = Scenario.model_validate({"scenario": {"steps": args.steps},
                                  "grid": {"width": args.size, "height": args.size}})
    Simulation(sc, seed=args.seed, schedule=args.schedule).run(2)
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        sim = Simulation(sc, seed=args.seed, schedule=args.schedule)
        c_run = {p.name: 0.0 for p in sim.plan}
        w_run = {p.name: 0.0 for p in sim.plan}
        for step in range(1, args.steps + 1):
            for phase in sim.plan:
                c0, t0 = time.process_time(), time.perf_counter()
                phase.run(sim.world, step)
                w_run[phase.name] += time.perf_counter() - t0
                c_run[phase.name] += time.process_time() - c0
        for name in c_run:
            cpu[name] = min(cpu.get(name, float("inf")), c_run[name])
            wall[name] = min(wall.get(name, float("inf")), w_run[name])
        loads.append(os.getloadavg()[0])
    total_cpu, total_wall = sum(cpu.values()), sum(wall.values())
    agents = int(sim.world.pop.n)
    n = args.steps
    print(f"{args.size}x{args.size} {args.schedule}: {agents} rows, {n} steps, {numba.get_num_threads()} threads, "
          f"CPU {total_cpu / n * 1e3:.2f} ms/step ({agents * n / total_cpu / 1e6:.2f} M rows-steps per CPU-s), "
          f"wall {total_wall / n * 1e3:.2f} ms/step ({agents * n / total_wall / 1e6:.2f} M rows-steps/s), "
          f"load {min(loads):.1f}-{max(loads):.1f}")
    print(f"  {'phase':<18} {'CPU ms/step':>11} {'wall ms/step':>12} {'share':>6}")
    for name in cpu:
        print(f"  {name:<18} {cpu[name] / n * 1e3:11.3f} {wall[name] / n * 1e3:12.3f} {100 * cpu[name] / total_cpu:5.1f} %")


if __name__ == "__main__":
    main()
