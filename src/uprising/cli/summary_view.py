"""The summary ``uprising run`` prints: what a reader of the run wants first, in one unit each.

- the classic grid: agents, activity, Epstein's outbursts, and speed;
- a world of places: people (never agents beside people), the outcome beside the record
  (``record.toml``'s outcome: resignation or concession, deaths), peaks in the followed places,
  and speed. Dates as YYYY-MM-DD only; no engine internals (the plan is in ``summary.json``).

Speed is two named figures: the steps (compilation excluded) and numba's one-time compilation.
"""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from uprising.world.history import Record, slug


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _number(value: float, digits: int = 3) -> str:
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def _date(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)[:10]


def last_day(s: dict[str, Any]) -> str | None:
    """The last day a world's run simulated (ISO), from its start, steps and hours per step; the
    episode's end when the run covers it all; None when the summary does not tell."""
    import datetime as dt

    try:
        start = dt.date.fromisoformat(_date(s.get("start")))
        end = dt.date.fromisoformat(_date(s.get("end")))
        hours = float(s["hours_per_step"]) * int(s["steps"])
    except (KeyError, TypeError, ValueError):
        return None
    days = max(1, math.ceil(hours / 24))
    return min(end, start + dt.timedelta(days=days - 1)).isoformat()


def _rate(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.3g}"


def speed_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    """The steps' time and speed, and the compile time, each named."""
    steps = f"{s.get('wall_seconds', math.nan):.2f} s ({_rate(s.get('agent_steps_per_second', math.nan))} agent-steps/s)"
    compiled = float(s.get("compile_seconds", 0.0) or 0.0)
    compiling = f"{compiled:.1f} s (first run only)" if compiled >= 0.05 else "0 s (cached)"
    return [("steps took", steps), ("compiling took", compiling)]


def _table(columns: int) -> Table:
    table = Table(show_header=columns > 2, box=None, pad_edge=False, header_style="bold")
    table.add_column("", style="bold")
    for name in ("model", "record")[: columns - 1]:
        table.add_column(name)
    return table


def classic_table(s: dict[str, Any]) -> Table:
    table = _table(2)
    rows = [
        ("scenario", f"{s['scenario']} ({s['model']}, {s['schedule']} schedule, seed {s['seed']})"),
        ("steps", _count(s["steps"])),
        ("agents", f"{_count(s['citizens'])} citizens, {_count(s['cops'])} cops"),
        ("active, mean share", _number(s["mean_active_fraction"], 4)),
        ("active, peak", f"{_count(s['peak_active'])} ({_number(s['peak_active_fraction'], 3)} of the living)"),
        ("outbursts", f"{s['outbursts']} (above {s['outburst_level']:.3g} active; Epstein 2002, Fig 5)"),
    ]
    for label, value in rows + speed_rows(s):
        table.add_row(label, value)
    return table


def _outcome_rows(s: dict[str, Any], record: Record | None) -> list[tuple[str, str, str]]:
    out = record.outcome if record is not None else None
    fell = f"resigned {_date(s.get('resignation_date'))}" if s.get("resigned") else "stayed in office"
    if out is None:
        on_record = ""
    elif out.resigned:
        on_record = f"resigned {_date(out.resignation_date)}"
    else:
        on_record = "stayed in office" + (f"; {out.concession} ({_date(out.concession_date)})" if out.concession else "")
    rows = [("head of government", fell, on_record)]
    if s.get("resignation_reason"):
        rows.append(("  why", str(s["resignation_reason"]), ""))
    low_high = f"{out.deaths[0]:,.0f}–{out.deaths[1]:,.0f}" if out is not None else ""
    rows.append(("deaths", _count(s.get("deaths_total", 0.0)), low_high))
    return rows


def places_table(s: dict[str, Any], record: Record | None) -> Table:
    table = _table(3)
    ppa = float(s.get("people_per_agent", 1.0))
    start, end = _date(s.get("start")), _date(s.get("end"))
    hours = s.get("hours_per_step")
    table.add_row("scenario", f"{s['scenario']}, seed {s['seed']}", "")
    last = last_day(s)
    table.add_row("period", f"{start} to {last or end} ({_count(s['steps'])} × {hours:g} h)", "")
    if last is not None and last < end:  # a run stopped early (--steps): the record runs on past it
        import datetime as dt

        ran, whole = ((dt.date.fromisoformat(d) - dt.date.fromisoformat(start)).days + 1 for d in (last, end))
        table.add_row("  stopped early", f"{ran} of the episode's {whole} days",
                      f"compare up to {last} only (the record runs to {end})")
    table.add_row("citizens", f"{_count(s['citizens'] * ppa)} (1 agent per {ppa:,.0f} people)", "")
    table.add_row("police", _count(s["cops"] * ppa), "")
    for row in _outcome_rows(s, record):
        table.add_row(*row)
    names = {slug(name): name for name in s.get("places", [])}
    for key, value in s.items():
        if key.startswith("peak_active_") and key.removeprefix("peak_active_") in names:
            table.add_row(f"peak active, {names[key.removeprefix('peak_active_')]}", f"{_count(value)} people", "")
    table.add_row("roads blocked, peak", f"{s.get('roads_blocked_peak', 0)} on {_date(s.get('roads_blocked_peak_date'))}", "")
    table.add_row(f"{s.get('capital', 'capital')} short of fuel", f"{s.get('capital_fuel_short_days', 0.0):g} days", "")
    table.add_row("elite support at the end", _number(float(s.get("elite_support_final", 0.0))), "")
    if s.get("phases_in_order") is not None:
        table.add_row("phases in order", "yes" if s["phases_in_order"] else "no", "")
    if s.get("backfire") is not None:
        table.add_row("repression backfired", f"{'yes' if s['backfire'] else 'no'}: {_count(s['backfire_before'])} → "
                      f"{_count(s['backfire_after'])} active", "")
    for label, value in speed_rows(s):
        table.add_row(label, value, "")
    return table


def summary_table(s: dict[str, Any], record: Record | None = None) -> Table:
    """The printed summary of a run: ``s`` is its summary.json; ``record`` the episode's record."""
    return places_table(s, record) if s.get("model") == "places" or "people_per_agent" in s else classic_table(s)


__all__ = ["summary_table", "speed_rows"]
