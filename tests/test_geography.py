"""The shipped Bolivia episode's data and their loader (uprising.world.geography)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from importlib import resources

import numpy as np
import pytest

from uprising.errors import UserError
from uprising.world import geography as geo

BOLIVIA_2001 = 8_274_325  # INE, 2001 census
FOLDER = resources.files("uprising").joinpath("episodes", "bolivia-2003")


def rows(name: str) -> list[dict[str, str]]:
    text = FOLDER.joinpath(name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def places():
    return geo.load_places(FOLDER)


@pytest.fixture(scope="module")
def roads(places):
    return geo.load_roads(FOLDER, places)


# ---------------------------------------------------------------------------------------- places


def test_total_population_is_bolivia_2001_exactly(places):
    assert places.total_population == BOLIVIA_2001


def test_places_add_up_to_each_department(places):
    departments = geo.load_departments(FOLDER)
    assert sum(departments.values()) == BOLIVIA_2001
    for dep, total in departments.items():
        assert places.population[places.department == dep].sum() == total, dep
    assert set(places.department) == set(departments)


def test_required_places_exist(places):
    for name in [
        "La Paz", "El Alto", "Senkata", "Achacachi", "Warisata", "Sorata", "Huarina",
        "Patacamaya", "Caracollo", "Oruro", "Huanuni", "Cochabamba", "Chapare", "Coroico",
        "Caranavi", "Potosí", "Sucre", "Santa Cruz",
    ]:
        places.index(name)


def test_population_basis_and_values_are_sane(places):
    assert set(places.basis) <= {"town", "municipality", "province", "aggregate", "none"}
    assert (places.population >= 0).all()
    # only facility nodes may be empty, and they say so
    empty = places.population == 0
    assert all(places.basis[empty] == "none")
    assert places.has_tag("facility")[empty].all()
    # the fuel depot is a node
    assert places.name[places.has_tag("fuel_source")].tolist() == ["Senkata"]


def test_coordinates_inside_bolivia_box(places):
    assert ((places.lat > -23.0) & (places.lat < -9.5)).all()
    assert ((places.lon > -70.0) & (places.lon < -57.0)).all()


def test_lookup_ignores_case_accents_and_knows_aliases(places):
    assert places.index("potosi") == places.index("Potosí")
    assert places.index("Santa Cruz de la Sierra") == places.index("Santa Cruz")
    assert places.index("Villa Tunari") == places.index("Chapare")
    assert places.index("Ventilla") == places.index("Senkata")


def test_unknown_place_is_a_user_error_with_a_suggestion(places):
    with pytest.raises(UserError) as err:
        places.index("Warisatta", file="bolivia.toml", key="events[3].place")
    assert str(err.value) == (
        "bolivia.toml: events[3].place: unknown place 'Warisatta'; did you mean 'Warisata'?"
    )
    with pytest.raises(UserError, match="did you mean 'Cochabamba'"):
        places.index("Cochabama")


def test_arrays_are_read_only(places):
    with pytest.raises(ValueError):
        places.population[0] = 1


# ----------------------------------------------------------------------------------------- roads


def test_every_road_and_path_endpoint_is_a_place(places):
    for name in ("roads.csv", "paths.csv"):
        for r in rows(name):
            places.index(r["from"])
            places.index(r["to"])


def test_graph_is_connected(roads):
    by_vehicle = roads.travel_times(by="vehicle")
    assert np.isfinite(by_vehicle).all()
    assert np.isfinite(roads.travel_times(by="foot")).all()


def test_travel_times_positive_and_symmetric(roads):
    for by in ("vehicle", "foot"):
        t = roads.travel_times(by=by)
        off = ~np.eye(len(t), dtype=bool)
        assert (t[off] > 0).all()
        np.testing.assert_allclose(t, t.T)
        assert (np.diag(t) == 0).all()
    assert (roads.hours[~roads.is_path] > 0).all()
    assert (roads.foot_hours > 0).all()


def test_vehicle_hours_follow_the_speeds(places, roads):
    e = roads.edges_between(places.index("La Paz"), places.index("Coroico"))
    e = e[~roads.is_path[e]][0]
    assert roads.hours[e] == pytest.approx(52 / 50 + 35 / 25)
    assert roads.march_days[e] == pytest.approx(87 / geo.MARCH_KM_PER_DAY)


def test_paths_are_not_blockable_and_roads_are(roads):
    assert (~roads.blockable == roads.is_path).all()
    assert roads.is_path.any()
    assert np.isinf(roads.hours[roads.is_path]).all()


def test_blocking_every_road_leaves_the_paths_open(places, roads):
    everything = np.ones(len(roads), dtype=bool)
    walk = roads.travel_times(everything, by="foot")
    drive = roads.travel_times(everything, by="vehicle")
    lp, ach, cor = places.index("La Paz"), places.index("Achacachi"), places.index("Coroico")
    assert np.isfinite(walk[ach, lp]) and np.isfinite(walk[cor, lp])
    assert np.isinf(drive[ach, lp])
    # the path is slower than the open road on foot
    assert walk[ach, lp] > roads.travel_times(by="foot")[ach, lp]


def test_blocking_el_alto_cuts_la_paz_from_senkata_fuel(places, roads):
    lp, ea, sk = places.index("La Paz"), places.index("El Alto"), places.index("Senkata")
    blocked = np.zeros(len(roads), dtype=bool)
    blocked[roads.edges_between(ea, sk)] = True
    t = roads.travel_times(blocked, by="vehicle", sources=[sk])
    assert np.isinf(t[0, lp])
    # the blockade is the only thing in the way
    assert np.isfinite(roads.travel_times(by="vehicle", sources=[sk])[0, lp])


def test_blocked_mask_of_wrong_length_is_refused(roads):
    with pytest.raises(ValueError):
        roads.travel_times(np.zeros(len(roads) + 1, dtype=bool))


# ---------------------------------------------------------------------------------------- record


def test_record_dates_in_window_except_precursors():
    rec = geo.load_record(FOLDER)
    assert rec.height == 40
    inside = rec["date"].is_between(dt.date(2003, 9, 1), dt.date(2003, 10, 31))
    assert (inside | rec["precursor"]).all()


def test_record_places_phases_and_counts(places):
    rec = geo.load_record(FOLDER)
    for p in rec["model_place"]:
        if p:
            places.index(p)
    order = geo.load_facts(FOLDER).filter(key="phase_order")["value"][0].split(";")
    assert set(rec["phase"]) <= set(order)
    # phases come in their historical order
    ranks = [order.index(p) for p in rec.sort("date")["phase"]]
    assert ranks == sorted(ranks)
    lo, hi = rec["deaths_low"], rec["deaths_high"]
    both = lo.is_not_null() & hi.is_not_null()
    assert (lo.filter(both) <= hi.filter(both)).all()
    # a reported string is kept wherever a number was normalised from it
    assert (rec.filter(lo.is_not_null())["deaths_reported"] != "").all()


def test_record_reproduces_the_daily_killing_split():
    rec = geo.load_record(FOLDER)
    facts = geo.load_facts(FOLDER)
    for day, key in [(dt.date(2003, 10, 12), "deaths_2003_10_12"), (dt.date(2003, 10, 13), "deaths_2003_10_13")]:
        f = facts.filter(key=key)
        d = rec.filter(date=day)
        assert d["deaths_low"].sum() <= int(f["value"][0]) <= d["deaths_high"].sum()


def test_facts_resignation_and_totals():
    facts = {r["key"]: r for r in geo.load_facts(FOLDER).to_dicts()}
    assert facts["resignation_date"]["value"] == "2003-10-17"
    assert (facts["deaths_total"]["low"], facts["deaths_total"]["high"]) == (58, 81)
    assert int(facts["population_2001"]["value"]) == BOLIVIA_2001


@pytest.mark.parametrize(
    "name",
    ["places.csv", "roads.csv", "paths.csv", "record_events.csv", "record_facts.csv", "departments.csv"],
)
def test_every_row_has_a_source(name):
    data = rows(name)
    assert data
    assert all(r["source"].strip() for r in data)


def test_sources_md_ships():
    text = FOLDER.joinpath("SOURCES.md").read_text("utf-8")
    assert "8,274,325" in text


# ------------------------------------------------------------------------------ outline and grid


def test_outline_is_closed_and_contains_the_places(places):
    rings = geo.load_outline(FOLDER)
    assert rings and all(len(r) >= 4 and r[0] == r[-1] for r in rings)
    lon = np.array([x for x, _ in rings[0]])
    lat = np.array([y for _, y in rings[0]])
    assert -70 < lon.min() < lon.max() < -57 and -23 < lat.min() < lat.max() < -9


@pytest.mark.parametrize(
    "population,scale,density,expected",
    [(793_293, 0.01, 0.7, (107, 106)), (0, 0.01, 0.7, (1, 1)), (1000, 1.0, 1.0, (32, 32)), (7, 1.0, 0.7, (4, 3))],
)
def test_grid_shape(population, scale, density, expected):
    assert geo.grid_shape(population, scale, density) == expected


def test_grid_holds_the_agents_at_the_density(places):
    h, w = geo.grid_shapes(places, scale=0.01)
    agents = np.round(places.population * 0.01)
    assert (h * w * 0.7 >= agents).all()
    # and is never much larger than needed (one extra row at most)
    assert ((h - 1) * w * 0.7 < np.maximum(agents, 1)).all()
    assert (np.abs(h - w) <= 1).all()


def test_grid_shape_refuses_bad_arguments():
    with pytest.raises(ValueError):
        geo.grid_shape(10, scale=0)
    with pytest.raises(ValueError):
        geo.grid_shape(10, density=1.5)
    assert math.isclose(geo.MARCH_HOURS_PER_DAY * geo.FOOT_KMH["road"], geo.MARCH_KM_PER_DAY)
