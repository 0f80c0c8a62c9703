"""The leave-one-out page (``uprising crossval``): each episode predicted beside its record, the scores
beside the base rate and the climatology."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .episode_base import MODEL_COLOUR, RECORD_COLOUR
from .experiment_parts import read_json
from .page import Page
from .sections import Figure, Headline, Prose, Stat, Table, fmt_int, fmt_num, fmt_pct


def _yes(value: Any) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _range(d: Any) -> str:
    return "—" if not d else (fmt_int(d[0]) if d[0] == d[1] else f"{fmt_int(d[0])}-{fmt_int(d[1])}")


def _fits(st: dict) -> str:
    """How the folds were fitted, in a few words."""
    if not st.get("particles"):
        return ""
    if st.get("method") == "rejection":
        return f"folds by ABC rejection: {st['particles']} prior draws, the nearest {st.get('accept', 0):.0%} kept"
    g = st.get("generations", 1)
    return f"fits of {st['particles']} particles, {g} generation{'s' if g != 1 else ''}"


def crossval_page(out_dir: Path) -> Page:
    data = read_json(Path(out_dir) / "crossval.json") or {}
    entries = data.get("episodes") or []
    s = data.get("scores") or {}
    st = data.get("settings") or {}
    page = Page(title="Leave one episode out", subtitle="Each episode predicted by values fitted on all the others",
                kicker="uprising report · crossval",
                meta=[f"{len(entries)} episodes", f"{data.get('runs')} runs each", _fits(st)],
                footer=f"Written by uprising from {Path(out_dir).name}/crossval.json.")
    page.add(Headline([
        Stat("Brier score of the fall", fmt_num(s.get("brier"), 3), f"base rate of the training episodes: "
             f"{fmt_num(s.get('brier_base_rate'), 3)}", key="brier"),
        Stat("CRPS of log deaths", fmt_num(s.get("crps_log_deaths"), 3), f"climatology of the training episodes: "
             f"{fmt_num(s.get('crps_log_deaths_climatology'), 3)}", key="crps"),
        Stat("direction right", fmt_pct(s.get("direction_right_share"), 0), "fell or not, p >= 0.5", key="direction"),
        Stat("deaths within a factor 3", fmt_pct(s.get("deaths_within_factor_3_share"), 0), key="deaths"),
        Stat("route right, of the falls", fmt_pct(s.get("route_right_share_of_falls"), 0), key="route"),
    ]))
    rows = [(e["name"], _yes(e["record_fell"]), fmt_num(e["p_fall"], 2), _yes(e["direction_right"]),
             e.get("record_fall_date"), e.get("fall_date_median"), fmt_int(e.get("date_error_days")),
             e.get("record_route"), e.get("route"), _range(e.get("record_deaths")), fmt_num(e.get("deaths_median"), 3),
             f"{fmt_num(e.get('deaths_p10'), 3)}-{fmt_num(e.get('deaths_p90'), 3)}") for e in entries]
    page.add(Table(["episode", "fell (record)", "p fall", "direction right", "fall date (record)", "fall date (median)",
                    "date error, days", "route (record)", "route", "deaths (record)", "deaths (median)", "deaths p10-p90"],
                   rows, title="Predicted against record",
                   numeric=[False, False, True, False, False, False, True, False, False, True, True, True]))
    names = [e["name"] for e in entries]
    page.add(Figure("The fall: predicted share of runs against the record", [
        {"type": "bar", "x": names, "y": [e["p_fall"] for e in entries], "name": "predicted p(fall)",
         "marker": {"color": MODEL_COLOUR}},
        {"type": "scatter", "mode": "markers", "x": names, "y": [1.0 if e["record_fell"] else 0.0 for e in entries],
         "name": "record (1: fell)", "marker": {"color": RECORD_COLOUR, "symbol": "diamond", "size": 10}},
        {"type": "scatter", "mode": "markers", "x": names, "y": [e.get("base_rate") for e in entries],
         "name": "base rate of the fold", "marker": {"color": "#9a968e", "symbol": "line-ew-open", "size": 22,
                                                     "line": {"width": 3}}}],
        {"yaxis": {"title": {"text": "share of runs"}, "range": [-0.05, 1.05]}}, key="p-fall", height=340))
    med = [e.get("deaths_median") for e in entries]
    page.add(Figure("Deaths: predicted (median, 10th-90th percentile) against the record's range", [
        {"type": "scatter", "mode": "markers", "x": names, "y": [(m or 0) + 1 for m in med], "name": "predicted median + 1",
         "marker": {"color": MODEL_COLOUR, "size": 9},
         "error_y": {"type": "data", "symmetric": False,
                     "array": [max(0.0, (e.get("deaths_p90") or 0) - (e.get("deaths_median") or 0)) for e in entries],
                     "arrayminus": [max(0.0, (e.get("deaths_median") or 0) - (e.get("deaths_p10") or 0)) for e in entries]}},
        {"type": "scatter", "mode": "markers", "x": names, "y": [e["record_deaths"][1] + 1 for e in entries],
         "name": "record + 1 (low to high)", "marker": {"color": RECORD_COLOUR, "symbol": "line-ew-open", "size": 14},
         "error_y": {"type": "data", "symmetric": False, "array": [0] * len(entries),
                     "arrayminus": [e["record_deaths"][1] - e["record_deaths"][0] for e in entries]}}],
        {"yaxis": {"title": {"text": "deaths + 1"}, "type": "log"}}, key="deaths", height=340))
    page.add(Prose([
        "Each episode's values were fitted without it (uprising fit on the others); its runs took only its data "
        "and its exogenous trigger, and its record was read after them, to score them.",
        "Brier: the mean of (p - fell)^2, beside the same for the share of falls among the fold's training "
        "episodes. CRPS: of log(deaths + 1) against the record's range, beside an ensemble of the training "
        "episodes' recorded deaths. Lower is better for both.",
    ]))
    if data.get("overrides"):
        page.add(Prose([f"Overrides: {', '.join(f'{k} = {v}' for k, v in data['overrides'].items())}."]))
    return page


__all__ = ["crossval_page"]
