"""The parameter tables of docs/mechanisms/{mobilisation,force,coalition,actors}.md are what
scripts/figures_general.py reads from the package now (issue #19): a change of a shared value, a
fitted range or a role's weights cannot leave a page stale silently. No simulation runs here."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("figures_general", REPO / "scripts" / "figures_general.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_parameter_table_is_what_the_package_gives_now(script):
    stale = script.stale_tables()
    assert not stale, f"stale tables ({'; '.join(stale)}): run .venv/bin/python scripts/figures_general.py --tables-only"


def test_every_shared_value_of_mobilisation_and_coalition_is_on_a_page(script):
    assert script.uncovered() == [], "add the keys to a *_KEYS tuple of scripts/figures_general.py"


def test_a_changed_value_makes_its_table_stale(script, monkeypatch):
    page, name, text = next(t for t in script.tables() if t[1] == "roles")
    monkeypatch.setitem(script.regime.ROLE_WEIGHTS, "army", (9.0, 9.0, 9.0, 9.0, 9.0, 9.0))
    assert "| army | 9 | 9 |" in script.role_table()
    assert f"{page.name}: {name}" in script.stale_tables()


def test_the_tables_name_the_shared_values_and_their_sources(script):
    text = dict(((p.name, n), t) for p, n, t in script.tables())[("mobilisation.md", "params")]
    row = next(line for line in text.splitlines() if "`world.mobilisation.hardship_per_doubling`" in line)
    assert "shared table" in row and "[calibrated]" in row
    prior = next(x for x in tomllib.loads(script.FITTED.read_text())["parameters"]
                 if x["key"] == "world.mobilisation.hardship_per_doubling")
    assert f"{prior['low']:g} – {prior['high']:g}" in row  # its prior in world/fitted_parameters.toml
