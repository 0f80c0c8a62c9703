"""The figures of README.md and docs/ are what scripts/retake_figures.py writes from docs/results/ now
(issue #22): a figure cannot go stale silently. No simulation runs here; the script renders in process."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "docs" / "results"


@pytest.fixture(scope="module")
def retake():
    spec = importlib.util.spec_from_file_location("retake_figures", REPO / "scripts" / "retake_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_blocks(retake) -> dict[Path, str]:
    return {p: t for p in retake.docs() if "<!-- figures:" in (t := p.read_text(encoding="utf-8"))}


def test_every_generated_block_is_what_the_result_files_give_now(retake):
    texts = _with_blocks(retake)
    assert texts, "no generated block in README.md or docs/"
    for path, text in texts.items():
        assert retake.render_text(text) == text, (
            f"{path.relative_to(REPO)}: a generated block differs from docs/results/; "
            "run .venv/bin/python scripts/retake_figures.py")


def test_the_figures_the_issue_named_are_generated(retake):
    """Where the hand-typed figures were: the actors-mode figures, the calibrated-values count (three
    places, one file), the headline tables."""
    kinds = {(p.relative_to(REPO).as_posix(), m["kind"], m["args"].strip())
             for p, t in _with_blocks(retake).items() for m in retake.blocks(t)}
    for want in [("docs/validation.md", "validation-targets", "bolivia-2003 actors"),
                 ("docs/validation.md", "validation-targets", "ecuador-2019 actors"),
                 ("docs/validation.md", "validation-table", ""),
                 ("docs/validation.md", "budget", ""),
                 ("README.md", "validation-table", ""),
                 ("docs/episodes.md", "validation-targets", "ecuador-2019 record"),
                 ("docs/episodes.md", "validation-targets", "bolivia-2003 record"),
                 ("README.md", "budget-count", "bolivia-2003"),
                 ("docs/bolivia-2003.md", "budget-count", "bolivia-2003")]:
        assert want in kinds, f"missing generated block {want}"


def test_every_result_file_a_block_names_exists(retake):
    named = {f for t in _with_blocks(retake).values() for f in retake.named_files(t)}
    assert "docs/results/budget.json" in named
    for name in named:
        assert (REPO / name).is_file(), f"a generated block names {name}, which does not exist"


def test_a_block_naming_a_missing_file_is_caught(retake, tmp_path):
    """The check above can fail: a block written from a file, then the file gone."""
    results = tmp_path / "results"
    shutil.copytree(RESULTS, results)
    text = "x\n<!-- figures:budget-count -->\n<!-- /figures:budget-count -->\n"
    rendered = retake.render_text(text, results)
    assert retake.named_files(rendered) == ["docs/results/budget.json"]
    (results / "budget.json").unlink()
    assert "Not yet taken" in retake.render_text(rendered, results)
    assert retake.render_text(rendered, results) != rendered  # the block, rendered now, differs: the test above fails


def test_one_changed_number_in_a_result_file_changes_the_docs(retake, tmp_path):
    """Negative control: a copy of docs/results with one number changed renders differently."""
    results = tmp_path / "results"
    shutil.copytree(RESULTS, results)
    texts = _with_blocks(retake)
    readme = texts[REPO / "README.md"]
    b = json.loads((results / "budget.json").read_text(encoding="utf-8"))
    b["library"]["targets"] += 1
    (results / "budget.json").write_text(json.dumps(b), encoding="utf-8")
    assert retake.render_text(readme, results) != readme
    validation = sorted((results / "validation").glob("*.json"))
    if validation:  # a validation figure too: the deaths median of the first file
        path = validation[0]
        episode, mode = path.stem.rsplit("-", 1)
        r = json.loads(path.read_text(encoding="utf-8"))
        block = f"<!-- figures:validation-targets {episode} {mode} -->\n<!-- /figures:validation-targets -->\n"
        before = retake.render_text(block, results)
        r["deaths_median"] = (r["deaths_median"] or 0) + 1
        path.write_text(json.dumps(r), encoding="utf-8")
        after = retake.render_text(block, results)
        assert before != after


def _result(**over) -> dict:
    """A validation.json as `uprising validate` writes it, cut to what the summary reads."""
    targets = [{"name": "resignation 14-20 Oct", "measure": "resigned_in_window_share", "value": 0.6,
                "target": ">= 0.6", "met": True, "headline": True, "note": ""},
               {"name": "median deaths", "measure": "deaths_median", "value": 67.5, "target": "40 to 120",
                "met": True, "headline": True, "note": ""},
               {"name": "decisions in order", "measure": "decisions_in_order_share", "value": 0.35,
                "target": ">= 0.5", "met": False, "headline": False, "note": ""}]
    base = {"runs": 5, "root_seed": 2003, "scale": None, "decisions_mode": "actors", "targets": targets,
            "headline_met": True, "resigned_share": 0.6, "resignation_date_median": "2003-10-19",
            "resignation_date_min": "2003-10-07", "resignation_date_max": "2003-10-28",
            "deaths_median": 67.5, "deaths_p10": 17.9, "deaths_p90": 80.1, "capital_death_share": 0.78,
            "phases_in_order_share": 0.4, "folder": "/somewhere/on/a/machine",
            "scores": {"deaths_crps": 4.1, "skill": {"value": 0.9381}, "skill_vs_climatology": {"value": 0.97}},
            "baseline": {"name": "nothing happens", "deaths_crps": 69.5},
            "climatology": {"name": "others", "deaths_crps": 61.0},
            "record": {"resigned": True, "resignation_date": "2003-10-17", "deaths": [58.0, 81.0],
                       "deaths_area": ["El Alto", "La Paz"], "capital_death_share": 0.93},
            "per_run": [{"fall_route": "resignation"}] * 3 + [{"fall_route": None}] * 2}
    base.update(over)
    return base


def test_the_summary_keeps_what_the_docs_show_and_no_path(retake, tmp_path):
    s = retake.summarise(_result(), episode="bolivia-2003", mode="actors", command="uprising validate x",
                         script="python scripts/retake_figures.py --run", taken="2026-12-05 18:00 UTC", at="abc1234",
                         route="resignation")
    assert s["routes"] == {"none": 0.4, "resignation": 0.6}
    assert (s["targets_met"], s["targets_total"], s["provisional"]) == (2, 3, True)
    assert s["skill"] == 0.9381 and s["record"]["route"] == "resignation"
    assert "folder" not in s and "/somewhere" not in json.dumps(s)
    results = tmp_path / "results"
    retake.write_json(retake.result_path("bolivia-2003", "actors", results), s)
    body = retake.render_block("validation-targets", ["bolivia-2003", "actors"], results)
    # one formatter: the median 67.5 is 67.5 in the table and in the sentence, never 67.50 or 68
    assert "| median deaths | 67.5 | 40 to 120 | yes |" in body
    assert "Deaths median 67.5 [p10 17.9, p90 80.1]" in body  # fmt_median: at most one decimal
    assert "| resignation 14-20 Oct | 0.60 | ≥ 0.6 | yes |" in body
    assert "decisions in order (known miss) | 0.35 | ≥ 0.5 | **no** |" in body
    assert "19 Oct 2003 [7 Oct 2003, 28 Oct 2003]" in body and "resignation 0.60, none 0.40" in body
    assert "uprising validate x" in body and "taken 2026-12-05 18:00 UTC at commit abc1234" in body
    assert "Provisional: 5 runs" in body
    assert "None" not in body
    table = retake.render_block("validation-table", [], results)
    assert "| `bolivia-2003` | actors | 5 (provisional) | 2 of 3 | decisions in order (known miss) | 0.60 |" in table


def test_a_missing_value_is_a_dash_never_none(retake, tmp_path):
    s = retake.summarise(_result(resigned_share=0.0, resignation_date_median=None, resignation_date_min=None,
                                 resignation_date_max=None, capital_death_share=None, scores={}, per_run=[]),
                         episode="ecuador-2019", mode="record", command="c", script="s", taken="t", at="a")
    retake.write_json(retake.result_path("ecuador-2019", "record", tmp_path), s)
    body = retake.render_block("validation-targets", ["ecuador-2019", "record"], tmp_path)
    assert "None" not in body and "nan" not in body and "—" in body


def test_a_result_not_yet_taken_says_how_to_take_it_and_names_no_file(retake, tmp_path):
    body = retake.render_block("validation-targets", ["bolivia-2003", "actors"], tmp_path)
    assert body.startswith("Not yet taken: `python scripts/retake_figures.py --run --episodes bolivia-2003 --modes actors`")
    assert "--set scenario.decisions=actors" in body and not retake.NAMED_FILE.search(body)
    assert "Not yet taken" in retake.render_block("budget", [], tmp_path)


def test_markers_are_checked(retake):
    with pytest.raises(ValueError, match="without its closing line"):
        retake.blocks("<!-- figures:budget -->\nno end\n")
    with pytest.raises(ValueError, match="unknown figures block 'budgets'"):
        retake.render_text("<!-- figures:budgets -->\n<!-- /figures:budgets -->\n")
    with pytest.raises(ValueError, match="EPISODE MODE"):
        retake.render_text("<!-- figures:validation-targets bolivia-2003 -->\n<!-- /figures:validation-targets -->\n")


def test_the_validation_results_still_match_the_records(retake):
    """A result whose targets are no longer the record's is stale: each file's target names are those
    of its episode's record.toml for its mode now (read without running anything)."""
    from uprising.scenarios.shipped import shipped_episodes, shipped_path
    from uprising.world.history import load_record_file

    for path in sorted((RESULTS / "validation").glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        episode, mode = r["episode"], r["decisions_mode"]
        assert path.name == f"{episode}-{mode}.json"
        assert episode in shipped_episodes(), f"{path.name}: {episode} is no longer shipped; remove the file"
        record = load_record_file(shipped_path(episode).parent)
        names = [t.name for t in record.targets if t.mode in ("any", mode)]
        assert [t["name"] for t in r["targets"]] == names, (
            f"{path.relative_to(REPO)} is stale (record.toml's targets changed): "
            f"run .venv/bin/python scripts/retake_figures.py --run --episodes {episode} --modes {mode}")


def test_the_budget_file_is_what_uprising_budget_counts_now(retake):
    """The budget needs no simulation, so its file is checked against the command's figures now."""
    taken = json.loads((RESULTS / "budget.json").read_text(encoding="utf-8"))
    now = retake.budget_figures()
    for key in ("library", "episodes"):
        assert taken[key] == now[key], (
            "docs/results/budget.json is stale: run .venv/bin/python scripts/retake_figures.py --budget")


def test_validate_prints_a_median_one_way_and_no_none(capsys):
    """`uprising validate`'s tables: the median deaths target and the outcome row give the same 67.5
    (was 67.50 and 68); a run that never fell shows a dash, not 'None [None, None]'."""
    from uprising.cli.validate import print_validation

    result = _result()
    result["record"].update(resignation_date="2003-10-17", deaths_central=None)
    result["resignation_date_median"] = None
    print_validation(result, "t")
    text = capsys.readouterr().out
    assert "67.50" not in text and " 68 " not in text
    assert text.count("67.5") == 2  # the target's value and the outcome's median
    assert "17.9" in text and "80.1" in text
    assert "None" not in text


def test_a_crossval_result_is_taken_in_and_rendered(retake, tmp_path):
    """`uprising crossval --out DIR` writes DIR/crossval.json; --crossval takes it in, and the block shows
    each left-out episode beside its record and the scores, with the command."""
    fell = {"name": "bolivia-2003", "record_fell": True, "p_fall": 0.75, "fall_date_median": "2003-10-16",
            "record_fall_date": "2003-10-17", "date_error_days": 1, "route": "resignation",
            "record_route": "resignation", "deaths_median": 67.5, "deaths_p10": 40.0, "deaths_p90": 90.25,
            "record_deaths": [58, 81], "direction_right": True, "deaths_within_factor_3": True, "route_right": True,
            "runs": 4, "failed": 0, "errors": [], "deaths_runs": [1.0, 2.0], "training": ["x"], "base_rate": 0.5,
            "climatology_deaths": [[1, 2]]}
    stood = dict(fell, name="ecuador-2019", record_fell=False, p_fall=0.0, fall_date_median=None,
                 record_fall_date=None, route=None, record_route="none", record_deaths=[6, 11], failed=1)
    cv = {"kind": "crossval", "runs": 4, "seed": 1, "settings": {"command": "uprising crossval --runs 4"},
          "overrides": {}, "episodes": [fell, stood],
          "scores": {"episodes": 2, "brier": 0.03125, "brier_base_rate": 0.25, "brier_skill": 0.875,
                     "crps_log_deaths": 0.4, "crps_log_deaths_climatology": 1.2, "crps_log_deaths_skill": 0.6667,
                     "direction_right_share": 1.0, "deaths_within_factor_3_share": 1.0,
                     "route_right_share_of_falls": 1.0}}
    (tmp_path / "cv").mkdir()
    (tmp_path / "cv" / "crossval.json").write_text(json.dumps(cv), encoding="utf-8")
    results = tmp_path / "results"
    assert retake.block_crossval(results).startswith("Not yet taken")
    retake.take_crossval(tmp_path / "cv", "python scripts/retake_figures.py --crossval x", results)
    kept = json.loads((results / "crossval.json").read_text(encoding="utf-8"))
    assert "deaths_runs" not in kept["episodes"][0] and kept["provisional"] is True
    body = retake.render_block("crossval", [], results)
    assert body.startswith("`uprising crossval --runs 4`, written ")
    assert "| `bolivia-2003` | fell | 0.75 | 16 Oct 2003 (17 Oct 2003) | resignation (resignation) | 67.5 [40, 90.2] (58–81) | 4 |" in body
    assert "| `ecuador-2019` | survived | 0.00 | — (—) | — (none) |" in body and "| 4 (1 failed) |" in body
    assert "Brier 0.031 (the training episodes' base rate 0.25; skill 0.88)" in body
    assert "None" not in body
    with pytest.raises(SystemExit, match="not the output of uprising crossval"):
        (tmp_path / "cv" / "crossval.json").write_text(json.dumps({"kind": "fit"}), encoding="utf-8")
        retake.take_crossval(tmp_path / "cv", "s", results)
