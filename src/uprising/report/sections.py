"""Reusable page sections: headline numbers, plotly figures, grid animations, tables, prose.

Each section is a small dataclass with ``render(ctx) -> str``. User strings are escaped here
(``escape.text``), data goes to the page as inert JSON (``ctx.data``). Pages for other worlds
(an episode's map, experiments) compose the same sections:

    Page(title).add(
        Headline([Stat("citizens", fmt_int(1120)), Stat("peak active", fmt_pct(0.31))]),
        Row(GridAnimation(steps, cells), Figure("Over time", traces, layout)),
        ParameterTable(parameters),
    )
"""

from __future__ import annotations

import base64
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .escape import text
from .page import RenderContext, Section, file_stem

# --- palette -------------------------------------------------------------------------------
# Colour-blind safe: a blue/orange opposition plus lightness steps, so every pair differs in
# lightness as well as hue (Okabe & Ito 2008 hues; checked for deuteranopia and protanopia).
COLOURS = {
    "empty": "#f3f1ec",
    "quiet": "#8db8dc",
    "active": "#d55e00",
    "jailed": "#6a3d9a",
    "cop": "#1b1b1f",
    "dead": "#7a7a7a",
}
# Line colours for plots (darker quiet so a thin line reads on white).
LINE_COLOURS = {
    "quiet": "#3f7fb8",
    "active": "#d55e00",
    "jailed": "#6a3d9a",
    "dead": "#5a5a5a",
    "cops": "#1b1b1f",
}
GROUP_COLOURS = ["#0072b2", "#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#f0e442", "#000000"]

# The frame codes written by the engine in frames.npz (architecture.md).
GRID_LEGEND: list[tuple[int, str, str]] = [
    (1, "quiet", COLOURS["quiet"]),
    (2, "active", COLOURS["active"]),
    (3, "jailed", COLOURS["jailed"]),
    (4, "cop", COLOURS["cop"]),
    (0, "empty", COLOURS["empty"]),
]

# plotly's mode bar on every chart: no logo, and no "Share chart…" button (it offers to upload the
# chart's data to a cloud service; the page is offline): these keys win over a figure's own config.
NO_CLOUD: dict[str, Any] = {"displaylogo": False, "showSendToCloud": False, "plotlyServerURL": ""}
REMOVED_BUTTONS = ("sendChartToCloud",)
# The cursor a figure with ``follows`` draws at the animation's moment: a wide, pale, solid line
# labelled at its foot, unlike the dated marks (the record's dotted black, the model's dashed
# vermilion lines: episode_base.date_lines).
CURSOR: dict[str, Any] = {"line": {"color": "rgba(90,90,90,0.45)", "width": 3, "dash": "solid"},
                          "label": "map", "font": {"size": 10, "color": "#4a4a4a"}}

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    "sans-serif"
)


# --- number formatting ---------------------------------------------------------------------
MISSING = "—"  # what a table or a headline shows for a value that is not there (never "None" or "nan")


def cell(value: Any) -> str:
    """A table cell as text: a missing value (None, NaN) as "—", anything else as ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def fmt_median(value: Any) -> str:
    """A median or another quantile over runs, the same on every page and table: at most one
    decimal, and none for a whole number (67.5, 68, 1,234.5); below 1, two significant digits
    (0.25, 0.033); a missing value is "—"."""
    if value is None or isinstance(value, bool):
        return MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v != 0 and abs(v) < 1:
        return f"{v:.2g}"
    out = f"{round(v, 1):,.1f}"
    return out[:-2] if out.endswith(".0") else out


def fmt_int(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "—"


def fmt_pct(value: Any, digits: int = 1) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    return f"{100 * v:.{digits}f}%" if math.isfinite(v) else "—"


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number as a person would write it: 0.82, 1,200, 3.2e+06, ∞; a missing value (None, NaN) is "—"."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return MISSING
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:.{digits}g}"


def fmt_duration(seconds: Any) -> str:
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(s):
        return "—"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min"


def fmt_rate(value: Any) -> str:
    """Agent-steps per second, compact: 4.2 M/s."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(v):
        return "—"
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return f"{v / scale:.3g} {unit}/s"
    return f"{v:.3g} /s"


def breakable(value: Any) -> str:
    """Escaped text with line-break opportunities after ``.`` and ``_`` (long dotted keys)."""
    return text(value).replace(".", ".<wbr>").replace("_", "_<wbr>")


def _title(title: str | None, level: int = 2) -> str:
    return f"<h{level}>{text(title)}</h{level}>" if title else ""


def _caption(caption: str | None) -> str:
    return f'<p class="caption">{text(caption)}</p>' if caption else ""


# --- sections ------------------------------------------------------------------------------
@dataclass
class Stat:
    """One headline number: a label, its value as text, an optional small note."""

    label: str
    value: str
    note: str = ""
    key: str = ""  # stable name for tests and styling (data-stat attribute)
    tone: str = ""  # "" or one of the agent colour names, for a colour cue


@dataclass
class Headline:
    """Big numbers at the top of a page, with an optional line of smaller ones (``minor``)."""

    stats: Sequence[Stat]
    minor: Sequence[Stat] = ()
    title: str | None = None

    @staticmethod
    def _items(stats: Sequence[Stat]) -> str:
        items = []
        for s in stats:
            tone = f" tone-{text(s.tone)}" if s.tone else ""
            key = f' data-stat="{text(s.key)}"' if s.key else ""
            note = f'<div class="stat-note">{text(s.note)}</div>' if s.note else ""
            items.append(
                f'<div class="stat{tone}"{key}><div class="stat-value">{text(cell(s.value))}</div>'
                f'<div class="stat-label">{text(s.label)}</div>{note}</div>'
            )
        return "".join(items)

    def render(self, ctx: RenderContext) -> str:
        minor = f'<div class="stats minor">{self._items(self.minor)}</div>' if self.minor else ""
        return (
            f'<section class="headline">{_title(self.title)}'
            f'<div class="stats">{self._items(self.stats)}</div>{minor}</section>'
        )


@dataclass
class Figure:
    """A plotly figure from plain traces and layout dicts (plotly.js schema).

    Page-wide defaults (font, margins, grid colours, legend on top) are merged under
    ``layout``. ``follows`` names a :class:`GridAnimation` on the page: a vertical cursor
    marks the animation's step and clicking the plot seeks the animation to that step.
    """

    title: str | None
    traces: list[dict[str, Any]]
    layout: dict[str, Any] = field(default_factory=dict)
    caption: str | None = None
    height: int = 380
    config: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    follows: str | None = None  # name of a GridAnimation: show its step, click to seek it

    def plot_config(self, page_name: str = "report") -> dict[str, Any]:
        """plotly's config: responsive, no logo, no cloud button, and a download named after the
        page and the figure (``toImageButtonOptions.filename``), not ``newplot.png``."""
        own = dict(self.config)
        removed = [*own.pop("modeBarButtonsToRemove", []), *REMOVED_BUTTONS]
        image = {"format": "png", "scale": 2, **own.pop("toImageButtonOptions", {})}
        image.setdefault("filename", "-".join(p for p in (file_stem(page_name), file_stem(self.key or self.title or "plot"))
                                              if p) or "plot")
        return {"responsive": True, **own, **NO_CLOUD, "modeBarButtonsToRemove": list(dict.fromkeys(removed)),
                "toImageButtonOptions": image}

    def render(self, ctx: RenderContext) -> str:
        ctx.needs_plotly = True
        layout = _merge(base_layout(self.height), self.layout)
        spec = {
            "data": self.traces,
            "layout": layout,
            "config": self.plot_config(ctx.name),
            "follows": self.follows,
            "cursor": {**CURSOR, "label": self.follows} if self.follows else None,
        }
        block = ctx.data(spec, "plot-data")
        plot_id = ctx.uid("plot")
        key = f' data-key="{text(self.key)}"' if self.key else ""
        return (
            f'<section class="card figure">{_title(self.title)}'
            f'<div class="plot" id="{plot_id}" data-plot="{block}"{key} '
            f'style="height:{int(self.height)}px"></div>{_caption(self.caption)}</section>'
        )


def base_layout(height: int = 380) -> dict[str, Any]:
    """Calm plotly defaults shared by every figure."""
    axis = {
        "gridcolor": "#ebe8e1",
        "zerolinecolor": "#d9d5cc",
        "linecolor": "#cfcac0",
        "ticks": "outside",
        "tickcolor": "#cfcac0",
        "automargin": True,
    }
    return {
        "height": height,
        "font": {"family": FONT, "size": 13, "color": "#2b2b2e"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 56, "r": 16, "t": 36, "b": 44},
        "xaxis": dict(axis),
        "yaxis": dict(axis),
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "bgcolor": "rgba(0,0,0,0)"},
        "hovermode": "x unified",
        "hoverlabel": {"font": {"family": FONT}},
    }


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


@dataclass
class GridAnimation:
    """A canvas playing grid snapshots: ``cells[F, H, W]`` of small codes, one frame per step.

    ``legend`` maps each code to a label and a colour. ``start`` is the frame shown first (the
    classic page starts on the busiest frame so a still of the page shows an outburst).
    Frames beyond ``max_cells`` (total F*H*W) are thinned evenly to keep the file small.
    ``off_grid`` gives, per code, a count per frame of agents not on the grid (jailed citizens
    who left it): the legend shows that count, marked "off grid", instead of a cell count.
    """

    steps: Sequence[int] | np.ndarray
    cells: np.ndarray
    title: str | None = "The grid"
    legend: Sequence[tuple[int, str, str]] = tuple(GRID_LEGEND)
    caption: str | None = None
    start: int = 0
    fps: int = 8
    max_cells: int = 6_000_000
    name: str = "grid"  # figures with ``follows=name`` track this animation
    off_grid: Mapping[int, Sequence[int] | np.ndarray] = field(default_factory=dict)

    def render(self, ctx: RenderContext) -> str:
        cells = np.asarray(self.cells)
        steps = np.asarray(self.steps, dtype=np.int64)
        if cells.ndim != 3:
            raise ValueError(f"cells must be [frames, height, width], got shape {cells.shape}")
        frames, height, width = cells.shape
        if len(steps) != frames:
            raise ValueError(f"{len(steps)} steps for {frames} frames")
        start = int(self.start)
        off_grid = {int(k): np.asarray(v, dtype=np.int64) for k, v in self.off_grid.items()}
        for code, counts in off_grid.items():
            if len(counts) != frames:
                raise ValueError(f"off_grid[{code}] has {len(counts)} counts for {frames} frames")
        if frames and frames * height * width > self.max_cells:
            keep = max(2, self.max_cells // max(1, height * width))
            idx = np.unique(np.linspace(0, frames - 1, keep).round().astype(np.int64))
            start = int(np.searchsorted(idx, start))
            cells, steps, frames = cells[idx], steps[idx], len(idx)
            off_grid = {code: counts[idx] for code, counts in off_grid.items()}
        start = min(max(start, 0), max(frames - 1, 0))
        codes = np.ascontiguousarray(cells, dtype=np.uint8)
        spec = {
            "width": width,
            "height": height,
            "steps": steps,
            "frames": base64.b64encode(zlib.compress(codes.tobytes(), 6)).decode("ascii"),
            "codec": "deflate",  # the runtime inflates it (DecompressionStream): runs of one code pack well
            "colours": {int(code): colour for code, _, colour in self.legend},
            "labels": {int(code): label for code, label, _ in self.legend},
            "start": start,
            "fps": int(self.fps),
            "off_grid": {str(code): counts for code, counts in off_grid.items()},
        }
        block = ctx.data(spec, "grid-data")
        anim_id = ctx.uid("anim")
        legend = "".join(
            f'<li><span class="swatch" style="background:{text(colour)}"></span>{text(label)}'
            f'<span class="count" data-code="{int(code)}"></span>'
            + ('<span class="off-grid">off grid</span>' if int(code) in off_grid else "")
            + "</li>"
            for code, label, colour in self.legend
        )
        last = max(frames - 1, 0)
        aspect = f"{width} / {height}" if height else "1"
        return (
            f'<section class="card animation">{_title(self.title)}'
            f'<div class="grid-anim" id="{anim_id}" data-grid="{block}" data-name="{text(self.name)}">'
            f'<div class="canvas-wrap"><canvas class="grid-canvas" width="{width}" height="{height}" '
            f'style="aspect-ratio:{aspect}" role="img" aria-label="grid snapshot"></canvas></div>'
            '<div class="player">'
            '<button type="button" class="play" aria-label="play">Play</button>'
            f'<input type="range" class="scrub" min="0" max="{last}" value="{start}" step="1" '
            'aria-label="frame">'
            '<output class="step-label">step –</output>'
            "</div>"
            f'<ul class="legend">{legend}</ul>'
            "</div>"
            f"{_caption(self.caption)}</section>"
        )


@dataclass
class Table:
    """A plain table: column names and rows of values (shown as text)."""

    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    caption: str | None = None
    numeric: Sequence[bool] | None = None  # right-align these columns
    css_class: str = ""

    def render(self, ctx: RenderContext) -> str:
        numeric = list(self.numeric or [False] * len(self.columns))
        head = "".join(
            f'<th{" class=num" if numeric[i] else ""}>{text(c)}</th>' for i, c in enumerate(self.columns)
        )
        body = []
        for row in self.rows:
            cells = "".join(
                f'<td{" class=num" if i < len(numeric) and numeric[i] else ""}>{text(cell(v))}</td>'
                for i, v in enumerate(row)
            )
            body.append(f"<tr>{cells}</tr>")
        cls = f"card table {text(self.css_class)}".strip()
        return (
            f'<section class="{cls}">{_title(self.title)}<div class="table-wrap"><table>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
            f"{_caption(self.caption)}</section>"
        )


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists as dotted keys: ``citizen.legitimacy``, ``interventions[0].step``."""
    out: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        if not value and prefix:
            out.append((prefix, "{}"))
        for k, v in value.items():
            out.extend(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, (list, tuple)) and any(isinstance(v, (Mapping, list, tuple)) for v in value):
        for i, v in enumerate(value):
            out.extend(flatten(v, f"{prefix}[{i}]"))
    elif isinstance(value, (list, tuple)):
        out.append((prefix, "[" + ", ".join(fmt_param(v) for v in value) + "]"))
    else:
        out.append((prefix, value))
    return out


def fmt_param(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return fmt_num(value, digits=6)
    return str(value)


@dataclass
class ParameterTable:
    """Resolved parameters (nested dict) as a table of dotted keys, grouped by section."""

    parameters: Mapping[str, Any]
    title: str | None = "Parameters"
    caption: str | None = None
    collapsed: bool = False  # folded under its title (a <details> element) until opened

    def render(self, ctx: RenderContext) -> str:
        groups: dict[str, list[tuple[str, Any]]] = {}
        for key, value in flatten(self.parameters):
            head = key.split(".", 1)[0].split("[", 1)[0]
            groups.setdefault(head, []).append((key, value))
        blocks = []
        for head, items in groups.items():
            rows = "".join(
                f'<tr><th scope="row">{breakable(k)}</th><td>{breakable(fmt_param(v))}</td></tr>'
                for k, v in items
            )
            blocks.append(
                f'<div class="param-group"><h3>{text(head)}</h3><table class="params">'
                f"<tbody>{rows}</tbody></table></div>"
            )
        if self.collapsed:
            return (
                f'<details class="card parameters"><summary>{_title(self.title or "Parameters")}</summary>'
                f'{_caption(self.caption)}<div class="param-groups">{"".join(blocks)}</div></details>'
            )
        return (
            f'<section class="card parameters">{_title(self.title)}'
            f'<div class="param-groups">{"".join(blocks)}</div>{_caption(self.caption)}</section>'
        )


@dataclass
class Prose:
    """Paragraphs of plain text (escaped; no markup)."""

    paragraphs: Sequence[str]
    title: str | None = None

    def render(self, ctx: RenderContext) -> str:
        ps = "".join(f"<p>{text(p)}</p>" for p in self.paragraphs if p)
        return f'<section class="card prose">{_title(self.title)}{ps}</section>'


@dataclass
class Row:
    """Sections side by side on a wide screen (stacked on a narrow one).

    ``widths`` are CSS grid track sizes, e.g. ``("minmax(0,5fr)", "minmax(0,7fr)")``.
    """

    sections: Sequence[Section]
    widths: Sequence[str] | None = None

    def render(self, ctx: RenderContext) -> str:
        cols = " ".join(self.widths) if self.widths else f"repeat({len(self.sections)}, minmax(0, 1fr))"
        inner = "".join(s.render(ctx) for s in self.sections)
        return f'<div class="row" style="--cols:{text(cols)}">{inner}</div>'


__all__ = [
    "COLOURS",
    "LINE_COLOURS",
    "GROUP_COLOURS",
    "GRID_LEGEND",
    "Stat",
    "Headline",
    "Figure",
    "GridAnimation",
    "Table",
    "ParameterTable",
    "Prose",
    "Row",
    "base_layout",
    "flatten",
    "fmt_int",
    "fmt_pct",
    "fmt_num",
    "fmt_median",
    "cell",
    "MISSING",
    "CURSOR",
    "NO_CLOUD",
    "fmt_duration",
    "fmt_rate",
]
