"""The world a run mutates: places, population, visions, rules and keys — and its set-up.

Phases are ``phase(world, step) -> None`` (architecture.md). ``World`` holds everything they
read or write; it has no behaviour of its own beyond set-up and small lookups.
"""

from __future__ import annotations

import numpy as np

from uprising.engine import rng
from uprising.engine import rules as rule_codes
from uprising.engine.grid import SEEN_COP, SEEN_QUIET, Places
from uprising.engine.population import CITIZEN, COP, ON_DUTY, QUIET, Population
from uprising.engine.record import Recorder
from uprising.engine.vision import build_vision
from uprising.scenarios.schema import Scenario


class World:
    def __init__(self, scenario: Scenario, seed: int, schedule: str):
        self.scenario = scenario
        self.seed = int(seed)
        self.schedule = schedule
        self.model2 = scenario.scenario.model == "epstein-2"
        g = scenario.grid
        self.places = Places([g.height], [g.width], g.torus)
        shape = scenario.rules.vision_shape
        self.citizen_vision = [build_vision(shape, scenario.citizen.vision, g.height, g.width, g.torus)]
        self.cop_vision = [build_vision(shape, scenario.cop.vision, g.height, g.width, g.torus)]
        self.adjacent = [build_vision("moore", 1.0, g.height, g.width, g.torus)]
        self.rules = rule_codes.encode(scenario)
        self.k = float(scenario.citizen.k)
        self.counter = np.zeros(5, np.int64)  # Model II: rows, next id, kills, births, deaths
        self.arrests = 0
        self.n_groups = 2 if self.model2 else 1  # mechanisms.groups.install names the groups
        self.pop = self._populate()
        self.recorder = Recorder(self, scenario.scenario.steps)

    # -- keys ------------------------------------------------------------------------------
    def key(self, stream: str, step: int) -> np.uint64:
        return rng.step_key(self.seed, stream, step)

    def place_geometry(self, p: int) -> tuple[int, int, int, bool]:
        pl = self.places
        return int(pl.cell_start[p]), int(pl.height[p]), int(pl.width[p]), pl.torus

    # -- set-up ----------------------------------------------------------------------------
    def _populate(self) -> Population:
        sc = self.scenario
        n_cells = self.places.cells_of(0)
        d_cit, d_cop = sc.population.citizen_density, sc.population.cop_density
        key = self.key("placement", 0)
        if sc.population.placement == "exact":
            n_cit = int(round(d_cit * n_cells))
            n_cop = int(round(d_cop * n_cells))
            cells = rng.permutation(key, n_cells)
            cit_cells, cop_cells = cells[:n_cit], cells[n_cit : n_cit + n_cop]
        else:  # Mesa: each cell draws citizen / cop / empty
            u = rng.uniform_array(key, np.arange(n_cells, dtype=np.int64), 0)
            cit_cells = np.flatnonzero(u < d_cit)
            cop_cells = np.flatnonzero((u >= d_cit) & (u < d_cit + d_cop))
        extra_cops = self._most_cops(n_cells) - len(cop_cells)
        slack = max(extra_cops, 0)
        if self.model2:
            slack += len(cit_cells) * 2
        pop = Population(len(cit_cells) + len(cop_cells) + slack)
        cit = pop.add(len(cit_cells), CITIZEN)
        cop = pop.add(len(cop_cells), COP)
        start = int(self.places.cell_start[0])
        pop.cell[cit] = start + cit_cells
        pop.cell[cop] = start + cop_cells
        pop.state[cit] = QUIET
        pop.state[cop] = ON_DUTY
        ids = pop.agent_id[cit]
        pop.hardship[cit] = rng.uniform_array(self.key("hardship", 0), ids, 0)
        pop.risk_aversion[cit] = rng.uniform_array(self.key("risk_aversion", 0), ids, 0)
        pop.threshold[cit] = sc.citizen.threshold
        pop.legitimacy[cit] = sc.citizen.legitimacy
        if self.model2:  # groups (blue, green) are drawn by uprising.mechanisms.groups.install
            m2 = sc.model2
            pop.death_age[cit] = rng.below_array(self.key("death_age", 0), ids, 0, m2.max_age + 1)
            spans = np.maximum(pop.death_age[cit].astype(np.int64), 1)
            pop.age[cit] = (rng.uniform_array(self.key("age", 0), ids, 0) * spans).astype(np.int32)
        self.places.occupant[pop.cell[cit]] = cit
        self.places.occupant[pop.cell[cop]] = cop
        self.places.board[pop.cell[cit]] = SEEN_QUIET
        self.places.board[pop.cell[cop]] = SEEN_COP
        self.citizens_at_start = len(cit)
        self.cops_at_start = len(cop)
        self.counter[0] = pop.n
        self.counter[1] = pop.next_id
        return pop

    def _most_cops(self, n_cells: int) -> int:
        """Cops the run can ever hold (interventions and peacekeepers add cops onto slack rows)."""
        sc = self.scenario
        most = 0
        for iv in sc.interventions:
            if iv.parameter == "cop_density":
                most = max(most, int(round(iv.value * n_cells)))
        if self.model2 and sc.model2.peacekeepers_at is not None:
            most += int(round(sc.model2.peacekeeper_density * n_cells))
        return most + int(round(sc.population.cop_density * n_cells))

    # -- Model II bookkeeping ----------------------------------------------------------------
    def sync_rows_from_counter(self) -> None:
        """After a kernel appended rows (births), bring ``pop.n``/``next_id`` up to date."""
        self.pop.n = int(self.counter[0])
        self.pop.next_id = int(self.counter[1])

    def ensure_slack(self, births_possible: int) -> None:
        """Grow the population so a step's births cannot overflow (grow before, never redo)."""
        if self.pop.n + births_possible > self.pop.capacity:
            self.pop.grow(self.pop.n + births_possible)
