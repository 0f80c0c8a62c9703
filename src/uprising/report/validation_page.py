"""The validation page (``uprising validate``): an ensemble of runs beside the episode's record.

Everything comes from ``validation.json`` (``uprising.experiments.validation``): the targets
table straight from its ``targets`` (name, the model's value, what is wanted, met), the outcome
beside its ``record``, the proper scores beside the naive baseline's (lower is better) with the
composite skill and its parts, and from ``per_run`` the bands over runs of the actives in each
followed place (``series["active"]``: place -> per step) and of the deaths, the histograms of
resignation dates and deaths, and every run. The record's dated tolls come from the episode's
folder (``validation.json``'s ``folder``) when it is still there.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from .episode_base import MODEL_COLOUR, RECORD_COLOUR, Mark, date_lines, fmt_range, place_colours, record_deaths_by_day
from .experiment_parts import band_traces, read_json
from .page import Page
from .sections import Figure, Headline, Prose, Row, Stat, Table, fmt_int, fmt_median, fmt_num, fmt_pct

MAX_BANDS = 4  # followed places with their own band figure
SCORE_NAMES = {
    "deaths_crps": "deaths: CRPS against the record's range (people)",
    "resigned_brier": "resignation: Brier score",
    "resigned_log": "resignation: log score",
    "resignation_date_error": "resignation date: median error (days)",
    "death_curve_emd_days": "deaths over time: earth mover's distance (days)",
}
SHARE_MEASURES = {"resigned_share", "resigned_in_window_share", "not_resigned_share", "deaths_area_share",
                  "phases_in_order_share", "backfire_share"}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _short(d: dt.date | None) -> str:
    return f"{d.day} {d.strftime('%b')}" if d else "—"


def _and(names: list[str]) -> str:
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def record_marks(rec: dict[str, Any]) -> list[Mark]:
    """The record's end as a dated line: the resignation if the government fell, else the concession."""
    if rec.get("resigned") and _date(rec.get("resignation_date")):
        d = _date(rec["resignation_date"])
        return [Mark(d, f"{_short(d)}: resigned (record)")]
    if _date(rec.get("concession_date")):
        d = _date(rec["concession_date"])
        what = " ".join(str(rec.get("concession") or "concession").split())
        what = what if len(what) <= 40 else what[:39] + "…"
        return [Mark(d, f"{_short(d)}: {what} (record)")]
    return []


def record_outcome_text(rec: dict[str, Any]) -> str:
    if not rec:
        return ""
    if rec.get("resigned"):
        return f"record: resigned {_short(_date(rec.get('resignation_date')))}"
    text = "record: no resignation"
    if rec.get("concession"):
        text += f"; {rec['concession']}" + (f" ({_short(_date(rec.get('concession_date')))})"
                                            if rec.get("concession_date") else "")
    return text


def validation_page(out_dir: Path) -> Page:
    v = read_json(out_dir / "validation.json") or {}
    runs = [r for r in (v.get("per_run") or []) if isinstance(r, dict)]
    rec = v.get("record") if isinstance(v.get("record"), dict) else {}
    scenario = str(v.get("scenario") or v.get("episode") or out_dir.name)
    n = int(v.get("runs") or len(runs))
    episode = rec.get("episode") or v.get("episode")
    page = Page(title=f"{scenario}: validation",
                subtitle=f"{n} runs beside the record" + (f" of {episode}" if episode else ""),
                kicker="uprising report · validation",
                meta=[f"root seed {v.get('root_seed', '—')}", f"scale {fmt_num(v.get('scale'))}" if v.get("scale") else "",
                      *(f"{k} = {val}" for k, val in (v.get("overrides") or {}).items())],
                footer=f"Written by uprising from {out_dir.name}/validation.json (uprising validate).")
    page.add(headline(v, rec))
    tables = [t for t in (targets_table(v), outcome_table(v, rec)) if t is not None]
    if tables:
        page.add(Row(tables) if len(tables) > 1 else tables[0])
    scores = scores_table(v)
    if scores is not None:
        page.add(scores)
    budget = v.get("budget")
    if budget:
        c = budget["counts"]
        page.add(Prose([f"The parameter budget (uprising budget): {budget['free_parameters']} calibrated (free) "
                        "values in its scenario (record and actors modes together) "
                        f"against the {budget['targets']} targets checked here; beside them {c.get('data', 0)} from data, "
                        f"{c.get('literature', 0)} from the literature or carried over from another episode, and "
                        f"{c.get('assumed', 0)} assumed (docs/validation.md)."]))
    series = [r.get("series") for r in runs if isinstance(r.get("series"), dict)]
    figures = validation_bands(series, _date(v.get("resignation_date_median")), rec, v.get("folder"))
    if figures:
        for i in range(0, len(figures), 2):
            pair = figures[i : i + 2]
            page.add(Row(pair) if len(pair) > 1 else pair[0])
    else:
        page.add(Prose(["This validation.json has no per-run series (an older uprising wrote it): "
                        "run `uprising validate` again for the bands over time."]))
    hist = [f for f in (resignation_histogram(runs, rec), deaths_histogram(runs, rec)) if f is not None]
    if hist:
        page.add(Row(hist) if len(hist) > 1 else hist[0])
    if runs:
        page.add(runs_table(runs, series))
    return page


def headline(v: dict[str, Any], rec: dict[str, Any]) -> Headline:
    med = _date(v.get("resignation_date_median"))
    deaths = rec.get("deaths") or []
    area = rec.get("deaths_area") or []
    window = rec.get("resignation_window") or []
    stats = [Stat("runs where the government resigned", fmt_pct(v.get("resigned_share"), 0), record_outcome_text(rec),
                  key="resigned_share", tone="active")]
    if v.get("resigned_in_window_share") is not None and len(window) == 2:
        stats.append(Stat(f"resigned {_short(_date(window[0]))}–{_short(_date(window[1]))}",
                          fmt_pct(v.get("resigned_in_window_share"), 0), "the record's window", key="in_window"))
    if med is not None:
        stats.append(Stat("median resignation", _short(med), f"range {v.get('resignation_date_min') or '—'} to "
                          f"{v.get('resignation_date_max') or '—'}", key="median_date"))
    stats += [
        Stat("killed, median", fmt_median(v.get("deaths_median")),
             f"10–90%: {fmt_median(v.get('deaths_p10'))}–{fmt_median(v.get('deaths_p90'))}"
             + (f"; record {fmt_range(*deaths)}" if len(deaths) == 2 else ""), key="deaths"),
        Stat(f"deaths in {_and(area)}" if area else "deaths in the deaths area", fmt_pct(v.get("capital_death_share"), 0),
             f"record {fmt_pct(rec.get('capital_death_share'), 0)}" if rec.get("capital_death_share") is not None else "",
             key="capital_share"),
        Stat("phases in the record's order", fmt_pct(v.get("phases_in_order_share"), 0), key="phases"),
        Stat("backfire", fmt_pct(v.get("backfire_share"), 0), key="backfire"),
    ]
    skill = ((v.get("scores") or {}).get("skill") or {}).get("value")
    if isinstance(skill, (int, float)):
        stats.append(Stat("skill against the baseline", fmt_num(skill, 2), "1 is perfect, 0 the baseline",
                          key="skill"))
    targets = v.get("targets")
    if isinstance(targets, list) and targets:
        met = sum(1 for t in targets if isinstance(t, dict) and t.get("met"))
        stats.append(Stat("targets met", f"{met} of {len(targets)}", key="targets_met",
                          tone="" if met < len(targets) else "active"))
    return Headline(stats)


def fmt_measure(measure: str, value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    if measure in SHARE_MEASURES:
        return fmt_pct(value, 0)
    if is_quantile(measure):
        return fmt_median(value)
    return fmt_num(value, 3)


def is_quantile(measure: str) -> bool:
    """A median or a percentile over runs ("deaths_median", "deaths_p10"): shown by ``fmt_median``."""
    return measure.endswith("_median") or bool(re.search(r"_p\d{1,2}$", measure))


def targets_table(v: dict[str, Any]) -> Table | None:
    """The record's targets as ``uprising validate`` checked them."""
    targets = v.get("targets")
    if not isinstance(targets, list) or not targets:
        return None
    rows = []
    for t in targets:
        if not isinstance(t, dict):
            continue
        rows.append((t.get("name", ""), fmt_measure(str(t.get("measure", "")), t.get("value")), t.get("target", ""),
                     "yes" if t.get("met") else "no", t.get("note", "")))
    met = sum(1 for t in targets if isinstance(t, dict) and t.get("met"))
    return Table(["target", "model", "wanted", "met", "note"], rows, title="Targets",
                 caption=f"{met} of {len(rows)} met: the record's [[targets]] (record.toml), measured over the runs.",
                 numeric=[False, True, True, False, False], css_class="targets")


def outcome_table(v: dict[str, Any], rec: dict[str, Any]) -> Table:
    """The ensemble's outcome beside the record's."""
    deaths = rec.get("deaths") or []
    central = rec.get("deaths_central") or []
    area = rec.get("deaths_area") or []
    rows = [
        ("resigned (share of runs)", fmt_pct(v.get("resigned_share"), 0),
         ("yes" if rec.get("resigned") else "no") if rec else "—"),
        ("resignation date, median [min, max]", f"{v.get('resignation_date_median') or '—'} "
         f"[{v.get('resignation_date_min') or '—'}, {v.get('resignation_date_max') or '—'}]",
         rec.get("resignation_date") or "—"),
    ]
    if rec.get("concession"):
        rows.append(("concession", "—", f"{rec['concession']}" + (f" ({rec['concession_date']})"
                                                                  if rec.get("concession_date") else "")))
    rows += [
        ("killed, median [10%, 90%]", f"{fmt_median(v.get('deaths_median'))} [{fmt_median(v.get('deaths_p10'))}, "
         f"{fmt_median(v.get('deaths_p90'))}]", (fmt_range(*deaths) if len(deaths) == 2 else "—")
         + (f" (central {fmt_range(*central)})" if len(central) == 2 else "")),
        (f"share of deaths in {_and(area)}" if area else "share of deaths in the deaths area",
         fmt_pct(v.get("capital_death_share"), 0), fmt_pct(rec.get("capital_death_share"), 0)),
        ("phases in the record's order (share)", fmt_pct(v.get("phases_in_order_share"), 0),
         f"{len(rec.get('phases') or [])} phases" if rec.get("phases") else "—"),
        ("backfire (share)", fmt_pct(v.get("backfire_share"), 0), rec.get("backfire") or "—"),
        ("days the capital was short of fuel, median", fmt_median(v.get("capital_fuel_short_days_median")), "—"),
    ]
    return Table(["measure", "model", "record"], rows, title="The outcome beside the record",
                 caption="Over the runs; the record from record.toml.", numeric=[False, True, True])


def scores_table(v: dict[str, Any]) -> Table | None:
    """Proper scores of the ensemble and of the naive baseline (lower is better), and the skill."""
    scores = v.get("scores")
    if not isinstance(scores, dict):
        return None
    base = v.get("baseline") if isinstance(v.get("baseline"), dict) else {}
    skill = scores.get("skill") if isinstance(scores.get("skill"), dict) else {}
    parts = skill.get("parts") or {}
    rows = []
    for key, value in scores.items():
        if key == "skill" or not isinstance(value, (int, float)):
            continue
        rows.append((SCORE_NAMES.get(key, key), fmt_num(value, 3), fmt_num(base.get(key), 3),
                     fmt_num(parts.get(key), 3) if key in parts else "—"))
    if isinstance(skill.get("value"), (int, float)):
        rows.append(("composite skill (mean of the parts)", "", "", fmt_num(skill["value"], 3)))
    skipped = skill.get("skipped") or []
    caption = ("Lower is better for every score. Skill = 1 − model / baseline: 1 is perfect, 0 no better than the "
               f"baseline ({base.get('name') or 'a naive forecast'}), below 0 worse.")
    if skipped:
        caption += f" Left out of the composite: {', '.join(map(str, skipped))}."
    return Table(["score", "model", "baseline", "skill"], rows, title="Scores against the record", caption=caption,
                 numeric=[False, True, True, True], css_class="scores")


def series_places(series: list[dict[str, Any]]) -> list[str]:
    """The followed places of the series, in the order of the first run."""
    names: list[str] = []
    for s in series:
        active = s.get("active")
        if isinstance(active, dict):
            names += [n for n in active if n not in names]
    return names


def validation_bands(series: list[dict[str, Any]], median_resignation: dt.date | None, rec: dict[str, Any],
                     folder: str | None) -> list[Figure]:
    if not series:
        return []
    s0 = series[0]
    start = _date(s0.get("start"))
    hps = float(s0.get("hours_per_step") or 6)
    length = min(len(s.get("step") or []) for s in series)
    if length < 2 or start is None:
        return []
    x = [(dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=hps * i)).strftime("%Y-%m-%d %H:%M")
         for i in range(length)]
    marks = record_marks(rec)
    if median_resignation is not None:
        marks.append(Mark(median_resignation, f"{_short(median_resignation)}: resigned (model median)", model=True))
    shapes, notes = date_lines(marks)

    def layout(ytitle: str) -> dict[str, Any]:
        # the dates' notes sit at the top of the plot, the legend under it: the two never meet
        return {"xaxis": {"type": "date", "tickformat": "%-d %b", "range": [x[0], x[-1]]},
                "yaxis": {"title": {"text": ytitle}, "rangemode": "tozero", "tickformat": "~s"},
                "shapes": list(shapes), "annotations": list(notes), "margin": {"t": 16, "b": 40},
                "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"}}

    from uprising.world.history import slug

    figures = []
    places = series_places(series)[:MAX_BANDS]
    colours = place_colours([], places)
    for place in places:
        arr = [s["active"][place][:length] for s in series
               if isinstance(s.get("active"), dict) and len(s["active"].get(place) or []) >= length]
        if arr:
            key = f"active_{slug(place)}"
            figures.append(Figure(f"Actives in {place}, over runs",
                                  band_traces(x, np.array(arr), place, colours[place]),
                                  layout("active people"), key=f"band-{key}", height=360,
                                  caption=f"Median over {len(arr)} runs and the band holding 80% of them (10–90%)."))
    arr = [s.get("deaths")[:length] for s in series if len(s.get("deaths") or []) >= length]
    if arr:
        traces = band_traces(x, np.array(arr), "model", MODEL_COLOUR)
        days: list = []
        if folder and Path(folder).is_dir():
            try:
                from uprising.world.geography import load_record

                days, lo, hi = record_deaths_by_day(load_record(folder))
            except Exception:  # noqa: BLE001 - without the episode's files, no record line
                days = []
        if days:
            xs = [d.strftime("%Y-%m-%d 00:00") for d in days] + [x[-1]]
            traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": list(map(float, lo)) + [float(lo[-1])],
                           "line": {"color": RECORD_COLOUR, "width": 1.2, "dash": "dot", "shape": "hv"},
                           "name": "record, low count"})
            traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": list(map(float, hi)) + [float(hi[-1])],
                           "line": {"color": RECORD_COLOUR, "width": 1.2, "shape": "hv"}, "name": "record, high count"})
        figures.append(Figure("Deaths over time, over runs and in the record", traces, layout("killed (cumulative)"),
                              key="band-deaths", height=360,
                              caption="Cumulative killed: the model's median and 10–90% band"
                                      + ("; the record's dated tolls, low and high counts (record_events.csv)."
                                         if days else ".")))
    return figures


def resignation_histogram(runs: list[dict[str, Any]], rec: dict[str, Any]) -> Figure | None:
    if not runs:
        return None
    dates = [d for d in (_date(r.get("resignation_date")) for r in runs if r.get("resigned")) if d]
    never = len(runs) - len(dates)
    counts: dict[dt.date, int] = {}
    for d in dates:
        counts[d] = counts.get(d, 0) + 1
    marks = record_marks(rec)
    window = [d for d in (_date(w) for w in (rec.get("resignation_window") or [])) if d]
    anchors = [*counts, *(m.date for m in marks), *window]
    if not anchors:
        return None
    lo, hi = min(anchors) - dt.timedelta(days=3), max(anchors) + dt.timedelta(days=3)
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    traces = [{"type": "bar", "x": [d.strftime("%Y-%m-%d") for d in days], "y": [counts.get(d, 0) for d in days],
               "marker": {"color": MODEL_COLOUR}, "name": "runs resigning that day",
               "hovertemplate": "%{x|%-d %b}: %{y} runs<extra></extra>"}]
    shapes, notes = [], []
    caption = ""
    if len(window) == 2:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": (window[0] - dt.timedelta(days=1))
                       .strftime("%Y-%m-%d 12:00"), "x1": window[1].strftime("%Y-%m-%d 12:00"), "y0": 0, "y1": 1,
                       "fillcolor": RECORD_COLOUR, "opacity": 0.06, "line": {"width": 0}, "layer": "below"})
        caption = f"Shaded: the target window, {_short(window[0])}–{_short(window[1])}."
    for m in marks:
        x = m.date.strftime("%Y-%m-%d")
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": RECORD_COLOUR, "width": 1.5, "dash": "dot"}})
        notes.append({"x": x, "y": 1, "xref": "x", "yref": "paper", "text": m.label, "showarrow": False,
                      "xanchor": "left", "yanchor": "top", "xshift": 4, "font": {"size": 11}})
    if never:
        caption += f" {never} of {len(runs)} runs ended with the government still in office."
    return Figure("When the government resigned", traces, {"xaxis": {"type": "date", "tickformat": "%-d %b"},
                  "yaxis": count_axis(max(counts.values(), default=0)), "shapes": shapes,
                  "annotations": notes, "bargap": 0.15, "hovermode": "closest"}, caption=caption.strip() or None,
                  key="resignation-hist", height=340)


def count_axis(most: int, title: str = "runs") -> dict[str, Any]:
    """A y axis counting runs: whole numbers only (a tick every 1, 2, 5, 10... runs), from 0."""
    step = next(m * 10**e for e in range(12) for m in (1, 2, 5) if most / (m * 10**e) <= 6)
    return {"title": {"text": title}, "tick0": 0, "dtick": step, "tickformat": "d",
            "range": [0, max(most, 1) * 1.08]}


def integer_bins(values: list[float], most_bins: int = 30) -> np.ndarray:
    """Bin edges at whole numbers (a count of people), the width a whole number, at most ``most_bins`` bins."""
    lo, hi = math.floor(min(values)), math.floor(max(values)) + 1
    width = max(1, math.ceil((hi - lo) / most_bins))
    return np.arange(lo, hi + width, width, dtype=float)


def deaths_histogram(runs: list[dict[str, Any]], rec: dict[str, Any]) -> Figure | None:
    deaths = [float(r["deaths_total"]) for r in runs if isinstance(r.get("deaths_total"), (int, float))
              and math.isfinite(r["deaths_total"])]
    if not deaths:
        return None
    edges = integer_bins(deaths, max(5, min(30, len(deaths))))
    counts, _ = np.histogram(deaths, bins=edges)
    width = float(edges[1] - edges[0])
    labels = [f"{int(a)}" if width == 1 else f"{int(a)}–{int(b) - 1}" for a, b in zip(edges[:-1], edges[1:])]
    traces = [{"type": "bar", "x": ((edges[:-1] + edges[1:]) / 2).tolist(), "y": counts.tolist(), "width": width,
               "customdata": labels, "marker": {"color": MODEL_COLOUR, "line": {"color": "#fff", "width": 1}},
               "name": "runs", "hovertemplate": "%{customdata} killed: %{y} runs<extra></extra>"}]
    shapes, caption = [], None
    band = rec.get("deaths") or []
    if len(band) == 2:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": band[0], "x1": band[1], "y0": 0, "y1": 1,
                       "fillcolor": RECORD_COLOUR, "opacity": 0.08, "line": {"width": 0}, "layer": "below"})
        caption = f"Shaded: the record's {fmt_range(*band)}."
    return Figure("Killed per run", traces, {"xaxis": {"title": {"text": "killed (people)"}, "rangemode": "tozero"},
                  "yaxis": count_axis(int(counts.max())), "shapes": shapes, "bargap": 0, "hovermode": "closest"},
                  caption=caption, key="deaths-hist", height=340)


def runs_table(runs: list[dict[str, Any]], series: list[dict[str, Any]]) -> Table:
    from uprising.world.history import slug

    places = series_places(series)
    peaks = [(p, f"peak_active_{slug(p)}") for p in places]
    rows = []
    for r in runs:
        rows.append((r.get("seed", "—"), r.get("resignation_date") or "no", fmt_median(r.get("deaths_total")),
                     fmt_pct(r.get("capital_death_share"), 0), "yes" if r.get("phases_in_order") else "no",
                     {True: "yes", False: "no"}.get(r.get("backfire"), "—"),
                     fmt_num(r.get("capital_fuel_short_days"), 2), *(fmt_int(r.get(k)) for _, k in peaks)))
    return Table(["seed", "resigned", "killed", "in the deaths area", "phases in order", "backfire",
                  "capital short of fuel (days)", *(f"peak active {p}" for p, _ in peaks)], rows,
                 title="Every run", numeric=[False, False, True, True, False, False, True, *([True] * len(peaks))],
                 css_class="scroll")


__all__ = ["validation_page", "targets_table", "outcome_table", "scores_table", "validation_bands", "count_axis",
           "integer_bins"]
