"""Calibration: the record up to a date, the fit score, parameter ranges, and a tiny study end to end."""

from __future__ import annotations

import datetime as dt
import json
import math
from importlib import resources

import pytest

from uprising.errors import UserError
from uprising.experiments.calibrate import MISSING_PHASE_COST, calibrate, load_record, parse_param, score_run

D = dt.date
FOLDER = resources.files("uprising").joinpath("episodes", "bolivia-2003")


def test_record_up_to_a_date():
    r = load_record(FOLDER)
    assert r.resignation == D(2003, 10, 17)
    assert r.phase_start["warisata"] == D(2003, 9, 20) and r.phase_start["october_12_13"] == D(2003, 10, 12)
    assert r.deaths_until(D(2003, 9, 19)) == 0
    assert r.deaths_until(D(2003, 10, 10)) == pytest.approx(8.0)  # Warisata and Sorata 6, Senkata 2
    assert 58 <= r.deaths_until(D(2003, 10, 31)) <= 81
    assert r.deaths_total == (58.0, 81.0)


def _run(deaths, phases, resigned=None):
    return {"deaths_by_day": deaths, "phase_dates": phases, "resigned": resigned is not None,
            "resignation_date": resigned.isoformat() if resigned else None}


PHASES_ON_TIME = {"altiplano_blockade": D(2003, 9, 15), "warisata": D(2003, 9, 20), "general_strike": D(2003, 9, 29),
                  "el_alto_senkata": D(2003, 10, 8)}


def test_a_run_like_the_record_scores_zero_and_mistakes_cost():
    r = load_record(FOLDER)
    until = D(2003, 10, 10)
    perfect = _run({D(2003, 9, 20): 6.0, D(2003, 10, 9): 8.0}, PHASES_ON_TIME)
    assert score_run(perfect, r, until)["total"] == pytest.approx(0.0)
    late = _run({D(2003, 10, 9): 8.0}, {**PHASES_ON_TIME, "warisata": D(2003, 9, 27)})
    assert score_run(late, r, until)["phases"] == pytest.approx(1.0)  # a week late costs 1
    missing = _run({D(2003, 10, 9): 8.0}, {k: v for k, v in PHASES_ON_TIME.items() if k != "el_alto_senkata"})
    assert score_run(missing, r, until)["phases"] == MISSING_PHASE_COST
    early = _run({D(2003, 10, 9): 8.0}, PHASES_ON_TIME, resigned=D(2003, 10, 3))
    assert score_run(early, r, until)["resignation"] == pytest.approx(1 + 4)  # two weeks early
    # What happens after the date does not count.
    after = _run({D(2003, 10, 9): 8.0, D(2003, 10, 20): 500.0}, PHASES_ON_TIME, resigned=D(2003, 10, 25))
    assert score_run(after, r, until)["total"] == pytest.approx(score_run(perfect, r, until)["total"])
    too_many = _run({D(2003, 10, 9): 9.0 * math.exp(0.5) - 1.0}, PHASES_ON_TIME)  # log1p off by 0.5
    assert score_run(too_many, r, until)["deaths"] == pytest.approx(1.0, rel=1e-6)
    assert score_run({"error": "boom"}, r, until)["total"] == float("inf")


def test_parse_param():
    assert parse_param("world.clashes.fire_ratio=1.5:8:log") == ("world.clashes.fire_ratio", (1.5, 8.0, True))
    assert parse_param("world.calls.threshold=-0.2:0.05") == ("world.calls.threshold", (-0.2, 0.05, False))
    for bad in ("world.x", "k=1", "k=2:1", "k=0:1:log", "k=a:b"):
        with pytest.raises(UserError):
            parse_param(bad)


def test_calibrate_refuses_classic_scenarios_and_dates_outside_the_period(tmp_path):
    with pytest.raises(UserError, match="calibrate needs an episode"):
        calibrate("epstein-1", trials=1, out=tmp_path)
    with pytest.raises(UserError, match="outside the scenario's period"):
        calibrate("bolivia-2003", trials=1, until=D(2004, 1, 1), out=tmp_path)
    with pytest.raises(UserError, match="--param: world.nope"):
        calibrate("bolivia-2003", trials=1, parameters={"world.nope": (0, 1, False)}, out=tmp_path)


@pytest.mark.slow
def test_a_tiny_study_resumes_and_forecasts(tmp_path):
    kwargs = dict(until=D(2003, 9, 21), seeds=1, workers=1, out=tmp_path, overrides={"world.scale": 0.0005},
                  parameters={"world.clashes.kill_per_soldier": (0.001, 0.01, True)}, progress=False)
    first = calibrate("bolivia-2003", trials=2, forecast_runs=0, **kwargs)
    assert first.trials == 2 and first.best_score < float("inf") and first.forecast is None
    assert set(first.best_params) == {"world.clashes.kill_per_soldier"}
    again = calibrate("bolivia-2003", trials=3, forecast_runs=1, **kwargs)  # resumes the SQLite study
    assert again.trials == 3
    saved = json.loads((tmp_path / "calibration.json").read_text())
    assert saved["trials"] == 3 and saved["until"] == "2003-09-21"
    for key in ("forecast", "forecast_shipped"):
        fc = saved[key]
        assert fc["runs"] == 1 and fc["failed"] == 0 and "validation" in fc
        assert fc["record_deaths_after_until"] == pytest.approx(69.0 - 6.0)
        assert set(fc["phases_after_until"]) == {"general_strike", "el_alto_senkata", "october_12_13"}
