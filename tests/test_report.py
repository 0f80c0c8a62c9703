"""The report page builder without a browser: files, escaping, sections, series helpers."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from report_fixtures import fake_run
from uprising.report import Page, write_report
from uprising.report.classic import (
    classic_page,
    group_columns,
    merge_spans,
    outburst_spans,
    thin_rows,
    totals_by_step,
)
from uprising.report.escape import script_json, text
from uprising.report.page import RenderContext
from uprising.report.sections import GridAnimation, ParameterTable, Table, flatten, fmt_num

EVIL = "<script>alert(1)</script>"


def _data_blocks(html: str) -> dict[str, object]:
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    return {block_id: json.loads(body) for block_id, body in blocks}


def test_write_report_is_one_offline_file(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run")
    path = write_report(run)
    assert path == run / "report.html"
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    # Nothing fetched from elsewhere: outside script bodies, no src/href to a URL, no <link>.
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", html, flags=re.S | re.I)
    assert not re.search(r'\b(src|href)\s*=\s*["\']?(https?:)?//', markup, re.I)
    assert "<link" not in markup.lower()
    assert not re.search(r"<script[^>]*\bsrc=", markup, re.I)
    # plotly.js inlined exactly once (deflated, base64), then the runtime: the only code block.
    assert html.count('id="plotly-js"') == 1 and "plotly.js v" in html
    assert len(re.findall(r"<script>", html)) == 1
    packed = re.search(r'<script type="application/octet-stream" id="plotly-js"[^>]*>([A-Za-z0-9+/=]+)</script>', html)
    assert "window.Plotly = Plotly" in zlib.decompress(base64.b64decode(packed.group(1))).decode("utf-8")
    # Atomic write leaves no temporary file behind.
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []


def test_write_report_replaces_an_existing_report(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run")
    (run / "report.html").write_text("old")
    write_report(run)
    assert (run / "report.html").read_text().startswith("<!doctype html>")


def test_user_strings_are_text_not_markup(tmp_path: Path) -> None:
    desc = "</script><img src=x onerror=alert(2)> & \u2028 done"
    run = fake_run(tmp_path / "run", name=EVIL, description=desc)
    html = write_report(run).read_text(encoding="utf-8")
    assert EVIL not in html
    assert "<img src=x" not in html
    assert text(EVIL) in html  # shown, as text
    # Every <script> element is one we made: the JSON blocks and two code blocks.
    opened = len(re.findall(r"<script\b", html, re.I))
    closed = len(re.findall(r"</script\s*>", html, re.I))
    blocks = _data_blocks(html)
    assert opened == closed == len(blocks) + 2
    # The JSON blocks carry no raw angle bracket at all.
    assert "<" not in "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S))


def test_script_json_is_inert_and_round_trips() -> None:
    value = {"name": EVIL, "x": "a & b > c \u2028\u2029 <!--", "n": [1.5, float("nan"), float("inf")]}
    out = script_json(value)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in out
    back = json.loads(out)
    assert back["name"] == EVIL and back["x"] == value["x"]
    assert back["n"] == [1.5, None, None]


def test_flatten_gives_dotted_keys() -> None:
    params = {"citizen": {"legitimacy": 0.82, "jail_max": float("inf")}, "interventions": [{"step": 5}], "tags": [1, 2]}
    assert flatten(params) == [
        ("citizen.legitimacy", 0.82),
        ("citizen.jail_max", float("inf")),
        ("interventions[0].step", 5),
        ("tags", "[1, 2]"),
    ]
    assert fmt_num(float("inf")) == "∞" and fmt_num(1200) == "1,200" and fmt_num(0.8200001, 3) == "0.82"


def test_parameter_table_escapes_keys_and_values() -> None:
    html = ParameterTable({"scenario": {EVIL: EVIL}}).render(RenderContext())
    assert EVIL not in html and html.count(text(EVIL)) == 2


def test_table_section() -> None:
    html = Table(["place", "deaths"], [["El Alto", 60], [EVIL, 1]], numeric=[False, True]).render(RenderContext())
    assert "El Alto" in html and EVIL not in html and 'class=num' in html


def test_outburst_spans_and_merging() -> None:
    steps = np.arange(10)
    active = np.array([0, 60, 70, 10, 0, 55, 0, 0, 80, 90])
    assert outburst_spans(steps, active, 50) == [(1, 2), (5, 5), (8, 9)]
    assert outburst_spans(steps, np.zeros(10), 50) == []
    assert merge_spans([(1, 2), (5, 5), (8, 9)], cap=2) == [(1, 9)]
    assert len(merge_spans([(i * 3, i * 3) for i in range(1000)], cap=50)) <= 50


def test_thin_rows_keeps_peaks() -> None:
    key = np.zeros(100_000)
    key[12_345] = 9
    rows = thin_rows(key.size, key, max_points=1000)
    assert len(rows) <= 1002 and 12_345 in rows and rows[0] == 0 and rows[-1] == key.size - 1
    assert list(thin_rows(10, key[:10])) == list(range(10))


def test_totals_sum_places() -> None:
    ts = pl.DataFrame({"step": [0, 0, 1, 1], "place": [0, 1, 0, 1], "active": [1, 2, 3, 4], "quiet": [5, 5, 5, 5]})
    totals = totals_by_step(ts)
    assert totals["active"].to_list() == [3, 7] and totals["quiet"].to_list() == [10, 10]


def test_model_two_adds_group_plots(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run", model="epstein-2")
    assert set(group_columns(pl.read_parquet(run / "timeseries.parquet").columns)) == {0, 1}
    html = classic_page(run).render()
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert keys == ["counts", "groups-active", "groups-citizens"]
    names = {t["name"] for b in _data_blocks(html).values() if isinstance(b, dict) and "data" in b for t in b["data"]}
    assert {"blue", "green"} <= names


def test_page_without_frames_or_timeseries(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run")
    (run / "frames.npz").unlink()
    html = write_report(run).read_text()
    assert "data-grid=" not in html and 'data-key="counts"' in html
    (run / "timeseries.parquet").unlink()
    html = write_report(run).read_text()
    assert "data-plot=" not in html and "plotly.js v" not in html  # no figure, no plotly


def test_missing_summary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="summary.json"):
        write_report(tmp_path)


def test_grid_animation_thins_frames_to_budget() -> None:
    cells = np.zeros((100, 10, 10), np.int8)
    ctx = RenderContext()
    GridAnimation(np.arange(100) * 5, cells, start=99, max_cells=2000).render(ctx)
    spec = json.loads(re.search(r">(.*)</script>", ctx.data_blocks[0]).group(1))
    assert len(spec["steps"]) == 20 and spec["steps"][-1] == 495 and spec["start"] == 19
    with pytest.raises(ValueError):
        GridAnimation([0], np.zeros((2, 3, 3), np.int8)).render(RenderContext())


def test_page_composes_sections() -> None:
    page = Page("Bolivia <2003>", subtitle="x").add(Table(["a"], [[1]]))
    html = page.render()
    assert "<title>Bolivia &lt;2003&gt;" in html and "plotly.js v" not in html


def _lab(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    """CIELAB of a colour as seen through a colour-vision-deficiency matrix (Machado 2009)."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], float) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lin = np.clip(matrix @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz = xyz / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize(
    "vision",
    [
        np.eye(3),
        np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
        np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
        np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]),
    ],
    ids=["normal", "deuteranopia", "protanopia", "tritanopia"],
)
def test_grid_colours_stay_distinct_for_colour_blind_readers(vision: np.ndarray) -> None:
    from uprising.report.sections import GRID_LEGEND

    labs = [_lab(colour, vision) for _, _, colour in GRID_LEGEND]
    closest = min(np.linalg.norm(a - b) for i, a in enumerate(labs) for b in labs[i + 1 :])
    assert closest > 25  # CIELAB ΔE; ~2.3 is just noticeable


def test_deaths_get_their_own_axis(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run", model="epstein-2")
    ts = pl.read_parquet(run / "timeseries.parquet").with_columns(dead=pl.col("step") * 20)
    ts.write_parquet(run / "timeseries.parquet")
    html = classic_page(run).render()
    counts = next(b for b in _data_blocks(html).values() if isinstance(b, dict) and "data" in b)
    dead = [t for t in counts["data"] if t["name"].startswith("dead")]
    assert len(dead) == 1 and dead[0]["yaxis"] == "y2" and "yaxis2" in counts["layout"]
