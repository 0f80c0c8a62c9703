"""Batches and the results store: same numbers on any executor, resume after SIGKILL, nothing lost
or duplicated, a changed spec refused, failures recorded without stopping the batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import polars as pl
import pytest
from experiments_helpers import ROOT, cli, comparable, write_spec

from uprising.errors import UserError
from uprising.experiments import Store, load_spec, open_store, run_sweep


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the small sweep run in this process, one run after another."""
    tmp = tmp_path_factory.mktemp("serial")
    spec = load_spec(write_spec(tmp / "small.toml"))
    report = run_sweep(spec, tmp / "out", workers=1, progress=False)
    assert report.ran == spec.n_runs == 8 and report.failed == 0
    return spec, report.store.runs(), report.store.timeseries()


def test_serial_store_holds_every_run_once(serial):
    spec, runs, ts = serial
    assert runs["run_id"].to_list() == list(range(8))
    assert runs["seed"].to_list() == [r.seed for r in spec.runs()]
    assert (runs["status"] == "ok").all()
    assert set(runs["citizen__legitimacy"]) == {0.7, 0.85}
    assert ts.height == 8 * 21 and ts.select("run_id", "step").is_unique().all()


def test_two_processes_and_a_dask_local_cluster_give_the_serial_numbers(serial, tmp_path):
    spec, runs, ts = serial
    for name, kwargs in (("procs", {"workers": 2, "chunk": 1}), ("dask", {"workers": 2, "scheduler": "local"})):
        report = run_sweep(spec, tmp_path / name, progress=False, **kwargs)
        assert report.ran == 8, name
        assert comparable(report.store.runs()).equals(comparable(runs)), name
        assert comparable(report.store.timeseries()).equals(comparable(ts)), name


def test_rerun_resumes_and_rebuilds_a_lagging_catalogue(serial, tmp_path):
    spec, runs, ts = serial
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    store = Store(out)
    files = store.run_files()
    # A kill after some runs were written but before they were catalogued, and before others ran.
    for run_id in (1, 6):
        files[run_id].unlink()
        store.timeseries_path(run_id).unlink()
    (out / "catalog.duckdb").unlink()
    seen = []
    report = run_sweep(spec, out, workers=1, progress=False, on_result=lambda r: seen.append(r.run_id))
    assert sorted(seen) == [1, 6] and report.skipped == 6
    got = open_store(out).runs()
    assert got["run_id"].to_list() == list(range(8))
    assert comparable(got).equals(comparable(runs))
    assert comparable(open_store(out).timeseries()).equals(comparable(ts))
    again = run_sweep(spec, out, workers=1, progress=False)
    assert again.ran == 0 and again.skipped == 8


def test_sigkill_mid_batch_then_rerun_loses_and_duplicates_nothing(tmp_path):
    spec_path = write_spec(tmp_path / "kill.toml", seeds=30, steps=100, size=20)
    spec = load_spec(spec_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "uprising", "sweep", str(spec_path), "--out", str(out), "-w", "2", "-q"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    store = Store(out)
    deadline = time.monotonic() + 90
    try:
        while len(store.run_files()) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep wrote no runs in 90 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    written_at_kill = len(store.run_files())
    assert written_at_kill < spec.n_runs, "the batch finished before the kill; make it longer"
    r = cli("sweep", str(spec_path), "--out", str(out), "-w", "2", "-q")
    assert r.returncode == 0, r.stderr
    assert f"{written_at_kill} already in the store" in r.stdout or "already in the store" in r.stdout
    got = open_store(out).runs()
    assert got["run_id"].to_list() == list(range(spec.n_runs))  # each run exactly once
    reference = run_sweep(spec, tmp_path / "reference", workers=1, progress=False).store
    assert comparable(got).equals(comparable(reference.runs()))
    assert comparable(open_store(out).timeseries()).equals(comparable(reference.timeseries()))
    assert not list(out.rglob("*.tmp"))  # a kill's half-written temporary files are swept away on resume
    for path in out.rglob("*.parquet"):
        pl.read_parquet(path)  # every file under a final name is whole


def test_a_changed_spec_is_refused_unless_new(serial, tmp_path):
    spec, runs, _ = serial
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    changed = load_spec(write_spec(tmp_path / "changed.toml", steps=25))
    with pytest.raises(UserError) as e:
        run_sweep(changed, out, workers=1, progress=False)
    assert "holds the results of a different spec" in str(e.value) and "--new" in str(e.value)
    r = cli("sweep", str(tmp_path / "changed.toml"), "--out", str(out), "-w", "1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--new" in r.stderr
    report = run_sweep(changed, out, workers=1, progress=False, new=True)
    assert report.ran == 8 and open_store(out).runs()["steps"].unique().to_list() == [25]
    previous = list((out / "previous").iterdir())
    assert len(previous) == 1 and (previous[0] / "store.json").is_file()


def test_a_failed_run_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    from uprising.simulation import Simulation

    spec = load_spec(write_spec(tmp_path / "s.toml", timeseries=False))
    doomed = spec.runs()[3].seed
    original = Simulation.run

    def flaky(self, *args, **kwargs):
        if self.seed == doomed:
            raise RuntimeError("boom\nsecond line")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Simulation, "run", flaky)
    report = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert report.ran == 8 and report.failed == 1
    runs = report.store.runs()
    failed = runs.filter(pl.col("status") == "failed")
    assert failed["run_id"].to_list() == [3]
    assert failed["error"][0].startswith("RuntimeError: boom second line (at ")
    assert failed["mean_active"][0] is None
    assert runs.filter(pl.col("status") == "ok").height == 7
    assert run_sweep(spec, tmp_path / "out", workers=1, progress=False).ran == 0
    monkeypatch.setattr(Simulation, "run", original)
    retried = run_sweep(spec, tmp_path / "out", workers=1, progress=False, retry_failed=True)
    assert retried.ran == 1 and retried.failed == 0
    assert (open_store(tmp_path / "out").runs()["status"] == "ok").all()


def test_results_cli(serial, tmp_path):
    spec, runs, _ = serial
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    r = cli("results", str(out), "SELECT citizen__legitimacy AS l, count(*) AS n FROM runs GROUP BY 1 ORDER BY 1", "--csv")
    assert r.returncode == 0 and r.stdout == "l,n\n0.7,4\n0.85,4\n"
    r = cli("results", str(out))
    assert r.returncode == 0 and "8 of 8 runs finished (8 ok, 0 failed)" in r.stdout
    r = cli("results", str(out), "SELECT count(*) AS n FROM timeseries", "--out", str(tmp_path / "n.parquet"))
    assert r.returncode == 0 and pl.read_parquet(tmp_path / "n.parquet")["n"][0] == 8 * 21
    r = cli("results", str(out), "SELEC oops")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "SQL: Parser Error" in r.stderr
    r = cli("results", str(tmp_path), "SELECT 1")
    assert r.returncode == 2 and "not a results store" in r.stderr
    # While a sweep holds the catalogue, queries read the Parquet files.
    with Store(out) as busy:
        busy._connect()
        assert open_store(out).query("SELECT count(*) AS n FROM runs")["n"][0] == 8
