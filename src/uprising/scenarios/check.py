"""``uprising check``: every problem of an episode folder, without running it.

:func:`check_folder` reads each file of the folder (docs/episode-data.md) and returns a list of
:class:`Problem` (file, line, field, message), one per mistake, in file order:

- ``scenario.toml`` through the scenario loader (the same messages as ``uprising run``): every
  schema error, then every cross-field problem (:func:`uprising.world.problems.problems`);
- ``places.csv``: the columns, numbers (lat, lon, population), unique names and aliases;
- ``roads.csv`` / ``paths.csv``: known places, numbers, ``0 <= paved_km <= km``, the surface, and
  that roads and paths join every place;
- ``record_events.csv``: real dates (2020-02-30 is not one), ``model_place`` a known place (or empty:
  national, or a place the sources do not establish), counts
  that are whole numbers, low <= high, ``precursor`` true or false;
- ``record_facts.csv``: a key on each row, numbers, low <= high;
- ``record.toml``: every schema error (dates, measures, kinds), every place it names, decisions
  of a known kind.

Nothing here writes a file. ``uprising run`` and ``uprising validate`` call :func:`check_folder`
first for an episode folder and stop with exit status 2 on any problem (uprising.cli.check).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from uprising.errors import UserError

PLACES = "places.csv"
ROADS = "roads.csv"
PATHS = "paths.csv"
EVENTS = "record_events.csv"
FACTS = "record_facts.csv"
RECORD = "record.toml"
SCENARIO = "scenario.toml"

#: Road surfaces the world knows (geography.VEHICLE_KMH; ``mixed`` runs on paved_km and the rest).
SURFACES = ("paved", "unpaved", "mixed")
EVENT_COLUMNS = ("date", "model_place", "deaths_low", "deaths_high")
FACT_COLUMNS = ("key", "value", "low", "high")


@dataclass(frozen=True)
class Problem:
    """One mistake: ``file:line: field: message`` (the line and field when known)."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return str(UserError(self.file, self.field, self.message, line=self.line))

    @classmethod
    def of(cls, e: UserError) -> "Problem":
        return cls(e.file or "", e.line, e.key, e.message)


@dataclass
class _Table:
    """A CSV file's rows with the line each starts on (quoted fields may span lines)."""

    path: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _read_csv(folder: Path, name: str, out: list[Problem], required: tuple[str, ...]) -> _Table | None:
    path = folder / name
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as e:
        out.append(Problem(label, None, None, f"not UTF-8 text (bad byte at offset {e.start})"))
        return None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        out.append(Problem(label, 1, None, f"empty file; needed a header: {', '.join(required)}"))
        return None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        out.append(Problem(label, 1, missing[0], f"missing column; needed: {', '.join(required)}"))
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                start = reader.line_num + 1
                continue
            if len(values) != len(header):
                out.append(Problem(label, start, None, f"{len(values)} fields, the header has {len(header)}"))
            rows.append((start, dict(zip(header, (v.strip() for v in values)))))
            start = reader.line_num + 1
    except csv.Error as e:
        out.append(Problem(label, reader.line_num, None, f"malformed CSV: {e}"))
    return _Table(label, header, rows)


def _float(t: _Table, line: int, row: dict, col: str, out: list[Problem], *, required=True,
           low: float | None = None, high: float | None = None) -> float | None:
    text = row.get(col) or ""
    if not text:
        if required:
            out.append(Problem(t.path, line, col, "empty; a number is needed"))
        return None
    try:
        v = float(text)
    except ValueError:
        out.append(Problem(t.path, line, col, f"{text!r} is not a number"))
        return None
    if v != v or (low is not None and v < low) or (high is not None and v > high):
        rng = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
        out.append(Problem(t.path, line, col, f"{text} is out of range; allowed: a number {rng}"))
        return None
    return v


def _int(t: _Table, line: int, row: dict, col: str, out: list[Problem], *, required=False) -> int | None:
    text = row.get(col) or ""
    if not text:
        if required:
            out.append(Problem(t.path, line, col, "empty; a whole number is needed"))
        return None
    from uprising.world.geography import MAX_PEOPLE

    try:
        v = int(text)
    except ValueError:
        try:  # 4e5, 1e12: a number written as a decimal, read as geography reads it
            number = float(text)
        except ValueError:
            out.append(Problem(t.path, line, col, f"{text!r} is not a number"))
            return None
        if not number.is_integer():
            out.append(Problem(t.path, line, col, f"{text!r} is not a whole number"))
            return None
        if abs(number) > MAX_PEOPLE:
            out.append(Problem(t.path, line, col, f"{text} is out of range; allowed: a whole number up to {MAX_PEOPLE:,}"))
            return None
        v = int(number)
    if v < 0:
        out.append(Problem(t.path, line, col, f"{v} is negative"))
        return None
    return v


class _Names:
    """Place names and aliases of places.csv, looked up as geography does (case and accents ignored)."""

    def __init__(self) -> None:
        from uprising.world.geography import _key

        self.key = _key
        self.lookup: dict[str, str] = {}

    def add(self, name: str, aliases: list[str], t: _Table, line: int, out: list[Problem]) -> None:
        mine: set[str] = set()
        for k in (name, *aliases):
            kk = self.key(k)
            if kk in mine:
                continue
            mine.add(kk)
            other = self.lookup.get(kk)
            if other is None:
                self.lookup[kk] = name
            elif other == name and k == name:
                out.append(Problem(t.path, line, "name", f"place '{name}' appears twice"))
            else:
                out.append(Problem(t.path, line, "name" if k == name else "aliases",
                                   f"'{k}' is already a name or alias of '{other}'"))

    def known(self, name: str) -> bool:
        return self.key(name) in self.lookup

    def unknown(self, name: str) -> str:
        import difflib

        best = difflib.get_close_matches(self.key(name), list(self.lookup), n=1, cutoff=0.0)
        hint = f"; did you mean '{self.lookup[best[0]]}'?" if best else ""
        return f"unknown place '{name}'{hint}"


def _places(folder: Path, out: list[Problem]) -> _Names | None:
    from uprising.world.geography import PLACE_COLUMNS

    t = _read_csv(folder, PLACES, out, PLACE_COLUMNS)
    if t is None:
        if not (folder / PLACES).is_file():
            out.append(Problem(str(folder / PLACES), None, None, "no such file; an episode folder needs places.csv"))
        return None
    names = _Names()
    if not t.rows:
        out.append(Problem(t.path, 2, None, "no places; at least one row is needed"))
    for line, r in t.rows:
        if not r.get("name"):
            out.append(Problem(t.path, line, "name", "empty; every place needs a name"))
        _float(t, line, r, "lat", out, low=-90.0, high=90.0)
        _float(t, line, r, "lon", out, low=-180.0, high=180.0)
        _int(t, line, r, "population", out, required=True)
        aliases = [a.strip() for a in (r.get("aliases") or "").split(";") if a.strip()]
        if r.get("name"):
            names.add(r["name"], aliases, t, line, out)
    return names


def _ways(folder: Path, names: _Names | None, out: list[Problem]) -> None:
    """roads.csv and paths.csv: places, numbers, surfaces; every place joined."""
    from uprising.world.geography import PATH_COLUMNS, ROAD_COLUMNS

    edges: list[tuple[str, str]] = []
    roads = _read_csv(folder, ROADS, out, ROAD_COLUMNS)
    if roads is None and not (folder / ROADS).is_file():
        out.append(Problem(str(folder / ROADS), None, None, "no such file; an episode folder needs roads.csv "
                           "(header only for a single place)"))
    for t, is_path in ((roads, False), (_read_csv(folder, PATHS, out, PATH_COLUMNS), True)):
        if t is None:
            continue
        for line, r in t.rows:
            ends = []
            for col in ("from", "to"):
                name = r.get(col) or ""
                if names is not None and not names.known(name):
                    out.append(Problem(t.path, line, col, names.unknown(name) if name else "empty; a place is needed"))
                else:
                    ends.append(names.lookup[names.key(name)] if names is not None else name)
            if len(ends) == 2:
                if ends[0] == ends[1]:
                    out.append(Problem(t.path, line, "to", f"joins '{ends[0]}' to itself"))
                edges.append((ends[0], ends[1]))
            km = _float(t, line, r, "km", out, low=0.0)
            if km is not None and km == 0:
                out.append(Problem(t.path, line, "km", "0 km; a way between two places is longer"))
            if not is_path:
                paved = _float(t, line, r, "paved_km", out, low=0.0)
                if km is not None and paved is not None and paved > km:
                    out.append(Problem(t.path, line, "paved_km", f"{paved:g} is more than km ({km:g})"))
                if r.get("surface") not in SURFACES:
                    out.append(Problem(t.path, line, "surface",
                                       f"'{r.get('surface', '')}' is not a surface; allowed: {', '.join(SURFACES)}"))
    if names is None or roads is None or len(set(names.lookup.values())) < 2:
        return
    # every place reachable from the first (union-find over roads and paths)
    parent = {n: n for n in names.lookup.values()}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for n in dict.fromkeys(names.lookup.values()):
        groups.setdefault(find(n), []).append(n)
    if len(groups) > 1:
        parts = sorted(groups.values(), key=len, reverse=True)
        cut = [n for part in parts[1:] for n in part]
        out.append(Problem(roads.path, None, None, f"the roads and paths do not join every place: "
                           f"{', '.join(cut[:5])}{' …' if len(cut) > 5 else ''} cannot be reached from '{parts[0][0]}'"))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _events(folder: Path, names: _Names | None, out: list[Problem]) -> None:
    t = _read_csv(folder, EVENTS, out, EVENT_COLUMNS)
    if t is None:
        return
    for line, r in t.rows:
        text = r.get("date") or ""
        if _date(text) is None:
            out.append(Problem(t.path, line, "date", f"'{text}' is not a date; allowed: YYYY-MM-DD, a day that exists"))
        place = r.get("model_place") or ""
        if place and names is not None and not names.known(place):  # empty: national, or not established
            out.append(Problem(t.path, line, "model_place", names.unknown(place)))
        if (r.get("precursor") or "false") not in ("true", "false"):
            out.append(Problem(t.path, line, "precursor", f"'{r['precursor']}' is not allowed; allowed: true, false"))
        for what in ("deaths", "injuries"):
            lo = _int(t, line, r, f"{what}_low", out)
            hi = _int(t, line, r, f"{what}_high", out)
            if lo is not None and hi is not None and lo > hi:
                out.append(Problem(t.path, line, f"{what}_low", f"{lo} is above {what}_high ({hi})"))


def _facts(folder: Path, out: list[Problem]) -> None:
    t = _read_csv(folder, FACTS, out, FACT_COLUMNS)
    if t is None:
        return
    for line, r in t.rows:
        if not r.get("key"):
            out.append(Problem(t.path, line, "key", "empty; every fact needs a key"))
        lo = _float(t, line, r, "low", out, required=False)
        hi = _float(t, line, r, "high", out, required=False)
        if lo is not None and hi is not None and lo > hi:
            out.append(Problem(t.path, line, "low", f"{lo:g} is above high ({hi:g})"))


def _record(folder: Path, names: _Names | None, out: list[Problem]) -> None:
    from uprising.scenarios.loader import _key_lines
    from uprising.world.events_config import Event
    from uprising.world.history import Record

    path = folder / RECORD
    label = str(path)
    if not path.is_file():
        out.append(Problem(label, None, None, "no such file; an episode's record.toml says what happened "
                           "(docs/episode-data.md)"))
        return
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as e:
        out.append(Problem(label, None, None, f"not UTF-8 text (bad byte at offset {e.start})"))
        return
    except tomllib.TOMLDecodeError as e:
        from uprising.scenarios.messages import toml_error

        error = toml_error(label, text, e)  # as the loader words a scenario's
        out.append(Problem(label, error.line, None, error.message))
        return
    lines = _key_lines(text)

    def _line_of(_text: str, loc: tuple) -> int | None:  # the line of the longest known prefix of loc
        for n in range(len(loc), 0, -1):
            if tuple(loc[:n]) in lines:
                return lines[tuple(loc[:n])]
        return None

    try:
        record = Record.model_validate(data)
    except ValidationError as e:
        from uprising.scenarios.messages import word_error

        for err in e.errors():
            key, message = word_error(err)
            out.append(Problem(label, _line_of(text, tuple(err["loc"])), key or None, message))
        return
    if names is not None:
        for loc, name in record.place_names():
            if not names.known(name):
                key = ".".join(str(k) for k in loc)
                out.append(Problem(label, _line_of(text, loc), key, names.unknown(name)))
    kinds = typing.get_args(Event.model_fields["kind"].annotation)
    for i, d in enumerate(record.decisions):
        if d.kind not in kinds:
            out.append(Problem(label, _line_of(text, ("decisions", i, "kind")), f"decisions.{i}.kind",
                               f"'{d.kind}' is not a kind of decision; allowed: {', '.join(kinds)}"))


def _scenario(source: Path, out: list[Problem]) -> None:
    """Every schema error, then every cross-field problem, of the folder's scenario file."""
    from uprising.scenarios import loader
    from uprising.scenarios.schema import Scenario

    try:
        layers = loader._Layers()
        path, label = (source / SCENARIO, str(source / SCENARIO)) if source.is_dir() else (source, str(source))
        file_layers = loader._file_layers(path, label)
        # as load_scenario: the shared behavioural values (and their fit) under the folder's own files
        tuned = loader.lay_shared(layers, [d for d, _ in file_layers], None, path.parent)
        for data, src in file_layers:
            layers.merge(data, src)
        main = file_layers[-1][1]
        info = layers.data.setdefault("scenario", {})
        if isinstance(info, dict):
            if tuned is not None and layers.data.get("world") is not None:
                info["tuned"] = tuned
            info.setdefault("name", path.parent.name if path.name == SCENARIO else path.stem)
        loader._resolve_world_folder(layers, main)
    except UserError as e:
        out.append(Problem.of(e))
        return
    data = layers.data
    rules = data.get("rules")
    preset = rules.get("preset", "default") if isinstance(rules, dict) else "default"
    if isinstance(preset, str) and preset in loader.PRESET_NAMES:
        resolved = loader._Layers()
        resolved.merge(loader.preset_values(preset), None)
        resolved.merge(data, None)
        data = resolved.data
    try:
        scenario = Scenario.model_validate(data, strict=True)
    except ValidationError as e:
        for err in e.errors():
            one = _one_error(e, err)
            loc, message = loader.error_message(one) if one is not None else (tuple(err["loc"]), err["msg"])
            out.append(Problem.of(loader._locate(loc, message, layers, main)))
        return
    try:
        found = scenario.problems()
    except UserError as e:  # places.csv unreadable: reported by its own check
        if not str(e.file or "").endswith(SCENARIO):
            return
        out.append(Problem.of(e))
        return
    for loc, message in found:
        out.append(Problem.of(loader._locate(loc, message, layers, main)))


def _one_error(e: ValidationError, err: dict) -> ValidationError | None:
    """A ValidationError holding only ``err`` (so the loader's wording applies to each error)."""
    try:
        line = {k: err[k] for k in ("type", "loc", "input") if k in err}
        if "ctx" in err:
            line["ctx"] = err["ctx"]
        return ValidationError.from_exception_data(e.title, [line])
    except Exception:  # an error type pydantic cannot rebuild: the raw message instead
        return None


def check_folder(folder: str | Path, scenario: str | Path | None = None) -> list[Problem]:
    """Every problem of the episode folder ``folder`` (``scenario``: its scenario file, if not
    ``folder/scenario.toml``), in file order; empty when the folder is sound."""
    folder = Path(folder)
    out: list[Problem] = []
    names = _places(folder, out)
    _ways(folder, names, out)
    _events(folder, names, out)
    _facts(folder, out)
    _record(folder, names, out)
    if names is not None and not any(p.file.endswith(PLACES) for p in out):
        _scenario(Path(scenario) if scenario is not None else folder, out)
    elif (folder / SCENARIO).is_file() or scenario is not None:
        out.append(Problem(str(Path(scenario) if scenario else folder / SCENARIO), None, None,
                           "not checked: places.csv has problems (above)"))
    return out


def tuned(folder: str | Path, scenario: str | Path | None = None) -> list[str]:
    """The shared behavioural values (world/shared_values.toml) a sound folder sets anyway."""
    from uprising.scenarios.loader import load_scenario

    sc = load_scenario(Path(scenario) if scenario is not None else Path(folder))
    return list(getattr(sc.scenario, "tuned", None) or [])


def counts(folder: str | Path) -> dict[str, int]:
    """Rows of each data file of a sound folder, for the one-line summary."""
    folder = Path(folder)
    got: dict[str, int] = {}
    for name in (PLACES, ROADS, PATHS, EVENTS, FACTS):
        p = folder / name
        if p.is_file():
            got[name] = max(0, sum(1 for _ in csv.reader(io.StringIO(p.read_text(encoding="utf-8")))) - 1)
    return got


__all__ = ["Problem", "check_folder", "counts", "tuned"]
