"""`uprising crossval` (issue #21): leave one episode out on 3 small episodes with a tiny budget, with
a negative control (an episode whose record is flipped is predicted wrong, and its prediction is the
same as the unflipped episode's: nothing of the left-out record enters it)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import tomllib

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.scenarios import load_scenario
from uprising.scenarios.loader import shipped_path

SETS = ["--set", "world.scale=0.0005", "--set", "scenario.steps=24"]
TINY = ["--particles", "4", "--generations", "1", "--runs-per-episode", "1", "--runs", "2", "-w", "1", *SETS]
ENTRY_KEYS = {"name", "record_fell", "p_fall", "fall_date_median", "record_fall_date", "date_error_days", "route",
              "record_route", "deaths_median", "deaths_p10", "deaths_p90", "record_deaths"}
SCORE_KEYS = {"brier", "brier_base_rate", "crps_log_deaths", "crps_log_deaths_climatology", "direction_right_share",
              "deaths_within_factor_3_share"}
FLIPPED = "kenya-2024"  # the record says it survived; its copy says it fell


def flip(folder) -> None:
    """The record says the government fell (by resignation, five days in) where it did not."""
    start = load_scenario(str(folder)).world.start
    path = folder / "record.toml"
    text = path.read_text()
    assert re.search(r"(?m)^resigned = false", text)
    text = re.sub(r"(?m)^resigned = false", "resigned = true", text, count=1)
    text = re.sub(r'(?m)^route = "none"', f'route = "resignation"\nfall_date = {start + dt.timedelta(days=5)}', text,
                  count=1)
    path.write_text(text)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("crossval")
    flipped = base / FLIPPED
    shutil.copytree(shipped_path(FLIPPED).parent, flipped)
    flip(flipped)
    out = base / "out"
    result = CliRunner().invoke(app, ["crossval", "peru-2020", "iran-2019", str(flipped), "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "crossval.json").read_text())


@pytest.mark.slow
def test_crossval_writes_every_episode_and_the_scores(run):
    out, data = run
    assert [e["name"] for e in data["episodes"]] == ["peru-2020", "iran-2019", FLIPPED]
    for e in data["episodes"]:
        assert ENTRY_KEYS <= set(e)
        assert 0.0 <= e["p_fall"] <= 1.0 and e["deaths_p10"] <= e["deaths_median"] <= e["deaths_p90"]
        assert e["name"] not in e["training"] and len(e["training"]) == 2  # fitted on the others only
        fold = tomllib.loads((out / "folds" / f"{e['name']}.toml").read_text())
        assert fold["fit"]["episodes"] == e["training"] and "organisation_rules" in fold
    s = data["scores"]
    assert SCORE_KEYS <= set(s)
    assert all(isinstance(s[k], float) and math.isfinite(s[k]) for k in SCORE_KEYS)
    # The base rate of each fold is the share of falls among its two training episodes (peru fell; the
    # flipped copy fell; iran did not).
    assert [e["base_rate"] for e in data["episodes"]] == [0.5, 1.0, 0.5]
    assert s["brier_base_rate"] == pytest.approx((0.5**2 + 1.0**2 + 0.5**2) / 3)
    brier = sum((e["p_fall"] - e["record_fell"]) ** 2 for e in data["episodes"]) / 3
    assert s["brier"] == pytest.approx(brier)
    html = (out / "report.html").read_text()
    assert all(name in html for name in ("peru-2020", "iran-2019", FLIPPED)) and "Brier" in html
    (out / "report.html").unlink()  # `uprising report DIR` knows a crossval's directory
    assert CliRunner().invoke(app, ["report", str(out)]).exit_code == 0
    assert "Leave one episode out" in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_flipped_record_is_predicted_wrong_and_the_prediction_never_read_it(run, tmp_path):
    out, data = run
    flipped = next(e for e in data["episodes"] if e["name"] == FLIPPED)
    assert flipped["record_fell"] is True
    assert flipped["direction_right"] is False
    # The same fold's values on the episode as shipped (its record unflipped): the same runs, now right.
    again = CliRunner().invoke(app, ["crossval", "--predict", FLIPPED, "--folds", str(out / "folds"), "--runs", "2",
                                     "-w", "1", "--out", str(tmp_path), *SETS])
    assert again.exit_code == 0, again.output
    [shipped] = json.loads((tmp_path / "crossval.json").read_text())["episodes"]
    assert shipped["record_fell"] is False and shipped["direction_right"] is True
    for key in ("p_fall", "deaths_median", "deaths_runs", "route", "fall_date_median"):
        assert shipped[key] == flipped[key], key


def _one_line_exit_2(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    assert "nosuch-episode" in _one_line_exit_2(["crossval", "peru-2020", "nosuch-episode", "--out", str(tmp_path)])
    assert "--particles" in _one_line_exit_2(["crossval", "--particles", "1", "--out", str(tmp_path)])
    assert "at least 2" in _one_line_exit_2(["crossval", "peru-2020", "-w", "1", "--out", str(tmp_path)])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no fold tables" in _one_line_exit_2(["crossval", "--predict", "--folds", str(empty), "--out", str(tmp_path)])
    assert "--folds" in _one_line_exit_2(["crossval", "peru-2020", "iran-2019", "--folds", str(empty)])
    # A fold table fitted on the episode it would predict is not a prediction.
    (empty / "peru-2020.toml").write_text('[fit]\nepisodes = ["peru-2020", "iran-2019"]\n')
    assert "itself" in _one_line_exit_2(["crossval", "--predict", "peru-2020", "--folds", str(empty), "--out", str(tmp_path)])


def _sample(fell_in: dict[str, list[bool]]) -> dict:
    """A made-up prior sample: particle i has value x = i and, in each episode, one run that fell or not."""
    n = len(next(iter(fell_in.values())))
    records = {e: {"fell": True, "fall_date": "2020-01-10", "route": "resignation", "deaths": [1.0, 10.0]}
               for e in fell_in}
    particles = [{"values": {"world.coalition.tolerance_scale": float(i + 1)},
                  "episodes": {e: {"per_run": [{"seed": 1, "resigned": fell_in[e][i],
                                                "resignation_date": "2020-01-10" if fell_in[e][i] else None,
                                                "fall_route": "resignation" if fell_in[e][i] else None,
                                                "deaths_total": 5.0}]} for e in fell_in}} for i in range(n)]
    return {"generations": [{"particles": particles}], "records": records}


def test_rejection_reads_only_the_training_episodes():
    from uprising.experiments.crossval import rejection

    base = {"a": [True, True, False, False], "b": [True, True, False, False], "left": [False, False, True, True]}
    point, _dist, kept = rejection(_sample(base), ["a", "b"], accept=0.5)
    assert kept == 2 and point["world.coalition.tolerance_scale"] == 1.5  # particles 1 and 2 match a and b
    other_left = dict(base, left=[True, True, True, True])
    assert rejection(_sample(other_left), ["a", "b"], accept=0.5)[0] == point  # the left-out runs are never read
    other_train = dict(base, a=[False, False, True, True], b=[False, False, True, True])
    assert rejection(_sample(other_train), ["a", "b"], accept=0.5)[0] != point  # the training runs are


def test_crossval_by_rejection_writes_folds_and_a_joint_fit(tmp_path):
    out = tmp_path / "cv"
    r = CliRunner().invoke(app, ["crossval", "peru-2020", "iran-2019", "--method", "rejection", "--particles", "4",
                                 "--accept", "0.5", "--runs", "1", "-w", "1", "--out", str(out), *SETS])
    assert r.exit_code == 0, r.output
    assert {p.stem for p in (out / "folds").glob("*.toml")} == {"peru-2020", "iran-2019"}
    fold = tomllib.loads((out / "folds" / "peru-2020.toml").read_text())
    assert fold["fit"]["episodes"] == ["iran-2019"]
    joint = tomllib.loads((out / "joint.toml").read_text())
    assert sorted(joint["fit"]["episodes"]) == ["iran-2019", "peru-2020"]
    data = json.loads((out / "crossval.json").read_text())
    assert data["settings"]["method"] == "rejection" and {e["name"] for e in data["episodes"]} == {"peru-2020", "iran-2019"}
    bad = CliRunner().invoke(app, ["crossval", "peru-2020", "iran-2019", "--accept", "0", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "--accept" in bad.output
