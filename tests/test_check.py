"""`uprising check` (issue #20 point 4): every problem of an episode folder as file:line, exit 2,
and `run`/`validate` stop on them before writing anything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.cli.new import write_episode
from uprising.scenarios.check import check_folder
from uprising.scenarios.loader import shipped_episodes


def _run(args):
    return CliRunner().invoke(app, args)


def _dotted(key: str | None) -> str:
    """A key as a.0.b whether written a.0.b or a[0].b."""
    return re.sub(r"\[(\d+)\]", r".\1", key or "")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, row: str) -> int:
    """Append a row; return its line number."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + row + "\n", encoding="utf-8")
    return text.count("\n") + 1


EVENT = "2020-03-04,blockade,false,{place},Highway 1,blockade,Farmers,{lo},{hi},,,,,x,a made-up example"
FACTS_HEADER = "key,value,low,high,unit,note,source\ndeaths_total,3,2,4,people,,a made-up example\n"

# (file, row appended or (old, new) edit, field named, words of the message)
BROKEN = [
    ("record_events.csv", "2020-02-30" + EVENT.format(place="Capital", lo="", hi="")[10:], "date", "not a date"),
    ("record_events.csv", "2020-3-4" + EVENT.format(place="Capital", lo="", hi="")[10:], "date", "not a date"),
    ("record_events.csv", EVENT.format(place="Nowhere", lo="", hi=""), "model_place", "unknown place 'Nowhere'"),
    ("record_events.csv", EVENT.format(place="Capital", lo="two", hi="3"), "deaths_low", "'two' is not a"),
    ("record_events.csv", EVENT.format(place="Capital", lo="5", hi="3"), "deaths_low", "above deaths_high"),
    ("record_events.csv", EVENT.format(place="Capital", lo="-1", hi=""), "deaths_low", "negative"),
    ("record_events.csv", EVENT.format(place="Capital", lo="", hi="").replace(",false,", ",maybe,"), "precursor",
     "allowed: true, false"),
    ("places.csv", "Town,north,0.2,Centre,1000,town,false,city,,estimate,,x", "lat", "not a number"),
    ("places.csv", "Town,0.1,200,Centre,1000,town,false,city,,estimate,,x", "lon", "out of range"),
    ("places.csv", "Town,0.1,0.2,Centre,-5,town,false,city,,estimate,,x", "population", "negative"),
    ("places.csv", "Capital,0.1,0.2,Centre,5,town,false,city,,estimate,,x", "name", "appears twice"),
    ("places.csv", "Town,0.1,0.2,Centre,5,town,false,city,Depot,estimate,,x", "aliases", "already a name or alias of 'Depot'"),
    ("roads.csv", "Capital,Atlantis,10,10,paved,,assumption,assumption,,x", "to", "unknown place 'Atlantis'"),
    ("roads.csv", "Capital,Highlands,10,12,paved,,assumption,assumption,,x", "paved_km", "more than km"),
    ("roads.csv", "Capital,Highlands,10,5,gravel,,assumption,assumption,,x", "surface", "allowed: paved, unpaved, mixed"),
    ("roads.csv", "Capital,Highlands,ten,5,paved,,assumption,assumption,,x", "km", "not a number"),
    ("roads.csv", "Capital,Capital,10,5,paved,,assumption,assumption,,x", "to", "to itself"),
    ("paths.csv", "Highlands,Atlantis,30,assumption,,x", "to", "unknown place 'Atlantis'"),
    ("record_facts.csv", "deaths_high,9,9,3,people,,x", "low", "above high"),
    ("record_facts.csv", "arrests,9,many,,people,,x", "low", "not a number"),
    ("record_facts.csv", ",9,,,people,,x", "key", "every fact needs a key"),
]


@pytest.fixture
def folder(tmp_path):
    f = tmp_path / "ep"
    write_episode(f)
    (f / "record_facts.csv").write_text(FACTS_HEADER, encoding="utf-8")
    return f


@pytest.mark.parametrize("name,row,field,words", BROKEN, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BROKEN)])
def test_every_kind_of_broken_row_is_named_by_file_and_line_and_stops_run(folder, tmp_path, name, row, field, words):
    line = _append(folder / name, row)
    r = _run(["check", str(folder)])
    assert r.exit_code == 2, r.output
    want = re.compile(rf"^{re.escape(str(folder / name))}:{line}: {re.escape(field)}: .*{re.escape(words)}", re.M)
    assert want.search(r.output), r.output
    assert "Traceback" not in r.output
    # run stops on it before building anything: no results folder
    out = tmp_path / "out"
    r = _run(["run", str(folder), "--out", str(out), "--steps", "1", "-q"])
    assert r.exit_code == 2 and want.search(r.output), r.output
    assert not out.exists()


@pytest.mark.parametrize("old,new,field,words", [
    ('places = ["Capital", "Highlands"]', 'places = ["Capital", "Nowhere"]', "report.places.1", "unknown place 'Nowhere'"),
    ('measure = "not_resigned_share"', 'measure = "not_a_measure"', "targets.0.measure", "not_resigned_share"),
    ("window = [2020-03-02, 2020-03-06]", "window = [2020-03-04, 2020-03-06]", "phases.0", "outside its window"),
    ("deaths = [0, 10]", "deaths = [10, 0]", "outcome", "above high"),
])
def test_a_broken_record_toml_is_named_by_line_and_key(folder, old, new, field, words):
    _edit(folder / "record.toml", old, new)
    found = [p for p in check_folder(folder) if p.file.endswith("record.toml")]
    assert found, check_folder(folder)
    p = found[0]
    lines = (folder / "record.toml").read_text().splitlines()
    assert _dotted(p.field) == field and words in p.message, p
    assert p.line is not None and 1 <= p.line <= len(lines), p


def test_a_decision_of_an_unknown_kind_in_the_record(folder):
    line = _append(folder / "record.toml", '\n[[decisions]]\ndate = 2020-03-04\nkind = "massacre"\nname = "x"') + 3
    found = [str(p) for p in check_folder(folder) if p.file.endswith("record.toml")]
    assert any(re.search(rf"record\.toml:{line}: decisions(\.0|\[0\])\.kind: 'massacre' is not a kind", s) for s in found), found


def test_every_problem_is_listed_not_only_the_first(folder, tmp_path):
    lines = [_append(folder / "record_events.csv", "2020-02-30" + EVENT.format(place="Capital", lo="", hi="")[10:]),
             _append(folder / "record_events.csv", EVENT.format(place="Nowhere", lo="", hi=""))]
    road = _append(folder / "roads.csv", "Capital,Atlantis,10,10,paved,,assumption,assumption,,x")
    _edit(folder / "scenario.toml", 'places = ["Capital"]\nuntil = 2020-03-09', 'places = ["Capitol"]\nuntil = 2020-03-09')
    _edit(folder / "record.toml", 'places = ["Capital", "Highlands"]', 'places = ["Capital", "Nowhere"]')
    r = _run(["check", str(folder)])
    assert r.exit_code == 2
    out = r.output
    for want in (rf"record_events\.csv:{lines[0]}: date:", rf"record_events\.csv:{lines[1]}: model_place:",
                 rf"roads\.csv:{road}: to:", r"record\.toml:\d+: report\.places(\.1|\[1\]):",
                 r"scenario\.toml:\d+: events\[\d+\]\.places\[0\]: unknown place 'Capitol'"):
        assert re.search(want, out), (want, out)
    problems = [ln for ln in out.splitlines() if re.match(r"^\S+:\d+: ", ln)]
    assert len(problems) >= 5


def test_validate_stops_on_a_bad_record_before_the_ensemble(folder, tmp_path):
    line = _append(folder / "record_events.csv", "2020-02-30" + EVENT.format(place="Capital", lo="1", hi="2")[10:])
    out = tmp_path / "v"
    r = _run(["validate", str(folder), "--runs", "1", "--workers", "1", "--out", str(out), "-q"])
    assert r.exit_code == 2, r.output
    assert re.search(rf"record_events\.csv:{line}: date: '2020-02-30' is not a date", r.output), r.output
    assert not out.exists()


def test_roads_that_leave_a_place_unreachable(folder):
    _append(folder / "places.csv", "Island,1.0,1.0,Sea,500,town,false,city,,estimate,,x")
    found = [str(p) for p in check_folder(folder)]
    assert any("roads.csv" in s and "Island" in s and "cannot be reached" in s for s in found), found


def test_not_an_episode_folder_is_one_line(tmp_path):
    r = _run(["check", str(tmp_path)])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output


def test_a_sound_folder_is_one_ok_line(folder):
    r = _run(["check", str(folder)])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "OK" in lines[0] and "3 places" in lines[0], r.output


@pytest.mark.parametrize("name", shipped_episodes())
def test_every_shipped_episode_passes(name):
    r = _run(["check", name])
    assert r.exit_code == 0, r.output
    assert check_folder_of(name) == []


def check_folder_of(name: str):
    from uprising.scenarios.shipped import episode_folder

    return check_folder(episode_folder(name))
