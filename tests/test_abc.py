"""ABC-SMC (issue #12): weighted particles whose tolerance shrinks, the same on any number of workers."""

from __future__ import annotations

import datetime as dt

import pytest

from uprising.errors import UserError
from uprising.experiments.abc import abc_smc

SMALL = {"world.scale": 0.0005}
PARAMS = {"world.coalition.tolerance_scale": (0.3, 10.0, True), "world.calls.threshold": (-0.2, 0.05, False)}


@pytest.mark.slow
def test_abc_shrinks_the_tolerance_and_does_not_depend_on_workers():
    kw = dict(particles=4, generations=2, until=dt.date(2003, 9, 25), parameters=PARAMS, seed=3, overrides=SMALL)
    a = abc_smc("bolivia-2003", workers=1, **kw)
    b = abc_smc("bolivia-2003", workers=2, **kw)
    assert a["posterior"]["particles"] == b["posterior"]["particles"]
    gens = a["generations"]
    assert len(gens) == 2
    # generation 1 kept only particles within the tolerance set by generation 0's median distance
    assert all(p["distance"] <= gens[1]["tolerance"] for p in gens[1]["particles"])
    assert gens[1]["tolerance"] == pytest.approx(gens[0]["distance_median"])
    assert sum(p["weight"] for p in gens[1]["particles"]) == pytest.approx(1.0)
    for key, (lo, hi, _log) in PARAMS.items():
        q = a["posterior"]["parameters"][key]
        assert lo <= q[0] <= q[1] <= q[2] <= hi


def test_abc_refuses_a_classic_scenario():
    with pytest.raises(UserError, match="abc needs an episode"):
        abc_smc("epstein-1", particles=2, generations=1)
