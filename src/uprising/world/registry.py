"""The world's mechanisms in order, and what is assembled from their declarations.

:data:`MECHANISMS` lists every world mechanism (``uprising.world.mechanisms.*``, each module's
``MECHANISM``). From it come:

- the plan (:func:`build_plan`): the phases of the ``"before"`` mechanisms, in this order, then the
  engine's (agents move, decide, cops arrest, jail release), then the ``"after"`` mechanisms',
  then ``record``; the engine-level mechanisms (legitimacy, soldiers, loyalty) add theirs;
- the decisions (:func:`event_handlers`): each event kind to the mechanism that carries it out;
- the state (:func:`install`): each mechanism installs its own, in this order;
- the timeseries (:func:`columns`): the columns each records per step and place.

A new mechanism is one module and one line here (docs/episodes.md: the curfew).
"""

from __future__ import annotations

from uprising.engine import jail, synchronous
from uprising.engine.plan import Phase, Plan
from uprising.world.mechanisms import (
    blockades,
    cabinet,
    citizens,
    clashes,
    crowds,
    curfew,
    decisions,
    force,
    government,
    hardship,
    information,
    marches,
    organisations,
    regime,
    supply,
)

MECHANISMS = (
    decisions.MECHANISM,
    organisations.MECHANISM,
    cabinet.MECHANISM,
    supply.MECHANISM,
    citizens.MECHANISM,
    hardship.MECHANISM,
    curfew.MECHANISM,
    force.MECHANISM,
    clashes.MECHANISM,
    blockades.MECHANISM,
    crowds.MECHANISM,
    government.MECHANISM,
    marches.MECHANISM,
    information.MECHANISM,
    regime.MECHANISM,
)

ENGINE_PHASES = (
    ("agents.move", synchronous.move),
    ("citizens.decide", synchronous.decide),
    ("cops.arrest", synchronous.arrest),
    ("jail.release", jail.release_phase),
)


def event_handlers() -> dict:
    """Event kind -> the handler of the mechanism that declares it."""
    out = {}
    for m in MECHANISMS:
        for kind, handler in m.events.items():
            if kind in out:
                raise RuntimeError(f"event kind {kind!r} is declared by two mechanisms")
            out[kind] = handler
    return out


def event_kinds() -> tuple[str, ...]:
    return tuple(event_handlers())


def install(w) -> None:
    """Each mechanism's state on the world, in order."""
    for m in MECHANISMS:
        if m.install is not None:
            m.install(w)


def columns() -> dict:
    """Timeseries column -> (getter, dtype), in mechanism order."""
    out = {}
    for m in MECHANISMS:
        out.update(m.columns)
    return out


def _record(w, step: int) -> None:
    from uprising.world import record

    record.record(w, step)  # the engine's recorder and the mechanisms' columns from one pass, then the world's


def build_plan(w) -> Plan:
    """The mechanisms' phases around the engine's, then the engine-level mechanisms'."""
    from uprising.mechanisms import phases as engine_mechanisms

    before = [Phase(name, fn) for m in MECHANISMS if m.stage == "before" for name, fn in m.phases]
    after = [Phase(name, fn) for m in MECHANISMS if m.stage == "after" for name, fn in m.phases]
    engine = [Phase(name, fn) for name, fn in ENGINE_PHASES]
    plan = Plan([*before, *engine, *after, Phase("record", _record)])
    return engine_mechanisms.extend_plan(w, plan)
