"""The engine: population (structure of arrays), places and cells, vision, counts, keyed random
numbers, and the kernels of Epstein's Models I and II under two schedules.

Layout and kernels: docs/engine.md. Schedules: docs/schedules.md.
"""

import os

import numba

# numba's default OpenMP layer waits passively between parallel regions; on this 2-core machine
# under load a region then cost 8-11 ms to start (workqueue: 0.3 ms; docs/engine.md), and a
# synchronous step has ~6 regions. Respect an explicit NUMBA_THREADING_LAYER.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"
