"""Decisions: the scenario's dated events take effect, each carried out by the mechanism that
declares its kind (``events`` in :class:`~uprising.world.mechanism.Mechanism`).

Phase ``events.apply`` (first in the plan): on the first step of an event's date, its places
(all if none named) and its last step in force (``until``: the end of that day, or the end of
the run) are handed to the handler of its kind; the decision is logged (events.parquet,
"Strategic developments") and kept in ``w.decisions_taken``. Then every mechanism's ``lapse``
ends the rules whose ``until`` has passed. Once the government has fallen, decisions addressed
to it are not taken (only hardship and censorship still happen).
"""

from __future__ import annotations

import numpy as np

from uprising.world.mechanism import Mechanism

AFTER_THE_FALL = ("hardship", "censorship")


def until_step(w, ev) -> int:
    """Last step an event is in force: the end of its ``until`` day, or the end of the run."""
    return w.step_of(ev.until) + w.spd - 1 if ev.until is not None else w.cfg.total_steps


def events_apply(w, step: int) -> None:
    """Dated decisions of the scenario take effect on the first step of their day."""
    from uprising.world import registry

    cfg = w.cfg
    handlers = registry.event_handlers()
    for i, ev in enumerate(w.scenario.events):
        if w.step_of(ev.date) != step and not (step == 1 and ev.date <= cfg.start):
            continue
        places = [w.index(n) for n in ev.places if w.has(n)] if ev.places else list(range(w.P))
        if ev.places and not places:
            continue
        if w.government != 0 and ev.kind not in AFTER_THE_FALL:
            continue  # addressed to the government that fell (docs/episodes.md)
        handlers[ev.kind](w, step, i, ev, places, until_step(w, ev))
        w.decisions_taken.append((step, ev.kind))
        where = places[0] if ev.places else None
        w.log(step, "Strategic developments", "Other", ev.actor or cfg.actors.government, "", where, 0,
              f"{ev.kind}: {ev.name or ev.kind}")
    for m in registry.MECHANISMS:
        if m.lapse is not None:
            m.lapse(w, step)


def _mask(w, places) -> np.ndarray:
    mask = np.zeros(w.P, bool)
    mask[places] = True
    return mask


def announcement(w, step, i, ev, places, until) -> None:
    """A policy that costs legitimacy: a shock of ``size`` in the places (mechanisms.legitimacy)."""
    from uprising.mechanisms import legitimacy

    legitimacy.apply_shock(w, _mask(w, places), ev.size)


def concession(w, step, i, ev, places, until) -> None:
    """A concession of ``size``, discounted by the deaths so far (mechanisms.legitimacy)."""
    from uprising.mechanisms import legitimacy

    legitimacy.apply_concession(w, _mask(w, places), ev.size)


MECHANISM = Mechanism(
    name="decisions",
    stage="before",
    phases=(("events.apply", events_apply),),
    events={"announcement": announcement, "concession": concession},
    doc="Dated decisions carried out by the mechanisms that declare their kinds.",
)
