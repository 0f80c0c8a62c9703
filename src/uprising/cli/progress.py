"""What a long command shows while it works: numba's one-time compilation, then the steps.

One rich ``Progress`` display (rich allows one live display at a time) holds up to two lines:

- ``compiling kernels (first run only, about N s)`` with the kernel being compiled, the number
  compiled and the seconds so far — shown as soon as numba starts compiling (``uprising.compilation``);
- the run's steps, as a bar, once the run has lasted ``delay`` seconds.

On a terminal both are live and vanish at the end; on a log (stderr not a terminal) compilation
is said in two plain lines, its start and its end, and the steps print nothing.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from uprising.compilation import CLOCK, EXPECTED_SECONDS, CompileClock


class ProgressBar:
    """``progress(step_done, total)`` for ``Simulation.run``, and the compilation it waits for.

    Quick runs print nothing; so do runs whose stderr is not a terminal, but for the two lines
    that say a first run is compiling.
    """

    def __init__(self, label: str, enabled: bool, delay: float = 1.0, console: Console | None = None,
                 kind: str = "classic"):
        from uprising.cli.app import stderr

        self.label = label
        self.console = console if console is not None else stderr
        self.said = enabled  # plain lines about compilation, even on a log
        self.enabled = enabled and self.console.is_terminal
        self.delay = delay
        self.expected = EXPECTED_SECONDS.get(kind, max(EXPECTED_SECONDS.values()))
        self.started = time.perf_counter()
        self.progress: Progress | None = None
        self.task: Any = None
        self.compile_task: Any = None
        self.compiled_from = CLOCK.elapsed()
        self.kernels_from = CLOCK.kernels
        self.announced = False

    # -- compilation --------------------------------------------------------------------------
    def _heading(self) -> str:
        return f"compiling kernels (first run only, about {self.expected} s)"

    def _on_compile(self, clock: CompileClock) -> None:
        kernels = clock.kernels - self.kernels_from
        if not self.announced and clock.compiling:
            self.announced = True
            if self.said and not self.enabled:
                self.console.print(f"{self._heading()}…", markup=False, highlight=False)
        if not self.enabled:
            return
        self._ensure_display()
        assert self.progress is not None
        what = clock.current or "…"
        if self.compile_task is None:
            self.compile_task = self.progress.add_task(self._heading(), total=None, detail=what)
        self.progress.update(self.compile_task, detail=f"{kernels} compiled, now {what}")

    def _compiled(self) -> tuple[float, int]:
        return CLOCK.elapsed() - self.compiled_from, CLOCK.kernels - self.kernels_from

    def _end_compilation(self) -> None:
        seconds, kernels = self._compiled()
        if self.compile_task is not None and self.progress is not None:
            self.progress.update(self.compile_task, total=1, completed=1,
                                 detail=f"{kernels} compiled in {seconds:.0f} s; later runs load them from the cache")
            self.compile_task = None

    # -- steps --------------------------------------------------------------------------------
    def _ensure_display(self) -> None:
        if self.progress is None:
            self.progress = Progress(
                SpinnerColumn(finished_text="✓"),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()

    def __call__(self, step_done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.compile_task is not None and not CLOCK.compiling:
            self._end_compilation()
        if self.task is None:
            if time.perf_counter() - self.started < self.delay:
                return
            self._ensure_display()
            assert self.progress is not None
            self.task = self.progress.add_task(self.label, total=total, detail="")
        assert self.progress is not None
        self.progress.update(self.task, completed=step_done, total=total)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        if self._on_compile in CLOCK.watchers:
            CLOCK.watchers.remove(self._on_compile)
        seconds, kernels = self._compiled()
        if self.said and self.announced:  # the start was said: say the end too, however short
            self.console.print(f"compiled {kernels} kernels in {seconds:.0f} s (first run only; later runs load them "
                               "from the cache)", markup=False, highlight=False)
            self.said = False

    def __enter__(self) -> ProgressBar:
        CLOCK.watchers.append(self._on_compile)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["ProgressBar"]
