"""Keyed random numbers: pure functions of their key, uniform, and independent of threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from uprising.engine import rng


def test_same_key_same_draw_and_streams_differ():
    ids = np.arange(1000, dtype=np.int64)
    a = rng.uniform_array(rng.step_key(1, "move", 5), ids, 0)
    assert np.array_equal(a, rng.uniform_array(rng.step_key(1, "move", 5), ids, 0))
    for other in (rng.step_key(2, "move", 5), rng.step_key(1, "arrest", 5), rng.step_key(1, "move", 6)):
        assert not np.array_equal(a, rng.uniform_array(other, ids, 0))
    assert not np.array_equal(a, rng.uniform_array(rng.step_key(1, "move", 5), ids, 1))


def test_stream_constants_are_distinct():
    assert len(set(rng.STREAMS.values())) == len(rng.STREAMS)


def test_uniform_and_below_are_uniform():
    ids = np.arange(200_000, dtype=np.int64)
    u = rng.uniform_array(rng.step_key(3, "hardship", 0), ids, 0)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    b = rng.below_array(rng.step_key(3, "jail_term", 0), ids, 0, 31)
    counts = np.bincount(b, minlength=31)
    assert b.min() == 0 and b.max() == 30
    expected = len(ids) / 31
    assert ((counts - expected) ** 2 / expected).sum() < 31 + 6 * np.sqrt(62)


def test_permutation_is_a_permutation():
    p = rng.permutation(rng.step_key(1, "order", 1), 1000)
    assert sorted(p.tolist()) == list(range(1000))
    assert not np.array_equal(p, rng.permutation(rng.step_key(1, "order", 2), 1000))


_RUN = """
import json, numba
from uprising.simulation import Simulation
from uprising.scenarios.schema import Scenario
s = Scenario.model_validate({"scenario": {"steps": 40}, "grid": {"width": 64, "height": 48}})
out = {}
for schedule in ("sequential", "synchronous"):
    ts = Simulation(s, seed=5, schedule=schedule).run().timeseries()
    out[schedule] = ts.to_dicts()
out["threads"] = numba.get_num_threads()
print(json.dumps(out))
"""


def test_results_do_not_depend_on_the_thread_count():
    results = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        proc = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout))
    assert results[0]["threads"] == 1 and results[1]["threads"] == 2
    assert results[0]["sequential"] == results[1]["sequential"]
    assert results[0]["synchronous"] == results[1]["synchronous"]
