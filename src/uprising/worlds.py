"""The two kinds of world a scenario can build, behind one interface.

- :data:`CLASSIC`: Epstein's one grid (Model I, or Model II's two groups), with the optional
  mechanisms; the one-place case.
- :data:`PLACES`: a world of places read from an episode folder (``[world]``), with its own
  phases (supply, blockades, marches, information, regime).

A scenario with a ``[world]`` table builds the world of places; any other builds the classic
grid. :class:`uprising.simulation.Simulation` asks the kind for the world, its plan, its
timeseries, its extra files and its summary keys, and never looks at a model name.
"""

from __future__ import annotations

import numpy as np
import polars as pl


class Classic:
    """Epstein's grid (one place), with the mechanisms a scenario switches on."""

    name = "classic"

    @staticmethod
    def build(scenario, seed: int, schedule: str):
        from uprising.engine.plan import build_plan
        from uprising.engine.world import World
        from uprising.mechanisms import phases as mechanisms
        from uprising.simulation import check_fits_in_memory

        check_fits_in_memory(scenario)
        world = World(scenario, seed, schedule)
        mechanisms.install(world)  # groups, soldiers, loyalty: nothing when all are off
        return world, mechanisms.extend_plan(world, build_plan(world))

    @staticmethod
    def timeseries(world) -> pl.DataFrame:
        cols = world.recorder.columns()
        rows, places = next(iter(cols.values())).shape
        data = {
            "step": np.repeat(np.arange(rows, dtype=np.int64), places),
            "place": np.tile(np.arange(places, dtype=np.int64), rows),
        }
        data.update({name: arr.reshape(-1) for name, arr in cols.items()})
        return pl.DataFrame(data)

    @staticmethod
    def extra_tables(world) -> dict[str, pl.DataFrame]:
        return {}

    @staticmethod
    def summary(world) -> dict:
        return {}


class Places:
    """A world of places from an episode folder (``uprising.world``)."""

    name = "places"

    @staticmethod
    def build(scenario, seed: int, schedule: str):
        from uprising.world import outputs

        return outputs.build_world(scenario, seed, schedule)

    @staticmethod
    def timeseries(world) -> pl.DataFrame:
        from uprising.world import outputs

        return outputs.timeseries(world)

    @staticmethod
    def extra_tables(world) -> dict[str, pl.DataFrame]:
        from uprising.world import outputs

        return outputs.extra_tables(world)

    @staticmethod
    def summary(world) -> dict:
        from uprising.world import outputs

        return outputs.summary(world)


CLASSIC = Classic()
PLACES = Places()


def kind_of(scenario):
    """The kind of world a scenario builds: places when it has a ``[world]`` table."""
    return PLACES if scenario.world is not None else CLASSIC
