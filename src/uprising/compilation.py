"""Numba's one-time compilation, measured apart from a run's speed.

Every kernel is compiled on its first call with new argument types and cached on disk
(``cache=True``); a later run loads it in milliseconds. The first run of a scenario therefore
spends tens of seconds compiling before and inside its first step. :data:`CLOCK` listens to
numba's compile events and adds up the seconds spent compiling (outermost compilations only: a
kernel's callees compile inside it), so that

- ``Simulation`` reports the steps' own time and the compile time as two named figures, and a
  run's speed never counts compilation;
- the CLI can say what is happening while it happens (:class:`uprising.cli.run.ProgressBar`).

``numba:compile`` events are sent for compilations only; loading a kernel from the cache sends
none, so a warm run shows no compile time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from numba.core import event

# Seconds a first run compiles on the 2-core machine with an empty cache, by kind of world
# (`benchmarks/compile_time.py`; docs/engine.md, "Compilation"). Shown as an estimate only.
EXPECTED_SECONDS = {"classic": 30, "places": 40}


class CompileClock(event.Listener):
    """Seconds spent compiling, kernels compiled, and the kernel being compiled now."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.kernels = 0
        self.current: str | None = None
        self._depth = 0
        self._started = 0.0
        self._lock = threading.Lock()
        self.watchers: list[Callable[[CompileClock], None]] = []

    def on_start(self, ev: event.Event) -> None:
        with self._lock:
            if self._depth == 0:
                self._started = time.perf_counter()
            self._depth += 1
            self.current = _kernel_name(ev)
        for watch in list(self.watchers):
            watch(self)

    def on_end(self, ev: event.Event) -> None:
        with self._lock:
            self._depth -= 1
            self.kernels += 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - self._started
                self.current = None
        for watch in list(self.watchers):
            watch(self)

    @property
    def compiling(self) -> bool:
        return self._depth > 0

    def elapsed(self) -> float:
        """Seconds compiled so far, the compilation under way included."""
        with self._lock:
            extra = time.perf_counter() - self._started if self._depth else 0.0
            return self.seconds + extra


def _kernel_name(ev: event.Event) -> str:
    dispatcher = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
    func = getattr(dispatcher, "py_func", None)
    if func is None:
        return "kernel"
    module = func.__module__.removeprefix("uprising.")
    return f"{module}.{func.__qualname__}"


CLOCK = CompileClock()
event.register("numba:compile", CLOCK)


class Helper:
    """A second process that compiles the same kernels from the other end of the plan.

    numba compiles on one core. On the first run the main process compiles the kernels of the
    plan in its order (set-up, then each phase of step 1); this helper builds the same scenario,
    small (the kernels' types do not depend on the size), and runs step 1's phases in reverse
    order, writing each compiled kernel to numba's on-disk cache. When the main process reaches a
    kernel the helper has finished, it loads it from the cache instead of compiling it; the two
    meet in the middle. Results are unaffected: the helper's world is thrown away, and a kernel
    is the same machine code whichever process compiled it. The helper is stopped once the main
    run has finished its first step (every kernel it needs is then compiled or loaded).

    Set ``UPRISING_COMPILE_HELPER=0`` to compile in one process only.
    """

    def __init__(self, scenario_toml: str):
        self.scenario_toml = scenario_toml
        self.process: subprocess.Popen | None = None
        self.path: Path | None = None

    @staticmethod
    def wanted() -> bool:
        return os.environ.get("UPRISING_COMPILE_HELPER", "1") != "0" and (os.cpu_count() or 1) > 1

    def start(self) -> None:
        if self.process is not None or not self.wanted():
            return
        fd, name = tempfile.mkstemp(prefix="uprising-compile-", suffix=".toml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.scenario_toml)
        self.path = Path(name)
        self.process = subprocess.Popen([sys.executable, "-m", "uprising.compilation", name],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # numba writes each cache file by an atomic rename
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck helper
                self.process.kill()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def small_overrides(scenario) -> dict[str, object]:
    """The same scenario, small enough to build in a second: same kernels, same argument types."""
    if scenario.world is not None:
        return {"world.scale": min(float(scenario.world.scale), 0.002), "scenario.steps": 1}
    return {"grid.width": min(scenario.grid.width, 200), "grid.height": min(scenario.grid.height, 200),
            "scenario.steps": 1}


def compile_from_the_end(path: str) -> None:
    """The helper's work: build the scenario small and run step 1's phases last to first."""
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    scenario = load_scenario(path)
    scenario = load_scenario(scenario, small_overrides(scenario))
    sim = Simulation(scenario)
    for phase in reversed(sim.plan):
        try:
            phase.run(sim.world, 1)
        except Exception:  # noqa: BLE001 - out of order a phase may refuse; the main run compiles it
            continue


if __name__ == "__main__":  # the helper process
    compile_from_the_end(sys.argv[1])


__all__ = ["CLOCK", "CompileClock", "EXPECTED_SECONDS", "Helper", "small_overrides", "compile_from_the_end"]
