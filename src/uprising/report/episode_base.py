"""What every episode page shares: the run's files, the episode's record, dates and their marks.

A run of an episode (``uprising run EPISODE``) writes ``summary.json`` whose
``parameters.world.folder`` is the episode's folder; the record (``record.toml``), its dated
events (``record_events.csv``) and the outline (``outline.geojson``) are read from there
(:class:`Episode`). Nothing here names an episode: the capital comes from ``summary["capital"]``,
the places to follow from the record's ``[report] places``, the dates to mark from its
``[outcome]`` (the resignation if the government fell, otherwise the concession, if any).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .classic import RunOutput
from .sections import LINE_COLOURS

RECORD_COLOUR = "#1b1b1f"
MODEL_COLOUR = LINE_COLOURS["active"]
# followed places (the record's [report] places) first: blue, vermilion, then the others
FOLLOW_COLOURS = ("#0072b2", MODEL_COLOUR, "#009e73", "#cc79a7")
OTHER_COLOURS = ("#e69f00", "#56b4e9", "#1b1b1f", "#8c6d31", "#6a3d9a", "#009e73", "#cc79a7")


@dataclass
class EpisodeRun:
    """An episode run's files, loaded."""

    run: RunOutput
    roads: pl.DataFrame | None
    events: pl.DataFrame | None
    marches: pl.DataFrame | None

    @classmethod
    def load(cls, out_dir: str | Path) -> "EpisodeRun":
        out_dir = Path(out_dir)
        run = RunOutput.load(out_dir)

        def read(name: str) -> pl.DataFrame | None:
            path = out_dir / name
            return pl.read_parquet(path) if path.is_file() else None

        return cls(run, read("roads.parquet"), read("events.parquet"), read("marches.parquet"))

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary

    @property
    def ts(self) -> pl.DataFrame:
        return self.run.timeseries


def is_episode_run(out_dir: Path) -> bool:
    """An episode run: summary.json says model "places", or the world's roads.parquet is there."""
    try:
        summary = json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    model = summary.get("model") or (summary.get("parameters") or {}).get("scenario", {}).get("model")
    return model == "places" or (Path(out_dir) / "roads.parquet").is_file()


@dataclass
class Mark:
    """A dated line on the time axes: what happened (the record's or the model's)."""

    date: dt.date
    label: str
    model: bool = False


@dataclass
class Episode:
    """The episode a run belongs to: its record (None if the folder or record.toml is missing),
    the record's dated events, the outline, the capital and the places the report follows."""

    folder: Path | None = None
    record: Any = None  # uprising.world.history.Record
    events: pl.DataFrame | None = None
    outline: list = field(default_factory=list)
    capital: str | None = None
    followed: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, summary: dict[str, Any], folder: str | Path | None = None) -> "Episode":
        """From a run's summary (``parameters.world.folder``, ``capital``) or an explicit folder."""
        folder = folder or ((summary.get("parameters") or {}).get("world") or {}).get("folder")
        ep = cls(capital=summary.get("capital") or None)
        if folder and Path(folder).is_dir():
            ep.folder = Path(folder)
            try:
                from uprising.world.history import has_record, load_record_file

                ep.record = load_record_file(ep.folder) if has_record(ep.folder) else None
            except Exception:  # noqa: BLE001 - a broken record: the page shows the run without it
                ep.record = None
            try:
                from uprising.world.geography import load_outline, load_record

                ep.events = load_record(ep.folder)
                ep.outline = load_outline(ep.folder)
            except Exception:  # noqa: BLE001 - the page still shows the run without the record's events
                ep.events, ep.outline = None, []
        places = list(summary.get("places") or [])
        wanted = list(ep.record.report.places) if ep.record is not None else []
        ep.followed = [p for p in wanted if not places or p in places] or ([ep.capital] if ep.capital else [])
        return ep

    @property
    def title(self) -> str:
        return self.record.episode if self.record is not None else ""

    @property
    def deaths_range(self) -> tuple[float, float] | None:
        return tuple(self.record.outcome.deaths) if self.record is not None else None

    def record_marks(self) -> list[Mark]:
        """The record's end: the resignation if the government fell, else the concession if dated."""
        if self.record is None:
            return []
        o = self.record.outcome
        if o.resigned and o.resignation_date:
            return [Mark(o.resignation_date, f"{short_date(o.resignation_date)}: resigned (record)")]
        if o.concession_date:
            what = shorten(o.concession or "concession", 40)
            return [Mark(o.concession_date, f"{short_date(o.concession_date)}: {what} (record)")]
        return []

    def marks(self, resigned: dt.date | None, model_note: str = "(model)") -> list[Mark]:
        out = self.record_marks()
        if resigned is not None:
            out.append(Mark(resigned, f"{short_date(resigned)}: resigned {model_note}", model=True))
        return out



def marks_caption(marks: list[Mark]) -> str:
    """For captions: what the lines are ("Dotted: 17 Oct: resigned (record). Dashed: ...")."""
    return " ".join(f"{'Dashed' if m.model else 'Dotted'}: {m.label}." for m in marks)


# --- helpers ---------------------------------------------------------------------------------
def shorten(value: str, n: int) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= n else value[: n - 1].rstrip() + "…"


def xdate(values: Any) -> list[str]:
    """Datetimes as the text plotly reads as dates ("2001-02-03 06:00")."""
    out = []
    for v in values:
        if isinstance(v, dt.datetime):
            out.append(v.strftime("%Y-%m-%d %H:%M"))
        elif isinstance(v, dt.date):
            out.append(v.strftime("%Y-%m-%d"))
        else:
            out.append(str(v))
    return out


def day_label(d: dt.datetime) -> str:
    return f"{d.day} {d.strftime('%b %Y')} · {d.strftime('%H:%M')}"


def short_date(d: dt.date | None) -> str:
    return f"{d.day} {d.strftime('%b')}" if d else "—"


def parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def wide(ts: pl.DataFrame, column: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(steps [F], place names [P], values [F, P]) of one column of the long timeseries."""
    steps = np.unique(ts["step"].to_numpy())
    order = ts.select("place", "place_name").unique().sort("place")
    names = order["place_name"].to_list()
    pidx = {p: i for i, p in enumerate(order["place"].to_list())}
    sidx = np.searchsorted(steps, ts["step"].to_numpy())
    out = np.full((len(steps), len(names)), np.nan)
    out[sidx, [pidx[p] for p in ts["place"].to_list()]] = ts[column].cast(pl.Float64).to_numpy()
    return steps, names, out


def date_lines(marks: list[Mark], height_note: bool = True) -> tuple[list[dict], list[dict]]:
    """Vertical lines at ``marks`` (the record's dotted, the model's dashed), with small labels."""
    shapes, notes = [], []
    row = 0
    for m in marks:
        colour, dash = (MODEL_COLOUR, "dash") if m.model else (RECORD_COLOUR, "dot")
        x = m.date.strftime("%Y-%m-%d 12:00")
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": colour, "width": 1.2, "dash": dash}, "layer": "below"})
        if height_note:
            # one row per mark, text on the left of each line (room there: the right edge is near),
            # so they never overlap each other or run off the plot
            notes.append({"x": x, "y": 1.0 - 0.08 * row, "xref": "x", "yref": "paper", "text": m.label,
                          "showarrow": False, "xanchor": "right", "xshift": -3, "yanchor": "top",
                          "font": {"size": 11, "color": colour}, "bgcolor": "rgba(255,255,255,0.8)"})
            row += 1
    return shapes, notes


def time_range(b: EpisodeRun) -> list[str] | None:
    """The run's first and last date: set on time axes so the date labels cannot widen them."""
    ts = b.ts
    if ts is None or not ts.height or "date" not in ts.columns:
        return None
    return xdate([ts["date"].min(), ts["date"].max()])


def time_layout(ytitle: str, marks: list[Mark], xrange: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    shapes, notes = date_lines(marks)
    layout = {
        "xaxis": {"type": "date", "tickformat": "%-d %b", "hoverformat": "%-d %b %H:%M",
                  **({"range": xrange} if xrange else {})},
        "yaxis": {"title": {"text": ytitle}, "rangemode": "tozero"},
        "shapes": shapes,
        "annotations": notes,
    }
    layout.update(extra)
    return layout


def record_deaths_by_day(record: pl.DataFrame) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """The record's dated tolls, cumulative: (days, low counts, high counts)."""
    rec = (record.filter(pl.col("deaths_low").is_not_null() | pl.col("deaths_high").is_not_null())
           .group_by("date").agg(pl.col("deaths_low").fill_null(0).sum(), pl.col("deaths_high").fill_null(0).sum())
           .sort("date"))
    return rec["date"].to_list(), np.cumsum(rec["deaths_low"].to_numpy()), np.cumsum(rec["deaths_high"].to_numpy())


def place_colours(names: list[str], followed: list[str]) -> dict[str, str]:
    """A colour per place: the followed places first, then the others in turn."""
    out = {n: FOLLOW_COLOURS[i % len(FOLLOW_COLOURS)] for i, n in enumerate(followed)}
    others = [c for c in OTHER_COLOURS if c not in out.values()] or list(OTHER_COLOURS)
    k = 0
    for n in names:
        if n not in out:
            out[n] = others[k % len(others)]
            k += 1
    return out


def fmt_range(lo: float, hi: float) -> str:
    from .sections import fmt_num

    return f"{fmt_num(lo)}–{fmt_num(hi)}"
