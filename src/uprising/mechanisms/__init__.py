"""The Gas War mechanisms (issue #3): groups, legitimacy, repression (soldiers), loyalty.

    sim = Simulation.from_scenario("repression-demo")               # shipped, all four on
    sim = Simulation.from_scenario("epstein-1", **{"repression.soldier_density": 0.01,
                                                   "legitimacy.backfire_witness": 0.05})
    print(sim.plan)   # legitimacy.update → agents.act → soldiers.repress → loyalty.update → ...

``phases.install(world)`` runs once after the engine's set-up (groups' draws, soldiers, loyalty, the
baseline legitimacy); ``phases.extend_plan(world, plan)`` adds the phases of the mechanisms switched
on. With all of them off, neither changes anything: the run is Epstein's, draw for draw.

Entry points for the world of places' events and phases (each documented in its module):
``legitimacy.apply_shock(world, mask, size)``, ``legitimacy.apply_concession(world, mask, size)``,
``legitimacy.hear_news(world, news_people)``, ``repression.deploy_soldiers(world, place, count,
step)``, ``repression.raise_doctrine(world, mask, level)``, ``groups.populate(world, rows)``; the
per-place inputs ``world.mechanisms.people_per_agent`` and ``radio_reach``; the phases
``legitimacy.update``, ``repression.repress``, ``loyalty.update``.
"""

from __future__ import annotations

# Submodules are imported by name (``from uprising.mechanisms import legitimacy``); this package
# imports nothing at load time because ``scenarios.schema`` reads ``mechanisms.config``, which
# the engine's modules import in turn.
