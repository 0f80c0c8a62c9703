"""Sweep specs: expansion to runs, samplers, and one-line errors naming file, line and key."""

from __future__ import annotations

import pytest
from experiments_helpers import cli, write_spec

from uprising.errors import UserError
from uprising.experiments import load_spec
from uprising.experiments.spec import spawn_seeds


def test_grid_expands_to_every_combination_with_seeds_spawned_per_run(tmp_path):
    spec = load_spec(write_spec(tmp_path / "s.toml", seeds=3))
    assert spec.name == "small" and spec.varied == ["citizen.legitimacy", "population.cop_density"]
    assert len(spec.points) == 4 and spec.n_runs == 12
    runs = spec.runs()
    assert [r.run_id for r in runs] == list(range(12))
    assert [r.seed for r in runs] == spawn_seeds(11, 12)
    assert runs[0].params == {"citizen.legitimacy": 0.7, "population.cop_density": 0.03}
    assert runs[3].params == {"citizen.legitimacy": 0.7, "population.cop_density": 0.05}  # first key varies slowest
    assert (runs[4].point, runs[4].replicate) == (1, 1)
    assert spec.base.grid.width == 14 and spec.base.scenario.steps == 20
    assert spec.hash == load_spec(tmp_path / "s.toml").hash


def test_common_seeds_share_a_seed_per_replicate(tmp_path):
    text = write_spec(tmp_path / "a.toml").read_text().replace("seeds = 2", "seeds = 2\ncommon_seeds = true")
    spec = load_spec(write_spec(tmp_path / "b.toml", text=text))
    seeds = [r.seed for r in spec.runs()]
    assert seeds == spawn_seeds(11, 2) * 4


def test_bare_dotted_keys_mean_the_same(tmp_path):
    text = '[sweep]\nscenario = "epstein-1"\n[grid]\ncitizen.legitimacy = [0.7, 0.8]\n[set]\ngrid.width = 12\n'
    spec = load_spec(write_spec(tmp_path / "d.toml", text=text))
    assert spec.varied == ["citizen.legitimacy"] and spec.base.grid.width == 12


@pytest.mark.parametrize("method,n,expected", [("lhs", 10, 10), ("sobol", 8, 8 * 4), ("morris", 3, 3 * 3)])
def test_samplers(tmp_path, method, n, expected):
    text = f"""
[sweep]
scenario = "epstein-1"
seed = 3
[sample]
method = "{method}"
n = {n}
[sample.ranges]
"citizen.legitimacy" = [0.6, 0.9]
"citizen.jail_max" = [5, 40]
"""
    spec = load_spec(write_spec(tmp_path / "s.toml", text=text))
    assert len(spec.points) == expected
    for p in spec.points:
        assert 0.6 <= p["citizen.legitimacy"] <= 0.9 and 5 <= p["citizen.jail_max"] <= 40
    assert [p for p in spec.points] == load_spec(tmp_path / "s.toml").points  # same seed, same points


def test_sampled_int_keys_are_whole_numbers_and_grid_crosses_sample(tmp_path):
    text = """
[sweep]
scenario = "epstein-1"
[grid]
"citizen.vision" = [3.0, 7.0]
[sample]
method = "lhs"
n = 5
[sample.ranges]
"grid.width" = [10, 30]
"""
    spec = load_spec(write_spec(tmp_path / "s.toml", text=text))
    assert len(spec.points) == 10
    assert all(isinstance(p["grid.width"], int) for p in spec.points)


def test_mixed_numbers_in_a_list_share_one_type(tmp_path):
    text = '[sweep]\nscenario = "epstein-1"\n[grid]\n"citizen.jail_max" = [15, 30.5, inf]\n'
    spec = load_spec(write_spec(tmp_path / "s.toml", text=text))
    assert [type(p["citizen.jail_max"]) for p in spec.points] == [float] * 3


def test_base_scenario_path_is_relative_to_the_spec(tmp_path):
    (tmp_path / "mine.toml").write_text('extends = "epstein-1"\n[grid]\nwidth = 9\nheight = 9\n')
    spec = load_spec(write_spec(tmp_path / "s.toml", text='[sweep]\nscenario = "mine.toml"\n'))
    assert spec.base.grid.width == 9 and spec.n_runs == 1


BAD = [
    ('[sweep]\nscenario = "epstein-1"\nseedz = 3\n', "s.toml:3: sweep.seedz: unknown key; did you mean 'sweep.seed'?"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"citizen.legitimacyy" = [0.7]\n',
     "s.toml:4: grid.citizen.legitimacyy: unknown key, did you mean 'citizen.legitimacy'?"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"citizen.legitimacy" = [0.7, 1.5]\n',
     "s.toml:4: grid.citizen.legitimacy: value 1.5: 1.5 is out of range; allowed: a number from 0 to 1"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"citizen.legitimacy" = 0.7\n',
     "s.toml:4: grid.citizen.legitimacy: expected a list of values, e.g. [0.7, 0.8], got 0.7"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"citizen.legitimacy" = []\n', "grid 'citizen.legitimacy' is an empty list"),
    ('[sweep]\nscenario = "epstein-9"\n', "s.toml:2: sweep.scenario: unknown scenario 'epstein-9'; did you mean"),
    ('[sweep]\n', "s.toml:1: sweep.scenario: required key is missing"),
    ('[sweep]\nscenario = "epstein-1"\nseeds = 0\n', "s.toml:3: sweep.seeds: 0 is out of range; allowed: a whole number from 1 to"),
    ('[sweep\n', "s.toml:1: column 7: malformed TOML"),
    ('[sweep]\nscenario = "epstein-1"\n[sample]\nmethod = "lhs"\nn = 4\n[sample.ranges]\n"citizen.legitimacy" = [0.9, 0.2]\n',
     "range of 'citizen.legitimacy' must be [low, high] with finite low < high"),
    ('[sweep]\nscenario = "epstein-1"\n[sample]\nmethod = "latin"\nn = 4\n[sample.ranges]\n"citizen.k" = [1, 2]\n',
     "s.toml:4: sample.method: 'latin' is not allowed; allowed: one of 'lhs', 'sobol', 'morris'"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"scenario.seed" = [1, 2]\n',
     "s.toml:4: grid.scenario.seed: cannot be varied in a sweep: seeds come from [sweep] seed and seeds"),
    ('[sweep]\nscenario = "epstein-1"\n[set]\n"citizen.legitimacy" = 0.7\n[grid]\n"citizen.legitimacy" = [0.7, 0.8]\n',
     "'citizen.legitimacy' is both held fixed in [set] and varied"),
    ('[sweep]\nscenario = "epstein-1"\n[set]\n"grid.width" = "wide"\n',
     "s.toml:4: set.grid.width: expected a whole number from 1 to 100000, got a string 'wide'"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"population.citizen_density" = [0.5, 0.99]\n',
     "s.toml:4: grid.population.citizen_density: value 0.99: citizen_density + cop_density = 1.03 exceeds 1"),
    ('[sweep]\nscenario = "epstein-1"\n[grid]\n"population.citizen_density" = [0.5, 0.95]\n'
     '"population.cop_density" = [0.01, 0.06]\n',
     "s.toml: point 3 (population.citizen_density=0.95, population.cop_density=0.06): population: citizen_density"),
]


@pytest.mark.parametrize("text,expected", BAD, ids=[b[1][:40] for b in BAD])
def test_mistakes_are_one_line_naming_file_line_and_key(tmp_path, text, expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path / "s.toml", text=text)
    with pytest.raises(UserError) as e:
        load_spec("s.toml")
    message = str(e.value)
    assert "\n" not in message
    assert expected in message, message


def test_cli_prints_one_line_and_exits_2(tmp_path):
    write_spec(tmp_path / "s.toml", text='[sweep]\nscenario = "epstein-1"\nseedz = 3\n')
    r = cli("sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "sweep.seedz: unknown key" in r.stderr and "Traceback" not in r.stderr
    r = cli("sweep", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and r.stderr.strip().endswith("no such file")
