"""run_one: one run as a function of (config, seed) returning tidy frames."""

from __future__ import annotations

import polars as pl
import pytest

from uprising.experiments import run_one, run_safely, spawn_seeds
from uprising.experiments.run import param_column

TINY = {"scenario": {"steps": 15}, "grid": {"width": 12, "height": 12}}


def test_run_one_is_a_tidy_frame_with_ids_and_parameters():
    r = run_one(TINY, seed=5, params={"citizen.legitimacy": 0.6}, run_id=3, point=1, replicate=2, timeseries=True)
    s = r.summary
    assert s.height == 1 and r.ok
    assert s.columns[:6] == ["run_id", "point", "replicate", "seed", "citizen__legitimacy", "status"]
    expected = {"run_id": 3, "point": 1, "replicate": 2, "seed": 5, "citizen__legitimacy": 0.6, "status": "ok"}
    assert s.row(0, named=True).items() >= expected.items()
    for metric in ("mean_active", "peak_active", "outbursts", "mean_jailed", "mean_active_fraction", "steps"):
        assert metric in s.columns
    assert s["steps"][0] == 15
    ts = r.timeseries
    assert ts.height == 16 and ts["step"].to_list() == list(range(16))
    assert (ts["run_id"] == 3).all() and (ts["seed"] == 5).all() and (ts["citizen__legitimacy"] == 0.6).all()
    assert ts.columns[:5] == ["run_id", "point", "replicate", "seed", "citizen__legitimacy"]


def test_same_config_and_seed_same_numbers():
    a = run_one(TINY, seed=9, timeseries=True)
    b = run_one("epstein-1", seed=9, timeseries=True,
                params={"scenario.steps": 15, "grid.width": 12, "grid.height": 12})
    c = run_one(TINY, seed=10, timeseries=True)
    assert a.timeseries.select(pl.exclude("run_id", "point", "replicate", "seed")).equals(
        b.timeseries.select(pl.exclude("run_id", "point", "replicate", "seed", "scenario__steps", "grid__width",
                                       "grid__height")))
    assert not a.timeseries.equals(c.timeseries)
    drop = ["wall_seconds", "compile_seconds", "agent_steps_per_second"]
    assert a.summary.drop(drop).equals(run_one(TINY, seed=9).summary.drop(drop))


def test_a_failed_run_is_a_row_with_its_error():
    r = run_safely(TINY, seed=1, params={"citizen.legitimacy": 2.0}, run_id=7)
    assert not r.ok
    row = r.summary.row(0, named=True)
    assert row["run_id"] == 7 and row["status"] == "failed"
    assert "citizen.legitimacy" in row["error"] and "out of range" in row["error"]
    assert "\n" not in row["error"]
    with pytest.raises(Exception):
        run_one(TINY, seed=1, params={"citizen.legitimacy": 2.0})


def test_seeds_are_spawned_from_the_root():
    seeds = spawn_seeds(42, 100)
    assert seeds == spawn_seeds(42, 100)
    assert seeds[:10] == spawn_seeds(42, 10)  # the first runs keep their seeds when a batch grows
    assert len(set(seeds)) == 100 and all(0 <= s < 2**63 for s in seeds)
    assert seeds != spawn_seeds(43, 100)


def test_param_columns_are_sql_identifiers():
    assert param_column("citizen.legitimacy") == "citizen__legitimacy"
