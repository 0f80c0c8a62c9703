"""An ACLED export into an episode folder's ``record_events.csv`` (``uprising record import``).

ACLED (the Armed Conflict Location & Event Data project) publishes one row per event with a
documented set of columns (ACLED Codebook, https://acleddata.com/knowledge-base/codebook/). This
module reads the ones it needs: ``event_date, event_type, sub_event_type, actor1, admin1,
location, latitude, longitude, fatalities, notes, source``. ``event_date`` is read as ACLED's
export writes it (``31 January 1999``) or as an ISO date (``1999-01-31``).

Each event is matched to one place of the folder's ``places.csv``, in this order:

1. **name**: ``location`` is a place's name or one of its ``aliases`` (case, accents and spacing
   ignored, as everywhere in uprising);
2. **region**: ``admin1`` is a place's ``department``; among the places of that region, the one
   nearest the event's coordinates (the most populous when the event has none);
3. **nearest**: the place nearest the event's coordinates by great-circle distance, if it is at
   most ``max_km`` away (default :data:`MAX_KM`, 50 km: about an hour by road, the reach of a
   town's daily travel; a user with large aggregate places may raise it).

An event no rule matches is written with an empty ``model_place`` (its deaths still count in the
record's national deaths by date) and listed in ``record_events.unmatched.csv`` with the reason.

:func:`import_acled` writes ``record_events.csv`` anew from the export; the folder's earlier
``record_events.csv``, if any, is first copied to ``record_events.before-import.csv`` (numbered
``.before-import.1.csv``, ... when that exists), so rows typed by hand are never lost and can be
merged back by the user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from uprising.errors import UserError
from uprising.world.geography import Places, _key, great_circle_km, load_places

#: Largest distance, km, at which an event is matched to the nearest place (rule 3).
MAX_KM = 50.0

ACLED_COLUMNS = ("event_date", "event_type", "sub_event_type", "actor1", "admin1", "location", "latitude",
                 "longitude", "fatalities", "notes", "source")
RECORD_COLUMNS = ("date", "phase", "precursor", "model_place", "place", "event_type", "actors", "deaths_low",
                  "deaths_high", "injuries_low", "injuries_high", "deaths_reported", "injuries_reported", "summary",
                  "source")
UNMATCHED_FILE = "record_events.unmatched.csv"
BACKUP_STEM = "record_events.before-import"

#: ACLED's event types as the record's kinds of event (record_events.csv ``event_type``).
EVENT_TYPES = {
    "protests": "protest",
    "riots": "clash",
    "violence against civilians": "clash",
    "battles": "clash",
    "explosions/remote violence": "clash",
    "strategic developments": "political",
}
#: Sub-event types that say more than their event type.
SUB_EVENT_TYPES = {"excessive force against protesters": "clash", "protest with intervention": "protest"}


@dataclass(frozen=True)
class AcledEvent:
    line: int
    date: dt.date
    event_type: str
    sub_event_type: str
    actor1: str
    admin1: str
    location: str
    lat: float | None
    lon: float | None
    fatalities: int
    notes: str
    source: str


@dataclass(frozen=True)
class Match:
    event: AcledEvent
    place: str  # "" when unmatched
    how: str  # name | region | nearest | "" (unmatched)
    km: float | None  # distance to the place's point, when the event has coordinates
    reason: str = ""  # why unmatched


def parse_date(text: str) -> dt.date:
    """ACLED's ``31 January 1999`` (also ``31 Jan 1999``) or an ISO ``1999-01-31``."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_acled(path: str | Path) -> list[AcledEvent]:
    """The rows of an ACLED export (CSV); a bad row is a :class:`UserError` naming its line and column."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(label, None, "no such file; give an ACLED export (CSV)") from None
    except UnicodeDecodeError as e:
        raise UserError(label, None, f"not UTF-8 text (bad byte at offset {e.start})") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in ACLED_COLUMNS if c not in header]
    if missing:
        raise UserError(label, missing[0], f"missing column; an ACLED export has: {', '.join(ACLED_COLUMNS)}", line=1)
    out: list[AcledEvent] = []
    start = reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        r = dict(zip(header, (v.strip() for v in values)))
        try:
            date = parse_date(r["event_date"])
        except ValueError:
            raise UserError(label, "event_date", f"{r['event_date']!r} is not a date; allowed: '31 January 1999' "
                            "or 1999-01-31", line=line) from None
        coords = []
        for col, bound in (("latitude", 90.0), ("longitude", 180.0)):
            t = r.get(col, "")
            try:
                v = float(t) if t else None
            except ValueError:
                raise UserError(label, col, f"{t!r} is not a number", line=line) from None
            if v is not None and not -bound <= v <= bound:
                raise UserError(label, col, f"{t} is out of range; allowed: -{bound:g} to {bound:g}", line=line)
            coords.append(v)
        t = r.get("fatalities", "") or "0"
        try:
            fatalities = int(t)
        except ValueError:
            raise UserError(label, "fatalities", f"{t!r} is not a whole number", line=line) from None
        if fatalities < 0:
            raise UserError(label, "fatalities", f"{fatalities} is negative", line=line)
        out.append(AcledEvent(line, date, r["event_type"], r["sub_event_type"], r["actor1"], r["admin1"],
                              r["location"], coords[0], coords[1], fatalities, r["notes"], r["source"]))
    return out



def match_events(events: list[AcledEvent], places: Places, max_km: float = MAX_KM) -> list[Match]:
    """Each event's place by name, then region, then the nearest point (module docstring)."""
    regions: dict[str, list[int]] = {}
    for i, d in enumerate(places.department):
        if d:
            regions.setdefault(_key(str(d)), []).append(i)
    out: list[Match] = []
    for ev in events:
        km_all = (great_circle_km(ev.lat, ev.lon, places.lat, places.lon)
                  if ev.lat is not None and ev.lon is not None else None)
        i = places._lookup.get(_key(ev.location)) if ev.location else None
        if i is not None:
            out.append(Match(ev, str(places.name[i]), "name", float(km_all[i]) if km_all is not None else None))
            continue
        in_region = regions.get(_key(ev.admin1)) if ev.admin1 else None
        if in_region:
            if km_all is not None:
                i = min(in_region, key=lambda j: km_all[j])
            else:
                i = max(in_region, key=lambda j: places.population[j])
            out.append(Match(ev, str(places.name[i]), "region", float(km_all[i]) if km_all is not None else None))
            continue
        if km_all is not None:
            i = int(np.argmin(km_all))
            if km_all[i] <= max_km:
                out.append(Match(ev, str(places.name[i]), "nearest", float(km_all[i])))
                continue
            reason = (f"no place named '{ev.location}', no place in region '{ev.admin1}'; nearest "
                      f"'{places.name[i]}' is {km_all[i]:.0f} km away (more than {max_km:g} km)")
        else:
            said = [f"no place named '{ev.location}'" if ev.location else "no location",
                    f"no place in region '{ev.admin1}'" if ev.admin1 else "no admin1"]
            reason = f"{', '.join(said)}, and no coordinates"
        out.append(Match(ev, "", "", None, reason))
    return out


def record_kind(ev: AcledEvent) -> str:
    return SUB_EVENT_TYPES.get(ev.sub_event_type.casefold()) or EVENT_TYPES.get(ev.event_type.casefold(), "political")


def record_rows(matches: list[Match], file_name: str) -> list[dict[str, str]]:
    """record_events.csv rows, in date order (ties keep the export's order)."""
    rows = []
    for m in sorted(matches, key=lambda m: (m.event.date, m.event.line)):
        ev = m.event
        where = ", ".join(x for x in (ev.location, ev.admin1) if x)
        kind = f"{ev.event_type} / {ev.sub_event_type}".strip(" /")
        matched = f"matched by {m.how}" + (f", {m.km:.0f} km" if m.km is not None and m.how != "name" else "")
        rows.append({
            "date": ev.date.isoformat(), "phase": "", "precursor": "false", "model_place": m.place,
            "place": where, "event_type": record_kind(ev), "actors": ev.actor1,
            "deaths_low": str(ev.fatalities), "deaths_high": str(ev.fatalities), "injuries_low": "",
            "injuries_high": "", "deaths_reported": f"{ev.fatalities} (ACLED fatalities)", "injuries_reported": "",
            "summary": f"[ACLED {kind}; {matched if m.place else 'unmatched'}] {ev.notes}".strip(),
            "source": f"{ev.source} (via ACLED export {file_name}, line {ev.line})",
        })
    return rows


def deaths_by_place(matches: list[Match]) -> dict[tuple[dt.date, str], int]:
    """Deaths (ACLED fatalities) by (date, place); unmatched events under place ''."""
    out: dict[tuple[dt.date, str], int] = {}
    for m in matches:
        if m.event.fatalities:
            k = (m.event.date, m.place)
            out[k] = out.get(k, 0) + m.event.fatalities
    return dict(sorted(out.items()))


def _write_csv(path: Path, columns, rows) -> None:
    from uprising.output import write_text

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_text(path, buf.getvalue())


def _backup(folder: Path) -> Path | None:
    old = folder / "record_events.csv"
    if not old.is_file():
        return None
    target = folder / f"{BACKUP_STEM}.csv"
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{BACKUP_STEM}.{n}.csv"
    shutil.copyfile(old, target)
    return target


@dataclass
class ImportResult:
    matches: list[Match]
    written: Path
    backup: Path | None
    unmatched_file: Path | None

    @property
    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if not m.place]


def import_acled(file: str | Path, folder: str | Path, *, max_km: float = MAX_KM) -> ImportResult:
    """Read the export, match its events, back up and write ``record_events.csv``, and write the
    unmatched events to ``record_events.unmatched.csv`` (removed when every event matched)."""
    folder = Path(folder)
    if not (folder / "places.csv").is_file():
        raise UserError(str(folder), None, "not an episode folder: no places.csv (uprising new episode PATH)")
    events = read_acled(file)
    if not events:
        raise UserError(str(file), None, "no events; an ACLED export has one row per event")
    if not math.isfinite(max_km) or max_km < 0:
        raise UserError("--max-km", None, f"{max_km} is not allowed; allowed: a distance >= 0")
    matches = match_events(events, load_places(folder), max_km)
    backup = _backup(folder)
    written = folder / "record_events.csv"
    _write_csv(written, RECORD_COLUMNS, record_rows(matches, Path(file).name))
    unmatched_path = folder / UNMATCHED_FILE
    miss = [m for m in matches if not m.place]
    if miss:
        _write_csv(unmatched_path, ("line", "event_date", "location", "admin1", "latitude", "longitude",
                                    "fatalities", "reason"),
                   [{"line": m.event.line, "event_date": m.event.date.isoformat(), "location": m.event.location,
                     "admin1": m.event.admin1, "latitude": "" if m.event.lat is None else m.event.lat,
                     "longitude": "" if m.event.lon is None else m.event.lon, "fatalities": m.event.fatalities,
                     "reason": m.reason} for m in miss])
    elif unmatched_path.exists():
        unmatched_path.unlink()
    return ImportResult(matches, written, backup, unmatched_path if miss else None)


__all__ = ["ACLED_COLUMNS", "MAX_KM", "AcledEvent", "Match", "ImportResult", "read_acled", "match_events",
           "record_rows", "deaths_by_place", "import_acled", "parse_date"]
