"""The experiment pages' plots, without a browser: the validation page's counts of runs on whole
numbers, its legends clear of the dates' notes, and the comparison's arms one panel each."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from uprising.report.compare_page import trajectory_figures
from uprising.report.validation_page import (
    count_axis,
    deaths_histogram,
    integer_bins,
    resignation_histogram,
    validation_bands,
)


@pytest.mark.parametrize("most", [0, 1, 2, 3, 5, 6, 7, 11, 13, 40, 99, 250])
def test_counts_of_runs_are_whole_numbers(most: int) -> None:
    axis = count_axis(most)
    assert axis["tick0"] == 0 and isinstance(axis["dtick"], int) and axis["dtick"] >= 1
    assert most / axis["dtick"] <= 6 and axis["range"][0] == 0 and axis["range"][1] >= max(most, 1)


def test_killed_per_run_in_whole_bins_counted_in_whole_runs() -> None:
    deaths = [54.0, 63.0, 63.0, 67.0, 66.0, 72.0]
    edges = integer_bins(deaths, 6)
    assert np.all(edges == np.round(edges)) and len(set(np.diff(edges))) == 1 and edges[0] <= 54 < 72 < edges[-1]
    fig = deaths_histogram([{"deaths_total": d} for d in deaths], {"deaths": [58, 81]})
    (bar,) = fig.traces
    assert bar["type"] == "bar" and sum(bar["y"]) == 6 and all(isinstance(y, int) for y in bar["y"])
    assert fig.layout["yaxis"]["dtick"] == 1  # 0, 1, 2 runs: never 0.5
    # no run resigned: the axis still starts at 0 and counts whole runs
    fig = resignation_histogram([{"resigned": False}] * 4, {"resigned": True, "resignation_date": "2001-02-03"})
    assert fig.layout["yaxis"]["range"][0] == 0 and fig.layout["yaxis"]["dtick"] == 1


def test_validation_legends_sit_under_the_plot_and_the_notes_inside() -> None:
    import datetime as dt

    series = [{"start": "2001-02-01", "hours_per_step": 6, "step": list(range(40)),
               "active": {"Town": list(np.linspace(0, 100 * (i + 1), 40))}, "deaths": list(range(40))}
              for i in range(3)]
    rec = {"resigned": True, "resignation_date": "2001-02-08"}
    figs = validation_bands(series, dt.date(2001, 2, 9), rec, None)
    assert len(figs) == 2
    for fig in figs:
        assert fig.layout["legend"]["y"] < 0 and fig.layout["legend"]["yanchor"] == "top"
        assert fig.layout["annotations"] and all(n["y"] <= 1 and n["yanchor"] == "top"
                                                 for n in fig.layout["annotations"])


def test_comparison_over_time_is_one_panel_per_arm() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for arm in ("baseline", "variant"):
        for rep in range(4):
            for step in range(30):
                rows.append({"step": step, "active": int(rng.integers(0, 50)), "jailed": int(rng.integers(0, 9)),
                             "arm": arm, "replicate": rep})
    figs = trajectory_figures(pl.DataFrame(rows))
    assert [f.key for f in figs] == ["traj-active", "traj-jailed"]
    for fig in figs:
        axes = {(t["xaxis"], t["yaxis"]) for t in fig.traces}
        assert axes == {("x", "y"), ("x2", "y2")}  # two panels, one per arm
        for axis in ("y", "y2"):
            panel = [t for t in fig.traces if t["yaxis"] == axis]
            assert len(panel) == 3 and sum("fill" in t for t in panel) == 1  # median, one band
        assert fig.layout["yaxis2"]["matches"] == "y" and fig.layout["showlegend"] is False
        lo, hi = fig.layout["yaxis"]["domain"], fig.layout["yaxis2"]["domain"]
        assert hi[1] < lo[0]  # the panels do not overlap
