"""The record's crowd estimates beside the model's actives, and what "active" counts.

The model's "active" in a place is a count of people: the agents in the active state (out
protesting, marching, striking or blocking) times the people each agent stands for
(``people_per_agent``, 1/scale). Agents stand for every resident, children included, so a share
"of its people" is of all its residents, and one place's actives are everyone mobilised there
at that moment, not one crowd in one square.

The record gives crowds only in words: ``record_events.csv``'s ``summary`` says "about 2,000
marchers" or "put at over 50,000 by organisers". :func:`crowd_estimates` reads those numbers
(a number of people, with its qualifier, in a protest, march, strike, blockade or clash row), so
the page can show them beside the model's actives on the same day and place, and beside its peaks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from .sections import Table, fmt_int, fmt_pct

CROWD_KINDS = {"protest", "march", "strike", "blockade", "clash"}
MIN_CROWD = 100  # fewer people than this is not a crowd figure (and keeps hours, days, years out)
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(?![\d,]*\s*%)"
_QUALIFIER = (r"\b(put at (?:over|more than|about|some) |put at |about |around |over |more than |some |nearly |almost "
              r"|at least |up to |roughly |as many as |tens of thousands|thousands)")
_PEOPLE = (r"people|peasants|marchers|marching|miners|protesters|demonstrators|strikers|residents|workers|"
           r"students|teachers|farmers|indigenous|neighbours|neighbors|participants|supporters|women|men|"
           r"villagers|members|walkers|growers|blockaders")
# words after a number that make it something else than a crowd
_NOT_A_CROWD = re.compile(r"^\s+of\b|^\W*(?:\w+\s+){0,1}(?:die|died|dead|deaths|killed|wounded|injured|hurt|detained|"
                          r"arrested|arrests|freed|held|b/d|barrels|litres|liters|tonnes|km|kilometres|hours|"
                          r"days|soldiers|police|officers|troops|tankers|vehicles|trucks|dollars|"
                          r"stations|percent|per cent|towns|cities|provinces|districts|municipalities|countries|attended|treated|"
                          r"evacuated|displaced|missing)\b", re.I)
_QUALIFIED = re.compile(_QUALIFIER + r"(?:of )?" + _NUMBER, re.I)
_NAMED = re.compile(r"\b" + _NUMBER + r"\s+(?:" + _PEOPLE + r")\b", re.I)


@dataclass
class Crowd:
    """One crowd figure of the record: its date, the model's place, the people, and the words."""

    date: dt.date
    place: str
    people: int
    words: str
    kind: str
    summary: str


def _people(number: str) -> int:
    return int(number.replace(",", ""))


def crowds_in(summary: str) -> list[tuple[int, str]]:
    """The crowd figures a summary gives: (people, the words that give it), in the text's order.

    A number counts when a qualifier comes before it ("about 2,000", "put at over 50,000") or a
    word for people after it ("1,000 miners"), it is at least :data:`MIN_CROWD`, and the word after
    it is not a death, an arrest, a unit or a force ("about 26 people die", "531,000 b/d")."""
    found: dict[int, tuple[int, str]] = {}
    for pattern in (_QUALIFIED, _NAMED):
        for m in pattern.finditer(summary or ""):
            number = m.group(m.lastindex)
            if not number or not number[0].isdigit():
                continue
            people = _people(number)
            after = summary[m.end(m.lastindex):]
            if people < MIN_CROWD or _NOT_A_CROWD.match(after):
                continue
            start = m.start(m.lastindex)
            if any(abs(start - s) < 24 and p == people for s, (p, _) in found.items()):
                continue
            words = m.group(0).strip()
            tail = re.match(r"\s+(?:" + _PEOPLE + r")\b", after, re.I)
            if tail and pattern is _QUALIFIED:
                words += tail.group(0)
            found[start] = (people, " ".join(words.split()))
    return [found[s] for s in sorted(found)]


def crowd_estimates(events: pl.DataFrame | None) -> list[Crowd]:
    """Every crowd figure in the record's rows of protests, marches, strikes, blockades and clashes."""
    if events is None or not events.height or "summary" not in events.columns:
        return []
    out = []
    place_col = "model_place" if "model_place" in events.columns else "place"
    for r in events.sort("date").iter_rows(named=True):
        kind = str(r.get("event_type") or "").strip().lower()
        if kind not in CROWD_KINDS or not isinstance(r.get("date"), dt.date):
            continue
        for people, words in crowds_in(str(r.get("summary") or "")):
            out.append(Crowd(r["date"], str(r.get(place_col) or ""), people, words, kind, str(r.get("summary") or "")))
    return out


def active_meaning(people_per_agent: Any) -> str:
    """What the model's "active" counts, in one sentence for captions and notes."""
    scale = f" (here {fmt_int(people_per_agent)})" if isinstance(people_per_agent, (int, float)) and people_per_agent else ""
    return ("The model's \"active\" counts people: the agents in the active state (out protesting, marching, "
            f"striking or blocking) times the people each agent stands for{scale}. Agents stand for every resident, "
            "children included, so a share of a place's people is of all its residents, and a place's actives are "
            "everyone mobilised there at once, not one crowd in one square.")


def _day_max(ts: pl.DataFrame, place: str) -> dict[dt.date, tuple[float, float]]:
    """Per day, a place's highest actives and its people (for the share)."""
    part = ts.filter(pl.col("place_name") == place)
    if not part.height:
        return {}
    cols = [pl.col("active").max().alias("active")]
    cols.append(pl.col("population").first().alias("population") if "population" in part.columns
                else pl.lit(None).alias("population"))
    daily = part.with_columns(day=pl.col("date").dt.date()).group_by("day").agg(cols)
    return {d: (float(a or 0), float(p) if p else 0.0) for d, a, p in daily.iter_rows()}


def record_peak_note(crowds: list[Crowd], place: str) -> str:
    """The record's largest crowd figure for ``place``, for a headline note ("" if it has none)."""
    mine = [c for c in crowds if c.place == place]
    if not mine:
        return ""
    top = max(mine, key=lambda c: c.people)
    words = top.words[:1].lower() + top.words[1:]
    return f"record's largest crowd: {words} ({top.date.day} {top.date.strftime('%b')})"


def crowds_table(ts: pl.DataFrame | None, crowds: list[Crowd], people_per_agent: Any = None) -> Table | None:
    """The record's crowd figures, each beside the model's actives in that place that day and the
    model's peak there over the run."""
    if not crowds or ts is None or not ts.height or "place_name" not in ts.columns:
        return None
    days: dict[str, dict[dt.date, tuple[float, float]]] = {}
    rows = []
    for c in crowds:
        if c.place not in days:
            days[c.place] = _day_max(ts, c.place) if c.place else {}
        per_day = days[c.place]
        that_day = per_day.get(c.date)
        model_day = fmt_int(round(that_day[0])) if that_day else "—"
        if per_day:
            peak_day, (peak, pop) = max(per_day.items(), key=lambda kv: kv[1][0])
            share = f", {fmt_pct(peak / pop, 0)} of its people" if pop else ""
            model_peak = f"{fmt_int(round(peak))} ({peak_day.day} {peak_day.strftime('%b')}{share})"
        else:
            model_peak = "—"
        ratio = "—"
        if that_day and c.people:
            ratio = f"{that_day[0] / c.people:,.1f}×" if that_day[0] else "0×"
        rows.append((f"{c.date.day} {c.date.strftime('%b')}", c.place or "—", c.kind, c.words, model_day, ratio,
                     model_peak))
    caption = ("The record's crowd figures are the numbers of people its summaries give (record_events.csv), in "
               "their own words; the model's actives that day are the highest of the day in that place, and its peak "
               "the highest of the run. " + active_meaning(people_per_agent))
    return Table(["date", "place", "kind", "record", "model that day", "model ÷ record", "model's peak"], rows,
                 title="Crowds: the record's estimates beside the model", caption=caption,
                 numeric=[False, False, False, True, True, True, True], css_class="crowds")


__all__ = ["Crowd", "crowds_in", "crowd_estimates", "crowds_table", "active_meaning", "record_peak_note",
           "MIN_CROWD", "CROWD_KINDS"]
