"""Small sweep specs for the experiments tests: tiny grids and few steps, so runs take milliseconds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from uprising.experiments.run import TIMING_COLUMNS

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
[sweep]
name = "small"
scenario = "epstein-1"
seed = 11
seeds = {seeds}
steps = {steps}

[set]
"grid.width" = {size}
"grid.height" = {size}

[grid]
"citizen.legitimacy" = [0.7, 0.85]
"population.cop_density" = [0.03, 0.05]

[outputs]
timeseries = {timeseries}
"""


def write_spec(path: Path, *, seeds: int = 2, steps: int = 20, size: int = 14, timeseries: bool = True,
               text: str | None = None) -> Path:
    path.write_text(text if text is not None else SMALL.format(
        seeds=seeds, steps=steps, size=size, timeseries=str(timeseries).lower()))
    return path


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """A results frame without the columns that time the machine, sorted by run (and step)."""
    keys = [c for c in ("run_id", "step", "place") if c in frame.columns]
    return frame.drop([c for c in TIMING_COLUMNS if c in frame.columns]).sort(keys)


def cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """``python -m uprising ARGS`` in a subprocess (the real CLI: exit codes, stderr)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "uprising", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=kwargs.pop("cwd", ROOT), **kwargs)
