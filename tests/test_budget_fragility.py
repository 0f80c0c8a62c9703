"""The parameter budget and the fragility check (issue #12)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from uprising.experiments.budget import budget, kind_of
from uprising.experiments.fragility import calibrated_values, fragility

FOLDER = resources.files("uprising").joinpath("episodes")


def test_tags_are_read_as_kinds():
    assert kind_of("# [calibrated] by hand") == ("calibrated", "calibrated")
    assert kind_of("# [calibrated: ABC posterior median, ...]")[0] == "calibrated"
    assert kind_of("# [E02]") == ("literature", "E02")
    assert kind_of("# [transfer]")[0] == "literature"
    assert kind_of("# [ours: fixed, no measurable effect ...]")[0] == "assumed"
    assert kind_of("# [record] Patacamaya")[0] == "data"
    assert kind_of("# nothing here") == ("untagged", "")


@pytest.mark.parametrize("episode", ["bolivia-2003", "ecuador-2019"])
def test_budget_counts_every_calibrated_tag_of_the_file(episode):
    text = FOLDER.joinpath(episode, "scenario.toml").read_text("utf-8")
    tagged = [line for line in text.splitlines()
              if "=" in line and not line.lstrip().startswith("#") and re.search(r"#.*?\[calibrated", line)]
    b = budget(episode)
    assert b["counts"]["calibrated"] == len(tagged) == b["free_parameters"]
    assert sum(b["counts"].values()) == len(b["entries"])
    assert b["targets"]  # the record's targets are listed beside


def test_fragility_uses_common_seeds():
    """A change that rounds back to the shipped value (a whole number moved by 0.02 %) must give the
    shipped runs exactly: same seeds, no flip, no change."""
    key = "events[7].soldiers"
    assert key in calibrated_values("ecuador-2019")
    f = fragility("ecuador-2019", runs=2, delta=0.0002, keys=[key], workers=1)
    assert f["parameters"] == 1 and len(f["rows"]) == 2
    for row in f["rows"]:
        assert row["value"] == 2000
        assert row["flip_share"] == 0.0 and row["deaths_change"] == 0.0
    assert f["holds"]
