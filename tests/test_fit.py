"""`uprising fit` (issue #21): the joint ABC-SMC's discrepancy, its table, and a resume after a kill
that gives the same fit as a run never stopped."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.experiments.fit import CHECKPOINT, discrepancy, fit, fitted_parameters
from uprising.scenarios import load_scenario

EPISODES = ["peru-2020", "iran-2019"]
SMALL = ["world.scale=0.0005", "scenario.steps=16"]
BUDGET = dict(particles=4, generations=2, runs_per_episode=1, seed=3, batch=2)


def _args(out) -> list[str]:
    args = ["fit", *EPISODES, "--particles", "4", "--generations", "2", "--runs-per-episode", "1", "--seed", "3",
            "--batch", "2", "-w", "1", "--out", str(out)]
    for s in SMALL:
        args += ["--set", s]
    return args


def test_the_discrepancy_has_its_four_parts():
    record = {"fell": True, "fall_date": "2020-01-31", "route": "resignation", "deaths": [10.0, 20.0]}
    runs = [{"resigned": True, "resignation_date": "2020-01-31", "fall_route": "resignation", "deaths_total": 5.0},
            {"resigned": True, "resignation_date": "2020-03-01", "fall_route": "army", "deaths_total": 89.0},
            {"resigned": False, "resignation_date": None, "fall_route": None, "deaths_total": 2.0}]
    d = discrepancy(record, runs)
    assert d["direction"] == pytest.approx(1 / 3)
    assert d["deaths"] == pytest.approx(abs(math.log(6 / 11)) / math.log(3))  # median 5 against the low end, 10
    assert d["date"] == pytest.approx((0 + 30) / 2 / 30)  # median over the two falls of 0 and 30 days
    assert d["route"] == pytest.approx(1 / 2)
    assert d["total"] == pytest.approx(2 * d["direction"] + d["deaths"] + d["date"] + d["route"])  # direction twice
    far = discrepancy(record, [{"resigned": True, "resignation_date": "2021-12-31", "fall_route": "resignation",
                                "deaths_total": 1e6}])
    assert far["date"] == 2.0 and far["deaths"] == 2.0  # each capped: no part outweighs a wrong direction
    inside = discrepancy({"fell": False, "fall_date": None, "route": "none", "deaths": [1.0, 3.0]},
                         [{"resigned": False, "deaths_total": 2.0}])
    assert inside["total"] == 0.0
    assert discrepancy(record, [{"error": "boom"}])["total"] == math.inf


def test_the_fitted_values_are_named_once_and_at_most_15():
    params = fitted_parameters()
    assert 1 <= len(params) <= 15
    assert all(lo < hi and (not log or lo > 0) for lo, hi, log in params.values())


@pytest.mark.slow
def test_a_fit_killed_mid_generation_resumes_to_the_same_posterior(tmp_path):
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "uprising", *_args(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = None
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                state = json.loads((killed / CHECKPOINT).read_text())["state"]
            except (OSError, ValueError, KeyError):
                state = None
            if state and state["t"] >= 1 and not state["done"]:  # generation 1 under way
                break
            time.sleep(0.1)
        assert proc.poll() is None, f"the fit ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (killed / "fit.json").exists()
    again = subprocess.run([sys.executable, "-m", "uprising", *_args(killed)], env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr[-800:]
    resumed = json.loads((killed / "fit.json").read_text())

    whole = fit(EPISODES, out=tmp_path / "whole", workers=1, overrides=dict(s.split("=") for s in SMALL), **BUDGET)
    assert resumed["generations"] == json.loads(json.dumps(whole["generations"]))
    assert resumed["point"] == whole["point"]
    assert len(resumed["generations"]) == 2
    post = resumed["posterior"]
    assert sum(p["weight"] for p in post["particles"]) == pytest.approx(1.0)
    assert all(p["distance"] <= post["tolerance"] for p in post["particles"])
    assert set(post["particles"][0]["episodes"]) == set(EPISODES)

    # The point is a table scenario.values can name: only the fitted keys, and the [fit] table.
    table_path = killed / "default.toml"
    table = tomllib.loads(table_path.read_text())
    assert table["fit"]["episodes"] == EPISODES and table["fit"]["particles"] == 4
    assert "/" not in table["fit"]["command"].split(" --set")[0]  # names, not paths
    sc = load_scenario("peru-2020", {"scenario.values": str(table_path)})
    assert sc.organisation_rules.threshold == pytest.approx(resumed["point"]["organisation_rules.threshold"])
    assert sc.world.clashes.fire_ratio == pytest.approx(resumed["point"]["world.clashes.fire_ratio"])


def _one_line_exit_2(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    assert "nosuch-episode" in _one_line_exit_2(["fit", "nosuch-episode", "-w", "1", "--out", str(tmp_path)])
    assert "--particles" in _one_line_exit_2(["fit", "peru-2020", "--particles", "1", "--out", str(tmp_path)])
    assert "--particles" in _one_line_exit_2(["fit", "peru-2020", "--particles", "many", "--out", str(tmp_path)])
    assert "--name" in _one_line_exit_2(["fit", "peru-2020", "--name", "a/b", "--out", str(tmp_path)])
    (tmp_path / CHECKPOINT).write_text(json.dumps({"settings": {"episodes": ["other"]}, "state": {}}))
    line = _one_line_exit_2(["fit", "peru-2020", "-w", "1", "--out", str(tmp_path)])
    assert CHECKPOINT in line and "other settings" in line
