"""The effects page (``uprising effects``): each backfire and concession effect of an episode as
paired differences with 95 % intervals, a forest plot per effect and the table of measures."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .compare_page import _signed, forest_figure
from .experiment_parts import read_json
from .page import Page
from .sections import Headline, Prose, Stat, Table, fmt_int, fmt_num


def _num(v) -> str:
    """A signed number, with thousands separators when large."""
    if v is None:
        return "—"
    return f"{v:+,.0f}" if abs(v) >= 1000 else _signed(v)


def _label(e: dict) -> str:
    what = "killings" if e["effect"] == "backfire" else "concession"
    return f"{what} from {e['date']}" if e["effect"] == "backfire" else f"{what} of {e['date']}"


FOREST_CAPTION = ("Recorded − counterfactual over the pairs, as a share of the counterfactual's mean (of the "
                  "recorded mean where the counterfactual's is 0); resigned: the difference of the shares of runs "
                  "where the government fell. A whisker that crosses the line at 0 is an effect the runs cannot "
                  "tell from none.")


def _forest_scale(m: dict) -> float | None:
    """What the forest plot divides a measure's effect by (see FOREST_CAPTION)."""
    if m["measure"] == "resigned":
        return 1.0
    if m["counterfactual"]:
        return None  # the counterfactual's mean: forest_figure's default
    return abs(m["recorded"]) if m["recorded"] else None


def _forest_name(m: dict) -> str:
    if m["measure"] == "resigned":
        return "resigned (difference of shares)"
    if not m["counterfactual"] and m["recorded"]:
        return f"{m['measure']} (of the recorded mean)"
    return m["measure"]


def effects_page(out_dir: Path) -> Page:
    data = read_json(out_dir / "effects.json") or {}
    effects = data.get("effects", [])
    page = Page(title=f"{data.get('episode', '')}: effects", kicker="backfire and concessions, measured as effects")
    page.add(Prose([f"{data.get('runs', '?')} pairs of runs with common random numbers (root seed "
                    f"{data.get('root_seed', '?')}): each pair is bit-identical until the date, then one arm runs "
                    "as recorded and the other without the killings (nobody killed from that date: no live fire, "
                    "and tear gas that kills no one) or without the concession. An effect is the mean of "
                    "recorded − counterfactual over the pairs, with a 95 % interval: Student's t over the pairs, "
                    "exact (Clopper-Pearson on the discordant pairs) for whether the government fell, each within "
                    "the range the measure can take (docs/validation.md)."]))
    stats = []
    for e in effects:
        act = next((m for m in e["measures"] if m["measure"] == "actives"), None)
        if act and act["effect"] is not None:
            stats.append(Stat(f"{_label(e)}: actives", _num(act["effect"]),
                              f"95 % CI {_num(act['ci_low'])} to {_num(act['ci_high'])}"))
    if stats:
        page.add(Headline(stats))
    rows = []
    for e in effects:
        measures = [m for m in e["measures"] if m["effect"] is not None]
        table = pl.DataFrame({
            "output": [f"{_label(e)}: {_forest_name(m)}" for m in measures],
            "baseline": [m["counterfactual"] for m in measures],
            "difference": [m["effect"] for m in measures],
            "ci_low": [m["ci_low"] for m in measures],
            "ci_high": [m["ci_high"] for m in measures],
            "scale": [_forest_scale(m) for m in measures],
        }, schema={"output": pl.Utf8, "baseline": pl.Float64, "difference": pl.Float64, "ci_low": pl.Float64,
                   "ci_high": pl.Float64, "scale": pl.Float64})
        if table.height:
            fig = forest_figure(table, caption=FOREST_CAPTION)
            fig.key = f"forest-{len(rows)}"
            fig.title = f"{_label(e)}: recorded − counterfactual, with 95 % intervals"
            page.add(fig)
        for m in e["measures"]:
            rows.append([_label(e), m["description"], fmt_num(m["recorded"], 3), fmt_num(m["counterfactual"], 3),
                         _num(m["effect"]),
                         (f"{_num(m['ci_low'])} to {_num(m['ci_high'])}" if m["ci_low"] is not None else "—"),
                         fmt_int(m["n"])])
    page.add(Table(["effect", "measure", "recorded", "counterfactual", "recorded − counterfactual", "95 % interval",
                    "pairs"], rows,
                   title="Every measure"))
    return page
