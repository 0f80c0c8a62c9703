"""What `uprising run` prints, and compilation kept apart from a run's speed (issues #14, #15)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time

import numba as nb
import numpy as np
import pytest

from uprising.cli.summary_view import _number
from uprising.compilation import CLOCK
from uprising.engine.plan import Phase
from uprising.scenarios import load_scenario
from uprising.simulation import Simulation


def _uprising(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "uprising", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_an_episode_summary_speaks_in_people_beside_the_record(tmp_path):
    done = _uprising("run", "bolivia-2003", "--steps", "60", "--no-report", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "record" in text.splitlines()[0]          # a record column
    assert re.search(r"deaths\s+\d+\s+\d+–\d+", text)  # the model's toll beside the record's range
    assert "people" in text and "1 agent per" in text
    for stray in ("outburst", "→", "agent steps per second", "T00:00", "e-1", "e-0"):
        assert stray not in text, stray            # no Epstein-only metric, plan, raw key, second date format
    dates = set(re.findall(r"\d{4}-\d{2}-\d{2}\S*", text))
    assert dates and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}\)?", d) for d in dates), dates
    assert "steps took" in text and "compiling took" in text


def test_a_classic_summary_keeps_epsteins_measures(tmp_path):
    done = _uprising("run", "epstein-1", "--steps", "20", "--no-report", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "outbursts" in done.stdout and "steps took" in done.stdout
    assert "record" not in done.stdout


def test_a_tiny_negative_number_prints_as_zero():
    assert _number(-2.637e-16) == "0.000"
    assert _number(-0.0234) == "-0.023"


def test_compilation_is_counted_apart_from_the_steps():
    sim = Simulation(load_scenario("epstein-1", {"scenario.steps": 3}), seed=1)
    sim.run(1)  # the engine's kernels are compiled or loaded now

    @nb.njit  # a new kernel (no cache): compiled on its first call, inside step 2
    def fresh(x):
        total = 0.0
        for i in range(x.shape[0]):
            total += np.sin(x[i]) * np.cos(x[i]) + np.sqrt(abs(x[i]))
        return total

    sim.plan.append(Phase("test.compile", lambda world, step: fresh(np.arange(10.0))))
    compile_before, wall_before, kernels_before = sim.compile_seconds, sim.wall_seconds, CLOCK.kernels
    t0 = time.perf_counter()
    sim.step()
    outside = time.perf_counter() - t0
    compiled = sim.compile_seconds - compile_before
    own = sim.wall_seconds - wall_before
    assert CLOCK.kernels > kernels_before and compiled > 0  # numba compiled `fresh` inside the step
    assert own + compiled == pytest.approx(outside, abs=0.005)  # the step's time, split in two ...
    assert own <= outside - compiled + 1e-9                      # ... and its own part holds no compiling
    summary = sim.summary()
    assert summary["compile_seconds"] == sim.compile_seconds
    assert summary["agent_steps_per_second"] > 0


def test_a_first_run_says_it_is_compiling(tmp_path):
    """A new kernel compiled under the CLI's display: the log says it, with its estimate, then the total."""
    script = textwrap.dedent("""
        import io, numba as nb
        from rich.console import Console
        from uprising.cli.progress import ProgressBar
        screen = io.StringIO()
        with ProgressBar("x", enabled=True, console=Console(file=screen, force_terminal=False)) as bar:
            nb.njit(lambda x: (x * 2.0 + 1.0) ** 0.5)(1.0)
            bar(1, 1)
        print(screen.getvalue())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert re.search(r"compiling kernels \(first run only, about \d+ s\)", done.stdout)
    assert "later runs load them from the cache" in done.stdout

