"""The memory of a world of places (issue #14): the measured model predicts a run's peak, and a
run that would not fit is refused with one line naming ``world.scale`` and the scenario.

The model's constants come from ``benchmarks/memory_model.py`` (docs/country-scale.md, "Memory").
Here a small run in a fresh process (the benchmark's own child, so the same work) is measured with
the kernel's ru_maxrss and compared with the model; the guard is checked with a given amount of
free memory, and through the command line with a grid no machine could hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uprising.errors import UserError
from uprising.scenarios import load_scenario
from uprising.world import memory

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


def measured_peak(scale: float, density: float) -> tuple[dict, int]:
    cmd = [sys.executable, str(ROOT / "benchmarks" / "memory_model.py"), "--child", "--scale", repr(scale),
           "--density", repr(density), "--steps", "40"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, err[-2000:]
    run = json.loads(out.strip().splitlines()[-1])
    # the child's own high-water mark: wait4's ru_maxrss would include this (large) pytest worker's,
    # which Linux carries into a vforked child at exec
    return run, int(run["peak_rss"])


@pytest.fixture(scope="module")
def warm_cache():
    """One run first, so numba's cache holds every kernel: compiling (LLVM's memory) would
    otherwise set a cold machine's peak, not the run's data."""
    measured_peak(0.001, 0.7)


@pytest.mark.parametrize("scale, density", [(0.005, 0.7), (0.02, 0.35)])
def test_the_model_predicts_the_peak_of_a_small_run(warm_cache, scale, density):
    run, peak = measured_peak(scale, density)
    for _ in range(3):  # a kernel compiled in the measured run (a cold cache, or the other pytest
        if run["compile_s"] == 0:  # worker rewriting numba's index at the same moment): measure again
            break
        run, peak = measured_peak(scale, density)
    assert run["compile_s"] == 0, run
    model = memory.need_bytes(run["agents"], run["cells"], run["places"], run["frames_kept"])
    assert abs(model - peak) / peak < 0.2, (run, peak / GIB, model / GIB)


def test_a_run_that_does_not_fit_is_refused_with_one_line():
    sc = load_scenario("bolivia-2003", {"scale": 1.0})
    agents, cells, places = 8_299_402, 11_865_650, 30
    need = memory.need_bytes(agents, cells, places)
    memory.check_fits(sc, agents, cells, places, available=int(2 * need))  # fits: nothing happens
    with pytest.raises(UserError) as e:
        memory.check_fits(sc, agents, cells, places, available=int(need / 2))
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith("bolivia-2003: world.scale: 1 puts 8,299,402 agents")
    scale_fits = float(text.split("a scale up to ")[1].split(",")[0])
    assert 0.05 < scale_fits < 0.5  # half the memory: less than half the scale (the constant stays)


def test_the_command_line_refuses_a_grid_no_machine_holds(tmp_path):
    """One agent per person at one citizen per 100,000 cells: 10^12 cells. Refused before any
    allocation: exit 2, one line on stderr naming world.scale and the scenario, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "uprising", "run", "bolivia-2003", "--set", "scale=1", "--set",
         "world.citizen_density=0.00001", "--out", str(tmp_path / "out"), "-q"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bolivia-2003: world.scale: 1 puts"), lines[0]
    assert "GiB of memory" in lines[0]
    assert not (tmp_path / "out" / "timeseries.parquet").exists()
