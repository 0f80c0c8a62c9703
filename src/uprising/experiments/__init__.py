"""Experiments: one run as a function, sweeps over specs, a results store that loses nothing,
sensitivity analysis, counterfactual comparison and calibration (docs/experiments.md).

    from uprising.experiments import run_one, load_spec, run_sweep, open_store
    r = run_one("epstein-1", seed=1, params={"citizen.legitimacy": 0.7})
    report = run_sweep(load_spec("my-sweep.toml"), "results/my-sweep", workers=2)
    open_store("results/my-sweep").query("SELECT avg(outbursts) FROM runs")

Imports are lazy so ``import uprising.experiments`` stays cheap (numba loads in the workers).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_one": "run",
    "run_safely": "run",
    "RunResult": "run",
    "load_spec": "spec",
    "Spec": "spec",
    "spawn_seeds": "spec",
    "run_sweep": "sweep",
    "SweepReport": "sweep",
    "Store": "store",
    "open_store": "store",
    "make_executor": "executors",
    "sensitivity": "sensitivity",
    "analyse": "sensitivity",
    "compare": "compare",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"uprising.experiments.{_EXPORTS[name]}")
        return getattr(module, name) if hasattr(module, name) else module
    raise AttributeError(f"module 'uprising.experiments' has no attribute {name!r}")


__all__ = list(_EXPORTS)
