"""The first run a user sees: numba's one-time compilation, cold and warm.

    .venv/bin/python benchmarks/compile_time.py                       # epstein-1 and bolivia-2003
    .venv/bin/python benchmarks/compile_time.py --scenarios epstein-1

Each row is a fresh ``uprising run SCENARIO`` subprocess (report included, as a user runs it)
with ``NUMBA_CACHE_DIR`` pointing to a new empty folder ("cold"), then the same command again
on that folder ("warm"). Columns: wall seconds of the whole command,
CPU seconds of the command and its children, the compile seconds the run reported in
summary.json, and the 1-minute load average before the row. Targets (issue #14): a cold
``run epstein-1 --steps 100`` ≤ 30 s, a warm one ≤ 3 s, on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {("epstein-1", "cold"): 30.0, ("epstein-1", "warm"): 3.0}
ARGS = {"epstein-1": ["--steps", "100"], "bolivia-2003": []}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(scenario: str, cache: Path, out: Path) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    load = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "uprising", "run", scenario, *ARGS.get(scenario, []), "--out", str(out),
                           "-q"], env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{scenario}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
    summary = json.loads((out / "summary.json").read_text())
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "compile_s": round(summary.get("compile_seconds", 0.0), 1),
            "steps_s": round(summary.get("wall_seconds", 0.0), 2), "load": round(load, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["epstein-1", "bolivia-2003"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenarios:
            cache = Path(tmp) / f"cache-{scenario}"
            cache.mkdir()
            for state in ("cold", "warm"):
                row = {"scenario": scenario, "cache": state, **run_once(scenario, cache, Path(tmp) / f"out-{scenario}-{state}")}
                target = TARGETS.get((scenario, state))
                row["target_s"] = target
                row["met"] = None if target is None else row["wall_s"] <= target
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    met = "" if target is None else ("met" if row["met"] else "MISSED")
                    print(f"{scenario:<14} {state:<5} wall {row['wall_s']:>6.1f} s  cpu {row['cpu_s']:>6.1f} s  "
                          f"compile {row['compile_s']:>5.1f} s  steps {row['steps_s']:>6.2f} s  "
                          f"target {'' if target is None else f'≤ {target:g} s'} {met}  load {row['load']}", flush=True)


if __name__ == "__main__":
    main()
