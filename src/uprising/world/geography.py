"""An episode's places, roads, mountain paths, historical record and outline, as typed arrays.

Every function reads one episode folder (``uprising/episodes/<name>/`` for a shipped episode, or
any folder a user wrote, docs/episodes.md): ``places.csv``, ``roads.csv``, the optional
``paths.csv``, ``record_events.csv``, ``record_facts.csv`` and ``outline.geojson``. The folder is
passed in; nothing here names an episode.

- :func:`load_places` → :class:`Places`: one row per place of the model (towns, the provinces
  they stand for, and aggregates of the rest of the country), populations from a census.
- :func:`load_roads` → :class:`Roads`: undirected road links and mountain paths, with travel
  hours by vehicle and on foot. :meth:`Roads.travel_times` gives shortest times with a mask of
  blocked edges (scipy's Dijkstra).
- :func:`load_record` / :func:`load_facts` → polars frames: the dated events of the episode and
  the figures a run is validated against.
- :func:`load_outline` → the country's outline as rings of (lon, lat).
- :func:`grid_shape` → the (height, width) of a place's grid from its population.

Speeds (docs/episodes.md gives the reasoning):

========================  ==========  ==============================================
what                      value       basis
========================  ==========  ==============================================
truck/bus, paved road     50 km/h     assumption (loaded vehicles on Andean highways)
truck/bus, unpaved road   25 km/h     assumption (gravel mountain roads)
on foot, road             4 km/h      assumption (ordinary walking pace)
on foot, mountain path    3 km/h      assumption (Naismith-style slowing for climbs)
march                     27.5 km/d   assumption (25–30 km a day, ~6.9 h walking)
========================  ==========  ==============================================
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from scipy.sparse.csgraph import csgraph_from_dense, dijkstra

from uprising.errors import UserError

#: Vehicle speed by road surface, km/h (assumptions, see module docstring).
VEHICLE_KMH: dict[str, float] = {"paved": 50.0, "unpaved": 25.0}
#: Walking speed by kind of way, km/h (assumptions).
FOOT_KMH: dict[str, float] = {"road": 4.0, "path": 3.0}
#: Distance a march covers in a day on roads, km (assumption: 25–30 km/day).
MARCH_KM_PER_DAY = 27.5
#: Hours of walking in a marching day, implied by the two figures above.
MARCH_HOURS_PER_DAY = MARCH_KM_PER_DAY / FOOT_KMH["road"]
#: Citizens per cell, Epstein 2002 Table 2.
EPSTEIN_DENSITY = 0.7

PLACES_FILE = "places.csv"
ROADS_FILE = "roads.csv"
PATHS_FILE = "paths.csv"


def _text(folder: str | Path, name: str) -> str:
    path = Path(folder) / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(str(path), None, "no such file; an episode folder needs places.csv and roads.csv "
                        "(docs/episodes.md)") from None
    except UnicodeDecodeError as e:
        raise UserError(str(path), None, f"not UTF-8 text (bad byte at offset {e.start})") from None


def _rows(folder: str | Path, name: str, required: tuple[str, ...] = ()) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_text(folder, name))))
    if rows:
        missing = [c for c in required if c not in rows[0]]
        if missing:
            raise UserError(str(Path(folder) / name), missing[0], f"missing column; needed: {', '.join(required)}")
    return rows


def has_file(folder: str | Path, name: str) -> bool:
    return (Path(folder) / name).is_file()


def _key(name: str) -> str:
    """Lookup key: case-, accent- and spacing-insensitive."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------- places


@dataclass(frozen=True, eq=False)
class Places:
    """The places of the model, one row each (arrays are read-only).

    ``population`` is people at the 2001 census; ``basis`` says what the figure counts
    (town, municipality, province, aggregate, or none for a facility).
    """

    name: np.ndarray  # str
    lat: np.ndarray  # float64, degrees
    lon: np.ndarray  # float64, degrees
    population: np.ndarray  # int64, people (2001)
    department: np.ndarray  # str
    basis: np.ndarray  # str
    tags: tuple[frozenset[str], ...]
    aliases: tuple[tuple[str, ...], ...]
    _lookup: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, int] = {}
        for i, (n, al) in enumerate(zip(self.name, self.aliases)):
            for k in (n, *al):
                kk = _key(k)
                if kk in lookup and lookup[kk] != i:
                    raise ValueError(f"place name or alias '{k}' is ambiguous")
                lookup[kk] = i
        object.__setattr__(self, "_lookup", lookup)

    def __len__(self) -> int:
        return len(self.name)

    @property
    def total_population(self) -> int:
        return int(self.population.sum())

    def index(self, name: str, *, file: str | None = None, key: str | None = "place") -> int:
        """Index of a place by name or alias (case and accents ignored).

        An unknown name raises :class:`UserError` naming ``file`` and ``key`` (where the user
        wrote it) with the nearest known name.
        """
        i = self._lookup.get(_key(name))
        if i is not None:
            return i
        keys = list(self._lookup)
        best = difflib.get_close_matches(_key(name), keys, n=1, cutoff=0.0)
        suggestion = str(self.name[self._lookup[best[0]]]) if best else str(self.name[0])
        raise UserError(file, key, f"unknown place '{name}'; did you mean '{suggestion}'?")

    def indices(self, names, *, file: str | None = None, key: str | None = "place") -> np.ndarray:
        return np.array([self.index(n, file=file, key=key) for n in names], dtype=np.int64)

    def has_tag(self, tag: str) -> np.ndarray:
        """Boolean mask of the places carrying ``tag`` (e.g. ``fuel_source``, ``mine``)."""
        return np.array([tag in t for t in self.tags], dtype=bool)


PLACE_COLUMNS = ("name", "lat", "lon", "population", "tags")
ROAD_COLUMNS = ("from", "to", "km", "paved_km", "surface")
PATH_COLUMNS = ("from", "to", "km")


MAX_PEOPLE = 10**10  # more people than the world has: a whole-number column is at most this


def _number(folder, name: str, row: int, column: str, text: str, kind=float):
    label = str(Path(folder) / name)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UserError(label, column, f"row {row}: {text!r} is not a number", line=row + 1) from None
    if kind is not int:
        return value
    try:
        return int(text)
    except ValueError:  # 4e5, 1e12, 56.5: a number, written as a decimal
        pass
    if not value.is_integer():
        raise UserError(label, column, f"row {row}: {text!r} is not a whole number", line=row + 1)
    if abs(value) > MAX_PEOPLE:
        raise UserError(label, column, f"row {row}: {text} is out of range; allowed: a whole number up to "
                        f"{MAX_PEOPLE:,}", line=row + 1)
    return int(value)


@lru_cache(maxsize=16)
def _load_places(folder: str) -> Places:
    rows = _rows(folder, PLACES_FILE, PLACE_COLUMNS)
    if not rows:
        raise UserError(str(Path(folder) / PLACES_FILE), None, "no places; at least one row is needed")

    def split(s: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in s.split(";") if x.strip())

    def num(i, col, kind=float):
        return _number(folder, PLACES_FILE, i + 1, col, rows[i][col], kind)

    seen: dict[str, int] = {}  # a name or alias, as places are looked up -> its line
    for i, r in enumerate(rows):
        for column, names in (("name", [r["name"] or ""]), ("aliases", split(r.get("aliases") or ""))):
            for n in names:
                first = seen.setdefault(_key(n), i + 2)
                if first != i + 2:
                    raise UserError(str(Path(folder) / PLACES_FILE), column,
                                    f"place name or alias '{n}' is already used on line {first}; each must "
                                    "name one place", line=i + 2)
    pops = [num(i, "population", int) for i in range(len(rows))]
    for i, v in enumerate(pops):
        if v < 0:
            raise UserError(str(Path(folder) / PLACES_FILE), "population", f"row {i + 1}: {v} is negative", line=i + 2)
    try:
        return Places(
            name=_frozen(np.array([r["name"] for r in rows], dtype=str)),
            lat=_frozen(np.array([num(i, "lat") for i in range(len(rows))])),
            lon=_frozen(np.array([num(i, "lon") for i in range(len(rows))])),
            population=_frozen(np.array(pops, dtype=np.int64)),
            department=_frozen(np.array([r.get("department") or "" for r in rows], dtype=str)),
            basis=_frozen(np.array([r.get("population_basis") or "" for r in rows], dtype=str)),
            tags=tuple(frozenset(split(r["tags"] or "")) for r in rows),
            aliases=tuple(split(r.get("aliases") or "") for r in rows),
        )
    except ValueError as e:
        raise UserError(str(Path(folder) / PLACES_FILE), "name", str(e)) from None


def load_places(folder: str | Path) -> Places:
    """The places of the episode in ``folder`` (its ``places.csv``)."""
    return _load_places(str(Path(folder).resolve()))


def load_departments(folder: str | Path) -> dict[str, int]:
    """Department (province, state) populations, where the folder has ``departments.csv``."""
    if not has_file(folder, "departments.csv"):
        return {}
    return {r["department"]: int(r["population"]) for r in _rows(folder, "departments.csv")}


# ---------------------------------------------------------------------------------------- roads


@dataclass(frozen=True, eq=False)
class Roads:
    """Undirected edges between places: roads (blockable) and mountain paths (not blockable).

    ``hours`` is the time by truck or bus (``inf`` on a path: vehicles cannot use it);
    ``foot_hours`` the time on foot; ``march_days`` the days a march needs.
    """

    place_names: tuple[str, ...]
    src: np.ndarray  # int32, place index
    dst: np.ndarray  # int32, place index
    km: np.ndarray  # float64
    paved_km: np.ndarray  # float64 (0 on paths)
    mode: np.ndarray  # str: paved | unpaved | mixed | path
    blockable: np.ndarray  # bool: False exactly for paths
    hours: np.ndarray  # float64, by vehicle
    foot_hours: np.ndarray  # float64
    route: np.ndarray  # str
    basis: np.ndarray  # str: sourced | approximate | derived | aggregate | assumption | record

    def __len__(self) -> int:
        return len(self.src)

    @property
    def n_places(self) -> int:
        return len(self.place_names)

    @property
    def is_path(self) -> np.ndarray:
        return self.mode == "path"

    @property
    def march_days(self) -> np.ndarray:
        return self.foot_hours / MARCH_HOURS_PER_DAY

    def edges_between(self, a: int, b: int) -> np.ndarray:
        """Indices of the edges joining places ``a`` and ``b`` (either direction)."""
        hit = ((self.src == a) & (self.dst == b)) | ((self.src == b) & (self.dst == a))
        return np.flatnonzero(hit)

    def travel_times(
        self, blocked: np.ndarray | None = None, *, by: str = "vehicle", sources=None
    ) -> np.ndarray:
        """Shortest travel hours between places, ``inf`` where no open way exists.

        ``blocked`` is a boolean mask over edges; it is ignored on edges that are not
        blockable (paths). ``by="vehicle"`` uses roads only at vehicle speed; ``by="foot"``
        uses roads and paths at walking speed. ``sources`` (indices) limits the rows; the
        result is ``[len(sources), n_places]`` (or ``[n_places, n_places]``).
        """
        if by == "vehicle":
            weight, usable = self.hours, ~self.is_path
        elif by == "foot":
            weight, usable = self.foot_hours, np.ones(len(self), dtype=bool)
        else:
            raise ValueError(f"by must be 'vehicle' or 'foot', not {by!r}")
        if blocked is not None:
            blocked = np.asarray(blocked, dtype=bool)
            if blocked.shape != (len(self),):
                raise ValueError(f"blocked mask has shape {blocked.shape}, expected ({len(self)},)")
            usable = usable & ~(blocked & self.blockable)
        n = self.n_places
        w = np.full((n, n), np.inf)
        e = np.flatnonzero(usable)
        np.minimum.at(w, (self.src[e], self.dst[e]), weight[e])
        np.minimum.at(w, (self.dst[e], self.src[e]), weight[e])
        graph = csgraph_from_dense(w, null_value=np.inf)
        if sources is None:
            return dijkstra(graph, directed=False)
        return dijkstra(graph, directed=False, indices=np.asarray(sources, dtype=np.int64))


def _vehicle_hours(km: float, paved_km: float) -> float:
    return paved_km / VEHICLE_KMH["paved"] + (km - paved_km) / VEHICLE_KMH["unpaved"]


def load_roads(folder: str | Path, places: Places | None = None, *, paths: bool = True) -> Roads:
    """Roads (``roads.csv``) and, unless ``paths=False``, mountain paths (the optional ``paths.csv``)."""
    places = places if places is not None else load_places(folder)
    src, dst, km, paved, mode, block, hours, foot, route, basis = ([] for _ in range(10))
    roads_file = str(Path(folder) / ROADS_FILE)
    for i, r in enumerate(_rows(folder, ROADS_FILE, ROAD_COLUMNS), 1):
        k = _number(folder, ROADS_FILE, i, "km", r["km"])
        p = _number(folder, ROADS_FILE, i, "paved_km", r["paved_km"])
        if not 0.0 <= p <= k:
            raise UserError(roads_file, "paved_km", f"row {i} ({r['from']} - {r['to']}): {p:g} is outside 0..km ({k:g})",
                            line=i + 1)
        src.append(places.index(r["from"], file=f"{roads_file}:{i + 1}", key="from"))
        dst.append(places.index(r["to"], file=f"{roads_file}:{i + 1}", key="to"))
        km.append(k), paved.append(p), mode.append(r["surface"]), block.append(True)
        hours.append(_vehicle_hours(k, p)), foot.append(k / FOOT_KMH["road"])
        route.append(r.get("route") or ""), basis.append(r.get("basis") or "")
    if paths and has_file(folder, PATHS_FILE):
        paths_file = str(Path(folder) / PATHS_FILE)
        for i, r in enumerate(_rows(folder, PATHS_FILE, PATH_COLUMNS), 1):
            k = _number(folder, PATHS_FILE, i, "km", r["km"])
            src.append(places.index(r["from"], file=f"{paths_file}:{i + 1}", key="from"))
            dst.append(places.index(r["to"], file=f"{paths_file}:{i + 1}", key="to"))
            km.append(k), paved.append(0.0), mode.append("path"), block.append(False)
            hours.append(math.inf), foot.append(k / FOOT_KMH["path"])
            route.append("mountain path"), basis.append(r.get("basis") or "")
    return Roads(
        place_names=tuple(str(n) for n in places.name),
        src=_frozen(np.array(src, dtype=np.int32)),
        dst=_frozen(np.array(dst, dtype=np.int32)),
        km=_frozen(np.array(km)),
        paved_km=_frozen(np.array(paved)),
        mode=_frozen(np.array(mode, dtype=str)),
        blockable=_frozen(np.array(block, dtype=bool)),
        hours=_frozen(np.array(hours)),
        foot_hours=_frozen(np.array(foot)),
        route=_frozen(np.array(route, dtype=str)),
        basis=_frozen(np.array(basis, dtype=str)),
    )


# --------------------------------------------------------------------------------------- record


def load_record(folder: str | Path) -> pl.DataFrame:
    """The dated events of the episode (``record_events.csv``), one row per event; empty if none.

    ``date`` is a polars Date; ``deaths_low``/``deaths_high``/``injuries_low``/``injuries_high``
    are nullable integers (null: not reported, or open-ended for ``_high``); the strings as
    reported are kept in ``deaths_reported``/``injuries_reported``.
    """
    ints = ["deaths_low", "deaths_high", "injuries_low", "injuries_high"]
    if not has_file(folder, "record_events.csv"):
        return pl.DataFrame(schema={"date": pl.Date, "phase": pl.Utf8, "model_place": pl.Utf8, "place": pl.Utf8,
                                    "event_type": pl.Utf8, "summary": pl.Utf8, "source": pl.Utf8,
                                    **{c: pl.Int64 for c in ints}})
    df = pl.read_csv(io.StringIO(_text(folder, "record_events.csv")), infer_schema=False)
    return df.with_columns(
        pl.col("date").str.to_date("%Y-%m-%d"),
        (pl.col("precursor") == "true").alias("precursor"),
        *[pl.col(c).cast(pl.Int64, strict=True) for c in ints],
        pl.col("model_place").fill_null(""),
        pl.col("deaths_reported").fill_null(""),
        pl.col("injuries_reported").fill_null(""),
    )


def record_deaths_by_date(folder: str | Path) -> pl.DataFrame:
    """The record's deaths per date (``date``, ``deaths``): each dated row's midpoint of its low and
    high count (one of them where only one is given), summed by date, in date order."""
    rec = load_record(folder)
    dead = rec.filter(pl.col("deaths_low").is_not_null() | pl.col("deaths_high").is_not_null()).with_columns(
        mid=(pl.col("deaths_low").fill_null(pl.col("deaths_high")) + pl.col("deaths_high").fill_null(pl.col("deaths_low"))) / 2
    )
    return dead.group_by("date").agg(deaths=pl.col("mid").sum()).sort("date")


def load_facts(folder: str | Path) -> pl.DataFrame:
    """The record's figures (``record_facts.csv``): key, value, low, high, unit, note, source."""
    df = pl.read_csv(io.StringIO(_text(folder, "record_facts.csv")), infer_schema=False)
    return df.with_columns(
        pl.col("low").cast(pl.Float64), pl.col("high").cast(pl.Float64), pl.col("value").fill_null("")
    )


# -------------------------------------------------------------------------------------- outline


def load_outline(folder: str | Path) -> list[list[tuple[float, float]]]:
    """The country's outline (the folder's optional ``outline.geojson``) as rings of (lon, lat)."""
    if not has_file(folder, "outline.geojson"):
        return []
    data = json.loads(_text(folder, "outline.geojson"))
    rings: list[list[tuple[float, float]]] = []
    for feature in data["features"]:
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                rings.append([(float(x), float(y)) for x, y in ring])
    return rings


# ----------------------------------------------------------------------------------------- grid


def grid_shape(
    population: int, scale: float = 1.0, density: float = EPSTEIN_DENSITY, min_side: int = 1
) -> tuple[int, int]:
    """(height, width) of a place's grid: one agent per person × ``scale`` at ``density``.

    agents = round(population × scale); cells = ceil(agents / density); the grid is the most
    nearly square rectangle with at least that many cells: height = ceil(sqrt(cells)),
    width = ceil(cells / height); each side at least ``min_side``. E.g. a town of 793,293 at
    scale 0.01 and density 0.7: 7,933 agents, 11,333 cells → 107 × 106.
    """
    if not scale > 0:
        raise ValueError(f"scale must be > 0, not {scale}")
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], not {density}")
    agents = max(0, round(population * scale))
    cells = math.ceil(agents / density)
    height = max(min_side, math.isqrt(cells - 1) + 1 if cells > 0 else 0)
    width = max(min_side, math.ceil(cells / height) if cells > 0 else 0)
    return height, width


def grid_shapes(
    places: Places, scale: float = 1.0, density: float = EPSTEIN_DENSITY, min_side: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Heights and widths (int64 arrays) of every place's grid, by :func:`grid_shape`."""
    shapes = [grid_shape(int(p), scale, density, min_side) for p in places.population]
    return np.array([s[0] for s in shapes], dtype=np.int64), np.array([s[1] for s in shapes], dtype=np.int64)


EARTH_KM = 6371.0088  # mean Earth radius (IUGG)


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance, km (numpy-broadcast): ``record import`` matches events to places by it,
    ``new episode`` lays its roads by it."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))
