"""Scenarios too big for the machine are the user's to fix: refused in one line, before allocating."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.errors import UserError
from uprising.scenarios import load_scenario
from uprising.simulation import check_fits_in_memory

runner = CliRunner()


def test_a_grid_too_big_for_memory_is_a_user_error_through_the_cli(tmp_path):
    result = runner.invoke(app, ["run", "epstein-1", "--set", "grid.width=100000", "--set", "grid.height=100000",
                                 "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith("grid: 100000 x 100000 cells")
    assert "GiB of memory" in line and "allowed: a smaller grid" in line


def test_the_estimate_names_steps_when_they_dominate():
    sc = load_scenario("epstein-1", {"scenario.steps": 10_000_000, "grid.width": 10, "grid.height": 10})
    with pytest.raises(UserError, match="scenario.steps"):
        check_fits_in_memory(sc, available=10**8)
    check_fits_in_memory(sc, available=10**10)
