"""``uprising serve`` in headless Chromium: the page, play, a slider, a decision, a saved play-through.

The server runs in a thread of this process on a free port (``serve.runner.InThread``), so the
test reads the live run itself and its ``/state`` endpoint.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from browser import chromium, requires_chromium

from uprising.scenarios import load_scenario
from uprising.serve.app import create_app
from uprising.serve.runner import InThread
from uprising.serve.session import Session
from uprising.simulation import Simulation

pytestmark = [pytest.mark.browser, requires_chromium]


def get_state(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url + "state", timeout=10).read())


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def open_app(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(120_000)  # a first step may compile the engine's kernels (numba) on a busy machine
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("window.uprisingStats && window.uprisingStats.framesDrawn > 0", timeout=120_000)
    return context, page, errors


def test_grid_page_plays_and_a_slider_changes_the_run(browser):
    scenario = load_scenario("epstein-1", {"grid.width": 40, "grid.height": 40, "scenario.steps": 400})
    session = Session(scenario, seed=2)
    with InThread(create_app(session)) as url:
        context, page, errors = open_app(browser, url)
        try:
            assert page.eval_on_selector("#board", "c => [c.width, c.height]") == [40, 40]
            assert page.inner_text("#step").startswith("step 0 /")
            page.click("#play")
            page.wait_for_function("window.uprisingStats.lastStep >= 5", timeout=120_000)
            page.click("#pause")
            page.wait_for_function("!document.querySelector('#play').classList.contains('playing')")
            played = get_state(url)["step"]
            assert played >= 5
            page.wait_for_function(f"document.querySelector('#step').textContent.startsWith('step {played} /')",
                                   timeout=60_000)
            # the slider, moved as a user does (its change event), changes the run's legitimacy
            page.eval_on_selector('[data-lever="legitimacy"]',
                                  "el => { el.value = 0.5; el.dispatchEvent(new Event('change')); }")
            page.wait_for_selector("#log li.lever")
            state = get_state(url)
            assert state["levers"]["legitimacy"] == 0.5
            assert state["interventions"] == [{"step": played + 1, "until": None, "parameter": "legitimacy", "value": 0.5}]
            page.click("#one")
            page.wait_for_function(f"window.uprisingStats.lastStep >= {played + 1}")
            assert get_state(url)["legitimacy_now"] == pytest.approx(0.5)
            # set-up levers are locked once the run has started
            assert page.eval_on_selector('[data-lever="vision"]', "el => el.disabled")
            assert not errors, errors
        finally:
            context.close()


def test_episode_decision_is_logged_and_the_saved_play_through_replays(browser, tmp_path):
    session = Session(load_scenario("bolivia-2003", {"world.scale": 0.0005}), seed=7)
    with InThread(create_app(session)) as url:
        context, page, errors = open_app(browser, url)
        try:
            page.wait_for_selector("#map")
            assert page.is_visible("#actorbox")
            # the board follows the place selected (as a click on the map does)
            other = next(p for p in range(session.sim.world.P) if p != session.sim.world.capital)
            name = session.sim.world.names[other]
            page.evaluate("([p]) => fetch('/command', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({cmd: 'select', place: p})})",
                          [other])
            page.click("#one")
            page.wait_for_function("([n]) => document.querySelector('#boardcap').textContent.startsWith(n + ':')",
                                   arg=[name])
            h, w = (int(v) for v in session.sim.world.places.board_view(other).shape)
            assert page.eval_on_selector("#board", "c => [c.width, c.height]") == [w, h]
            for _ in range(2):
                page.click("#one")
            page.wait_for_function("window.uprisingStats.lastStep >= 3")
            # play the government: a state of siege with live fire in the capital
            capital = session.sim.world.names[session.sim.world.capital]
            page.select_option("#kind", "state_of_siege")
            page.select_option("#fields select[multiple]", [capital])
            page.select_option("#fields [data-field=force]", "live_fire")
            page.click("#decide")
            page.wait_for_selector("#log li.decision")
            assert "state_of_siege" in page.inner_text("#log") and capital in page.inner_text("#log")
            # a group's legitimacy, moved mid-run with its slider: a dated shock (issue #22 item 6)
            group = session.setup.groups[0].name
            page.eval_on_selector(f'[data-lever="legitimacy.{group}"]',
                                  "el => { el.value = 0.4; el.dispatchEvent(new Event('change')); }")
            page.wait_for_selector("#log li.lever")
            assert [x.groups for x in session.sim.scenario.legitimacy.shocks] == [[group]]
            page.select_option("#speed", "0")
            page.click("#play")
            page.wait_for_function("window.uprisingStats.lastStep >= 16", timeout=120_000)
            page.click("#pause")
            page.wait_for_function("!document.querySelector('#play').classList.contains('playing')")
            assert ["state_of_siege" in d[1] for d in get_state(url)["decisions_taken"]].count(True) >= 1
            with page.expect_download() as download:
                page.click("#save")
            saved = tmp_path / "play.toml"
            download.value.save_as(saved)
            assert "replays exactly" in page.inner_text("#exact")
            assert not errors, errors
        finally:
            context.close()
    played = session.steps_done
    assert played >= 16
    replay = Simulation(load_scenario(saved)).run(played)
    assert replay.seed == 7
    assert replay.timeseries().equals(session.sim.timeseries())


def test_charts_end_at_the_last_step_of_a_run_played_at_full_speed(browser):
    """Issue #22 item 2: at speed "max" the run's last tick came within the charts' redraw interval
    and the charts kept an earlier step's lines and values."""
    session = Session(load_scenario("epstein-1", {"scenario.steps": 500}), seed=1)
    with InThread(create_app(session)) as url:
        context, page, errors = open_app(browser, url)
        try:
            page.select_option("#speed", "0")
            page.wait_for_function("document.querySelector('#speed').value === '0'")
            page.click("#play")
            page.wait_for_function("document.querySelector('#step').textContent.startsWith('step 500 /')",
                                   timeout=180_000)
            assert get_state(url)["step"] == 500
            charts = "[...document.querySelectorAll('#charts canvas')]"
            page.wait_for_function(f"{charts}.length > 0 && {charts}.every(c => c.dataset.lastStep === '500')",
                                   timeout=5_000)
            drawn = page.evaluate(f"{charts}.map(c => [c.dataset.series, Number(c.dataset.lastValue)])")
            last = session.rows[-1]
            assert last["step"] == 500
            assert {k: v for k, v in drawn} == {k: pytest.approx(float(last[k])) for k, _ in drawn}
            assert not errors, errors
        finally:
            context.close()


LAYOUT = """() => {
  const box = (sel) => { const el = document.querySelector(sel); if (!el || el.hidden) return null;
    const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const view = box('#view'), map = box('#mapbox'), board = box('#boardbox');
  const firstRow = [map, board].filter((b) => b && Math.abs(b[1] - view[1]) < 2);
  return { width: innerWidth, scroll: document.documentElement.scrollWidth, view, map, board,
           charts: box('#charts'), levers: box('#leverbox'), actor: box('#actorbox'), log: box('#log'),
           rowRight: Math.max(...firstRow.map((b) => b[2])),
           legend: [...document.querySelectorAll('#maplegend li')].map((li) => li.dataset.mark),
           mapDrawn: window.uprisingStats.mapDrawn || 0 };
}"""


@pytest.mark.parametrize("width,height", [(1024, 768), (1280, 800), (390, 844)])
def test_layout_nothing_overlaps_no_gap_and_the_map_has_its_legend(browser, width, height):
    """Issue #22 items 5 and 7: at 1024 x 768 the levers covered the map, at 1280 x 800 a gap opened
    beside it, on a phone the panels overlapped; the map had no legend."""
    session = Session(load_scenario("bolivia-2003", {"world.scale": 0.0005}), seed=1)
    for _ in range(3):
        session.step()
    with InThread(create_app(session)) as url:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(url)
            page.wait_for_function("window.uprisingStats && window.uprisingStats.mapDrawn > 0", timeout=60_000)
            got = page.evaluate(LAYOUT)
        finally:
            context.close()
    assert not errors, errors
    assert got["scroll"] <= got["width"], got  # nothing sticks out sideways
    named = {k: got[k] for k in ("map", "board", "charts", "levers", "actor", "log")}
    assert all(named.values()), named
    for i, (a, ra) in enumerate(named.items()):
        for b, rb in list(named.items())[i + 1:]:
            if a in ("levers", "actor", "log") and b in ("levers", "actor", "log"):
                continue  # the side panel's own sections, one under another
            w = min(ra[2], rb[2]) - max(ra[0], rb[0])
            h = min(ra[3], rb[3]) - max(ra[1], rb[1])
            assert w <= 1 or h <= 1, (a, ra, b, rb)
    assert got["rowRight"] >= got["view"][2] - 24, got  # the map's row is filled: no gap beside it
    assert got["map"][2] - got["map"][0] >= min(520, width - 40)
    assert got["legend"][:7] == ["ring", "disk", "road", "blocked", "path", "march", "badge"]
