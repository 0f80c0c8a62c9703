"""Independent runs in worker processes, results in the order of the jobs.

``run_jobs(fn, jobs, workers, progress)`` calls ``fn(job)`` for every job, serially with one worker
or in spawned worker processes with more: spawned, not forked, because a fork taken while numba's
threads exist (any earlier run in this process) can leave the child waiting forever on a lock one
of them held. Each job carries its own seed, so results do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any


def default_workers(jobs: int) -> int:
    return max(1, min(jobs, os.cpu_count() or 1, 2))


def run_jobs(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """``[fn(job) for job in jobs]``, in worker processes when ``workers`` > 1 (module doc)."""
    workers = workers if workers is not None else default_workers(len(jobs))
    results: list[Any] = [None] * len(jobs)
    if workers <= 1:
        for i, job in enumerate(jobs):
            results[i] = fn(job)
            if progress:
                progress(i + 1, len(jobs))
        return results
    from uprising.kernel_cache import WorkersCompiling

    compiling = WorkersCompiling(workers).start()  # an empty cache: say the workers compile
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        for done, fut in enumerate(as_completed(futures), 1):
            compiling.ready()
            results[futures[fut]] = fut.result()
            if progress:
                progress(done, len(jobs))
    return results
