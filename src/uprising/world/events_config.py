"""The decisions of a world of places: ``[[events]]`` (:class:`Event`), one vocabulary for every
episode. Each kind is carried out by the mechanism that declares it (``world/registry.py``); a test
checks that the two lists agree (``tests/test_episodes.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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
    size: float | None = Field(None, ge=-1.0, le=1.0, description="announcement: legitimacy shock; hardship: H added; "
                               "concession: its size (none: the shared value, or for a hardship its `percent`).")
    what: Literal["", "fuel_price", "food_price", "transport_price", "utility_price", "tax", "wage", "bank_freeze",
                  "unemployment", "shortage"] = Field(
        "", description="hardship: what the shock is (a price, a tax, an income) [data].")
    percent: float | None = Field(
        None, ge=0.0, le=10_000.0,
        description="hardship: the shock in its own units, percent (a price rise, an income or access lost) [data]; "
        "H added = world.mobilisation.hardship_per_doubling x log2(1 + percent/100).")
    ban: bool = Field(False, description="state_of_siege: gatherings are banned (acting is riskier: "
                      "world.mobilisation.ban_threshold).")
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
        if self.kind == "hardship" and self.size is None and self.percent is None:
            raise ValueError("a hardship needs percent = ... (the shock in its own units) or size = ...")
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until ({self.until}) is before date ({self.date})")
        return self


