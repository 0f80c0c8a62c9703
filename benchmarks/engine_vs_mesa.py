"""uprising's engine against Mesa's Epstein example, on the same parameters, in one invocation.

    .venv/bin/python benchmarks/engine_vs_mesa.py            # table
    .venv/bin/python benchmarks/engine_vs_mesa.py --json     # one JSON object per measurement
    .venv/bin/python benchmarks/engine_vs_mesa.py --sizes 40 --large ""   # quick

Both engines run Mesa 3.3.1's example defaults (citizen density 0.7, cop density 0.074, vision 7,
legitimacy 0.8, J_max 1000, T 0.1, k 2.3, torus, von Neumann vision, round(C/A)); uprising runs
the shipped `mesa-example` scenario (the `mesa` rule preset) with the grid size changed, under
both schedules. Speed is agent-steps per second: agents (citizens, jailed included, + cops) ×
steps / wall seconds.

Fair windows: both engines skip step 1 (numba compiles or loads its cache; Mesa builds its
neighbourhood caches) and are timed over the same steps 2..k+1 of a run, where k is the number
of steps Mesa needs to last ``--mesa-seconds``; uprising repeats that window on fresh runs
(set-up and step 1 untimed) until it has lasted ``--seconds``. Sizes run by uprising alone
(``--large``) are timed over steps 2.. of one run.

Each row with an issue #14 target prints it beside the figure, and whether it is met
(sequential 1,000× and synchronous 3,000× Mesa at 200×200; synchronous 50 M agent-steps/s at
1000×1000). Every row carries the machine's 1-minute load average when it was taken: on a shared machine
the figures fall with the load (the engine's sequential schedule is one thread, the synchronous
one uses every core).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib.metadata import version


# issue #14's targets: (schedule, size) -> ratio to Mesa at that size, or absolute agent-steps/s
RATIO_TARGETS = {("sequential", 200): 1000.0, ("synchronous", 200): 3000.0}
SPEED_TARGETS = {("synchronous", 1000): 50e6}


def _target(row: dict) -> tuple[str, bool | None]:
    """The row's target as text and whether the figure meets it (None: no target)."""
    schedule = row["engine"].removeprefix("uprising ")
    ratio = RATIO_TARGETS.get((schedule, row["size"]))
    if ratio is not None and "ratio_to_mesa" in row:
        return f"{ratio:,.0f}× Mesa", row["ratio_to_mesa"] >= ratio
    speed = SPEED_TARGETS.get((schedule, row["size"]))
    if speed is not None:
        return f"{speed / 1e6:.0f} M/s", row["agent_steps_per_second"] >= speed
    return "", None


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load_1min": round(os.getloadavg()[0], 2)}


def time_mesa(size: int, min_seconds: float, seed: int = 1) -> dict:
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    model = EpsteinCivilViolence(width=size, height=size, seed=seed)
    agents = len(model.agents)
    model.step()  # step 1, untimed: neighbourhood caches
    steps, start = 0, time.perf_counter()
    while True:
        model.step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and steps >= 3:
            break
    return {"engine": f"mesa {version('mesa')}", "size": size, "agents": agents, "steps": steps,
            "seconds": elapsed, "agent_steps_per_second": agents * steps / elapsed, **_machine()}


def _simulation(size: int, schedule: str, seed: int):
    from uprising.simulation import Simulation

    return Simulation.from_scenario("mesa-example", seed=seed, schedule=schedule,
                                    **{"grid.width": size, "grid.height": size})


def time_uprising(size: int, schedule: str, min_seconds: float, window: int | None = None, seed: int = 1) -> dict:
    """Agent-steps/s over steps 2..window+1 (repeated on fresh runs), or over steps 2.. of one run."""
    import numba

    sim = _simulation(size, schedule, seed)
    sim.run(1)  # step 1, untimed: numba compilation (cached on disk after the first invocation)
    agents = sim.world.citizens_at_start + sim.world.cops_at_start
    steps, elapsed = 0, 0.0
    if window:
        while elapsed < min_seconds:
            start = time.perf_counter()
            sim.run(window)
            elapsed += time.perf_counter() - start
            steps += window
            sim = _simulation(size, schedule, seed)
            sim.run(1)
    else:
        batch = max(1, int(2e7 // max(agents, 1)))  # ~20M agent-steps between clock reads
        start = time.perf_counter()
        while elapsed < min_seconds:
            sim.run(batch)
            steps += batch
            elapsed = time.perf_counter() - start
    return {"engine": f"uprising {schedule}", "size": size, "agents": agents, "steps": steps, "seconds": elapsed,
            "agent_steps_per_second": agents * steps / elapsed, "threads": numba.get_num_threads(), **_machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per measurement")
    parser.add_argument("--mesa-seconds", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds for uprising")
    parser.add_argument("--sizes", default="40,200", help="sizes run by both engines")
    parser.add_argument("--large", default="1000,3000", help="sizes run by uprising alone")
    args = parser.parse_args(argv)

    rows = []

    def emit(row: dict) -> None:
        text, met = _target(row)
        if text:
            row["target"], row["target_met"] = text, met
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)

    for size in [int(s) for s in args.sizes.split(",") if s]:
        mesa_row = time_mesa(size, args.mesa_seconds)
        emit(mesa_row)
        for schedule in ("sequential", "synchronous"):
            row = time_uprising(size, schedule, args.seconds, window=mesa_row["steps"])
            row["ratio_to_mesa"] = row["agent_steps_per_second"] / mesa_row["agent_steps_per_second"]
            emit(row)
    for size in [int(s) for s in args.large.split(",") if s]:
        for schedule in ("sequential", "synchronous"):
            emit(time_uprising(size, schedule, args.seconds))

    if not args.json:
        m = _machine()
        print(f"Mesa {version('mesa')}, Python {m['python']}, {m['cpus']} CPUs")
        print(f"{'engine':<24}{'grid':>11}{'agents':>11}{'steps':>8}{'agent-steps/s':>16}{'× Mesa':>10}"
              f"{'target':>13}{'met?':>6}{'load':>7}")
        for r in rows:
            ratio = f"{r['ratio_to_mesa']:,.0f}" if "ratio_to_mesa" in r else ""
            met = "" if "target" not in r else ("yes" if r["target_met"] else "no")
            print(f"{r['engine']:<24}{r['size']:>5}×{r['size']:<5}{r['agents']:>11,}{r['steps']:>8}"
                  f"{r['agent_steps_per_second']:>16,.0f}{ratio:>10}{r.get('target', ''):>13}{met:>6}"
                  f"{r['load_1min']:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
