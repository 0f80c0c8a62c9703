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
    "whole number expected": ("[scenario]\nsteps = 2.5\n", "scenario.steps", ["expected a whole number", "2.5"]),
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
