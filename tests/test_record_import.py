"""`uprising record import --format acled` (issue #20 point 3): an ACLED-format fixture written from
public accounts of Ecuador's October 2019 strike (tests/fixtures/acled/README.md) round-trips into
daily deaths by place, and `validate` scores the model against them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.errors import UserError
from uprising.experiments.validation import record_daily_deaths, record_deaths_by_place
from uprising.scenarios.check import check_folder
from uprising.scenarios.shipped import episode_folder
from uprising.world.acled_import import ACLED_COLUMNS, match_events, parse_date, read_acled
from uprising.world.geography import load_places, record_deaths_by_date

FIXTURE = Path(__file__).parent / "fixtures" / "acled" / "ecuador-2019-october.csv"
D = dt.date


def _run(args):
    return CliRunner().invoke(app, args)


@pytest.fixture
def folder(tmp_path):
    f = tmp_path / "ec"
    shutil.copytree(episode_folder("ecuador-2019"), f)
    return f


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_acled_dates_in_both_formats():
    assert parse_date("09 October 2019") == D(2019, 10, 9)
    assert parse_date("9 Oct 2019") == D(2019, 10, 9)
    assert parse_date("2019-10-09") == D(2019, 10, 9)
    with pytest.raises(ValueError):
        parse_date("30 February 2020")


def test_the_fixture_round_trips_into_daily_deaths_by_place(folder):
    before = (folder / "record_events.csv").read_text(encoding="utf-8")
    r = _run(["record", "import", str(FIXTURE), "--format", "acled", "--episode", str(folder)])
    assert r.exit_code == 0, r.output
    # printed: deaths by date and place
    for line in ("2019-10-06  Cuenca: 1", "2019-10-07  Quito: 3", "2019-10-07  (unmatched): 1", "2019-10-09  Quito: 1"):
        assert line in r.output, r.output
    assert "3 unmatched" in r.output
    # the old record kept, the new one written in the folder's columns
    assert (folder / "record_events.before-import.csv").read_text(encoding="utf-8") == before
    rows = _rows(folder / "record_events.csv")
    assert len(rows) == 16
    assert list(rows[0]) == ["date", "phase", "precursor", "model_place", "place", "event_type", "actors", "deaths_low",
                             "deaths_high", "injuries_low", "injuries_high", "deaths_reported", "injuries_reported",
                             "summary", "source"]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    # what validation reads: deaths by date (national, unmatched included) and by place
    by_date = {d: n for d, n in record_deaths_by_date(folder).iter_rows() if n > 0}
    assert by_date == {D(2019, 10, 6): 1, D(2019, 10, 7): 4, D(2019, 10, 9): 1, D(2019, 10, 12): 1, D(2019, 10, 13): 1}
    assert record_deaths_by_place(folder) == {"Quito": 4.0, "Cuenca": 1.0}
    daily = record_daily_deaths(folder, D(2019, 10, 1), 20)
    assert daily.sum() == 8 and daily[6] == 4
    # the report of what could not be matched
    miss = _rows(folder / "record_events.unmatched.csv")
    assert [(m["line"], m["event_date"], m["fatalities"]) for m in miss] == [
        ("10", "2019-10-07", "1"), ("15", "2019-10-12", "1"), ("16", "2019-10-13", "1")]
    assert all("no coordinates" in m["reason"] for m in miss)
    # the folder is still sound; a second import keeps a second backup
    assert check_folder(folder) == []
    assert _run(["record", "import", str(FIXTURE), "--episode", str(folder)]).exit_code == 0
    assert (folder / "record_events.before-import.1.csv").is_file()


def test_name_then_region_then_nearest(folder, tmp_path):
    """With the aliases removed, the neighbourhoods and villages fall to their region, an event
    outside every region to the nearest place within 50 km, one far out to nobody."""
    places = _rows(folder / "places.csv")
    for p in places:
        p["aliases"] = ""
    with (folder / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(places[0]))
        w.writeheader()
        w.writerows(places)
    src = tmp_path / "acled.csv"
    text = FIXTURE.read_text(encoding="utf-8")
    extra = ("10 October 2019,Protests,Peaceful protest,Protesters (Ecuador),Napo,Tena,-0.99,-77.81,0,test row,test\n"
             "11 October 2019,Protests,Peaceful protest,Protesters (Ecuador),Galapagos,Puerto Ayora,-0.74,-90.31,0,test row,test\n")
    src.write_text(text + extra, encoding="utf-8")
    ms = match_events(read_acled(src), load_places(folder))
    got = {(m.event.location, m.event.admin1): (m.place, m.how) for m in ms}
    assert got[("Quito", "Pichincha")] == ("Quito", "name")
    assert got[("Nizag", "Chimborazo")] == ("Riobamba", "region")
    assert got[("La Esperanza", "Imbabura")] == ("Otavalo", "region")
    assert got[("Cumandá", "Pichincha")] == ("Quito", "region")  # nearest of the three places in Pichincha
    assert got[("Tena", "Napo")] == ("Rest of Amazonia", "nearest")
    place, how = got[("Puerto Ayora", "Galapagos")]
    assert (place, how) == ("", "")
    far = next(m for m in ms if m.event.location == "Puerto Ayora")
    assert "more than 50 km" in far.reason


@pytest.mark.parametrize("old,new,key", [
    ("09 October 2019", "31 September 2019", "event_date"),
    (",1,A CONAIE leader", ",one,A CONAIE leader", "fatalities"),
    ("-2.80,-79.43", "-2.80,west", "longitude"),
])
def test_a_bad_row_of_the_export_is_one_line_and_nothing_is_written(folder, tmp_path, old, new, key):
    src = tmp_path / "bad.csv"
    src.write_text(FIXTURE.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    before = (folder / "record_events.csv").read_text(encoding="utf-8")
    r = _run(["record", "import", str(src), "--episode", str(folder)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and f"bad.csv:" in lines[0] and f": {key}: " in lines[0], r.output
    assert (folder / "record_events.csv").read_text(encoding="utf-8") == before
    assert not (folder / "record_events.before-import.csv").exists()


def test_a_missing_column_and_an_unknown_format(folder, tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(",".join(c for c in ACLED_COLUMNS if c != "admin1") + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="admin1: missing column"):
        read_acled(src)
    r = _run(["record", "import", str(FIXTURE), "--format", "gdelt", "--episode", str(folder)])
    assert r.exit_code == 2 and "allowed: acled" in r.output


def test_validate_scores_deaths_by_place_and_date_against_the_import(folder, tmp_path):
    assert _run(["record", "import", str(FIXTURE), "--episode", str(folder)]).exit_code == 0
    out = tmp_path / "v"
    r = _run(["validate", str(folder), "--runs", "1", "--workers", "1", "--scale", "0.0005", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    v = json.loads((out / "validation.json").read_text())
    tvd = v["scores"]["deaths_by_place_tvd"]
    assert 0.0 <= tvd <= 1.0
    run = v["per_run"][0]
    if run["deaths_total"] == 0:
        assert tvd == 1.0
    else:  # the model's shares of deaths against the record's 4 in Quito and 1 in Cuenca
        from uprising.experiments.scores import deaths_by_place_error

        assert tvd == pytest.approx(deaths_by_place_error(run["deaths_by_place"], {"Quito": 4.0, "Cuenca": 1.0}))
    assert "death_curve_emd_days" in v["scores"]  # the daily deaths of the import, nationally
