"""The CI guard (issue #12): each shipped episode meets its record's headline targets at a small
run count, and the same measures reject deliberately wrong scenarios (negative controls), so a
figure in the docs cannot silently go stale and a measure that cannot fail would show here."""

from __future__ import annotations

import pytest

import json
from pathlib import Path

from uprising.experiments.validation import validate
from uprising.scenarios.loader import shipped_episodes

RUNS = 4  # seeds spawned from the default root; the docs' figures use 20 (docs/validation.md)
RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results" / "validation"


def known_misses(episode: str) -> list[str]:
    """The headline targets the docs' 20-run ensemble (record mode) missed: reported, not guarded."""
    path = RESULTS / f"{episode}-record.json"
    assert path.is_file(), f"{episode}: no validation figures in docs/results (scripts/retake_figures.py --run)"
    return [t["name"] for t in json.loads(path.read_text())["targets"] if t.get("headline") and not t.get("met")]


@pytest.mark.slow
@pytest.mark.parametrize("episode", shipped_episodes())
def test_shipped_episode_meets_its_headline_targets(episode):
    known = known_misses(episode)
    if known:  # round 3's shared values miss these; docs/validation.md and the library page report them
        pytest.xfail(f"{episode}: headline targets missed by the 20-run figures in docs/results: {known}")
    v = validate(episode, runs=RUNS, workers=1)
    missed = [(t["name"], t["value"], t["target"]) for t in v["targets"] if t["headline"] and not t["met"]]
    assert not missed, f"{episode}: headline targets missed at {RUNS} runs: {missed}"
    assert v["headline_met"]
    assert v["scores"]["skill"]["value"] > 0  # better than "nothing happens"


@pytest.mark.slow
def test_no_lethal_force_in_bolivia_is_rejected():
    """Without live fire the regime survives with about ten deaths: resignation, deaths and phase
    targets must all fail."""
    v = validate("bolivia-2003", runs=RUNS, workers=1, overrides={"world.clashes.lethal_force": False})
    failed = {t["measure"] for t in v["targets"] if not t["met"]}
    assert {"resigned_in_window_share", "deaths_median", "phase_date_error_median"} <= failed
    assert not v["headline_met"]


@pytest.mark.slow
def test_live_fire_in_ecuador_is_rejected():
    """Ecuador with soldiers ordered to fire live: the toll leaves the record's 6-11 and the
    government falls, so the episode's targets must reject it."""
    v = validate("ecuador-2019", runs=RUNS, workers=1,
                 overrides={"world.force.soldiers": "live_fire", "events[3].force": "live_fire"})
    failed = {t["measure"] for t in v["targets"] if not t["met"]}
    assert {"deaths_in_range_share", "conceded_without_resignation_share"} <= failed
