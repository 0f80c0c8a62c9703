"""Information: radio carries news of killings between places (it feeds backfire).

Phase ``information.spread``: this step's deaths per place; each place hears the others' deaths
weighted by the reach of their stations, ``news_p = sum_q!=p reach_q x deaths_q`` (the
legitimacy phase multiplies by the listeners' own reach: ``mechanisms.legitimacy.hear_news``).
Deaths outside clashes (soldiers' fire on the grids) are logged here. Decision ``censorship``:
attacks on the media in ``places`` cut their reach to ``information.attack_reach`` of what it was.
Config ``[world.information]``.
"""

from __future__ import annotations

import numpy as np

from uprising.world.mechanism import Mechanism


def install(w) -> None:
    info = w.cfg.information
    w.radio_reach = np.array([info.reach_city if "city" in w.tags[p] else info.reach_rural for p in range(w.P)], float)
    for name, r in info.reach.items():
        if w.has(name):
            w.radio_reach[w.index(name)] = r
    w.mechanisms.radio_reach[:] = w.radio_reach
    w.deaths_step = np.zeros(w.P)  # all deaths this step, people
    w._deaths_seen = np.zeros(w.P)
    w.news_radio = np.zeros(w.P)


def censorship(w, step, i, ev, places, until) -> None:
    w.radio_reach[places] *= w.cfg.information.attack_reach
    w.mechanisms.radio_reach[:] = w.radio_reach


def information_spread(w, step: int) -> None:
    """News of this step's deaths by radio (module doc)."""
    from uprising.mechanisms import legitimacy

    total = w.mechanisms.deaths_people
    w.deaths_step = total - w._deaths_seen
    w._deaths_seen = total.copy()
    broadcast = w.radio_reach * w.deaths_step
    w.news_radio = broadcast.sum() - broadcast
    legitimacy.hear_news(w, w.news_radio)
    street = w.deaths_step - w._clash_step
    for p in np.flatnonzero(street > 0):
        w.log(step, "Violence against civilians", "Attack", w.cfg.actors.state, w.cfg.actors.civilians, int(p),
              int(round(street[p])), f"soldiers fire on crowds in {w.names[p]}: {street[p]:.0f} killed")
    w._clash_step = np.zeros(w.P)


MECHANISM = Mechanism(
    name="information",
    section="information",
    stage="after",
    install=install,
    phases=(("information.spread", information_spread),),
    events={"censorship": censorship},
    doc="Radio news of killings between places; attacks on the media.",
)
