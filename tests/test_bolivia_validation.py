"""`uprising validate`: seeds spawned from one root, so the result does not depend on workers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from uprising.cli import app
from uprising.experiments.validation import seeds, validate

KEYS = ("runs", "resigned_share", "resigned_in_window_share", "resignation_date_median", "deaths_median",
        "deaths_p10", "deaths_p90", "capital_death_share", "phases_in_order_share", "backfire_share")


def test_seeds_are_spawned_from_one_root():
    assert seeds(7, 3) == seeds(7, 5)[:3]
    assert len(set(seeds(7, 10))) == 10


def test_result_does_not_depend_on_workers():
    over = {"world.scale": 0.0005, "scenario.steps": 60}
    a = validate("bolivia-2003", runs=2, overrides=over, workers=1)
    b = validate("bolivia-2003", runs=2, overrides=over, workers=2)
    for k in KEYS:
        assert a[k] == b[k]
    assert [r["deaths_total"] for r in a["per_run"]] == [r["deaths_total"] for r in b["per_run"]]


def test_validate_command_writes_validation_json(tmp_path):
    r = CliRunner().invoke(app, ["validate", "bolivia-2003", "--runs", "1", "--scale", "0.0005",
                                 "--set", "scenario.steps=40", "--workers", "1", "--out", str(tmp_path), "-q"])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "validation.json").read_text())
    for k in KEYS:
        assert k in data


def test_validate_refuses_a_classic_scenario(tmp_path):
    r = CliRunner().invoke(app, ["validate", "epstein-1", "--runs", "1", "--out", str(tmp_path)])
    assert r.exit_code == 2
