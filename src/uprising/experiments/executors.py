"""Where a batch's runs execute: in this process, in local worker processes, or on a Dask cluster.

All three run the same function on the same plain data — ``run_chunk(payload, plans)``, or
another module-level ``fn(payload, items, threads)`` (calibration's trial runs) — and
every run's seed is in its plan, so the numbers never depend on the executor, the number of
workers or which worker ran what (issue #5, requirement 1).

- :class:`SerialExecutor` — ``workers=1``: no pool, runs in this process (easiest to debug).
- :class:`ProcessExecutor` — the default: ``workers`` spawned processes (one per core), each
  importing uprising and loading numba's compiled kernels once, then running chunk after chunk.
- :class:`DaskExecutor` — ``scheduler=ADDRESS`` connects to a running Dask distributed
  scheduler (``dask scheduler`` / ``dask worker ADDRESS`` on any number of machines; each
  machine needs uprising installed). ``scheduler="local"`` starts a ``LocalCluster`` of
  ``workers`` single-threaded processes.

Runs travel in chunks (several runs per task) so per-run overhead stays tiny; the results come
back to the main process, which alone writes the store.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing as mp
import os
from collections.abc import Iterator, Sequence
from typing import Any

Plan = tuple[int, int, int, int, dict]  # run_id, point, replicate, seed, params


def _limit_threads(threads: int | None) -> None:
    """Worker processes run one run at a time on one core: numba's parallel loops use one thread."""
    if threads is None:
        return
    try:
        import numba

        if numba.get_num_threads() != threads:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    except Exception:  # noqa: BLE001 - a missing threading layer only costs speed
        pass


def run_chunk(payload: dict[str, Any], plans: Sequence[Plan], threads: int | None = None) -> list[Any]:
    """Run ``plans`` (each ``(run_id, point, replicate, seed, params)``) of the sweep ``payload``.

    A failure becomes a ``status = "failed"`` row; this never raises for a bad run.
    """
    from uprising.experiments.run import run_safely

    _limit_threads(threads)
    return [
        run_safely(payload["base"], seed, params=params, run_id=run_id, point=point, replicate=rep,
                   timeseries=payload.get("timeseries", False))
        for run_id, point, rep, seed, params in plans
    ]


def _warm_worker() -> None:
    """Import the engine and load its compiled kernels before the first real chunk."""
    _limit_threads(1)
    try:
        from uprising.experiments.run import run_one

        run_one({"scenario": {"steps": 2}, "grid": {"width": 5, "height": 5}}, seed=0)
    except Exception:  # noqa: BLE001 - the real runs will report any problem
        pass


def chunk_size(n_runs: int, workers: int, target: int | None = None) -> int:
    """Runs per task: a few tasks per worker for balance, at most 16 runs each."""
    if target:
        return max(1, int(target))
    return max(1, min(16, math.ceil(n_runs / max(1, workers * 6))))


def chunks(plans: Sequence[Plan], size: int) -> list[list[Plan]]:
    return [list(plans[i : i + size]) for i in range(0, len(plans), size)]


class SerialExecutor:
    """Every chunk in this process, in order."""

    workers = 1
    name = "this process"

    def map_unordered(self, payload: dict[str, Any], tasks: Sequence[list[Any]], fn: Any = None) -> Iterator[list[Any]]:
        for task in tasks:
            yield (fn or run_chunk)(payload, task)

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ProcessExecutor:
    """A pool of ``workers`` spawned processes; results as they finish."""

    def __init__(self, workers: int):
        from uprising.kernel_cache import WorkersCompiling

        self.workers = workers
        self.name = f"{workers} local processes"
        self.compiling = WorkersCompiling(workers).start()  # an empty cache: say the workers compile
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_warm_worker
        )

    def map_unordered(self, payload: dict[str, Any], tasks: Sequence[list[Any]], fn: Any = None) -> Iterator[list[Any]]:
        fn = fn or run_chunk
        pending: set[cf.Future] = set()
        queue = list(reversed(tasks))
        window = self.workers * 3  # a few tasks queued per worker: no idle gaps, little lost on a kill
        try:
            while queue or pending:
                while queue and len(pending) < window:
                    pending.add(self.pool.submit(fn, payload, queue.pop(), 1))
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    self.compiling.ready()
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskExecutor:
    """Chunks as tasks on a Dask distributed cluster (``address``), or on a LocalCluster."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address in (None, "local"):
            n = workers or os.cpu_count() or 1
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
            self.name = f"Dask LocalCluster of {n} workers"
        else:
            try:
                self.client = Client(address, timeout="20s")
            except OSError as e:
                from uprising.errors import UserError

                raise UserError("--scheduler", address, f"cannot reach a Dask scheduler there: {e}") from None
            self.name = f"Dask scheduler {address}"
        self.workers = max(1, sum(self.client.nthreads().values()))

    def map_unordered(self, payload: dict[str, Any], tasks: Sequence[list[Any]], fn: Any = None) -> Iterator[list[Any]]:
        from distributed import as_completed

        [shared] = self.client.scatter([payload], broadcast=True, hash=False)  # a fresh key: a payload sent again must not share (and lose) the last one's
        futures = [self.client.submit(fn or run_chunk, shared, task, 1, pure=False) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
                future.release()
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Any:
    """``scheduler`` given: Dask (``"local"`` for a LocalCluster of ``workers``); else local
    processes, ``workers`` of them (default: the cores), or this process when ``workers == 1``."""
    if scheduler:
        return DaskExecutor(scheduler, workers)
    n = workers or os.cpu_count() or 1
    if n <= 1:
        return SerialExecutor()
    return ProcessExecutor(n)


__all__ = ["run_chunk", "make_executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "chunk_size", "chunks"]
