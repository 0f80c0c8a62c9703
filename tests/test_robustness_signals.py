"""Nothing lost: a real `uprising run` stopped by SIGTERM or Ctrl-C mid-run, then resumed.

The stopped run leaves the steps done (timeseries.parquet whole, one row per step reached),
a checkpoint and INTERRUPTED.json, and no summary.json (that marks a complete run); `uprising
resume` then finishes the run with the files the uninterrupted run writes, byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

ARGS = ["run", "epstein-1", "--steps", "3000", "--set", "grid.width=30", "--set", "grid.height=30",
        "--frame-every", "100", "--no-report", "-q"]


def uprising(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "NUMBA_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "uprising", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whole")
    done = uprising(*ARGS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_run_leaves_whole_files_and_resume_finishes_it(tmp_path, whole, sig):
    out = tmp_path / "run"
    out.mkdir()
    # an earlier run of the same command left its files (a different run's would be refused: issue #22, 12);
    # its summary.json and report.html must not survive beside the new counts
    (out / "scenario.toml").write_bytes((whole / "scenario.toml").read_bytes())
    (out / "summary.json").write_text("{}")
    (out / "report.html").write_text("<html></html>")
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "uprising", *ARGS, "--out", str(out), "--checkpoint-every", "200"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoint.npz").exists():  # stepping has begun (first checkpoint at 200)
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived (machine too fast for this test)")
    assert proc.returncode == 128 + sig, stderr
    assert "Traceback" not in stderr
    line = stderr.strip()
    assert "\n" not in line and f"interrupted by {sig.name}" in line and "uprising resume" in line
    note = json.loads((out / "INTERRUPTED.json").read_text())
    assert note["interrupted_by"] == sig.name and 200 <= note["step"] < 3000 and note["steps"] == 3000
    assert not (out / "summary.json").exists() and not (out / "report.html").exists()
    ts = pl.read_parquet(out / "timeseries.parquet")
    assert ts["step"].to_list() == list(range(note["step"] + 1))
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left

    resumed = uprising("resume", str(out / "checkpoint.npz"), "-q", "--no-report")
    assert resumed.returncode == 0, resumed.stderr
    assert not (out / "INTERRUPTED.json").exists()
    for name in ("timeseries.parquet", "frames.npz", "scenario.toml"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert json.loads((out / "summary.json").read_text())["steps"] == 3000
