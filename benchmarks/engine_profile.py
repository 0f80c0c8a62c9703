"""Per-phase wall time of the engine (Run 2 parameters): where a step's time goes.

    .venv/bin/python benchmarks/engine_profile.py --size 1000 --schedule synchronous --steps 20

Prints, per phase of the plan, the total and per-step milliseconds and the share of the step;
warms up (compiles or loads numba's cache) on a 2-step run first.
"""

from __future__ import annotations

import argparse
import os
import time

from uprising.scenarios.schema import Scenario
from uprising.simulation import Simulation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--schedule", default="synchronous")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sc = Scenario.model_validate({"scenario": {"steps": args.steps},
                                  "grid": {"width": args.size, "height": args.size}})
    Simulation(sc, seed=args.seed, schedule=args.schedule).run(2)
    sim = Simulation(sc, seed=args.seed, schedule=args.schedule)
    spent = {p.name: 0.0 for p in sim.plan}
    for step in range(1, args.steps + 1):
        for phase in sim.plan:
            t0 = time.perf_counter()
            phase.run(sim.world, step)
            spent[phase.name] += time.perf_counter() - t0
    total = sum(spent.values())
    pop = sim.world.pop
    agents = int(pop.n)
    print(f"{args.size}x{args.size} {args.schedule}: {agents} rows, {args.steps} steps, "
          f"{total / args.steps * 1e3:.2f} ms/step, ~{agents * args.steps / total / 1e6:.2f} M rows-steps/s, "
          f"load {os.getloadavg()[0]:.1f}")
    for name, s in spent.items():
        print(f"  {name:<18} {s / args.steps * 1e3:9.3f} ms/step  {100 * s / total:5.1f} %")


if __name__ == "__main__":
    main()
