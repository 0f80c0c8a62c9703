"""Engine speed: agent-steps per second of uprising alone, Run 2 parameters, both schedules.

    .venv/bin/python benchmarks/engine_speed.py            # a table
    .venv/bin/python benchmarks/engine_speed.py --json     # one JSON object per measurement
    .venv/bin/python benchmarks/engine_speed.py --sizes 200 --schedules sequential

Agent-steps = (citizens not dead + cops on duty) summed over the steps timed. Each
measurement warms up (compiles, or loads numba's cache) on a 2-step run first, then times
whole steps (all phases, including recording) with the wall clock.
"""

from __future__ import annotations

import argparse
import json
import time

import numba

from uprising.scenarios.schema import Scenario
from uprising.simulation import Simulation

STEPS = {40: 2000, 200: 200, 1000: 30, 3000: 6}


def measure(size: int, schedule: str, steps: int, seed: int = 1) -> dict:
    sc = Scenario.model_validate({"scenario": {"steps": steps}, "grid": {"width": size, "height": size}})
    Simulation(sc, seed=seed, schedule=schedule).run(2)
    t0 = time.perf_counter()
    sim = Simulation(sc, seed=seed, schedule=schedule)
    setup = time.perf_counter() - t0
    sim.run()
    s = sim.summary()
    return {
        "size": f"{size}x{size}",
        "schedule": schedule,
        "agents": s["citizens"] + s["cops"],
        "steps": steps,
        "setup_seconds": round(setup, 4),
        "seconds": round(s["wall_seconds"], 4),
        "agent_steps_per_second": round(s["agent_steps_per_second"]),
        "threads": numba.get_num_threads(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per measurement")
    ap.add_argument("--sizes", type=int, nargs="+", default=list(STEPS))
    ap.add_argument("--schedules", nargs="+", default=["sequential", "synchronous"])
    args = ap.parse_args()
    if not args.json:
        print(f"{'size':>10} {'schedule':>12} {'agents':>9} {'steps':>6} {'M agent-steps/s':>16}")
    for size in args.sizes:
        for schedule in args.schedules:
            m = measure(size, schedule, STEPS.get(size, 20))
            if args.json:
                print(json.dumps(m), flush=True)
            else:
                print(f"{m['size']:>10} {schedule:>12} {m['agents']:>9} {m['steps']:>6} "
                      f"{m['agent_steps_per_second'] / 1e6:>16.2f}", flush=True)


if __name__ == "__main__":
    main()
