"""A batch: every run of a spec, into a results store, resumable, with a progress bar.

    >>> from uprising.experiments import load_spec, run_sweep
    >>> report = run_sweep(load_spec("legitimacy.toml"), "results/legitimacy", workers=2)  # doctest: +SKIP
    >>> report.store.runs()          # polars: one row per run

Running it again resumes: runs whose file is in the store are skipped, the rest are run. A
failed run is a row with ``status = "failed"`` and its error; it does not stop the batch, and a
rerun skips it too unless ``retry_failed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uprising.experiments.executors import chunk_size, chunks, make_executor
from uprising.experiments.spec import Spec
from uprising.experiments.store import Store

FLUSH_SECONDS = 2.0  # how often the catalogue is brought level during a batch


@dataclass
class SweepReport:
    store: Store
    planned: int  # runs in the spec
    skipped: int  # already in the store
    ran: int  # run now (ok + failed)
    failed: int  # of those run now
    seconds: float
    executor: str

    def line(self) -> str:
        ok = self.ran - self.failed
        skipped = f", {self.skipped} already in the store" if self.skipped else ""
        return (f"{self.planned} runs: {ok} ran, {self.failed} failed{skipped}; "
                f"{self.seconds:.1f} s on {self.executor}")


class _Bar:
    """A rich progress bar: runs done, failed, elapsed and estimated time left (stderr)."""

    def __init__(self, label: str, total: int, enabled: bool, unit: str = "runs"):
        self.progress = None
        self.failed = 0
        if not enabled or total == 0:
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        console = Console(stderr=True, highlight=False)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn(f"{unit}, [red]{{task.fields[failed]}} failed[/]"), TimeElapsedColumn(),
            TextColumn("eta"), TimeRemainingColumn(), console=console, transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=total, failed=0)

    def advance(self, n: int, failed: int) -> None:
        self.failed += failed
        if self.progress is not None:
            self.progress.update(self.task, advance=n, failed=self.failed)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def run_sweep(
    spec: Spec,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    new: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    chunk: int | None = None,
    on_result: Callable[[Any], None] | None = None,
) -> SweepReport:
    """Run every run of ``spec`` not yet in the store at ``out``; return what happened."""
    started = time.perf_counter()
    store = Store.prepare(out, spec, new=new)
    try:
        store.catalogue()  # level with the files: a killed batch may have left runs uncatalogued
        finished = store.finished()
        if retry_failed and finished:
            failed_ids = set(store.query("SELECT run_id FROM runs WHERE status <> 'ok'")["run_id"].to_list())
            finished -= failed_ids
        plans = [(r.run_id, r.point, r.replicate, r.seed, r.params) for r in spec.runs() if r.run_id not in finished]
        skipped = spec.n_runs - len(plans)
        ran = failed = 0
        executor_name = "nothing (all runs already in the store)"
        if plans:
            with make_executor(workers, scheduler) as executor:
                executor_name = executor.name
                tasks = chunks(plans, chunk_size(len(plans), executor.workers, chunk))
                bar = _Bar(spec.name + (f" ({skipped} resumed)" if skipped else ""), len(plans), progress)
                last_flush = time.perf_counter()
                try:
                    for results in executor.map_unordered(spec.payload(), tasks):
                        bad = 0
                        for result in results:
                            store.write(result)
                            bad += 0 if result.ok else 1
                            if on_result is not None:
                                on_result(result)
                        ran += len(results)
                        failed += bad
                        bar.advance(len(results), bad)
                        if time.perf_counter() - last_flush > FLUSH_SECONDS:
                            store.flush()
                            last_flush = time.perf_counter()
                finally:
                    bar.close()
                    store.flush()
        return SweepReport(store, spec.n_runs, skipped, ran, failed, time.perf_counter() - started, executor_name)
    finally:
        store.close()
        store.unlock()


__all__ = ["run_sweep", "SweepReport"]
