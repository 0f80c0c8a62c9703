"""Engine speed: agent-steps per second of uprising alone, Run 2 parameters, both schedules.

    .venv/bin/python benchmarks/engine_speed.py            # a table
    .venv/bin/python benchmarks/engine_speed.py --json     # one JSON object per measurement
    .venv/bin/python benchmarks/engine_speed.py --sizes 200 --schedules sequential
    .venv/bin/python benchmarks/engine_speed.py --sizes 1000 --schedules synchronous --variants classic mechanisms

Agent-steps = (citizens not dead + cops on duty) summed over the steps timed. Each row prints
the issue #14 target beside its figure where the target is absolute (synchronous 1000 x 1000:
50 M agent-steps/s), and the 1-minute load average. Each
measurement warms up (compiles, or loads numba's cache) on a 2-step run first, then times
whole steps (all phases, including recording) with the wall clock.

Variants: ``classic`` is Epstein's Run 2; ``mechanisms`` adds every Gas War mechanism
(``MECHANISMS``: two groups, backfire, soldiers with the full doctrine, loyalty) — the issue #3
budget is at most 2x the classic step at 1000 x 1000, synchronous (docs/mechanisms/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numba

from uprising.scenarios.schema import Scenario
from uprising.simulation import Simulation

STEPS = {40: 2000, 200: 200, 1000: 30, 3000: 6}
# issue #14's absolute target (agent-steps per wall second); the 200x200 targets are ratios to
# Mesa and are printed by benchmarks/engine_vs_mesa.py
TARGETS = {(1000, "synchronous", "classic"): 50e6}
MECHANISMS = {
    "groups": [{"name": "miners", "share": 0.2, "hardship_low": 0.4, "organised": 0.7},
               {"name": "vecinos", "share": 0.8, "organised": 0.3}],
    "legitimacy": {"backfire_witness": 0.03, "backfire_place": 0.0001, "arrest_factor": 0.1, "half_life": 40.0},
    "repression": {"soldier_density": 0.01, "teargas_at": 0.02, "fire_at": 0.05, "p_kill": 0.05},
    "loyalty": {"erosion": 0.001, "death_erosion": 0.0001, "join_share": 0.2},
}


def measure(size: int, schedule: str, steps: int, seed: int = 1, variant: str = "classic") -> dict:
    extra = MECHANISMS if variant == "mechanisms" else {}
    sc = Scenario.model_validate({"scenario": {"steps": steps}, "grid": {"width": size, "height": size}, **extra})
    Simulation(sc, seed=seed, schedule=schedule).run(2)
    t0 = time.perf_counter()
    sim = Simulation(sc, seed=seed, schedule=schedule)
    setup = time.perf_counter() - t0
    sim.run()
    s = sim.summary()
    return {
        "size": f"{size}x{size}",
        "schedule": schedule,
        "variant": variant,
        "agents": s["citizens"] + s["cops"],
        "steps": steps,
        "setup_seconds": round(setup, 4),
        "seconds": round(s["wall_seconds"], 4),
        "seconds_per_step": round(s["wall_seconds"] / steps, 5),
        "agent_steps_per_second": round(s["agent_steps_per_second"]),
        "threads": numba.get_num_threads(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per measurement")
    ap.add_argument("--sizes", type=int, nargs="+", default=list(STEPS))
    ap.add_argument("--schedules", nargs="+", default=["sequential", "synchronous"])
    ap.add_argument("--variants", nargs="+", default=["classic"], choices=["classic", "mechanisms"],
                    help="classic: Epstein's Run 2; mechanisms: all Gas War mechanisms on")
    args = ap.parse_args()
    if not args.json:
        print(f"{'size':>10} {'schedule':>12} {'variant':>11} {'agents':>9} {'steps':>6} {'M agent-steps/s':>16} "
              f"{'s/step':>8} {'target M/s':>10} {'met?':>5} {'load':>5}")
    for size in args.sizes:
        for schedule in args.schedules:
            for variant in args.variants:
                m = measure(size, schedule, STEPS.get(size, 20), variant=variant)
                target = TARGETS.get((size, schedule, variant))
                m["target_agent_steps_per_second"] = target
                m["target_met"] = None if target is None else m["agent_steps_per_second"] >= target
                m["load_1min"] = round(os.getloadavg()[0], 2)
                if args.json:
                    print(json.dumps(m), flush=True)
                else:
                    t = "" if target is None else f"{target / 1e6:.0f}"
                    met = "" if target is None else ("yes" if m["target_met"] else "no")
                    print(f"{m['size']:>10} {schedule:>12} {variant:>11} {m['agents']:>9} {m['steps']:>6} "
                          f"{m['agent_steps_per_second'] / 1e6:>16.2f} {m['seconds_per_step']:>8.4f} {t:>10} {met:>5} "
                          f"{m['load_1min']:>5.1f}", flush=True)


if __name__ == "__main__":
    main()
