"""The public Python API: ``Simulation``. The CLI, the report and notebooks call only this.

>>> from uprising.simulation import Simulation
>>> from uprising.scenarios.schema import Scenario
>>> sim = Simulation(Scenario(), seed=1)
>>> sim.run(100)                                   # doctest: +SKIP
>>> sim.timeseries()                               # polars: step, place, quiet, active, ...
>>> print(sim.plan)                                # agents.act → jail.release → record
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

import uprising
from uprising import worlds
from uprising.compilation import CLOCK as COMPILE_CLOCK
from uprising.engine.plan import Plan
from uprising.errors import UserError
from uprising.scenarios.schema import Scenario

SCHEDULES = ("sequential", "synchronous")
EPSTEIN_CITIZENS = 1120  # Table 2: 0.7 x 40 x 40; Epstein's outburst level 50 is relative to this


def outbursts(active: np.ndarray, level: float) -> int:
    """Epstein 2002 (Fig 5): an outburst starts when actives exceed ``level`` and ends when they
    fall below it. Returns the number of outbursts that started."""
    above = np.asarray(active) > level
    below = np.asarray(active) < level
    count, inside = 0, False
    for a, b in zip(above, below):
        if not inside and a:
            inside, count = True, count + 1
        elif inside and b:
            inside = False
    return count


def check_fits_in_memory(scenario: Scenario, available: int | None = None) -> None:
    """Refuse, as the user's mistake, a classic scenario this machine cannot hold — before
    allocating (numpy's zeroed pages are lazy: the OOM killer, not a MemoryError, would answer)."""
    g, pop = scenario.grid, scenario.population
    cells = g.width * g.height
    agents = cells * (pop.citizen_density + pop.cop_density) * (3 if scenario.scenario.model == "epstein-2" else 1)
    per_step = (5 + 4 + 2 * 4) * 8  # recorder counts, events, states by group (int64)
    need = cells * 14 + agents * 64 + (scenario.scenario.steps + 1) * per_step
    if available is None:
        try:
            import psutil

            available = int(psutil.virtual_memory().available)
        except Exception:  # pragma: no cover - no way to know: let the run try
            return
    if need > available:
        key = "grid" if cells * 14 + agents * 64 > (scenario.scenario.steps + 1) * per_step else "scenario.steps"
        raise UserError(
            None, key, f"{g.width} x {g.height} cells and {scenario.scenario.steps:,} steps need about "
            f"{need / 2**30:.1f} GiB of memory and {available / 2**30:.1f} GiB is free; allowed: a smaller grid or "
            "fewer steps")


class Simulation:
    """One run of a scenario with one seed and one schedule."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        schedule: str | None = None,
        frame_every: int | None = None,
        check: bool = False,
    ):
        """``check=True``: every invariant (``uprising.checks``) after every phase; a violation
        raises ``checks.InvariantError`` naming the invariant, the phase and the step."""
        schedule = schedule or scenario.scenario.schedule
        if schedule not in SCHEDULES:
            raise UserError(None, "schedule", f"unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
        if frame_every is not None and frame_every < 1:
            raise UserError(None, "frame_every", f"must be >= 1, got {frame_every}")
        self.scenario = scenario
        self.seed = int(scenario.scenario.seed if seed is None else seed)
        self.schedule = schedule
        self.frame_every = frame_every
        self.kind = worlds.kind_of(scenario)  # the classic grid, or a world of places
        compiled_before = COMPILE_CLOCK.elapsed()
        self.world, self.plan = self.kind.build(scenario, self.seed, schedule)
        self.plan: Plan
        self.steps_done = 0
        # the steps' own time, and numba's one-time compilation (set-up and steps), kept apart:
        # a run's speed never counts compilation (uprising.compilation)
        self.wall_seconds = 0.0
        self.compile_seconds = COMPILE_CLOCK.elapsed() - compiled_before
        self._frames: list[np.ndarray] = []
        self._frame_steps: list[int] = []
        self.world.recorder.record(self.world, 0, (0, 0, 0, 0))
        self._capture(0)
        if check:
            from uprising import checks

            checks.attach(self)

    @classmethod
    def from_scenario(
        cls,
        source: str | Path,
        seed: int | None = None,
        schedule: str | None = None,
        steps: int | None = None,
        frame_every: int | None = None,
        **overrides: object,
    ) -> Simulation:
        """Load a scenario (a shipped name or a TOML path) with dotted-name overrides, then build."""
        from uprising.scenarios import load_scenario

        extra: dict[str, object] = dict(overrides)
        if steps is not None:
            extra["scenario.steps"] = steps
        scenario = load_scenario(source, extra or None)
        return cls(scenario, seed=seed, schedule=schedule, frame_every=frame_every)

    # -- running ------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one period: run every phase of the plan in order."""
        t0, compiled_before = time.perf_counter(), COMPILE_CLOCK.elapsed()
        step = self.steps_done + 1
        for phase in self.plan:
            phase.run(self.world, step)
        self.steps_done = step
        compiling = COMPILE_CLOCK.elapsed() - compiled_before
        self.compile_seconds += compiling
        self.wall_seconds += max(0.0, time.perf_counter() - t0 - compiling)
        self._capture(step)

    def run(self, steps: int | None = None, progress: Callable[[int, int], None] | None = None) -> Simulation:
        """Run ``steps`` periods (default: the scenario's steps not yet run)."""
        total = self.scenario.scenario.steps - self.steps_done if steps is None else int(steps)
        for done in range(1, total + 1):
            self.step()
            if progress is not None:
                progress(done, total)
        return self

    def _capture(self, step: int) -> None:
        if self.frame_every and step % self.frame_every == 0:
            self._frames.append(self.world.places.board_view(0).copy())
            self._frame_steps.append(step)

    # -- outputs ------------------------------------------------------------------------------
    def timeseries(self) -> pl.DataFrame:
        """One row per step and place: step, place, quiet, active, jailed, dead, cops, arrests
        (Model II adds active_g0, citizens_g0, ..., kills, births, deaths). A world of places: in
        people, with date, place_name, lat, lon and the world's columns (``uprising.world.outputs``)."""
        return self.kind.timeseries(self.world)

    def frames(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps [F], cells [F, H, W] int8) for place 0: 0 empty, 1 quiet, 2 active, 3 jailed, 4 cop.
        Kept every ``frame_every`` steps; without ``frame_every`` none is kept, and this raises UserError."""
        if self.frame_every is None:
            raise UserError(None, "frame_every", "no frames were kept; give frame_every=N to Simulation(...) or "
                            "Simulation.from_scenario(...) to keep the board every N steps")
        if not self._frames:
            h, w = int(self.world.places.height[0]), int(self.world.places.width[0])
            return np.zeros(0, np.int64), np.zeros((0, h, w), np.int8)
        return np.asarray(self._frame_steps, np.int64), np.stack(self._frames)

    def extra_tables(self) -> dict[str, pl.DataFrame]:
        """Other files of the run by file name (a world of places: roads, events, marches); {} otherwise."""
        return self.kind.extra_tables(self.world)

    def summary(self, outburst_level: float | None = None) -> dict:
        """Scenario, seed, steps, schedule, parameters, sizes, activity, outbursts, speed, version.

        ``outburst_level``: actives above which an outburst runs (Epstein 2002: 50 of 1120
        citizens); default 50 scaled by this run's citizens at the start.
        """
        w = self.world
        citizens = w.citizens_at_start
        level = 50.0 * citizens / EPSTEIN_CITIZENS if outburst_level is None else float(outburst_level)
        cols = w.recorder.columns()
        active = cols["active"].sum(axis=1)
        alive = (cols["quiet"] + cols["active"] + cols["jailed"]).sum(axis=1)
        frac = active / np.maximum(alive, 1)
        agents = int((cols["quiet"] + cols["active"] + cols["jailed"] + cols["cops"]).sum(axis=1)[1:].sum())
        # the parameters this run used: the seed and schedule given to Simulation(...), not the
        # file's (run them again to get this run)
        parameters = self.scenario.model_dump(mode="json")
        parameters["scenario"].update(seed=self.seed, schedule=self.schedule)
        out = {
            "scenario": self.scenario.scenario.name,
            "model": self.scenario.scenario.model,
            "seed": self.seed,
            "steps": self.steps_done,
            "schedule": self.schedule,
            "parameters": parameters,
            "citizens": citizens,
            "cops": w.cops_at_start,
            "mean_active_fraction": float(frac[1:].mean()) if self.steps_done else 0.0,
            "peak_active_fraction": float(frac.max()),
            "peak_active": int(active.max()),
            "outburst_level": level,
            "outbursts": outbursts(active[1:], level),
            "wall_seconds": self.wall_seconds,  # the steps, compilation excluded
            "compile_seconds": self.compile_seconds,  # numba compiling kernels (first run only; 0 when cached)
            "agent_steps_per_second": agents / self.wall_seconds if self.wall_seconds > 0 else math.nan,
            "version": uprising.__version__,
        }
        out.update(self.kind.summary(self.world))
        return out

    def _repr_html_(self) -> str:
        """Jupyter's inline view: scenario, step, counts, the board (classic) or actives over time."""
        from uprising.report.inline import simulation_html

        return simulation_html(self)

    def __repr__(self) -> str:
        return (
            f"Simulation({self.scenario.scenario.name!r}, seed={self.seed}, schedule={self.schedule!r}, "
            f"steps_done={self.steps_done}, plan: {self.plan})"
        )


__all__ = ["Simulation", "SCHEDULES", "outbursts"]
