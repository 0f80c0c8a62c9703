"""The scenario sections of the world of places: ``[world]`` (with its sub-tables) and ``[[events]]``.

Every key has its meaning, default and source in its ``description`` (docs/scenarios.md is
generated from them; docs/episodes.md explains how an episode sets them). Defaults name no place
and no date: an episode's ``scenario.toml`` sets what is its own, and a list of places left empty
falls back to the places carrying a tag in ``places.csv`` (``fuel_source``, ``farm_region``,
``pipeline``, ``capital``). Sources named:

- [data] the episode folder (places, roads, record, facts);
- [record] the dated record (``record_events.csv``) and the research notes behind it;
- [E02] Epstein 2002 (Table 2);
- [calibrated] chosen so the flagship episode's ensemble meets its validation targets
  (docs/episodes.md, "Where the defaults come from", says how and with which command);
- [ours] a modelling assumption of this project.

Cross-field checks (an event outside the scenario's dates, an unknown place, group or road)
are in :func:`problems`, which the loader calls after validation, so the one-line error names the
file, the line and the key, with the nearest valid name.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ----------------------------------------------------------------------------------- sections


class Forces(Section):
    """Police and armed forces, in people (the grids hold people x scale agents)."""

    police_per_1000: float = Field(
        2.5,
        ge=0.0,
        le=100.0,
        description="Police per 1,000 residents in every place (facts: 15,000-37,000 police nationally, "
        "no 2003 figure; 2.5 per 1,000 gives about 21,000).",
    )
    police: dict[str, int] = Field(
        default_factory=dict, description="Police (people) in named places, replacing police_per_1000 there."
    )
    garrisons: dict[str, int] = Field(
        default_factory=dict,
        description="Soldiers (people) stationed in named places at the start (facts: armed forces 27,600-34,100).",
    )
    reserve: int = Field(
        6000,
        ge=0,
        description="Soldiers (people) the government can deploy anywhere (brought from eastern garrisons) [ours].",
    )
    security_vision_people: int = Field(
        0, ge=0, description="Unused; reserved."
    )


class Calls(Section):
    """Organisations' calls to strike, blockade or march (decisions on the record)."""

    threshold: float = Field(
        -0.05,
        ge=-1.0,
        le=1.0,
        description="Activation threshold T of organised members while their organisation's call is in force "
        "(E02's T is 0.1 otherwise) [calibrated].",
    )
    unorganised_threshold: float = Field(
        0.06,
        ge=-1.0,
        le=1.0,
        description="Threshold of the other citizens of a place while a call is in force there (they follow "
        "their neighbours less readily) [calibrated].",
    )


class Supply(Section):
    """Fuel and food: stocks in days of consumption, refilled from sources along open roads."""

    fuel_sources: list[str] = Field(
        default_factory=list,
        description="Places that dispatch fuel (refineries, depots). Empty: the places tagged fuel_source [data].",
    )
    food_sources: list[str] = Field(
        default_factory=list,
        description="Farm regions that send food to the towns. Empty: the places tagged farm_region [data].",
    )
    target_days: float = Field(
        4.0, gt=0.0, le=60.0, description="Stock a place keeps when supplied, in days of consumption [ours]."
    )
    refill_per_day: float = Field(
        3.0,
        gt=0.0,
        le=60.0,
        description="Days of stock a supplied place receives per day (so a stock refills within about two days) [ours].",
    )
    max_hours: float = Field(
        24.0,
        gt=0.0,
        description="A place is supplied by a source it reaches within this many hours by open roads [ours].",
    )
    fuel_hardship: float = Field(
        0.25, ge=0.0, le=1.0, description="Hardship added at full fuel shortage: H' = min(1, H + w s) [calibrated]."
    )
    food_hardship: float = Field(
        0.25, ge=0.0, le=1.0, description="Hardship added at full food shortage [calibrated]."
    )
    short_below: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="A place is 'short' while its shortage s = 1 - stock/target is at least this (half the "
        "stations dry) [ours].",
    )
    pipeline_to: list[str] = Field(
        default_factory=list,
        description="Depots fed by pipeline (never blockaded): they keep their own stock full. Empty: the places "
        "tagged pipeline [data].",
    )


class Blockade(Section):
    """Blockades: enough actives at a road's end block it; soldiers can clear it in a clash."""

    people: int = Field(
        300, ge=1, description="Blockers (people, never scaled) needed at a road's end to block it [ours]."
    )
    share: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Share of a place's actives standing at each of its road exits (towns and countryside, "
        "where communities live along the road) [ours].",
    )
    city_share: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="The same in places tagged city (most actives march and strike in the streets) [calibrated].",
    )
    exempt: list[str] = Field(
        default_factory=list,
        description="Roads that are never blocked, as 'A - B' (a counterfactual: a road kept open).",
    )
    clear_ratio: float = Field(
        0.02,
        ge=0.0,
        description="Soldiers per blocker needed to attempt clearing a road (troops with armour clear crowds "
        "many times their number) [calibrated].",
    )
    cleared_hours: float = Field(
        12.0, ge=0.0, description="A cleared road stays open this long before it can be blocked again [ours]."
    )


FORCE_LEVELS = ("arrest", "teargas", "live_fire")


class Force(Section):
    """Rules of force: the most each force may use where no state of siege says otherwise.

    A ``state_of_siege`` event sets the rule in its places until its ``until`` (docs/episodes.md).
    The level caps both the soldiers' doctrine on the grids (``repression``) and their fire in
    clashes: under ``teargas`` a clash kills at ``clashes.teargas_kill_per_soldier`` only.
    """

    soldiers: Literal["arrest", "teargas", "live_fire"] = Field(
        "live_fire", description="Most force soldiers may use outside any state of siege [ours]."
    )
    police: Literal["arrest", "teargas", "live_fire"] = Field(
        "arrest",
        description="Most force police may use (police keep Epstein's rule C, arrest; the setting is recorded, and "
        "only soldiers clash) [E02].",
    )


class Curfew(Section):
    """A curfew in a place: the street is riskier, and no march leaves or enters it."""

    threshold: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Added to every citizen's activation threshold T in a place under curfew (being out after "
        "hours risks arrest on sight) [ours].",
    )


class Actors(Section):
    """The names events.parquet gives the sides (ACLED's actor columns)."""

    state: str = Field("Military Forces", description="The armed forces (ACLED actor1 of state violence).")
    government: str = Field("Government", description="The government (decisions, resignation).")
    protesters: str = Field("Protesters", description="Peaceful protesters.")
    rioters: str = Field("Rioters", description="Crowds that clash with troops.")
    civilians: str = Field("Civilians", description="Victims of fire on crowds.")


class Clashes(Section):
    """Clashes at blockades and marches: the government's lethal doctrine, deaths counted in people.

    In a clash, each soldier (a person, not an agent) fires with probability p when the doctrine is
    live fire, so deaths ~ Binomial(soldiers in people, p) with p = kill_per_soldier x
    min(1, crowd/soldiers/fire_ratio): the expected toll does not depend on the scale.
    """

    lethal_force: bool = Field(
        True,
        description="The government authorises live fire (counterfactual: false makes clashes tear gas only and "
        "sets the soldiers' repression.p_kill to 0).",
    )
    fire_ratio: float = Field(
        3.0,
        gt=0.0,
        description="Troops open fire when the crowd facing them outnumbers them this many times (escalation) "
        "[calibrated].",
    )
    kill_per_soldier: float = Field(
        0.004,
        ge=0.0,
        le=1.0,
        description="Probability that a soldier's fire kills someone in a 6-hour clash step at live fire "
        "(one recorded clash: about 5 dead facing about 420 troops; docs/episodes.md) [calibrated].",
    )
    teargas_kill_per_soldier: float = Field(
        0.0001, ge=0.0, le=1.0, description="The same under tear gas only (asphyxia, crushes) [ours]."
    )
    arrest_share: float = Field(
        0.05, ge=0.0, le=1.0, description="Share of the blockers dispersed from the grid (turned quiet) in a clash [ours]."
    )


class Marches(Section):
    """Organised contingents travelling to a target (the capital unless a march names one) along roads or paths."""

    km_per_day: float = Field(
        60.0,
        gt=0.0,
        description="Progress of a contingent, km/day ('caravans of buses and trucks, and on foot'; one "
        "recorded column covered 220 km in 3 days; docs/episodes.md) [record].",
    )
    path_km_per_day: float = Field(
        20.6, gt=0.0, description="On mountain paths (3 km/h, 6.9 h a day) [data]."
    )
    share: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of the origin's active organised members who set out [calibrated]."
    )
    max_people: int = Field(
        3000, ge=0, description="Largest contingent (the miners' columns were 500-2,000) [record]."
    )
    intercept_ratio: float = Field(
        0.1, ge=0.0, description="Soldiers per marcher needed to stop a contingent at a checkpoint [ours]."
    )
    scatter: float = Field(
        0.6, ge=0.0, le=1.0,
        description="Share of an intercepted contingent that scatters home; the rest go on by mountain paths "
        "where there are any [record: docs/episodes.md].",
    )


class Government(Section):
    """The government's doctrine: where it sends troops, and when."""

    convoy_soldiers: int = Field(
        1500,
        ge=0,
        description="Soldiers and police sent to escort fuel to the capital once a convoys decision is in force "
        "[ours].",
    )
    convoy_shortage: float = Field(
        0.3, ge=0.0, le=1.0, description="Fuel shortage at the convoy's destination at which an authorised convoy is sent [ours]."
    )
    checkpoint_soldiers: int = Field(
        300,
        ge=0,
        description="Soldiers posted at each checkpoint once contingents march on the capital [ours].",
    )
    checkpoints: list[str] = Field(
        default_factory=list,
        description="Junctions on the roads to the capital where troops stop contingents (empty: none) [record].",
    )
    withdraw_after_days: float = Field(
        3.0, ge=0.0, description="Deployed troops return to the reserve after this many days without a clash [ours]."
    )


class Information(Section):
    """Radio carries news of killings between places (it feeds backfire)."""

    reach_city: float = Field(
        0.8, ge=0.0, le=1.0,
        description="Share of a city's people who hear national news by radio (places tagged city) [ours].",
    )
    reach_rural: float = Field(
        0.6, ge=0.0, le=1.0, description="The same elsewhere (community radio in Aymara, e.g. Radio San Gabriel) [ours]."
    )
    reach: dict[str, float] = Field(default_factory=dict, description="Reach of named places, replacing the above.")
    attack_reach: float = Field(
        0.3, ge=0.0, le=1.0, description="Reach left to a place after its stations are attacked [ours]."
    )


class Regime(Section):
    """Elite support and the resignation rule."""

    elite_support: float = Field(
        1.0, ge=0.0, le=10.0, description="Elite support at the start (the regime falls when it reaches 0) [ours]."
    )
    routes: list[Literal["elite", "paralysis", "defection"]] = Field(
        default_factory=lambda: ["elite", "paralysis", "defection"],
        description="The ways the government can fall: elite support gone (allies and coalition partners leave), "
        "the capital paralysed for paralysis_days, the security forces defecting [ours].",
    )
    elite_per_death: float = Field(
        0.008, ge=0.0, description="Elite support lost per death (people) [calibrated]."
    )
    elite_per_paralysed_day: float = Field(
        0.12, ge=0.0, description="Elite support lost per day the capital is paralysed [calibrated]."
    )
    elite_per_short_day: float = Field(
        0.03, ge=0.0, description="Elite support lost per day the capital is short of fuel [calibrated]."
    )
    paralysis_days: float = Field(
        5.0, gt=0.0, description="Resign after the capital has been paralysed this many days in a row [calibrated]."
    )
    paralysis_ratio: float = Field(
        1.0, gt=0.0, description="The capital is paralysed while its actives exceed this many times its security forces (issue #4)."
    )
    defection_share: float = Field(
        0.3, ge=0.0, le=1.0, description="Resign when this share of the security forces is neutral (mechanisms) [ours]."
    )
    successor_legitimacy: float = Field(
        0.08, ge=0.0, le=1.0, description="Legitimacy gained by every citizen when a successor takes office [ours]."
    )
    capital: str = Field("", description="The seat of government (empty: the first place tagged capital).")


class WorldConfig(Section):
    """The world of places (scenario.model = 'places'): an episode folder's places, roads and people."""

    folder: str = Field(
        "",
        description="The episode folder with places.csv, roads.csv and record.toml (relative to the file that "
        "says so; empty: the folder of the scenario.toml, or of the episode it extends).",
    )
    start: dt.date = Field(..., description="First day of the run (00:00).")
    end: dt.date = Field(..., description="Last day of the run (until 24:00).")
    hours_per_step: int = Field(6, ge=1, le=24, description="Hours per step (issue #4: 6).")
    scale: float = Field(
        0.002,
        gt=0.0,
        le=1.0,
        description="Agents per person: 1 is one agent per person, 0.01 one per hundred. Reported figures are "
        "always people.",
    )
    citizen_density: float = Field(0.7, gt=0.0, le=1.0, description="Citizens per cell [E02].")
    places: list[str] = Field(
        default_factory=list,
        description="Places to simulate (empty: all of places.csv). Roads between them are kept.",
    )
    protest_people: int = Field(
        2000, ge=1, description="Actives (people) in a place that make a 'Protests' event [ours]."
    )
    forces: Forces = Field(default_factory=Forces)
    calls: Calls = Field(default_factory=Calls)
    supply: Supply = Field(default_factory=Supply)
    blockade: Blockade = Field(default_factory=Blockade)
    clashes: Clashes = Field(default_factory=Clashes)
    marches: Marches = Field(default_factory=Marches)
    government: Government = Field(default_factory=Government)
    information: Information = Field(default_factory=Information)
    regime: Regime = Field(default_factory=Regime)
    force: Force = Field(default_factory=Force)
    curfew: Curfew = Field(default_factory=Curfew)
    actors: Actors = Field(default_factory=Actors)

    @model_validator(mode="after")
    def _dates(self) -> "WorldConfig":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if 24 % self.hours_per_step:
            raise ValueError(f"hours_per_step must divide 24, got {self.hours_per_step}")
        return self

    @property
    def steps_per_day(self) -> int:
        return 24 // self.hours_per_step

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def total_steps(self) -> int:
        return self.days * self.steps_per_day


EVENT_KINDS = (
    "announcement", "hardship", "call", "march", "deploy", "state_of_siege", "curfew", "convoys", "concession",
    "censorship",
)


class Event(Section):
    """A dated decision. Never a killing, a toll, a defection or a resignation: those are outcomes.

    kinds (docs/episodes.md has an example of each):

    - ``announcement``: a policy that costs legitimacy, shock ``size`` in ``places`` (or everywhere);
    - ``hardship``: a price rise or a bank freeze, ``size`` added to H of ``groups`` (all if empty) in
      ``places`` until ``until``;
    - ``call``: organisations call their ``groups`` in ``places`` to strike or blockade until ``until``;
    - ``march``: organisations call their ``groups`` in ``places`` to march on ``target``;
    - ``deploy``: ``soldiers``/``police`` (people) sent to ``places``; ``mission`` garrison or clear;
    - ``state_of_siege``: the rule of ``force`` (arrest, teargas, live_fire) for soldiers in ``places``
      until ``until``;
    - ``curfew``: movement stops in ``places`` until ``until`` (no march leaves or arrives; the street's
      risk raises T by ``world.curfew.threshold``);
    - ``convoys``: escorted convoys authorised from ``depot`` to ``target`` whenever the target runs short
      of fuel, with the rule of ``force`` along their route;
    - ``concession``: size ``size``, discounted by deaths so far; with ``withdraws`` it also ends the
      hardship shocks in force (a price rise repealed);
    - ``censorship``: attacks on the media in ``places``: their radio reach falls to ``world.information.attack_reach``.
    """

    date: dt.date = Field(..., description="Day the decision takes effect (00:00).")
    kind: Literal[
        "announcement", "hardship", "call", "march", "deploy", "state_of_siege", "curfew", "convoys", "concession",
        "censorship",
    ] = Field(..., description="What was decided.")
    name: str = Field("", description="Short label (shown in events.parquet).")
    places: list[str] = Field(default_factory=list, description="Where (empty: everywhere).")
    groups: list[str] = Field(default_factory=list, description="call/march: which groups' organisations call; "
                              "hardship: who bears it (empty: everyone).")
    until: dt.date | None = Field(None, description="Last day in force (default: until the end).")
    size: float = Field(0.0, ge=-1.0, le=1.0, description="announcement: legitimacy shock; hardship: H added; "
                        "concession: its size.")
    soldiers: int = Field(0, ge=0, description="deploy: soldiers sent (people).")
    police: int = Field(0, ge=0, description="deploy: police sent (people).")
    mission: Literal["garrison", "clear"] = Field("garrison", description="deploy: hold the place, or clear its roads.")
    days: float = Field(1.0, gt=0.0, description="deploy with mission 'clear': how long the mission lasts, days.")
    force: Literal["", "arrest", "teargas", "live_fire"] = Field(
        "", description="state_of_siege and convoys: the most force soldiers may use there.")
    depot: str = Field("", description="convoys: the depot the convoys leave from (default: the first pipeline "
                       "depot, else the first fuel source).")
    target: str = Field("", description="march and convoys: destination (default: the capital).")
    actor: str = Field("", description="Who decided (actor1 in events.parquet).")
    source: str = Field("", description="Where the record says so.")
    withdraws: bool = Field(
        False, description="concession: it also withdraws every hardship shock in force (a price rise repealed).")
    exogenous: bool = Field(
        False, description="Kept when scenario.decisions = 'actors': a triggering policy, an outside shock, or a "
        "decision pinned by the user; the actors take every other.")

    @model_validator(mode="after")
    def _kind_fields(self) -> "Event":
        if self.kind in ("call", "march") and not self.groups:
            raise ValueError(f"a {self.kind} needs groups = [...] (the organisations that call)")
        if self.kind == "deploy" and self.soldiers + self.police == 0:
            raise ValueError("a deploy needs soldiers or police")
        if self.kind == "state_of_siege" and not self.force:
            raise ValueError("a state_of_siege needs force = 'arrest' | 'teargas' | 'live_fire'")
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until ({self.until}) is before date ({self.date})")
        return self


# ------------------------------------------------------------------------------ cross checks


def _near(name: str, options) -> str:
    options = list(options)
    best = difflib.get_close_matches(name, options, n=1, cutoff=0.0)
    return best[0] if best else (options[0] if options else "")


def road_key(text: str) -> tuple[str, str]:
    """'Town A - Town B' / 'Town A–Town B' -> ('Town A', 'Town B')."""
    for sep in (" - ", "–", "—", " to ", "-"):
        if sep in text:
            a, b = text.split(sep, 1)
            return a.strip(), b.strip()
    return text.strip(), ""


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
