"""What a reader of an episode's report sees, in a real browser (issue 22; Debian's headless
Chromium via Playwright, file:// URL): the page on a phone, the charts' mode bar, the cursor the
map moves on the time plots, and the map's size key, speed menu and exports. A made-up episode of
two towns (report_fixtures.fake_episode_run): no engine run needed."""

from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import pytest

from browser import chromium, open_page, requires_chromium
from report_fixtures import PHONE, PHONE_GEOMETRY, fake_episode_run, phone_problems
from uprising.report import write_report

pytestmark = [pytest.mark.browser, requires_chromium]

ROWS = (
    '2001-03-08,march,false,Uptown,Uptown square,march,unions,,,,,,,"About 20,000 marchers fill the square of the '
    'old town, the biggest crowd the record gives for these days, and stay until the evening.",made up',
)
READY = ".js-plotly-plot .main-svg"


@pytest.fixture(scope="module")
def browser():
    with chromium() as shared:
        yield shared


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(fake_episode_run(tmp_path_factory.mktemp("twin") / "run", record_rows=ROWS))


def _map_spec(page) -> dict:
    return page.evaluate("() => JSON.parse(document.getElementById("
                         "document.querySelector('.map-anim').getAttribute('data-map')).textContent)")


def test_the_page_reads_on_a_phone(browser, html: Path) -> None:
    """At 390 × 844: no sideways scrolling, every plot the card's width (over 300 px) with room to
    draw (its legend moved above it), the heatmap's cells drawn, tables scrolling in their own box."""
    with open_page(html, browser=browser, width=PHONE[0], height=PHONE[1], wait_for=READY) as s:
        s.page.wait_for_timeout(300)
        geometry = s.page.evaluate(PHONE_GEOMETRY)
        assert len(geometry["plots"]) >= 6 and geometry["tables"]
        assert phone_problems(geometry) == []
        wide = [t for t in geometry["tables"] if t["content"] > t["box"]]
        assert wide, "the crowds table is wider than a phone: it scrolls inside its box"
        assert s.page.evaluate("() => document.querySelector('[data-key=actives]').getAttribute('data-narrow')") == "1"
        # the heatmap's menu switches the measure: its colour bar stays under the plot
        for button in range(s.page.evaluate("() => document.querySelector('[data-key=heatmap]').layout.updatemenus[0]"
                                            ".buttons.length")):
            area = s.page.evaluate("""b => { const el = document.querySelector('[data-key=heatmap]');
                return Plotly.restyle(el, el.layout.updatemenus[0].buttons[b].args[0]).then(() =>
                  [el._fullLayout._size.w, el._fullData[0].colorbar.orientation]); }""", button)
            assert area[0] > 200 and area[1] == "h", (button, area)
        assert s.errors == [], s.errors
    with open_page(html, browser=browser, width=1320, height=900, wait_for=READY) as s:  # a desktop keeps its layout
        assert s.page.evaluate("() => document.querySelectorAll('[data-narrow]').length") == 0


def test_no_chart_has_a_cloud_button(browser, html: Path) -> None:
    with open_page(html, browser=browser, wait_for=READY) as s:
        page = s.page
        page.hover(".js-plotly-plot[data-key=actives] .nsewdrag")
        titles = page.evaluate("() => Array.from(document.querySelectorAll('.modebar-btn'))"
                               ".map(b => b.getAttribute('data-title'))")
        assert any(t and "png" in t.lower() for t in titles), titles  # the download is there...
        assert not [t for t in titles if t and ("share" in t.lower() or "cloud" in t.lower())], titles
        assert page.locator(".modebar-btn--logo, a.modebar-btn[href]").count() == 0  # ...no logo, no link
        names = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                              ".map(el => el._context.toImageButtonOptions.filename)")
        assert "twin-towns-actives" in names and len(set(names)) == len(names)
        assert s.requests and all(u.startswith(("file:", "data:", "blob:")) for u in s.requests), s.requests


def test_the_maps_cursor_is_solid_labelled_and_follows_the_map(browser, html: Path) -> None:
    with open_page(html, browser=browser, wait_for=READY) as s:
        page = s.page
        page.evaluate("() => window.uprisingReport.animations.map.seekX('2001-03-05 12:00')")
        page.wait_for_timeout(400)
        cursors = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .filter(el => (el.layout.shapes || []).some(sh => sh.name === 'cursor')).map(el => ({
              key: el.getAttribute('data-key'),
              line: el.layout.shapes.find(sh => sh.name === 'cursor'),
              others: el.layout.shapes.filter(sh => sh.name !== 'cursor' && sh.type === 'line').map(sh => sh.line.dash),
              note: el.layout.annotations.find(a => a.name === 'cursor')}))""")
        assert {c["key"] for c in cursors} >= {"actives", "deaths", "roads", "supply", "timeline", "heatmap"}
        for c in cursors:
            assert c["line"]["line"]["dash"] == "solid" and c["line"]["line"]["width"] >= 2.5
            assert "solid" not in c["others"]  # the dated lines are dotted or dashed
            assert c["note"]["text"] == "map"
            assert str(c["line"]["x0"]).startswith("2001-03-05 12:00") and c["note"]["x"] == c["line"]["x0"]
        assert s.errors == [], s.errors


def test_the_size_key_draws_round_numbers_on_the_maps_scale(browser, html: Path) -> None:
    """The key's circle for 200,000 people is as big on screen as a place of 200,000 would be:
    beside the 400,000-people town's ring, sqrt(1/2) of its radius (at any window width)."""
    for width in (1320, PHONE[0]):
        with open_page(html, browser=browser, width=width, wait_for=READY) as s:
            page = s.page
            key = page.evaluate("""() => Array.from(document.querySelectorAll('.map-size-key circle')).map(c =>
                [+c.getAttribute('data-people'), c.getBoundingClientRect().width / 2])""")
            labels = page.evaluate("() => Array.from(document.querySelectorAll('.map-size-key text')).map(t => t.textContent)")
            ring = page.evaluate("() => document.querySelector('.map-place[data-place=\"0\"] circle.pop')"
                                 ".getBoundingClientRect().width / 2")
            assert [k[0] for k in key] == [200_000, 20_000, 2_000] and labels == ["200 k", "20 k", "2 k"]
            assert key[0][1] == pytest.approx(ring * (200_000 / 400_000) ** 0.5, rel=0.05), (width, key, ring)
            assert key[1][1] == pytest.approx(key[0][1] / 10**0.5, rel=0.05)


def test_the_speed_menu_changes_how_fast_the_map_plays(browser, html: Path) -> None:
    with open_page(html, browser=browser, wait_for=READY) as s:
        page = s.page
        options = page.evaluate("() => Array.from(document.querySelectorAll('.map-anim select.speed option')).map(o => o.value)")
        assert options == ["0.5", "1", "2", "4", "8"]
        base = page.evaluate("() => window.uprisingReport.animations.map.framesPerSecond()")
        page.select_option(".map-anim select.speed", "8")
        assert page.get_attribute(".map-anim", "data-speed") == "8"
        assert page.evaluate("() => window.uprisingReport.animations.map.framesPerSecond()") == 8 * base
        # 24 frames: at 1x that takes at least 24 / base seconds (4 s at 6 frames a second); at 8x half a second
        seconds = page.evaluate("""() => new Promise(done => {
            const anim = document.querySelector('.map-anim'); let seen = 0; const t0 = performance.now();
            const watch = new MutationObserver(() => { if (++seen >= 24) { watch.disconnect();
                window.uprisingReport.animations.map.pause(); done((performance.now() - t0) / 1000); } });
            watch.observe(anim, {attributes: true, attributeFilter: ['data-frame']});
            window.uprisingReport.animations.map.play(); })""")
        assert seconds < 24 / base, seconds  # faster than 1x can ever play
        assert s.errors == [], s.errors


def test_the_map_exports_its_moment_as_csv_and_png(browser, html: Path, tmp_path: Path) -> None:
    with open_page(html, browser=browser, wait_for=READY) as s:
        page = s.page
        spec = _map_spec(page)
        busy = max(range(len(spec["blocked"])), key=lambda i: len(spec["blocked"][i]))
        page.fill(".map-anim input.scrub", str(busy))
        page.dispatch_event(".map-anim input.scrub", "input")
        with page.expect_download() as got:
            page.click(".map-anim button.export-csv")
        download = got.value
        assert download.suggested_filename == f"twin-towns-map-{spec['x'][busy].replace(' ', '-').replace(':', '-')}.csv"
        rows = list(csv.DictReader(io.StringIO((Path(download.path())).read_text(encoding="utf-8"))))
        assert [r["place"] for r in rows] == spec["names"] and list(rows[0]) == spec["csv"]
        assert [int(r["active"]) for r in rows] == spec["active"][busy]
        assert all(r["date"] == spec["x"][busy] and int(r["step"]) == spec["steps"][busy] for r in rows)
        with page.expect_download() as got:
            page.click(".map-anim button.export-png")
        png = Path(got.value.path()).read_bytes()
        assert got.value.suggested_filename.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (2 * spec["width"], 2 * spec["height"])
        from PIL import Image

        picture = Image.open(io.BytesIO(png)).convert("RGB")
        colours = {c for _, c in picture.getcolors(maxcolors=1 << 20)}

        def near(hex_colour: str, alpha: float = 1.0) -> bool:  # over the land's colour when not opaque
            want = [alpha * a + (1 - alpha) * b for a, b in zip(bytes.fromhex(hex_colour[1:]), bytes.fromhex("f4f1ea"))]
            return any(sum(abs(a - b) for a, b in zip(c, want)) < 30 for c in colours)

        assert near(spec["colours"]["active"], 0.72)  # the disks (their colour an attribute, their opacity CSS)
        assert near(spec["colours"]["blocked"])  # the blocked roads (coloured by the page's stylesheet)
        assert s.errors == [], s.errors
        assert all(u.startswith(("file:", "data:", "blob:")) for u in s.requests), s.requests
