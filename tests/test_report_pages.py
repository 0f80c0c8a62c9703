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


def test_an_episode_run_gets_the_episode_page(bolivia_dir: Path) -> None:
    from uprising.report.episode import is_episode_run

    assert is_episode_run(bolivia_dir)
    html = write_report(bolivia_dir).read_text()
    assert "uprising report · Bolivia 2003, the Gas War" in html and 'data-map="' in html  # the record's title
    assert "17 Oct: resigned (record)" in html  # the record's resignation, from record.toml


def test_the_episode_page_without_the_optional_files(bolivia_dir: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(bolivia_dir, partial)
    for name in ("roads.parquet", "events.parquet", "marches.parquet", "frames.npz"):
        (partial / name).unlink()
    (partial / "summary.json").write_text(json.dumps({**json.loads((partial / "summary.json").read_text()),
                                                     "model": "places"}))
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


def test_the_episode_page_follows_the_record(bolivia_dir: Path, tmp_path: Path) -> None:
    """Everything episode-specific comes from the record: a copy of the episode whose record says
    the government did not fall (a concession ended it) and follows other places."""
    folder = tmp_path / "episode"
    shutil.copytree(Path(json.loads((bolivia_dir / "summary.json").read_text())["parameters"]["world"]["folder"]),
                    folder)
    text = (folder / "record.toml").read_text()
    text = text.replace("resigned = true", 'resigned = false\nconcession = "Decree withdrawn"\n'
                        "concession_date = 2003-10-13")
    text = text.replace("resignation_date = 2003-10-17", "")
    text = text.replace('episode = "Bolivia 2003, the Gas War"', 'episode = "A <b>test</b> episode"')
    text = text.replace("deaths = [58, 81]", "deaths = [5, 12]")
    text = text.replace('[report]\nplaces = ["La Paz", "El Alto"]', '[report]\nplaces = ["Oruro"]')
    (folder / "record.toml").write_text(text)
    run = tmp_path / "run"
    shutil.copytree(bolivia_dir, run)
    summary = json.loads((run / "summary.json").read_text())
    summary["parameters"]["world"]["folder"] = str(folder)
    (run / "summary.json").write_text(json.dumps(summary))
    html = write_report(run).read_text()
    assert "uprising report · A &lt;b&gt;test&lt;/b&gt; episode" in html
    assert "13 Oct: Decree withdrawn (record)" in html and "resigned (record)" not in html
    assert "5–12" in html and "58–81" not in html
    assert 'data-stat="peak_oruro"' in html and 'data-stat="peak_la_paz"' not in html


def test_validation_page_from_validation_json(tmp_path: Path) -> None:
    """The targets, the outcome beside the record and the scores come straight from validation.json."""
    series = {"step": [0, 1, 2, 3], "active": {"Town A": [0, 5, 9, 2], "Town B": [1, 2, 3, 4]},
              "deaths": [0, 1, 2, 2], "start": "2001-02-01", "hours_per_step": 12}
    (tmp_path / "validation.json").write_text(json.dumps({
        "runs": 2, "episode": "Somewhere 2001", "scenario": "somewhere", "resigned_share": 0.0,
        "resigned_in_window_share": None, "resignation_date_median": None, "deaths_median": 2, "deaths_p10": 2,
        "deaths_p90": 2, "capital_death_share": 0.5, "phases_in_order_share": 0.5, "backfire_share": 0.0,
        "capital_fuel_short_days_median": 1.5,
        "record": {"episode": "Somewhere 2001", "resigned": False, "resignation_date": None,
                   "concession": "tax repealed", "concession_date": "2001-02-02", "deaths": [1, 3],
                   "deaths_central": None, "deaths_area": ["Town A"], "capital_death_share": 0.6, "phases": [],
                   "backfire": None, "resignation_window": None},
        "targets": [{"name": "no <resignation>", "measure": "not_resigned_share", "value": 1.0, "target": ">= 0.8",
                     "met": True, "note": ""},
                    {"name": "median deaths", "measure": "deaths_median", "value": 2.0, "target": "5 to 9",
                     "met": False, "note": "too few"}],
        "targets_met": False,
        "scores": {"deaths_crps": 0.4, "resigned_brier": 0.0,
                   "skill": {"parts": {"deaths_crps": 0.8, "resigned_brier": 1.0}, "value": 0.9, "skipped": []}},
        "baseline": {"name": "nothing happens", "deaths_crps": 2.0, "resigned_brier": 0.0},
        "per_run": [{"seed": s, "resigned": False, "resignation_date": None, "deaths_total": 2,
                     "capital_death_share": 0.5, "phases_in_order": True, "backfire": False,
                     "capital_fuel_short_days": 1.5, "peak_active_town_a": 9, "peak_active_town_b": 4,
                     "series": series} for s in (1, 2)]}))
    html = write_report(tmp_path).read_text()
    assert "no &lt;resignation&gt;" in html and "5 to 9" in html and "1 of 2 met" in html
    assert "2 Feb: tax repealed (record)" in html and "resigned (record)" not in html
    assert "composite skill" in html and "nothing happens" in html
    assert 'data-key="band-active_town_a"' in html and 'data-key="band-active_town_b"' in html
    assert "peak active Town B" in html


def test_no_episode_is_named_in_the_report_code() -> None:
    import re

    import uprising.report

    root = Path(uprising.report.__file__).parent
    pattern = re.compile(r"la paz|el alto|bolivia|2003|senkata|warisata|ecuador|quito", re.I)
    ours = [a for a in root.glob("assets/*") if not a.name.startswith("plotly-")]  # not the vendored plotly.js
    for path in [*root.glob("*.py"), *ours, root.parent / "cli" / "report.py"]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not pattern.search(line), f"{path.name}:{n}: {line.strip()}"


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


def test_the_episode_page_shows_the_fall_route_beside_the_record_and_the_tuned_values(bolivia_dir: Path,
                                                                                     tmp_path: Path) -> None:
    """The run's fall route beside the record's route, and a folder's overrides of the shared table in the
    open (summary.json's fall_route and tuned)."""
    run = tmp_path / "run"
    shutil.copytree(bolivia_dir, run)
    summary = json.loads((run / "summary.json").read_text())
    html = write_report(run).read_text()
    assert 'data-stat="tuned"' in html and "overrides" not in html  # bolivia sets no shared value
    summary.update(resigned=True, resignation_date="2003-10-15", fall_route="army",
                   tuned=["world.clashes.kill_per_soldier"])
    (run / "summary.json").write_text(json.dumps(summary))
    html = write_report(run).read_text()
    assert "by army" in html and "which fell by resignation" in html
    assert "overrides 1 value of the shared table" in html and "world.clashes.kill_per_soldier" in html
