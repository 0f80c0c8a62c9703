"""The calibration page (``uprising calibrate``): the search's trials, the best so far, what it found."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl

from .episode_base import MODEL_COLOUR
from .escape import plot_text
from .experiment_parts import read_json
from .page import Page
from .sections import GROUP_COLOURS, Figure, Headline, Prose, Row, Stat, Table, fmt_int, fmt_num


# --- calibration -----------------------------------------------------------------------------
def calibration_trials(out_dir: Path, meta: dict[str, Any]) -> pl.DataFrame | None:
    """Finished trials (number, value, params_*) from trials.parquet, or from the Optuna study
    that ``uprising calibrate`` keeps (``calibration.db`` or the storage named in calibration.json)."""
    if (out_dir / "trials.parquet").is_file():
        return pl.read_parquet(out_dir / "trials.parquet")
    storage = meta.get("storage")
    if not storage and (out_dir / "calibration.db").is_file():
        storage = f"sqlite:///{(out_dir / 'calibration.db').resolve()}"
    if not storage:
        return None
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name=meta.get("study"), storage=storage)
        rows = [{"number": t.number, "value": t.value, **{f"params_{k}": v for k, v in t.params.items()}}
                for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    except Exception:  # noqa: BLE001 - a study that cannot be opened: the page says so
        return None
    return pl.DataFrame(rows) if rows else None


def calibration_page(out_dir: Path) -> Page:
    meta = read_json(out_dir / "calibration.json") or {}
    trials = calibration_trials(out_dir, meta)
    name = meta.get("scenario") or meta.get("name") or out_dir.name
    page = Page(title=f"{name}: calibration", subtitle="The search's trials, the best so far, and what it found",
                kicker="uprising report · calibration",
                meta=[f"study {meta.get('study')}" if meta.get("study") else "",
                      f"fitted to the record up to {meta.get('until')}" if meta.get("until") else ""],
                footer=f"Written by uprising from {out_dir.name}/ (calibration.json and the Optuna study).")
    stats = [Stat("trials", fmt_int(meta.get("trials") if meta.get("trials") is not None else
                                     (trials.height if trials is not None else None)), key="trials"),
             Stat("best score", fmt_num(meta.get("best_score"), 4), "lower is closer to the record", key="best")]
    shipped = meta.get("shipped_score")
    if isinstance(shipped, dict) and shipped.get("total") is not None:
        stats.append(Stat("shipped parameters' score", fmt_num(shipped.get("total"), 4), key="shipped"))
    for k, v in (meta.get("best_parts") or {}).items():
        stats.append(Stat(f"best, {k}", fmt_num(v, 3), key=f"part-{k}"))
    page.add(Headline(stats))
    if trials is not None and trials.height and "value" in trials.columns:
        trials = trials.sort("number") if "number" in trials.columns else trials
        number = trials["number"].to_list() if "number" in trials.columns else list(range(trials.height))
        values = trials["value"].cast(pl.Float64).to_list()
        best, best_so_far = None, []
        for v in values:
            if v is not None and math.isfinite(v):
                best = v if best is None else min(best, v)
            best_so_far.append(best)
        page.add(Figure("Trial history", [
            {"type": "scatter", "mode": "markers", "x": number, "y": values, "name": "trial",
             "marker": {"color": "#9a968e", "size": 6}, "hovertemplate": "trial %{x}: %{y:.4g}<extra></extra>"},
            {"type": "scatter", "mode": "lines", "x": number, "y": best_so_far, "name": "best so far",
             "line": {"color": MODEL_COLOUR, "width": 2.2, "shape": "hv"}}],
            {"xaxis": {"title": {"text": "trial"}, "dtick": 1 if len(number) <= 20 else None},
             "yaxis": {"title": {"text": "score (lower is better)"}},
             "hovermode": "closest"}, key="trials", height=360))
        params = [c for c in trials.columns if c.startswith("params_")]
        if params:
            figs = []
            for k, c in enumerate(params):
                figs.append(Figure(c[len("params_"):], [
                    {"type": "scatter", "mode": "markers", "x": trials[c].to_list(), "y": values, "name": "trials",
                     "marker": {"color": GROUP_COLOURS[k % len(GROUP_COLOURS)], "size": 6, "opacity": 0.7},
                     "hovertemplate": "%{x:.4g}: %{y:.4g}<extra></extra>"}],
                    {"xaxis": {"title": {"text": plot_text(c[len("params_"):])}},
                     "yaxis": {"title": {"text": "score"}}, "hovermode": "closest", "showlegend": False},
                    key=f"trial-{c}", height=300))
            for i in range(0, len(figs), 3):
                page.add(Row(figs[i : i + 3]))
    else:
        page.add(Prose(["No trials could be read (the study's storage is not reachable from here)."]))
    best_params = meta.get("best_params") or {}
    shipped = meta.get("shipped_params") or {}
    ranges = meta.get("parameters") or {}
    if best_params:
        rows = [(k, fmt_num(v, 4), fmt_num(shipped.get(k), 4), " to ".join(fmt_num(x, 3) for x in (ranges.get(k) or [])[:2]))
                for k, v in best_params.items()]
        page.add(Table(["parameter", "best", "shipped", "searched"], rows, title="What the search found",
                       numeric=[False, True, True, True]))
    return page


__all__ = ["calibration_page", "calibration_trials"]
