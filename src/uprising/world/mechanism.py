"""What a world mechanism declares (:class:`Mechanism`), so that a registry can assemble the world.

A mechanism is one module under ``uprising.world.mechanisms`` with a module-level
``MECHANISM = Mechanism(...)``. It says:

- ``name`` and ``section``: its name and its config table, ``[world.<section>]`` (``config.py``);
- ``install(w)``: the state it keeps on the world (arrays of length P, lists), set once;
- ``phases`` and ``stage``: its phases, run before the engine's agents act (``"before"``) or after
  (``"after"``), in the registry's order;
- ``events``: the event kinds it carries out, ``kind -> handler(w, step, ev, places, until)``;
- ``lapse(w, step)``: rules of its that end (run after each day's decisions);
- ``columns``: the timeseries columns it records, ``name -> getter(w) -> array[P]``;
- ``hardship(w, step) -> array[P, G]`` and ``threshold(w, step) -> array[P]``: what it adds to
  citizens' H and T (``citizens.condition`` sums them over the mechanisms);
- ``holds_marches(w, step) -> bool array[P]``: places no march may leave or enter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Hook = Callable[..., Any]


@dataclass(frozen=True)
class Mechanism:
    name: str
    section: str | None = None
    stage: Literal["before", "after"] = "after"
    install: Hook | None = None
    phases: tuple[tuple[str, Hook], ...] = ()
    events: dict[str, Hook] = field(default_factory=dict)
    lapse: Hook | None = None
    columns: dict[str, Hook] = field(default_factory=dict)
    hardship: Hook | None = None
    threshold: Hook | None = None
    holds_marches: Hook | None = None
    doc: str = ""
