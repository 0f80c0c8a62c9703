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

import threading
import time
from collections.abc import Callable

from numba.core import event

# Seconds a first run compiles on the 2-core machine with an empty cache, by kind of world
# (`benchmarks/compile_time.py`; docs/engine.md, "Compilation"). Shown as an estimate only.
EXPECTED_SECONDS = {"classic": 15, "places": 30}


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


__all__ = ["CLOCK", "CompileClock", "EXPECTED_SECONDS"]
