"""docs/episodes/README.md, the library page, is what scripts/library_table.py writes from the folders now."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from uprising.scenarios.shipped import shipped_episodes

REPO = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("library_table", REPO / "scripts" / "library_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def library():
    return _script()


def test_the_library_page_is_what_the_script_writes_now(library):
    page = REPO / "docs" / "episodes" / "README.md"
    assert page.read_text(encoding="utf-8") == library.render(), (
        "docs/episodes/README.md is stale: run .venv/bin/python scripts/library_table.py")


def test_the_page_has_one_row_per_shipped_episode_with_its_sources(library):
    text = library.render({})
    rows = [line for line in text.splitlines() if line.startswith("| [`")]
    assert [r.split("`")[1] for r in rows] == shipped_episodes()
    for row in rows:
        cells = row.rstrip(" |").split(" | ")
        assert len(cells) == 10
        assert "record: [" in cells[7] and "(http" in cells[7]  # at least one record source, with its address
        assert cells[8] == cells[9] == library.NOT_RUN  # no results given


def test_validation_results_are_taken_in_and_shown_by_mode(library, tmp_path):
    """A validation.json of each mode, as `uprising validate --out DIR/<episode>-<mode>` writes it."""
    name = shipped_episodes()[0]
    record = {"runs": 4, "scale": 0.001, "root_seed": 2003, "decisions_mode": "record", "resigned_share": 0.75,
              "deaths_median": 12.0, "deaths_p10": 3.0, "deaths_p90": 20.5, "folder": "ignored",
              "targets": [{"name": "the fall, or not, as the record", "measure": "direction_right_share",
                           "value": 0.75, "target": ">= 0.5", "met": True, "headline": True},
                          {"name": "deaths within a factor 3", "measure": "deaths_within_factor_3_share",
                           "value": 0.25, "target": ">= 0.5", "met": False, "headline": True}]}
    (tmp_path / f"{name}-record").mkdir()
    (tmp_path / f"{name}-record" / "validation.json").write_text(json.dumps(record))
    (tmp_path / f"{name}-actors.json").write_text(json.dumps({**record, "decisions_mode": "actors", "runs": 2,
                                                              "targets": record["targets"][:1]}))
    found = library.read_results(tmp_path, shipped_episodes())
    assert set(found) == {name} and set(found[name]) == {"record", "actors"}
    assert "folder" not in found[name]["record"]  # no path of the machine that ran it
    row = next(line for line in library.render(found).splitlines() if line.startswith(f"| [`{name}`]"))
    cells = row.rstrip(" |").split(" | ")
    assert cells[8].startswith("1/2 targets met (missed: deaths within a factor 3); fell in 75% of 4 runs")
    assert "deaths median 12 (p10 3, p90 20.5)" in cells[8]
    assert cells[9].startswith("1/1 targets met; fell in 75% of 2 runs")


def test_a_result_of_the_other_mode_is_refused(library, tmp_path):
    name = shipped_episodes()[0]
    (tmp_path / f"{name}-actors.json").write_text(json.dumps({"decisions_mode": "record", "targets": []}))
    with pytest.raises(SystemExit, match="decisions_mode 'record'"):
        library.read_results(tmp_path, shipped_episodes())
