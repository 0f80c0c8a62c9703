"""Checks across the fields of a world's scenario: dates inside the run, every place, group, road
and organisation named in the episode's files. :func:`problems` returns (location, message)
pairs; the loader turns the first into a one-line error naming the file, the line and the key."""

from __future__ import annotations

import difflib

from uprising.world.config import WorldConfig, road_key


def _near(name: str, options) -> str:
    options = list(options)
    best = difflib.get_close_matches(name, options, n=1, cutoff=0.0)
    return best[0] if best else (options[0] if options else "")


def problems(scenario) -> list[tuple[tuple, str]]:
    """Problems no single field can see: (location, message), first one reported by the loader."""
    out: list[tuple[tuple, str]] = []
    w: WorldConfig | None = scenario.world
    if scenario.scenario.model != "places":
        if w is not None:
            out.append((("world",), "a [world] table needs scenario.model = 'places'"))
        if scenario.events:
            out.append((("events",), "events belong to the world of places; set scenario.model = 'places'"))
        return out
    if w is None:
        return [(("world",), "the world of places needs a [world] table")]
    from uprising.errors import UserError
    from uprising.world import geography as geo

    places = geo.load_places(w.folder)

    def place_ok(name: str, loc: tuple) -> None:
        try:
            places.index(name)
        except UserError as e:
            out.append((loc, e.message))

    for i, name in enumerate(w.places):
        place_ok(name, ("world", "places", i))
    if scenario.scenario.steps > w.total_steps:
        out.append(
            (("scenario", "steps"),
             f"{scenario.scenario.steps} steps run past world.end ({w.end}); at most {w.total_steps}")
        )
    group_names = [g.name for g in scenario.groups]
    for gi, g in enumerate(scenario.groups):
        for j, name in enumerate(g.place_shares):
            place_ok(name, ("groups", gi, "place_shares", name))
    for key in ("fuel_sources", "food_sources", "pipeline_to"):
        for j, name in enumerate(getattr(w.supply, key)):
            place_ok(name, ("world", "supply", key, j))
    for j, name in enumerate(w.government.checkpoints):
        place_ok(name, ("world", "government", "checkpoints", j))
    if w.regime.capital:
        place_ok(w.regime.capital, ("world", "regime", "capital"))
    elif not any("capital" in t for t in places.tags):
        out.append((("world", "regime", "capital"), "no place is tagged capital in places.csv; name one here"))
    for name in w.information.reach:
        place_ok(name, ("world", "information", "reach", name))
    for key in ("police", "garrisons"):
        for name in getattr(w.forces, key):
            place_ok(name, ("world", "forces", key, name))
    if w.blockade.exempt:
        roads = geo.load_roads(w.folder, places)
        names = [f"{roads.place_names[a]} - {roads.place_names[b]}" for a, b in zip(roads.src, roads.dst)]
        for j, text in enumerate(w.blockade.exempt):
            a, b = road_key(text)
            loc = ("world", "blockade", "exempt", j)
            try:
                ia, ib = places.index(a), places.index(b) if b else -1
            except UserError:
                out.append((loc, f"unknown road '{text}'; did you mean '{_near(text, names)}'?"))
                continue
            if ib < 0 or len(roads.edges_between(ia, ib)) == 0:
                out.append((loc, f"unknown road '{text}'; did you mean '{_near(text, names)}'?"))
    for i, ev in enumerate(scenario.events):
        if not (w.start <= ev.date <= w.end):
            out.append(((("events", i, "date")), f"{ev.date} is outside the scenario's dates ({w.start} to {w.end})"))
        if ev.until is not None and ev.until > w.end:
            out.append(((("events", i, "until")), f"{ev.until} is after world.end ({w.end})"))
        for j, name in enumerate(ev.places):
            place_ok(name, ("events", i, "places", j))
        for j, g in enumerate(ev.groups):
            if g not in group_names:
                out.append((("events", i, "groups", j), f"unknown group '{g}'; did you mean '{_near(g, group_names)}'?"))
        for key in ("target", "depot"):
            if getattr(ev, key):
                place_ok(getattr(ev, key), ("events", i, key))
    org_names = [o.name for o in scenario.organisations]
    for i, org in enumerate(scenario.organisations):
        for j, g in enumerate(org.groups):
            if g not in group_names:
                out.append((("organisations", i, "groups", j), f"unknown group '{g}'; did you mean '{_near(g, group_names)}'?"))
        for j, name in enumerate(org.places):
            place_ok(name, ("organisations", i, "places", j))
        for j, name in enumerate(org.allies):
            if name not in org_names:
                out.append((("organisations", i, "allies", j),
                            f"unknown organisation '{name}'; did you mean '{_near(name, org_names)}'?"))
        if org.target:
            place_ok(org.target, ("organisations", i, "target"))
    if scenario.government.depot:
        place_ok(scenario.government.depot, ("government", "depot"))
    for j, name in enumerate(scenario.government.no_missions_in):
        place_ok(name, ("government", "no_missions_in", j))
    return out
