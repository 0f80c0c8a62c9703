"""Every sweep spec shipped in uprising/experiments/specs loads, and names only keys that exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import uprising.world as world_package
from uprising.experiments import load_spec
from uprising.experiments.spec import shipped_specs
from uprising.scenarios import load_scenario

FITTED = Path(world_package.__file__).parent / "fitted_parameters.toml"


@pytest.mark.parametrize("name", shipped_specs())
def test_a_shipped_spec_loads_and_every_key_it_sets_or_varies_exists(name):
    spec = load_spec(name)  # a removed or misspelt key is a UserError naming it
    assert spec.points, name
    keys = spec.varied + list(spec.model.set)
    assert keys, name
    for key in keys:  # each key on its own, at the first point's value or the value set
        value = spec.model.set[key] if key in spec.model.set else spec.points[0][key]
        load_scenario(spec.base_data, {key: value})


def test_the_bolivia_screening_varies_the_fitted_values_over_the_fits_ranges():
    fitted = {p["key"]: (p["low"], p["high"]) for p in tomllib.loads(FITTED.read_text())["parameters"]}
    spec = load_spec("morris-bolivia")
    ranges = {k: tuple(v) for k, v in spec.model.sample.ranges.items()}
    assert ranges == fitted
    assert spec.base.scenario.decisions == "actors"
