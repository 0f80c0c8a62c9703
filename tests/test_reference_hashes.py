"""Reference trajectories of the classic engine: any change of random draws shows up here.

Each case is a short seeded run; its timeseries (every column, in name order, as int64/float64
bytes) is hashed with SHA-256 (first 16 hex). A change that alters draws or kernels' results
(a new sampling rule, a new priority, a reordering) fails this test on purpose: whoever makes
it checks the paper-reproduction and Mesa-agreement tests, then records the new hashes here and
says at which change they were taken (docs/engine.md, "Reference hashes").

Hashes taken at: issue #14 engine speed (moves: 8 rejection tries, two per mixing round, then
one draw ranked among the free cells; arrests: one ranked draw; claim priority from the
agent's own key, draw 9).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from uprising.simulation import Simulation

# (scenario, schedule, steps, overrides) -> {seed: hash}
CASES = {
    "epstein-1 sequential": ("epstein-1", "sequential", 50, {}),
    "epstein-1 synchronous": ("epstein-1", "synchronous", 50, {}),
    "epstein-2 sequential": ("epstein-2", "sequential", 50, {}),
    "epstein-2 synchronous": ("epstein-2", "synchronous", 30, {}),
    "epstein-1 200x200 synchronous": ("epstein-1", "synchronous", 10, {"grid.width": 200, "grid.height": 200}),
    "mesa-example sequential": ("mesa-example", "sequential", 30, {}),
}
HASHES = {
    "epstein-1 sequential": {1: "4e4ccb491fdcff46", 2: "c23820f52850d038"},
    "epstein-1 synchronous": {1: "c422da4576f99f14", 2: "3dceb6590ed5454d"},
    "epstein-2 sequential": {1: "703f6b7036048f85", 2: "b569a2b28ff0d0c3"},
    "epstein-2 synchronous": {1: "c0163c5bfd1acdf1", 2: "e8c672a4904962fc"},
    "epstein-1 200x200 synchronous": {1: "dc78ec8e1552cf78", 2: "4e07e28028413d35"},
    "mesa-example sequential": {1: "64f4247f534519ef", 2: "d46ea78d9cf92230"},
}


def trajectory_hash(ts) -> str:
    """SHA-256 (16 hex) of every column, in name order, as fixed-width bytes (not a file format)."""
    h = hashlib.sha256()
    for name in sorted(ts.columns):
        col = ts[name].to_numpy()
        h.update(name.encode())
        h.update(np.ascontiguousarray(col, np.float64 if col.dtype.kind == "f" else np.int64).tobytes())
    return h.hexdigest()[:16]


def run_hash(case: str, seed: int) -> str:
    scenario, schedule, steps, overrides = CASES[case]
    sim = Simulation.from_scenario(scenario, seed=seed, schedule=schedule, steps=steps, **overrides)
    return trajectory_hash(sim.run().timeseries())


@pytest.mark.parametrize("case", sorted(CASES))
def test_reference_trajectories(case):
    got = {seed: run_hash(case, seed) for seed in HASHES[case]}
    assert got == HASHES[case], f"{case}: trajectories changed; new hashes {got}"


def test_the_hash_sees_one_changed_value():
    """Negative control: the hash of a timeseries with one count changed by one differs."""
    ts = Simulation.from_scenario("epstein-1", seed=1, steps=5).run().timeseries()
    changed = ts.with_columns((ts["active"] + (ts["step"] == 3).cast(ts["active"].dtype)).alias("active"))
    assert trajectory_hash(ts) != trajectory_hash(changed)
