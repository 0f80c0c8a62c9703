"""The episode library (issue #20): enough episodes, mixed outcomes, countries beyond South America,
every folder sourced, checked by `uprising check` and holding data only."""

from __future__ import annotations

import csv
import re

import pycountry
import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.scenarios import load_scenario
from uprising.scenarios.shipped import episode_folder, list_episodes, shipped_episodes
from uprising.world.history import load_record_file

# ISO 3166-1 alpha-2 codes of South America: the twelve states, French Guiana and the Falklands
SOUTH_AMERICA = {"AR", "BO", "BR", "CL", "CO", "EC", "GY", "PY", "PE", "SR", "UY", "VE", "GF", "FK"}
EPISODES = shipped_episodes()


def _code(name: str) -> str:
    """The record's country code, or the one pycountry gives its country's name (older records have none)."""
    rec = load_record_file(episode_folder(name))
    if rec.country_code:
        assert pycountry.countries.get(alpha_2=rec.country_code.upper()) is not None, rec.country_code
        return rec.country_code.upper()
    assert rec.country, f"{name}: record.toml names no country nor country_code"
    return pycountry.countries.lookup(rec.country).alpha_2


def test_the_library_has_twelve_episodes_with_mixed_outcomes():
    entries = list_episodes()
    assert len(entries) >= 12
    fell = [e.name for e in entries if e.resigned]
    survived = [e.name for e in entries if e.resigned is False]
    assert len(fell) >= 5, fell
    assert len(survived) >= 5, survived
    for e in entries:  # the route agrees with the outcome, and a fall has its date
        assert (e.route != "none") == bool(e.resigned), (e.name, e.route)
        assert not e.resigned or e.fall_date is not None, e.name
        assert e.deaths is not None and 0 <= e.deaths[0] <= e.deaths[1], e.name
        assert e.start is not None and e.end is not None and e.start < e.end, e.name


def test_at_least_five_countries_outside_south_america():
    codes = {_code(name) for name in EPISODES}
    outside = codes - SOUTH_AMERICA
    assert len(outside) >= 5, sorted(outside)


@pytest.mark.parametrize("name", EPISODES)
def test_every_episode_passes_uprising_check(name):
    r = CliRunner().invoke(app, ["check", name])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name", EPISODES)
def test_every_folder_is_sourced(name):
    folder = episode_folder(name)
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    assert re.search(r"https?://", sources), f"{name}: SOURCES.md cites no address"
    with open(folder / "places.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    unsourced = [row["name"] for row in rows if not (row.get("source") or "").strip()]
    assert not unsourced, f"{name}: places.csv rows with no source: {unsourced}"


@pytest.mark.parametrize("name", EPISODES)
def test_every_scenario_sets_no_shared_value(name):
    assert load_scenario(name).scenario.tuned == []


@pytest.mark.parametrize("name", EPISODES)
def test_the_no_names_guard_knows_every_episode(name):
    """tests/test_episodes.py's guard (no place or date of a shipped episode in a .py file) takes its
    words from every folder shipped_episodes() lists: each episode's capital, start date and country are
    among them."""
    from test_episodes import _episode_words

    words = _episode_words(episode_folder(name))
    sc = load_scenario(name)
    rec = load_record_file(episode_folder(name))
    assert sc.world.regime.capital in words or len(sc.world.regime.capital) < 4
    assert sc.world.start.isoformat() in words
    assert rec.country in words or len(rec.country) < 4
