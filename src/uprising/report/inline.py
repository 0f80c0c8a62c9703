"""A simulation's inline view in Jupyter: ``Simulation._repr_html_`` calls :func:`simulation_html`.

One small block of HTML: the scenario, the step, the counts now, and pictures as ``<img>`` with
data URIs (no script, nothing fetched): for the classic grid the board as a PNG (the frame codes
of frames.npz in the report's colours) and the actives over time; for a world of places the
actives over time, in people, by date. The PNG is written by a tiny encoder (zlib, no
matplotlib), so showing a simulation neither imports a plotting library nor changes its backend.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from typing import Any

import numpy as np
import polars as pl

from .escape import text
from .sections import COLOURS, LINE_COLOURS

BOARD_PIXELS = 240  # the board picture's longer side, at most (whole cells: never blurred)
CHART_W, CHART_H = 320, 110
# Frame codes (architecture.md): 0 empty, 1 quiet, 2 active, 3 jailed, 4 cop; others grey.
PALETTE = [COLOURS["empty"], COLOURS["quiet"], COLOURS["active"], COLOURS["jailed"], COLOURS["cop"], COLOURS["dead"]]
COUNTS = ("quiet", "active", "jailed", "dead", "cops", "soldiers")


def _rgb(hex_colour: str) -> bytes:
    return bytes(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png_indexed(codes: np.ndarray, palette: list[str]) -> bytes:
    """A PNG of ``codes`` (uint8 [H, W], each an index into ``palette`` of ``#rrggbb`` colours)."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    h, w = codes.shape
    rows = np.zeros((h, w + 1), np.uint8)  # each scanline starts with filter type 0
    rows[:, 1:] = codes
    header = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)  # 8-bit indexed colour
    plte = b"".join(_rgb(c) for c in palette)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", plte)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))


def board_png(board: np.ndarray, pixels: int = BOARD_PIXELS) -> bytes:
    """The board (frame codes, [H, W]) as a PNG whose longer side is at most ``pixels``: small boards
    drawn with square blocks of pixels per cell, big ones by every k-th cell."""
    h, w = board.shape
    codes = np.clip(np.asarray(board, np.int16), 0, len(PALETTE) - 1).astype(np.uint8)
    longest = max(h, w, 1)
    if longest > pixels:
        k = math.ceil(longest / pixels)
        codes = codes[::k, ::k]
    else:
        k = max(1, pixels // longest)
        codes = np.repeat(np.repeat(codes, k, axis=0), k, axis=1)
    return png_indexed(codes, PALETTE)


def _uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _number(x: float) -> str:
    x = float(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} M"
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:.3g}"


def chart_svg(xs: np.ndarray, ys: np.ndarray, first: str, last: str, label: str, colour: str) -> str:
    """A small line chart (SVG text) of ``ys`` over ``xs``, its x ends labelled ``first`` and ``last``."""
    left, right, top, bottom = 44, 8, 16, 20
    pw, ph = CHART_W - left - right, CHART_H - top - bottom
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    x0, x1 = (float(xs[0]), float(xs[-1])) if len(xs) else (0.0, 1.0)
    top_value = float(np.nanmax(ys)) if len(ys) and np.isfinite(ys).any() else 0.0
    ymax = top_value if top_value > 0 else 1.0
    px = left + (xs - x0) / max(x1 - x0, 1e-12) * pw
    py = top + ph - np.nan_to_num(ys) / ymax * ph
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
    line = (f'<polyline fill="none" stroke="{colour}" stroke-width="1.4" points="{points}"/>' if len(xs) > 1
            else f'<circle cx="{left}" cy="{top + ph}" r="2" fill="{colour}"/>')
    font = 'font-family="sans-serif" font-size="10" fill="#444"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<path d="M{left},{top}V{top + ph}H{left + pw}" fill="none" stroke="#cfcac0"/>'
        f'{line}'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {font}>{text(_number(top_value))}</text>'
        f'<text x="{left - 4}" y="{top + ph}" text-anchor="end" {font}>0</text>'
        f'<text x="{left}" y="{CHART_H - 5}" {font}>{text(first)}</text>'
        f'<text x="{left + pw}" y="{CHART_H - 5}" text-anchor="end" {font}>{text(last)}</text>'
        f'<text x="{left + 4}" y="{top - 5}" {font}>{text(label)}</text></svg>'
    )


def _totals(ts: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c in COUNTS if c in ts.columns]
    return ts.group_by("step").agg([pl.col(c).sum() for c in cols]).sort("step")


def _outcome(sim: Any) -> list[tuple[str, str]]:
    """A world of places' outcome so far, in its own words (the kind's summary keys, when present)."""
    s = sim.kind.summary(sim.world)
    rows = []
    if "deaths_total" in s:
        rows.append(("deaths", _number(s["deaths_total"])))
    if "resigned" in s:
        rows.append(("government fell", f"yes, {s.get('resignation_date')}" if s["resigned"] else "no"))
    return rows


def simulation_html(sim: Any) -> str:
    """The inline view of a ``Simulation``: scenario, step, counts now, board and/or chart."""
    info = sim.scenario.scenario
    places = getattr(sim.scenario, "world", None) is not None
    ts = sim.timeseries()
    totals = _totals(ts)
    now = totals.row(-1, named=True) if totals.height else {}
    unit = " (people)" if places else ""
    rows: list[tuple[str, str]] = [
        ("scenario", f"{info.name} ({info.model})"),
        ("step", f"{sim.steps_done} of {info.steps}"),
    ]
    if places and "date" in ts.columns:
        rows.append(("date", str(ts.filter(pl.col("step") == sim.steps_done)["date"][0])[:16]))
    rows += [("seed", str(sim.seed)), ("schedule", sim.schedule)]
    shown = [c for c in COUNTS if c in now and not (places and c == "dead")]  # places: deaths, below
    rows += [(f"{c}{unit}", _number(now[c])) for c in shown]
    if places:
        rows += [("places", str(sim.world.places.count))] + _outcome(sim)
    table = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{text(k)}</th><td>{text(v)}</td></tr>"
                    for k, v in rows)
    steps = totals["step"].to_numpy() if totals.height else np.zeros(1)
    active = totals["active"].to_numpy() if totals.height else np.zeros(1)
    if places and "date" in ts.columns:
        dates = ts.filter(pl.col("place") == 0).sort("step")["date"]
        first, last = str(dates[0])[:10], str(dates[-1])[:10]
    else:
        first, last = f"step {int(steps[0])}", f"step {int(steps[-1])}"
    chart = chart_svg(steps, active, first, last, f"active{unit}", LINE_COLOURS["active"])
    pictures = [f'<img alt="active over time" src="{_uri("image/svg+xml", chart.encode())}" '
                f'width="{CHART_W}" height="{CHART_H}">']
    if not places:
        board = sim.world.places.board_view(0)
        legend = " ".join(f'<span style="color:{PALETTE[i]}">&#9632;</span> {name}'
                          for i, name in enumerate(("empty", "quiet", "active", "jailed", "cop")))
        pictures.insert(0, f'<figure style="margin:0"><img alt="the board at step {sim.steps_done}" '
                        f'src="{_uri("image/png", board_png(board))}" style="image-rendering:pixelated">'
                        f'<figcaption style="font-size:small">{legend}</figcaption></figure>')
    return (
        '<div class="uprising-simulation" style="display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap">'
        f'<table style="font-size:small">{table}</table>{"".join(pictures)}</div>'
    )


__all__ = ["simulation_html", "board_png", "png_indexed", "chart_svg"]
