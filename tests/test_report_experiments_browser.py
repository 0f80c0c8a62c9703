"""Experiment pages in a real browser: validation, sweep, sensitivity, comparison.

Each comes from the real command through the CLI (small: epstein-1 for 20-30 steps, or
bolivia-2003 at one agent per 2,000 people for validation), which ends by writing
DIR/report.html and printing its path. Each page opens in headless Chromium with no console
error, no request beyond the file, and every plot drawn with data.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from browser import chromium, open_page, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]

EVIL = "<script>alert(1)</script>"

SWEEP = """
[sweep]
name = "{name}"
scenario = "epstein-1"
seed = 3
seeds = 2
steps = 30

[grid]
"citizen.legitimacy" = [0.7, 0.85]
"population.cop_density" = [0.03, 0.06]
"""

MORRIS = """
[sweep]
name = "tiny-morris"
scenario = "epstein-1"
seed = 7
seeds = 1
steps = 25

[sample]
method = "morris"
n = 3
levels = 4
[sample.ranges]
"citizen.legitimacy" = [0.6, 0.95]
"population.cop_density" = [0.01, 0.08]

[sensitivity]
outputs = ["mean_active_fraction", "mean_jailed"]
"""


def cli(*args: str) -> Path:
    """Run ``uprising ARGS``; return the report path it printed."""
    from uprising.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("report: ")]
    assert lines, result.output
    path = Path(lines[-1][len("report: "):])
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def browser():
    with chromium() as shared:
        yield shared


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("experiments")
    (root / "sweep.toml").write_text(SWEEP.format(name=EVIL.replace('"', '\\"')))
    (root / "morris.toml").write_text(MORRIS)
    calibration = root / "calibrate"  # the page from what `uprising calibrate` writes (trials as a table here)
    calibration.mkdir()
    (calibration / "calibration.json").write_text(json.dumps({
        "scenario": "bolivia-2003", "study": "s", "trials": 6, "best_score": 0.8,
        "best_parts": {"deaths": 0.3, "phases": 0.2, "resignation": 0.3}, "shipped_score": {"total": 1.4},
        "best_params": {"world.clashes.fire_ratio": 4.2}, "shipped_params": {"world.clashes.fire_ratio": 3.0},
        "parameters": {"world.clashes.fire_ratio": [1.5, 8.0, True]}}))
    pl.DataFrame({"number": range(6), "value": [3.0, 2.1, 2.5, 0.8, 1.9, 1.2],
                  "params_world.clashes.fire_ratio": [2.0, 3.1, 6.5, 4.2, 7.7, 5.0]}).write_parquet(
        calibration / "trials.parquet")
    return {
        "calibration": cli("report", str(calibration)),
        "sweep": cli("sweep", str(root / "sweep.toml"), "--out", str(root / "sweep"), "-q", "-w", "1"),
        "sensitivity": cli("sensitivity", str(root / "morris.toml"), "--out", str(root / "morris"), "-q", "-w", "1"),
        "comparison": cli("compare", "epstein-1", "--set", "citizen.legitimacy=0.75", "--runs", "3", "--steps", "30",
                          "--out", str(root / "compare"), "-q", "-w", "1"),
        "validation": cli("validate", "bolivia-2003", "--runs", "2", "--scale", "0.0005", "--workers", "1",
                          "--out", str(root / "validate")),
    }


def plots(page) -> dict[str, dict]:
    return {
        p["key"]: p for p in page.evaluate(
            """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
                  key: el.getAttribute('data-key'),
                  traces: (el.data || []).length,
                  points: (el.data || []).map(t => (t.x || t.z || []).length),
                  svg: el.querySelectorAll('.main-svg').length}))""")
    }


EXPECTED = {
    "validation": {"band-active_el_alto", "band-active_la_paz", "band-deaths", "resignation-hist", "deaths-hist"},
    "sweep": {"grid-heatmap", "param-citizen__legitimacy", "param-population__cop_density"},
    "sensitivity": {"sens-mean_active_fraction", "sens-mean_jailed", "morris-mean_active_fraction",
                    "param-citizen__legitimacy"},
    "comparison": {"forest", "traj-active", "traj-jailed", "pairs"},
    "calibration": {"trials", "trial-params_world.clashes.fire_ratio"},
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_experiment_page(browser, pages: dict[str, Path], kind: str, tmp_path: Path) -> None:
    html = pages[kind]
    with open_page(html, browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        page.wait_for_timeout(300)
        assert page.locator(".kicker").text_content().endswith(kind)  # as written (CSS shows it in capitals)
        drawn = plots(page)
        assert EXPECTED[kind] <= set(drawn), (kind, sorted(drawn))
        for key, plot in drawn.items():
            assert plot["svg"] >= 1 and plot["traces"] >= 1 and max(plot["points"]) >= 1, plot
        shot = tmp_path / f"report-{kind}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        assert all(url.startswith(("file:", "data:", "blob:")) for url in s.requests), s.requests
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)


def test_sweep_name_and_output_menu(browser, pages: dict[str, Path]) -> None:
    with open_page(pages["sweep"], browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        assert page.inner_text("h1") == EVIL  # the sweep's name, as text
        # The menu switches the plotted output: the y axis title follows.
        plot = '[data-key="param-citizen__legitimacy"]'
        before = page.evaluate(f"() => document.querySelector('{plot}').layout.yaxis.title.text")
        page.click(f"{plot} .updatemenu-header-group")
        page.locator(f"{plot} .updatemenu-dropdown-button").nth(1).click()
        page.wait_for_timeout(200)
        after = page.evaluate(f"() => document.querySelector('{plot}').layout.yaxis.title.text")
        assert after != before
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)


def test_kind_follows_what_the_directory_holds(pages: dict[str, Path]) -> None:
    from uprising.report.experiments import experiment_kind

    for kind, html in pages.items():
        assert experiment_kind(html.parent) == kind


def test_validation_notes_clear_of_legends_and_whole_runs(browser, pages: dict[str, Path]) -> None:
    """On the validation page no date's note covers a legend, and the histograms count whole runs."""
    with open_page(pages["validation"], browser=browser, wait_for=".js-plotly-plot .main-svg") as s:
        page = s.page
        page.wait_for_timeout(300)
        found = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
            const box = n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
            return {key: el.getAttribute('data-key'),
                    legend: Array.from(el.querySelectorAll('.legend .bg')).map(box),
                    notes: Array.from(el.querySelectorAll('.annotation')).map(box),
                    yticks: Array.from(el.querySelectorAll('.ytick text')).map(t => t.textContent)};
          })""")
        assert {p["key"] for p in found} >= {"band-deaths", "deaths-hist", "resignation-hist"}
        for plot in found:
            for lg in plot["legend"]:
                for note in plot["notes"]:
                    apart = (lg[0] + lg[2] <= note[0] or note[0] + note[2] <= lg[0]
                             or lg[1] + lg[3] <= note[1] or note[1] + note[3] <= lg[1])
                    assert apart, (plot["key"], lg, note)
            if plot["key"].endswith("-hist"):
                assert plot["yticks"] and all(t.isdigit() for t in plot["yticks"]), plot
        assert any(p["notes"] for p in found) and any(p["legend"] for p in found)
        assert s.dialogs == [] and s.errors == [], (s.dialogs, s.errors)
