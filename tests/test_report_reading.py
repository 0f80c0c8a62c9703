"""What a reader of the report sees, without a browser (issue 22): no cloud button and named
downloads on every chart, the time plots' cursor, lines and axes, the map's size key, speeds and
export, the record's crowds beside the model's peaks, one formatter for medians, no "None"."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from report_fixtures import fake_episode_run, fake_run
from uprising.report import Page, write_report
from uprising.report.episode import EpisodeRun, headline
from uprising.report.episode_base import Episode, date_lines, Mark
from uprising.report.episode_crowds import active_meaning, crowd_estimates, crowds_in, crowds_table
from uprising.report.episode_figures import count_ticks, roads_figure, supply_figure
from uprising.report.maps import SPEEDS, size_key_values
from uprising.report.sections import CURSOR, Figure, Headline, Stat, Table, fmt_median, fmt_num

CROWD_ROWS = (
    '2001-03-08,march,false,Uptown,Uptown square,march,unions,,,,,,,"About 20,000 marchers fill the square; '
    'about 3 people die.",made up',
    '2001-03-09,strike,false,Downtown,Downtown,strike,unions,,,,,,,"A strike; 1,121 detained and 531,000 b/d lost.",'
    "made up",
)


def _blocks(html: str) -> dict[str, object]:
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    return {block_id: json.loads(body) for block_id, body in blocks}


def _plots(html: str) -> list[dict]:
    return [b for k, b in _blocks(html).items() if k.startswith("plot-data")]


@pytest.fixture(scope="module")
def episode_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fake_episode_run(tmp_path_factory.mktemp("twin") / "run", record_rows=CROWD_ROWS)


@pytest.fixture(scope="module")
def episode_html(episode_run: Path) -> str:
    return write_report(episode_run).read_text(encoding="utf-8")


# --- item 4 and 17: plotly's mode bar -----------------------------------------------------------
def test_no_chart_offers_to_upload_its_data(tmp_path: Path, episode_html: str) -> None:
    """Every chart of a classic and an episode page: no logo, no "Share chart…" button (plotly's
    showSendToCloud defaults to true), no server to send to; a figure's own config cannot undo it."""
    classic = write_report(fake_run(tmp_path / "run", steps=20)).read_text(encoding="utf-8")
    for html in (classic, episode_html):
        plots = _plots(html)
        assert plots
        for plot in plots:
            config = plot["config"]
            assert config["displaylogo"] is False and config["showSendToCloud"] is False
            assert config["plotlyServerURL"] == "" and "sendChartToCloud" in config["modeBarButtonsToRemove"]
        assert '"showSendToCloud":true' not in html and '"displaylogo":true' not in html
    own = Figure("x", [], config={"showSendToCloud": True, "displaylogo": True, "modeBarButtonsToRemove": ["lasso2d"]})
    config = own.plot_config("page")
    assert config["showSendToCloud"] is False and config["displaylogo"] is False
    assert set(config["modeBarButtonsToRemove"]) == {"lasso2d", "sendChartToCloud"}


def test_every_chart_downloads_under_its_own_name(episode_html: str) -> None:
    names = [p["config"]["toImageButtonOptions"]["filename"] for p in _plots(episode_html)]
    assert all(re.fullmatch(r"[a-z0-9-]+", n) and n.startswith("twin-towns-") for n in names), names
    assert "twin-towns-actives" in names and "twin-towns-heatmap" in names
    assert len(set(names)) == len(names)  # none is "newplot" or "plot-image", none twice
    # a title with markup and accents still gives a plain file name
    html = Page("<b>Año</b> 1: test").add(Figure("Über plot", [{"type": "scatter", "x": [1], "y": [1]}])).render()
    (plot,) = _plots(html)
    assert plot["config"]["toImageButtonOptions"] == {"format": "png", "scale": 2, "filename": "b-ano-b-1-test-uber-plot"}


# --- item 16: the time plots ---------------------------------------------------------------------
def test_the_cursor_does_not_look_like_a_dated_line(episode_html: str) -> None:
    """The map's moment on the time plots: a pale solid line with a label, never the dotted (record)
    or dashed (model) style of the dated lines."""
    shapes, _ = date_lines([Mark(dt.date(2001, 3, 5), "record"), Mark(dt.date(2001, 3, 6), "model", model=True)])
    styles = {(s["line"]["color"], s["line"]["dash"]) for s in shapes}
    assert (CURSOR["line"]["color"], CURSOR["line"]["dash"]) not in styles
    assert CURSOR["line"]["dash"] == "solid" and all(s["line"]["dash"] != "solid" for s in shapes)
    followers = [p for p in _plots(episode_html) if p["follows"] == "map"]
    assert len(followers) >= 5
    assert all(p["cursor"]["label"] == "map" and p["cursor"]["line"] == CURSOR["line"] for p in followers)


def test_lines_that_coincide_stay_distinguishable(episode_run: Path) -> None:
    """The two towns share one supply: their fuel lines are the same numbers. The first is drawn
    first and wider, the second narrower on top, so both show."""
    b = EpisodeRun.load(episode_run)
    ep = Episode(followed=["Uptown", "Downtown"], capital="Uptown")
    fig = supply_figure(b, ep, [])
    fuel = [t for t in fig.traces if t["name"].endswith("fuel")]
    assert [t["name"] for t in fuel] == ["Uptown, fuel", "Downtown, fuel"]
    assert fuel[0]["y"] == fuel[1]["y"]  # the same line...
    assert fuel[0]["line"]["width"] >= fuel[1]["line"]["width"] + 2  # ...drawn as a wide line edged by a narrow one
    assert fig.traces.index(fuel[0]) < fig.traces.index(fuel[1])


@pytest.mark.parametrize("most", [1, 2, 3, 5, 7, 13, 21, 37, 99, 101, 450, 2999])
def test_road_counts_get_whole_regular_ticks(most: int) -> None:
    k, step = count_ticks(most)
    assert k in (4, 5) and isinstance(step, int) and step >= 1 and k * step >= most
    assert k * step <= max(4, 2 * most)  # the axis is not mostly empty


def test_roads_and_elite_support_axes(episode_run: Path) -> None:
    """Roads blocked: whole-number ticks from 0; elite support: its range 0–1, labelled, the run's
    values below 0 clipped to it; both axes in the same number of equal steps (their ticks align)."""
    b = EpisodeRun.load(episode_run)
    assert b.ts["elite_support"].min() < 0  # the fixture's support falls below its range
    fig = roads_figure(b, [])
    y, y2 = fig.layout["yaxis"], fig.layout["yaxis2"]
    assert y["tickformat"] == "d" and isinstance(y["dtick"], int) and y["range"][0] == 0 and y["tick0"] == 0
    assert y["range"][1] >= max(fig.traces[0]["y"]) and all(float(v).is_integer() for v in fig.traces[0]["y"])
    assert y2["range"] == [0, 1] and "0 = none, 1 = full" in y2["title"]["text"]
    support = fig.traces[1]["y"]
    assert min(support) == 0 and max(support) <= 1
    intervals = round(y["range"][1] / y["dtick"])
    assert np.allclose(np.diff(y2["tickvals"]), 1 / intervals) and len(y2["tickvals"]) == intervals + 1
    assert "within its range" in fig.caption


# --- item 17: the map ----------------------------------------------------------------------------
@pytest.mark.parametrize("biggest, want", [(649_958, [500_000, 50_000, 5_000]), (1_000_000, [1e6, 1e5, 1e4]),
                                           (180, [100, 10, 1]), (7, [5])])
def test_size_key_values_are_round_and_not_above_the_biggest(biggest: float, want: list[float]) -> None:
    assert size_key_values([3.0, biggest, 0.0]) == want


def test_the_map_offers_a_size_key_speeds_and_exports(episode_html: str) -> None:
    spec = next(b for k, b in _blocks(episode_html).items() if k.startswith("map-data"))
    key = spec["size_key"]
    assert key["values"] == [200_000, 20_000, 2_000] and key["labels"] == ["200 k", "20 k", "2 k"]
    assert key["k"] == spec["views"][key["view"]]["k"] > 0
    assert spec["speeds"] == list(SPEEDS) and 1 in SPEEDS and max(SPEEDS) >= 4
    assert spec["file"] == "twin-towns-map"
    assert spec["csv"][:7] == ["date", "step", "place", "population", "active", "share_active", "killed_so_far"]
    for marker in ('class="map-size-key"', '<select class="speed"', 'class="export-png"', 'class="export-csv"'):
        assert marker in episode_html, marker


# --- item 22: plausibility -----------------------------------------------------------------------
@pytest.mark.parametrize("summary, want", [
    ("About 2,000 peasants start a hunger strike.", [2000]),
    ("a column from the city, put at over 50,000 by organisers, walks down", [50000]),
    ("Soldiers stop a column of about 1,000 miners; two miners die.", [1000]),
    ("The convoy crosses under live fire; about 26 people die.", []),
    ("about 12% of national output of 531,000 b/d; 878,000 barrels were lost", []),
    ("1,121 detained (42% in the capital), 937 people attended by health services", []),
    ("more than 220 of its 304 deaths; at least 87,000 people in some 100 towns", [87000]),
    ("Thousands march; some 300 soldiers watch", []),
])
def test_crowd_figures_are_read_from_the_summaries(summary: str, want: list[int]) -> None:
    assert [people for people, _ in crowds_in(summary)] == want


def test_the_records_crowds_beside_the_models_peaks(episode_run: Path, episode_html: str) -> None:
    b = EpisodeRun.load(episode_run)
    ep = Episode.of(b.summary)
    crowds = crowd_estimates(ep.events)
    assert [(c.date, c.place, c.people, c.words) for c in crowds] == [
        (dt.date(2001, 3, 8), "Uptown", 20000, "About 20,000 marchers")]
    table = crowds_table(b.ts, crowds, 1000)
    (row,) = list(table.rows)
    day = b.ts.filter((pl.col("place_name") == "Uptown") & (pl.col("date").dt.date() == dt.date(2001, 3, 8)))
    assert row[3] == "About 20,000 marchers" and row[4] == f"{int(day['active'].max()):,}"
    assert row[6].startswith(f"{int(b.ts.filter(pl.col('place_name') == 'Uptown')['active'].max()):,} (")
    assert "children included" in table.caption and "(here 1,000)" in table.caption
    # the headline's peak says what it counts and gives the record's figure beside it
    stat = next(s for s in headline(b, ep).stats if s.key == "peak_uptown")
    assert "all ages" in stat.label and "record's largest crowd: about 20,000 marchers (8 Mar)" in stat.note
    assert "Crowds: the record&#x27;s estimates beside the model" in episode_html
    assert "children included" in active_meaning(None)


# --- item 18: figures that disagree --------------------------------------------------------------
@pytest.mark.parametrize("value, want", [(67.5, "67.5"), (68.0, "68"), (68, "68"), (67.54, "67.5"),
                                         (1234.5, "1,234.5"), (0.25, "0.25"), (0, "0"), (None, "—"),
                                         (float("nan"), "—"), ("x", "—")])
def test_one_formatter_for_medians(value, want: str) -> None:
    assert fmt_median(value) == want


def test_the_validation_page_writes_a_median_one_way(tmp_path: Path) -> None:
    """The median killed is 67.5 in the headline, the targets table and the outcome table alike
    (it was 67.5 in one place and 68 in another), and a median above 1,000 is not 1.23e+03."""
    for median in (67.5, 1234.5):
        (tmp_path / "validation.json").write_text(json.dumps({
            "scenario": "s", "runs": 2, "resigned_share": 0.5, "deaths_median": median, "deaths_p10": 58,
            "deaths_p90": 79.5, "record": {"resigned": True, "resignation_date": "2001-03-08", "deaths": [58, 81]},
            "targets": [{"name": "median deaths", "measure": "deaths_median", "value": median, "target": "40 to 120",
                         "met": True}],
            "per_run": [{"seed": 1, "resigned": True, "resignation_date": "2001-03-08", "deaths_total": median}]}))
        html = re.sub(r"<script.*?</script>", "", write_report(tmp_path).read_text(encoding="utf-8"), flags=re.S)
        shown = fmt_median(median)
        assert html.count(f">{shown}<") >= 2 and f"{shown} [58, 79.5]" in html
        assert f">{round(median):,}<" not in html and "e+03" not in html


def test_no_table_or_headline_prints_none(tmp_path: Path) -> None:
    table = Table(["a", "b", "c"], [(None, float("nan"), fmt_num(None))]).render(None)
    assert "None" not in table and "nan" not in table and table.count(">—<") == 3
    assert ">—<" in Headline([Stat("x", None)]).render(None)
    # the effects page with a measure the runs could not estimate
    (tmp_path / "effects.json").write_text(json.dumps({"kind": "effects", "episode": "e", "runs": 3, "root_seed": 1, "effects": [
        {"effect": "backfire", "date": "2001-03-08", "measures": [
            {"measure": "actives", "description": "actives after", "recorded": 10.0, "counterfactual": None,
             "effect": None, "ci_low": None, "ci_high": None, "n": None},
            {"measure": "resigned", "description": "resigned", "recorded": 1.0, "counterfactual": 0.5,
             "effect": 0.5, "ci_low": 0.1, "ci_high": 0.9, "n": 3}]}]}))
    html = write_report(tmp_path).read_text(encoding="utf-8")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells and not [c for c in cells if c in ("None", "none", "nan", "NaN")]
