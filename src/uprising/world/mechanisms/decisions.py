"""Decisions: the scenario's dated events take effect, each carried out by the mechanism that
declares its kind (``events`` in :class:`~uprising.world.mechanism.Mechanism`).

Phase ``events.apply`` (first in the plan): on the first step of an event's date, its places
(all if none named) and its last step in force (``until``: the end of that day, or the end of
the run) are handed to the handler of its kind; the decision is logged (events.parquet,
"Strategic developments") and kept in ``w.decisions_taken`` as (step, kind, actor). Then every
mechanism's ``lapse`` ends the rules whose ``until`` has passed. Once the government has fallen,
decisions addressed to it are not taken (only hardship and censorship still happen). With
``scenario.decisions = "actors"`` only exogenous events are scheduled; the actors' mechanisms
(organisations, cabinet) take the others through :func:`take`.
"""

from __future__ import annotations

import numpy as np

from uprising.world.mechanism import Mechanism

AFTER_THE_FALL = ("hardship", "censorship")


def until_step(w, ev) -> int:
    """Last step an event is in force: the end of its ``until`` day, or the end of the run."""
    return w.step_of(ev.until) + w.spd - 1 if ev.until is not None else w.cfg.total_steps


def events_apply(w, step: int) -> None:
    """Dated decisions of the scenario take effect on the first step of their day (with
    ``decisions = "actors"``, only those marked exogenous: the actors take the others)."""
    from uprising.world import registry

    cfg = w.cfg
    actors = w.scenario.scenario.decisions == "actors"
    for i, ev in enumerate(w.scenario.events):
        if w.step_of(ev.date) != step and not (step == 1 and ev.date <= cfg.start):
            continue
        if actors and not ev.exogenous:
            continue
        take(w, step, i, ev, ev.actor or cfg.actors.government)
    for m in registry.MECHANISMS:
        if m.lapse is not None:
            m.lapse(w, step)


def take(w, step: int, i: int, ev, actor: str) -> bool:
    """Carry out one decision now: the handler of its kind, the log, ``w.decisions_taken``.
    False when it is not taken (no place of it is simulated, or it is addressed to a fallen government)."""
    from uprising.world import registry

    places = [w.index(n) for n in ev.places if w.has(n)] if ev.places else list(range(w.P))
    if ev.places and not places:
        return False
    if w.government != 0 and ev.kind not in AFTER_THE_FALL:
        return False  # addressed to the government that fell (docs/episodes.md)
    registry.event_handlers()[ev.kind](w, step, i, ev, places, until_step(w, ev))
    w.decisions_taken.append((step, ev.kind, actor))
    where = places[0] if ev.places else None
    w.log(step, "Strategic developments", "Other", actor, "", where, 0, f"{ev.kind}: {ev.name or ev.kind}")
    return True


def _mask(w, places) -> np.ndarray:
    mask = np.zeros(w.P, bool)
    mask[places] = True
    return mask


def announcement(w, step, i, ev, places, until) -> None:
    """A policy that costs legitimacy: a shock of ``size`` in the places (mechanisms.legitimacy)."""
    from uprising.mechanisms import legitimacy

    legitimacy.apply_shock(w, _mask(w, places), w.cfg.mobilisation.announcement_shock if ev.size is None else ev.size)


def concession(w, step, i, ev, places, until) -> None:
    """A concession of ``size``, discounted by the deaths so far (mechanisms.legitimacy); with
    ``withdraws`` the hardship shocks in force end too (``hardship.withdraw``)."""
    from uprising.mechanisms import legitimacy
    from uprising.world.mechanisms import hardship

    legitimacy.apply_concession(w, _mask(w, places), w.cfg.mobilisation.concession_size if ev.size is None else ev.size)
    w.last_concession_step = step  # the coalition's count of concessions refused starts again
    if ev.withdraws:
        hardship.withdraw(w)


MECHANISM = Mechanism(
    name="decisions",
    stage="before",
    phases=(("events.apply", events_apply),),
    events={"announcement": announcement, "concession": concession},
    doc="Dated decisions carried out by the mechanisms that declare their kinds.",
)
