"""Playing an actor: the user's decisions, made dated events of the running scenario.

A decision is one of the scenario's own ``[[events]]`` (``world/events_config.Event``): the
session appends it to the running scenario's events with the date of the next step that starts a
day (``events.apply``, the first phase, takes events on the first step of their date). So the
live run carries it out exactly as a run of the saved scenario does: same index in the events
list, same step, same handler. It is marked ``exogenous`` so that it also stands when the other
actors decide (``scenario.decisions = "actors"``).

Who may decide what: the government concedes, deploys, declares a state of siege or a curfew and
sends convoys; an organisation calls its groups out (a strike or blockade) or marches.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from uprising.errors import UserError

GOVERNMENT_KINDS = ("concession", "deploy", "state_of_siege", "curfew", "convoys")
ORGANISATION_KINDS = ("call", "march")


def actors_of(scenario) -> list[dict]:
    """The actors a user can play: the government, then each organisation (with its groups and places)."""
    w = scenario.world
    out = [{"name": w.actors.government, "role": "government", "kinds": list(GOVERNMENT_KINDS), "groups": [],
            "places": []}]
    for org in scenario.organisations:
        out.append({"name": org.name, "role": "organisation", "kinds": list(ORGANISATION_KINDS),
                    "groups": list(org.groups), "places": list(org.places)})
    return out


def effective_step(next_step: int, steps_per_day: int) -> int:
    """The first step at or after ``next_step`` that starts a day (steps are 1-based)."""
    into = (next_step - 1) % steps_per_day
    return next_step if into == 0 else next_step + steps_per_day - into


def decision(sim, form: dict[str, Any]):
    """The :class:`Event` a user's form asks for, dated at the next step that starts a day.

    ``form``: ``actor`` (a name from :func:`actors_of`), ``kind``, and the event's fields that
    apply (``places``, ``size``, ``soldiers``, ``police``, ``force``, ``days``, ``target``,
    ``withdraws``). Raises UserError naming the field for a bad value.
    """
    from uprising.world.events_config import Event

    w = sim.world
    scenario = sim.scenario
    actors = {a["name"]: a for a in actors_of(scenario)}
    actor = str(form.get("actor") or scenario.world.actors.government)
    if actor not in actors:
        raise UserError(None, "actor", f"unknown actor {actor!r}; allowed: {', '.join(actors)}")
    who = actors[actor]
    kind = str(form.get("kind", ""))
    if kind not in who["kinds"]:
        raise UserError(None, "kind", f"{actor} cannot decide {kind!r}; allowed: {', '.join(who['kinds'])}")
    simulated = set(w.names)
    places = [str(p) for p in form.get("places") or []]
    for p in places:
        if p not in simulated:
            raise UserError(None, "places", f"{p!r} is not a place of this run")
    step = effective_step(sim.steps_done + 1, w.spd)
    if step > int(sim.scenario.scenario.steps):
        raise UserError(None, "date", "the run ends before the next day starts")
    date = w.cfg.start + dt.timedelta(days=(step - 1) // w.spd)
    days = form.get("days")
    fields: dict[str, Any] = {"date": date, "kind": kind, "actor": actor, "exogenous": True,
                              "name": f"{kind} (played)", "places": places, "source": "uprising serve"}
    if days not in (None, "", 0):
        fields["until"] = date + dt.timedelta(days=max(int(float(days)), 1) - 1)
    if kind == "concession":
        fields["size"] = float(form.get("size", 0.05))
        fields["withdraws"] = bool(form.get("withdraws", False))
    elif kind == "deploy":
        fields["soldiers"] = int(float(form.get("soldiers", 0) or 0))
        fields["police"] = int(float(form.get("police", 0) or 0))
        fields["mission"] = str(form.get("mission") or "garrison")
    elif kind in ("state_of_siege", "convoys"):
        fields["force"] = str(form.get("force") or "teargas")
        if kind == "convoys" and form.get("target"):
            fields["target"] = str(form["target"])
    elif kind in ("call", "march"):
        fields["groups"] = list(who["groups"])
        if not places:
            fields["places"] = list(who["places"])
        if kind == "march" and form.get("target"):
            fields["target"] = str(form["target"])
    for key in ("target",):
        if fields.get(key) and fields[key] not in simulated:
            raise UserError(None, key, f"{fields[key]!r} is not a place of this run")
    named = bool(fields["places"])
    fields["places"] = [p for p in fields["places"] if p in simulated]
    if named and not fields["places"]:  # an empty list would mean "everywhere"
        raise UserError(None, "places", f"none of {actor}'s places is simulated in this run")
    try:
        return Event(**fields), step
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(x) for x in first.get("loc", ())) or kind
        raise UserError(None, key, first.get("msg", str(e))) from None


def take(sim, event) -> None:
    """Append the decision to the running scenario (and to the world's copy when it has one)."""
    sim.scenario.events.append(event)
    if sim.world.scenario is not sim.scenario and sim.world.scenario.events is not sim.scenario.events:
        sim.world.scenario.events.append(event)


__all__ = ["actors_of", "decision", "take", "effective_step", "GOVERNMENT_KINDS", "ORGANISATION_KINDS"]
