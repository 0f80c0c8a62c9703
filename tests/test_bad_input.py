"""Every kind of user mistake, through the real `uprising` command line.

Each must end with exit status 2 and exactly one line on stderr that names the file (or
``--set``) and the key, says what is allowed, and carries no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def uprising(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "uprising", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def scenario_file(tmp_path):
    def make(text: str, name: str = "bad.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


# (file contents, the key named, words the message must contain)
BAD_FILES = {
    "malformed TOML": ("[citizen]\nlegitimacy = \n", None, ["bad.toml:2:", "column 14", "malformed TOML"]),
    "unknown key": ("[citizen]\nlegitimcy = 0.5\n", "citizen.legitimcy", ["unknown key", "did you mean 'citizen.legitimacy'"]),
    "unknown section": ("[citizens]\nlegitimacy = 0.5\n", "citizens", ["unknown key", "did you mean 'citizen'"]),
    "key in the wrong section": ("[citizen]\ncop_density = 0.1\n", "citizen.cop_density", ["did you mean 'population.cop_density'"]),
    "wrong type": ('[citizen]\nlegitimacy = "high"\n', "citizen.legitimacy", ["expected a number from 0 to 1", "got a string 'high'"]),
    "whole number expected": ("[scenario]\nsteps = 2.5\n", "scenario.steps", ["2.5 is not a whole number; allowed: a whole number", "2.5"]),
    "density above one": ("[population]\ncitizen_density = 1.2\n", "population.citizen_density", ["1.2 is out of range", "from 0 to 1"]),
    "densities summing past one": (
        "[population]\ncitizen_density = 0.9\ncop_density = 0.2\n",
        "population",
        ["citizen_density + cop_density = 1.1 exceeds 1"],
    ),
    "negative vision": ("[cop]\nvision = -2\n", "cop.vision", ["-2 is out of range", "from 0 to 1000"]),
    "legitimacy above one": ("[citizen]\nlegitimacy = 1.5\n", "citizen.legitimacy", ["1.5 is out of range", "from 0 to 1"]),
    "legitimacy below zero": ("[citizen]\nlegitimacy = -0.1\n", "citizen.legitimacy", ["-0.1 is out of range"]),
    "not a choice": ('[rules]\nvision_shape = "hexagon"\n', "rules.vision_shape", ["'hexagon' is not allowed", "'von_neumann'"]),
    "unknown preset": ('[rules]\npreset = "netlog"\n', "rules.preset", ["'netlog' is not allowed", "'netlogo'"]),
    "missing key in an intervention": (
        '[[interventions]]\nstep = 5\nparameter = "legitimacy"\n',
        "interventions[0].value",
        ["required key is missing"],
    ),
    "ramp ending before it starts": (
        '[[interventions]]\nstep = 9\nuntil = 3\nparameter = "legitimacy"\nvalue = 0.5\n',
        "interventions[0]",
        ["until (3) must be after step (9)"],
    ),
    "a value where a table belongs": ("citizen = 3\n", "citizen", ["expected a table"]),
    "unknown base scenario": ('extends = "epstein-9"\n', "extends", ["unknown scenario 'epstein-9'", "did you mean"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["show", "run"])
def test_bad_scenario_file(scenario_file, case, command):
    text, key, words = BAD_FILES[case]
    path = scenario_file(text)
    line = one_line_error(uprising(command, str(path)))
    assert line.startswith(str(path)), line
    if key is not None:
        assert f": {key}: " in line, line
    for word in words:
        assert word in line, line


def test_error_names_the_line_of_the_key(scenario_file):
    path = scenario_file("[scenario]\nname = 'x'\n\n[citizen]\nk = 2.0\nlegitimacy = 7\n")
    assert one_line_error(uprising("show", str(path))).startswith(f"{path}:6: citizen.legitimacy: ")


def test_extends_cycle(scenario_file):
    a = scenario_file('extends = "b.toml"\n', "a.toml")
    scenario_file('extends = "a.toml"\n', "b.toml")
    line = one_line_error(uprising("show", str(a)))
    assert "extends" in line and "cycle" in line


def test_unknown_scenario_suggests_the_nearest_name():
    line = one_line_error(uprising("run", "epstien-1"))
    assert line.startswith("epstien-1: unknown scenario; did you mean 'epstein-1'?"), line
    assert "uprising scenarios" in line


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    assert one_line_error(uprising("show", str(path))) == f"{path}: no such file"


def test_not_utf8(scenario_file):
    path = scenario_file("x")
    path.write_bytes(b"[citizen]\nlegitimacy = 0.5 # caf\xe9\n")
    assert "not UTF-8" in one_line_error(uprising("show", str(path)))


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("citizen.legitimcy=0.5", ["--set: citizen.legitimcy: unknown key", "did you mean 'citizen.legitimacy'"]),
        ("citizen.legitimacy=2", ["--set: citizen.legitimacy: 2 is out of range"]),
        ("rules.vision_shape=hex", ["--set: rules.vision_shape: 'hex' is not allowed"]),
        ("citizen.legitimacy", ["--set: citizen.legitimacy: expected KEY=VALUE"]),
        ("population.cop_density=0.5", ["--set: population: citizen_density + cop_density = 1.2 exceeds 1"]),
        ("interventions.3.value=0.5", ["--set: interventions[3].value: no item 3 in 'interventions'"]),
        ("citizen.vision=seven", ["--set: citizen.vision: expected a number", "'seven'"]),
    ],
)
def test_bad_set(assignment, words):
    line = one_line_error(uprising("show", "epstein-1", "--set", assignment))
    for word in words:
        assert word in line, line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "epstein-1", "--sed", "3"], ["uprising run: No such option: --sed", "--seed"]),
        (["run", "epstein-1", "--steps", "many"], ["uprising run:", "--steps"]),
        (["run", "epstein-1", "--steps", "-4"], ["uprising run:", "--steps"]),
        (["run", "epstein-1", "--schedule", "parallel"], ["scenario.schedule: 'parallel' is not allowed", "'synchronous'"]),
        (["frobnicate"], ["No such command 'frobnicate'"]),
        (["run"], ["uprising run: Missing argument 'SCENARIO'"]),
    ],
)
def test_bad_command_line(args, words):
    line = one_line_error(uprising(*args))
    for word in words:
        assert word in line, line


def test_out_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("")
    line = one_line_error(uprising("run", "epstein-1", "--steps", "1", "--out", str(target)))
    assert line.startswith(f"{target}: exists and is not a directory")


# --- issue #22, 14: the wording of a few mistakes ----------------------------------------------


def new_episode(tmp_path: Path) -> Path:
    from typer.testing import CliRunner

    from uprising.cli import app

    folder = tmp_path / "ep"
    assert CliRunner().invoke(app, ["new", "episode", str(folder)]).exit_code == 0
    return folder


def test_a_place_named_twice_is_a_line_of_places_csv_even_past_the_checks(tmp_path, monkeypatch):
    from uprising.errors import UserError
    from uprising.world.geography import load_places

    folder = new_episode(tmp_path)
    lines = (folder / "places.csv").read_text().splitlines()
    highlands = next(line for line in lines if line.startswith("Highlands,"))
    (folder / "places.csv").write_text("\n".join([*lines, highlands.replace("0.60", "0.70", 1)]) + "\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as e:
        load_places(folder)  # the loader itself, as `compare`, `effects` and the Python API reach it
    line = len(lines) + 1
    assert str(e.value) == (f"ep/places.csv:{line}: name: place name or alias 'Highlands' is already used on line "
                            f"{lines.index(highlands) + 1}; each must name one place")


@pytest.mark.parametrize("text, words", [
    ("4e5", None),  # a whole number written with an exponent is read
    ("1e12", "1e12 is out of range; allowed: a whole number up to 10,000,000,000"),
    ("4.5e5x", "'4.5e5x' is not a number"),
    ("4000.5", "'4000.5' is not a whole number"),
])
def test_a_population_written_with_an_exponent_is_a_number(tmp_path, monkeypatch, text, words):
    from uprising.errors import UserError
    from uprising.world.geography import load_places

    folder = new_episode(tmp_path)
    places = folder / "places.csv"
    places.write_text(places.read_text().replace("Centre,400000,", f"Centre,{text},", 1))
    monkeypatch.chdir(tmp_path)
    if words is None:
        assert load_places(folder).population[0] == 400000
        assert uprising("check", "ep", cwd=tmp_path).returncode == 0
        return
    with pytest.raises(UserError) as e:
        load_places(folder)
    assert str(e.value).startswith("ep/places.csv:2: population: ") and str(e.value).endswith(words)
    line = uprising("check", "ep", cwd=tmp_path).stderr.splitlines()[0]  # `uprising check` says the same
    assert line == f"ep/places.csv:2: population: {words}"


@pytest.mark.parametrize("value, words", [
    ("1e12", "1e+12 is out of range; allowed: a whole number from 0 to 10000000"),
    ("56.5", "56.5 is not a whole number; allowed: a whole number from 0 to 10000000"),
    ("56.0", "56.0 is written as a decimal number; allowed: a whole number from 0 to 10000000, written without "
             "a point or an exponent (56)"),
])
def test_a_decimal_number_for_a_whole_number_field_says_what_is_wrong(value, words):
    from uprising.errors import UserError
    from uprising.scenarios import load_scenario

    with pytest.raises(UserError) as e:
        load_scenario("epstein-1", {"scenario.steps": float(value)})
    assert str(e.value).endswith(f"scenario.steps: {words}") and "not a number" not in str(e.value)


def test_dates_are_worded_alike_in_every_toml_file(tmp_path, monkeypatch):
    from uprising.errors import UserError
    from uprising.scenarios import load_scenario
    from uprising.world.history import load_record_file

    folder = new_episode(tmp_path)
    monkeypatch.chdir(tmp_path)
    scenario = (folder / "scenario.toml").read_text()
    (folder / "scenario.toml").write_text(scenario.replace("start = 2020-03-01", 'start = "2020-03-01"'))
    with pytest.raises(UserError) as e:
        load_scenario(folder)
    assert "world.start: expected a date YYYY-MM-DD (a TOML date: no quotes), got a string '2020-03-01'" in str(e.value)
    assert str(e.value).startswith("ep/scenario.toml:")
    (folder / "scenario.toml").write_text(scenario)
    record = (folder / "record.toml").read_text()
    bad = record.replace("concession_date = 2020-03-10", "concession_date = 2020-02-30")
    (folder / "record.toml").write_text(bad)
    line = bad.splitlines().index("concession_date = 2020-02-30") + 1
    with pytest.raises(UserError) as e:  # a TOML syntax error: the loader's FILE:LINE: column N: form
        load_record_file(folder)
    assert str(e.value).startswith(f"ep/record.toml:{line}: column 19: malformed TOML: Invalid date")
    assert uprising("check", "ep", cwd=tmp_path).stderr.splitlines()[0] == str(e.value)
    (folder / "record.toml").write_text(record.replace("concession_date = 2020-03-10",
                                                       'concession_date = "2020-02-30"'))
    with pytest.raises(UserError) as e:
        load_record_file(folder)
    assert str(e.value) == (f"ep/record.toml:{line}: outcome.concession_date: '2020-02-30' is not a date; "
                            "allowed: a date YYYY-MM-DD")


def test_a_path_under_the_current_directory_is_shown_relative_to_it(tmp_path, monkeypatch):
    from uprising.errors import UserError

    monkeypatch.chdir(tmp_path)
    assert str(UserError(str(tmp_path / "ep" / "places.csv"), "name", "x", line=3)) == "ep/places.csv:3: name: x"
    assert str(UserError("ep/places.csv", "name", "x")) == "ep/places.csv: name: x"  # as given
    outside = str(tmp_path.parent / "elsewhere.toml")
    assert str(UserError(outside, None, "x")) == f"{outside}: x"
