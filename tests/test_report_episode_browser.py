"""The episode page in a real browser (Debian's headless Chromium via Playwright, file:// URL).

One small real run of bolivia-2003 (one agent per 2,000 people, the whole 61 days) through the
real CLI, which ends by writing report.html: the map, its animation, every plot, the headline,
escaping of the scenario's name, offline, no console errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from browser import chromium, open_page, requires_chromium
from report_fixtures import PHONE, PHONE_GEOMETRY, phone_problems

pytestmark = [pytest.mark.browser, requires_chromium]

EVIL = "<script>alert(1)</script> Gas & War"


@pytest.fixture(scope="module")
def browser():
    with chromium() as shared:
        yield shared


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from uprising.cli import app

    out = tmp_path_factory.mktemp("bolivia") / "run"
    # the government stands (no route of removal) so that the record's October, with its marches and its
    # killings, happens and the map has badges to place (with the shipped joint fit it falls in September)
    result = CliRunner().invoke(app, ["run", "bolivia-2003", "--set", "world.scale=0.0005", "--set",
                                      "world.regime.removal=[]", "--set", f"scenario.name={EVIL}", "--out", str(out),
                                      "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "marches.parquet").is_file()
    return out


def test_episode_report_renders_and_plays(browser, run_dir: Path, tmp_path: Path) -> None:
    html = run_dir / "report.html"
    summary = json.loads((run_dir / "summary.json").read_text())
    with open_page(html, browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        page.wait_for_timeout(300)
        # The scenario's name is text, not markup.
        assert page.inner_text("h1") == EVIL
        assert page.evaluate("() => document.querySelectorAll('script:not([type])').length") == 2
        # Headline numbers, from summary.json.
        for key in ("resigned", "deaths", "peak_el_alto", "peak_la_paz", "fuel_days", "roads_blocked"):
            assert page.locator(f'[data-stat="{key}"] .stat-value').inner_text().strip() not in ("", "—"), key
        deaths = page.inner_text('[data-stat="deaths"] .stat-value').replace(",", "")
        assert int(deaths) == round(summary["deaths_total"])
        # The map: the outline, every place in the zoom view, roads, labels.
        places = len(summary["places"])
        assert page.locator(".map-svg path").count() >= 2  # the outline in both views
        assert page.locator('.map-view[data-view="1"] .map-place').count() >= 12
        assert page.locator('.map-view[data-view="0"] .map-place').count() == places
        assert page.locator(".map-link").count() > 20
        # Plots: every figure drew data.
        plots = page.evaluate(
            """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
                  key: el.getAttribute('data-key'),
                  points: (el.data || []).map(t => (t.x || t.z || []).length),
                  svg: el.querySelectorAll('.main-svg').length}))"""
        )
        keys = {p["key"] for p in plots}
        assert {"actives", "deaths", "supply", "roads", "timeline", "heatmap"} <= keys, keys
        for plot in plots:
            assert plot["svg"] >= 1 and plot["points"] and max(plot["points"]) > 1, plot
        # The animation advances: play changes the frame, the date and the map.
        anim = page.locator(".map-anim")
        before = anim.get_attribute("data-frame")
        label = page.inner_text(".map-anim .step-label")
        page.click(".map-anim button.play")
        page.wait_for_function(
            "f => document.querySelector('.map-anim').getAttribute('data-frame') !== f", arg=before, timeout=5_000)
        page.click(".map-anim button.play")
        assert page.inner_text(".map-anim .step-label") != label
        # Seeking to a frame with blocked roads colours them; frame 0 has none.
        frames = page.evaluate("() => JSON.parse(document.getElementById("
                               "document.querySelector('.map-anim').getAttribute('data-map')).textContent).blocked")
        busy = max(range(len(frames)), key=lambda i: len(frames[i]))
        assert frames[busy], "no road was ever blocked in this run"
        for frame, want in ((busy, True), (0, False)):
            page.fill(".map-anim input.scrub", str(frame))
            page.dispatch_event(".map-anim input.scrub", "input")
            blocked = page.locator(".map-link.blocked").count()
            assert (blocked > 0) == want, (frame, blocked)
        # A plot's click seeks the map (the runtime's API the click handler calls).
        page.evaluate("() => window.uprisingReport.animations.map.seekX('2003-10-01 00:00')")
        assert page.inner_text(".map-anim .step-label").startswith("1 Oct 2003")
        shot = tmp_path / "report-episode.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
        assert all(url.startswith(("file:", "data:", "blob:")) for url in s.requests), s.requests
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)


def test_report_command_rewrites_the_page(run_dir: Path) -> None:
    from uprising.cli import app

    (run_dir / "report.html").unlink()
    result = CliRunner().invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"report: {run_dir / 'report.html'}"
    assert (run_dir / "report.html").stat().st_size > 100_000


MAP_GEOMETRY = """() => Array.from(document.querySelectorAll('.map-view')).map(view => {
    const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
    const shown = el => el.style.display !== 'none';
    return {
      frame: box(view.querySelector('.map-frame')),
      labels: Array.from(view.querySelectorAll('.map-label')).map(t => [t.textContent, box(t)]),
      badges: Array.from(view.querySelectorAll('g.dead')).filter(shown).map(g => box(g.querySelector('circle'))),
      places: Array.from(view.querySelectorAll('.map-place')).map(g => box(g.querySelector('circle.pop'))),
    };
  })"""


def _overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    return (a[0] + slack < b[0] + b[2] and b[0] + slack < a[0] + a[2]
            and a[1] + slack < b[1] + b[3] and b[1] + slack < a[1] + a[3])


def _circle_hits(circle: list[float], box: list[float], slack: float = 0.5) -> bool:
    r = circle[2] / 2
    cx, cy = circle[0] + r, circle[1] + r
    nx, ny = min(max(cx, box[0]), box[0] + box[2]), min(max(cy, box[1]), box[1] + box[3])
    return ((cx - nx) ** 2 + (cy - ny) ** 2) ** 0.5 < r - slack


def _within(inner: list[float], outer: list[float], slack: float = 0.5) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[0] + inner[2] <= outer[0] + outer[2] + slack and inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def test_map_fits_the_window_and_its_labels_are_clear(browser, run_dir: Path) -> None:
    """At 1400 × 900 the map's controls are in the window as the page opens, and the whole map is
    when its card is scrolled to the top. At the last frame (every death badge at its largest) no
    two labels overlap, no label touches a badge, and every label and circle is inside its panel."""
    html = run_dir / "report.html"
    with open_page(html, browser=browser, width=1400, height=900, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        for selector in (".map-anim button.play", ".map-note"):
            top, bottom = page.evaluate(f"() => {{ const r = document.querySelector('{selector}')"
                                        ".getBoundingClientRect(); return [r.top, r.bottom]; }")
            assert 0 <= top and bottom <= 900, (selector, top, bottom)
        page.evaluate("() => document.querySelector('.map-card').scrollIntoView({block: 'start'})")
        assert page.evaluate("() => document.querySelector('.map-svg').getBoundingClientRect().bottom") <= 900
        last = int(page.get_attribute(".map-anim input.scrub", "max"))
        page.fill(".map-anim input.scrub", str(last))
        page.dispatch_event(".map-anim input.scrub", "input")
        views = page.evaluate(MAP_GEOMETRY)
        assert len(views) == 2 and views[1]["badges"], "the zoom shows the killed at the end"
        assert len(views[1]["labels"]) == len(views[1]["places"])  # every place in the zoom is named
        for view in views:
            labels = view["labels"]
            for i, (name, box) in enumerate(labels):
                assert _within(box, view["frame"]), name
                for other, obox in labels[i + 1:]:
                    assert not _overlap(box, obox), (name, other)
                for badge in view["badges"]:
                    assert not _circle_hits(badge, box), (name, badge)
            for circle in view["places"]:
                assert _within(circle, view["frame"]), circle
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)


def test_the_page_reads_on_a_phone(browser, run_dir: Path) -> None:
    """At 390 × 844 (issue 22): plots over 300 px wide with room to draw (the actives' legend above
    the plot, not beside it), the heatmap's cells drawn, tables scrolling in their own box, and the
    page no wider than the window."""
    with open_page(run_dir / "report.html", browser=browser, width=PHONE[0], height=PHONE[1],
                   wait_for=".js-plotly-plot .main-svg") as s:
        s.page.wait_for_timeout(300)
        geometry = s.page.evaluate(PHONE_GEOMETRY)
        assert {p["key"] for p in geometry["plots"]} >= {"actives", "deaths", "roads", "timeline", "supply", "heatmap"}
        assert phone_problems(geometry) == []
        assert s.errors == [], s.errors


def test_a_runs_page_is_small(run_dir: Path) -> None:
    """plotly.js (the cartesian bundle, deflated) and the run's data: at most 1.5 MB, not 6."""
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) <= 1_500_000
    assert html.count('id="plotly-js"') == 1
