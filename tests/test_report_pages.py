"""Report pages without a browser: which page a directory gets, and pages from partial files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from report_fixtures import fake_run
from uprising.report import page_for, write_report
from uprising.report.experiments import experiment_kind


@pytest.fixture(scope="module")
def bolivia_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from uprising.cli import app

    out = tmp_path_factory.mktemp("bolivia") / "run"
    result = CliRunner().invoke(app, ["run", "bolivia-2003", "--set", "world.scale=0.0005", "--steps", "12",
                                      "--out", str(out), "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    return out


def test_a_classic_run_gets_the_classic_page(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run", steps=10)
    assert experiment_kind(run) is None
    assert page_for(run).kicker == "uprising report"


def test_a_bolivia_run_gets_the_bolivia_page(bolivia_dir: Path) -> None:
    html = write_report(bolivia_dir).read_text()
    assert "uprising report · Bolivia" in html and 'data-map="' in html


def test_the_bolivia_page_without_the_optional_files(bolivia_dir: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(bolivia_dir, partial)
    for name in ("roads.parquet", "events.parquet", "marches.parquet", "frames.npz"):
        (partial / name).unlink()
    (partial / "summary.json").write_text(json.dumps({**json.loads((partial / "summary.json").read_text()),
                                                     "model": "bolivia"}))
    html = write_report(partial).read_text()
    assert 'data-map="' in html  # places still drawn, without roads or marches
    assert 'data-key="timeline"' in html  # the record's events alone


@pytest.mark.parametrize("meta, kind", [
    ("validation.json", "validation"), ("compare.json", "comparison"), ("store.json", "sweep"),
    ("calibration.json", "calibration"),
])
def test_a_kind_in_the_metadata_decides(tmp_path: Path, meta: str, kind: str) -> None:
    (tmp_path / meta).write_text(json.dumps({"kind": kind}))
    assert experiment_kind(tmp_path) == kind


def test_validation_without_series_says_so(tmp_path: Path) -> None:
    (tmp_path / "validation.json").write_text(json.dumps({
        "scenario": "<b>bolivia</b>", "runs": 1, "resigned_share": 1.0, "deaths_median": 70,
        "per_run": [{"seed": 1, "resigned": True, "resignation_date": "2003-10-16", "deaths_total": 70}]}))
    html = write_report(tmp_path).read_text()
    assert "no per-run series" in html
    assert "&lt;b&gt;bolivia&lt;/b&gt;: validation" in html and "<b>bolivia</b>" not in html


def test_report_command_refuses_a_directory_without_results(tmp_path: Path) -> None:
    from uprising.cli import app

    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "holds no run" in result.output
