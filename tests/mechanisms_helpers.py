"""Shared helpers for the mechanisms' tests: runs with probes, engine-only reference runs."""

from __future__ import annotations

import numpy as np

from uprising.engine.invariants import check
from uprising.engine.plan import Phase, build_plan
from uprising.engine.world import World
from uprising.simulation import Simulation


def engine_only(scenario, seed: int, schedule: str, steps: int) -> dict[str, np.ndarray]:
    """Epstein's model with the mechanisms never installed: the engine's world and plan alone."""
    world = World(scenario, seed, schedule)
    plan = build_plan(world)
    world.recorder.record(world, 0, (0, 0, 0, 0))
    for step in range(1, steps + 1):
        for phase in plan:
            phase.run(world, step)
    return world.recorder.columns() | {"legitimacy": world.pop.legitimacy[: world.pop.n].copy(),
                                       "cell": world.pop.cell[: world.pop.n].copy()}


def columns(sim: Simulation) -> dict[str, np.ndarray]:
    w = sim.world
    return w.recorder.columns() | {"legitimacy": w.pop.legitimacy[: w.pop.n].copy(),
                                   "cell": w.pop.cell[: w.pop.n].copy()}


def checked(sim: Simulation) -> Simulation:
    """Insert the engine's invariant check after every phase (style.md 9)."""
    for i in range(len(sim.plan) - 1, -1, -1):
        name = sim.plan[i].name
        sim.plan.insert(i + 1, Phase(f"check after {name}", lambda world, step, n=name: check(world, f"{n}, step {step}")))
    return sim


DEMO = {
    "repression.soldier_density": 0.01,
    "repression.fire_at": 0.1,
    "repression.p_kill": 0.1,
    "legitimacy.backfire_witness": 0.03,
    "legitimacy.backfire_place": 0.005,
    "legitimacy.arrest_factor": 0.1,
    "loyalty.erosion": 0.002,
    "loyalty.death_erosion": 0.002,
    "loyalty.join_share": 0.5,
}
