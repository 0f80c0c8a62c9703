"""The report in a real browser (Debian's headless Chromium via Playwright, file:// URL).

The main test uses a real run of epstein-1 (``Simulation`` + ``uprising.output.write_run``);
the escaping test uses a synthetic output directory in the same format.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from browser import chromium, open_page, requires_chromium
from report_fixtures import fake_run
from uprising.report import write_report

pytestmark = [pytest.mark.browser, requires_chromium]

EVIL = "<script>alert(1)</script>"
STEPS = 150


def real_run(out_dir: Path) -> Path | None:
    """epstein-1, seed 1, through the public API and the real output writer (None if absent)."""
    if importlib.util.find_spec("uprising.simulation") is None:
        return None
    from uprising.output import write_run
    from uprising.simulation import Simulation

    sim = Simulation.from_scenario("epstein-1", seed=1, steps=STEPS, frame_every=1).run()
    write_run(out_dir, timeseries=sim.timeseries(), summary=sim.summary(), frames=sim.frames())
    return out_dir


@pytest.fixture(scope="module")
def browser():
    with chromium() as shared:
        yield shared


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("epstein-1")
    return real_run(out) or fake_run(out, steps=STEPS)


def plot_state(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
              key: el.getAttribute('data-key'),
              traces: (el.data || []).length,
              points: (el.data || []).map(t => (t.x || []).length),
              svg: el.querySelectorAll('.main-svg').length,
              lines: el.querySelectorAll('.scatterlayer .trace path.js-line').length,
           }))"""
    )


def canvas_signature(page) -> str:
    return page.evaluate("() => document.querySelector('canvas.grid-canvas').toDataURL()")


def test_classic_report_renders_and_plays(browser, run_dir: Path, tmp_path: Path) -> None:
    html = write_report(run_dir)
    with open_page(html, browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        # Plots: every figure drew its traces, each with points.
        plots = plot_state(page)
        assert plots and plots[0]["key"] == "counts"
        for plot in plots:
            assert plot["svg"] >= 1 and plot["traces"] >= 1 and plot["lines"] >= 1, plot
            assert all(n > 1 for n in plot["points"]), plot
        # Headline numbers are on the page.
        assert page.inner_text('[data-stat="citizens"] .stat-value').replace(",", "").isdigit()
        # The animation: a step label, then play advances it (label and pixels change).
        anim = page.locator(".grid-anim")
        label = page.locator(".grid-anim .step-label")
        before_label = label.inner_text()
        before_step = anim.get_attribute("data-step")
        before_pixels = canvas_signature(page)
        assert before_label.startswith("step ")
        page.click(".grid-anim button.play")
        page.wait_for_function(
            "s => document.querySelector('.grid-anim').getAttribute('data-step') !== s",
            arg=before_step, timeout=5_000,
        )
        page.wait_for_timeout(300)
        assert label.inner_text() != before_label
        assert canvas_signature(page) != before_pixels
        assert page.inner_text(".grid-anim button.play") == "Pause"
        page.click(".grid-anim button.play")
        assert page.inner_text(".grid-anim button.play") == "Play"
        # The slider seeks; clicking nowhere else needed.
        page.fill(".grid-anim input.scrub", "0")
        page.dispatch_event(".grid-anim input.scrub", "input")
        assert anim.get_attribute("data-step") == "0"
        shot = tmp_path / "report-classic.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        # Offline: nothing but the file itself was requested.
        assert all(url.startswith(("file:", "data:", "blob:")) for url in s.requests), s.requests
        assert s.errors == [], s.errors


def test_script_in_a_scenario_name_stays_text(browser, tmp_path: Path) -> None:
    run = fake_run(tmp_path / "evil", name=EVIL, description="</script><img src=x onerror=alert(2)>",
                   model="epstein-2", steps=20)
    # User strings inside the page's JSON too: group names become plot legend entries.
    summary = json.loads((run / "summary.json").read_text())
    summary["group_names"] = [EVIL, "</script><script>alert(3)</script>"]
    (run / "summary.json").write_text(json.dumps(summary))
    html = write_report(run)
    with open_page(html, browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        page.wait_for_timeout(200)
        assert page.inner_text("h1") == EVIL
        assert page.inner_text(".subtitle") == "</script><img src=x onerror=alert(2)>"
        assert page.locator("img").count() == 0
        assert page.evaluate("() => document.querySelectorAll('script:not([type])').length") == 2
        legend = page.locator('[data-key="groups-active"] .legendtext').all_text_contents()
        assert legend == summary["group_names"]  # shown as written, not as markup
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)
