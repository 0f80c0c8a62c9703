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

The decisions (``[[events]]``) are in ``world/events_config.py``; the checks across fields (an
event outside the scenario's dates, an unknown place, group or road) in ``world/problems.py``,
which the loader calls after validation, so the one-line error names the file, the line and the
key, with the nearest valid name.
"""

from __future__ import annotations

import datetime as dt
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
        description="Most force police may use outside any state of siege: their doctrine (on the grid they arrest "
        "by Epstein's rule C; with tear gas or live fire they also face crowds: world/mechanisms/crowds.py) [data].",
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


ROLES = ("party", "partner", "legislature", "army", "police", "business", "foreign")
ROUTES = ("resignation", "legislature", "army")


class Player(Section):
    """A veto player of the regime: who holds the seats and the arms is the episode's data."""

    name: str = Field(..., description="Its name (a party, the congress, the armed forces...) [data].")
    role: Literal["party", "partner", "legislature", "army", "police", "business", "foreign"] = Field(
        ..., description="What it is: the ruling party, a coalition partner, the legislature, the army, the police, "
        "business elites, a foreign backer [data].")
    weight: float = Field(1.0, gt=0.0, description="Its seats (a party or partner: its weight in the governing "
                          "coalition) [data].")


class Regime(Section):
    """The regime as a coalition of veto players (docs/mechanisms/coalition.md): data only.

    Which players can bring the head of government down follows one rule for every episode, never the
    record's outcome (``world/mechanisms/regime.py``): the ruling party and partners holding half of
    their seats (``resignation``), the legislature (``legislature``), the army or police (``army``);
    a route the polity does not have (``removal``) is not taken. ``world.coalition`` holds the shared
    defection rules.
    """

    capital: str = Field("", description="The seat of government (empty: the first place tagged capital) [data].")
    approval: float = Field(
        0.3, ge=0.0, le=1.0,
        description="Approval of the head of government in the last poll before the start, 0-1 [data]; mapped to "
        "each group's legitimacy by world.mobilisation (a group's own `approval` replaces it).")
    removal: list[Literal["resignation", "legislature", "army"]] = Field(
        default_factory=lambda: ["resignation", "legislature", "army"],
        description="The routes by which the head of government can fall in this polity (the constitution: can the "
        "legislature remove the president? is the army autonomous?) [data].")
    players: list[Player] = Field(
        default_factory=list,
        description="The veto players ([[world.regime.players]]); none: one ruling party [data].")


class Coalition(Section):
    """Shared rules by which veto players defect (docs/mechanisms/coalition.md).

    A player of role r defects once its strain z = w_r . (m_capital, m_country, d, paralysis, shortage,
    refused) reaches its tolerance ``tolerance[r] x tolerance_scale``: m the percent of the people active,
    summed day by day with a memory of ``memory_days`` (percent-days), d the people killed by the state
    per million times ``deaths_weight``, paralysis and shortage the days the capital has
    been paralysed or short of fuel, refused the days of mass mobilisation without a concession. The
    weights of each role are fixed by what the literature says each player minds (Svolik 2012; Geddes,
    Wright and Frantz 2018; Hale 2015; Chenoweth and Stephan 2011 on security-force defection).
    """

    tolerance: dict[str, float] = Field(
        default_factory=lambda: {"party": 120.0, "partner": 80.0, "legislature": 100.0, "army": 150.0,
                                 "police": 150.0, "business": 80.0, "foreign": 100.0},
        description="Strain at which a player of each role defects: partners and business leave before the "
        "ruling party, the armed forces last (Svolik 2012; Geddes, Wright and Frantz 2018) [ours; their common "
        "scale tolerance_scale is fitted].")
    tolerance_scale: float = Field(
        1.0, gt=0.0, description="One factor on every role's tolerance: how much strain a regime's players bear "
        "(the joint fit moves this one number, not seven) [fit].")
    mobilised_scale: float = Field(
        1.0, gt=0.0, description="Percent of the people active that counts one unit of strain [ours].")
    deaths_weight: float = Field(
        1.0, gt=0.0, description="Strain per person killed by the state per million, against one percent-day of "
        "mobilisation: how much killings weigh on the players beside crowds (fitted) [fit].")
    memory_days: float = Field(
        14.0, gt=0.0, description="Days over which the players remember mobilisation (a leaky sum of percent-days): "
        "two weeks, as a government's crisis is counted in weeks [ours].")
    paralysis_ratio: float = Field(
        10.0, gt=0.0, description="The capital is paralysed while its actives exceed this many times its "
        "police and soldiers (issue #4) [calibrated].")
    defection_share: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of the security forces neutral (loyalty mechanism) at which the army "
        "players defect [ours].")
    mass_share: float = Field(
        0.005, ge=0.0, description="Share of the people active that makes mobilisation 'mass' for the refused-"
        "concessions count [ours].")
    successor_legitimacy: float = Field(
        0.08, ge=0.0, le=1.0, description="Legitimacy gained by every citizen when a successor takes office [ours].")


class Mobilisation(Section):
    """Shared values of people rising on their own (docs/mechanisms/mobilisation.md)."""

    legitimacy_floor: float = Field(
        0.94, ge=0.0, le=1.0,
        description="Legitimacy at 0 % approval: L = floor + (1 - floor) x approval [calibrated].")
    hardship_per_doubling: float = Field(
        0.08, ge=0.0, le=1.0,
        description="Hardship H added by a shock that doubles a price (or halves an income): size = this x "
        "log2(1 + percent/100) [calibrated].")
    legitimacy_spread: float = Field(
        0.05, ge=0.0, le=0.5,
        description="A citizen's perceived legitimacy is its group's plus U(-s, s): polls show a divided public, and "
        "a spread turns the knife edge of Epstein's rule (act when H(1 - L) > T) into a slope [ours].")
    backfire_place_per_100k: float = Field(
        0.026, ge=0.0, le=1.0,
        description="Share of legitimacy lost in a place per person killed there per 100,000 of its people: a "
        "killing weighs by how many hear of it first-hand, the same in a village and a capital (replaces "
        "legitimacy.backfire_place in a world of places) [flagship fit, rescaled].")
    backfire_radio_per_million: float = Field(
        0.0125, ge=0.0, le=1.0,
        description="Share lost per person killed elsewhere per million of the country's people, times radio "
        "reach (replaces legitimacy.backfire_radio) [flagship fit, rescaled].")
    legitimacy_per_doubling: float = Field(
        0.01, ge=0.0, le=1.0,
        description="Legitimacy lost, where a decided shock falls, for each doubling of a price (or halving of an "
        "income): people blame the government that set it [calibrated].")
    announcement_shock: float = Field(
        0.0125, ge=0.0, le=1.0, description="Legitimacy lost to an announced policy with no size of its own "
        "[calibrated].")
    concession_size: float = Field(
        0.05, ge=0.0, le=1.0, description="Legitimacy regained by a concession with no size of its own [calibrated].")
    looting_hardship: float = Field(
        0.95, ge=0.0, le=1.0, description="Unorganised actives with H at least this loot (ACLED 'Looting/property "
        "destruction') [ours].")
    ban_threshold: float = Field(
        0.02, ge=0.0, le=1.0, description="Threshold T added where a state of siege bans gatherings: acting is "
        "riskier, and people can defy it [ours].")
    police_on_street: float = Field(
        0.03, ge=0.0, le=1.0, description="Share of a place's police that faces a crowd when its rules allow tear gas "
        "or fire [ours].")


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
    coalition: Coalition = Field(default_factory=Coalition)
    mobilisation: Mobilisation = Field(default_factory=Mobilisation)
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


# ------------------------------------------------------------------------------ road names


def road_key(text: str) -> tuple[str, str]:
    """'Town A - Town B' / 'Town A–Town B' -> ('Town A', 'Town B')."""
    for sep in (" - ", "–", "—", " to ", "-"):
        if sep in text:
            a, b = text.split(sep, 1)
            return a.strip(), b.strip()
    return text.strip(), ""

