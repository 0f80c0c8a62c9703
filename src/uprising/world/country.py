"""The world of places: every place a grid of its people (x scale), joined by roads and paths.

:class:`CountryWorld` is an engine world with many places, read from an episode folder
(``geography``: places.csv, roads.csv, paths.csv). It places citizens, police and soldiers, and
holds what every mechanism (``uprising.world.mechanisms``, installed by ``registry``) reads: supply stocks,
blocked roads, marches, radio reach, deployments, rules of force, curfews, hardship shocks, elite
support, the death toll in people, and the event log. Nothing here names an episode.

Units (design-gas-war.md section 1): an agent stands for ``1/scale`` people; every reported
figure is people. Deaths are drawn in people (binomial over the soldiers, counted as people) and
mirrored on the grid by removing one agent each time a place's balance reaches ``1/scale``.

Random draws of the world use numpy generators seeded by ``(seed, stream, step, ...)`` — keyed
by what they decide, like the engine's counter-based draws — so adding a draw in one phase never
shifts another's. Stream numbers are in :data:`STREAMS`.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from uprising.engine import rng
from uprising.engine import rules as rule_codes
from uprising.engine.grid import EMPTY, SEEN_COP, SEEN_QUIET, Places
from uprising.engine.population import ACTIVE, CITIZEN, COP, DEAD, ON_DUTY, QUIET, SOLDIER, Population
from uprising.engine.record import Recorder
from uprising.engine.vision import build_vision
from uprising.world import geography as geo
from uprising.world import kernels, memory
from uprising.world.config import WorldConfig, road_key

#: kind of a soldier row withdrawn from the grids (state DEAD so no phase reads it).
RESERVE = 5

# World random streams (never renumber; append).
STREAMS = {
    "setup": 1,
    "organised": 2,
    "clash": 3,
    "death_pick": 4,
    "disperse": 5,
    "march_pick": 6,
    "arrive": 7,
    "soldier_place": 8,
    "police_round": 9,
}


#: The world's own columns per step and place (name -> (getter, dtype)); mechanisms add theirs.
BASE_COLUMNS = {
    "soldiers": (lambda w: w.soldiers_people(), float),
    "police": (lambda w: w.police_people, float),
    "deaths": (lambda w: w.mechanisms.deaths_people, float),
    "legitimacy": (lambda w: w._mean_legitimacy(w.recording_step), float),
    "neutral": (lambda w: w.neutral_people(), float),
}


class CountryWorld:
    """The engine world of an episode (the attributes engine phases use, and the world's)."""

    def __init__(self, scenario, seed: int, schedule: str):
        self.scenario = scenario
        self.seed = int(seed)
        self.schedule = schedule
        self.model2 = False
        cfg: WorldConfig = scenario.world
        self.cfg = cfg
        self.hps = cfg.hours_per_step
        self.spd = cfg.steps_per_day
        self.scale = float(cfg.scale)
        self.ppa = 1.0 / self.scale  # people per agent

        all_places = geo.load_places(cfg.folder)
        keep = (
            np.arange(len(all_places))
            if not cfg.places
            else np.array(sorted({all_places.index(n) for n in cfg.places}), dtype=np.int64)
        )
        self.place_ids = keep
        self.P = len(keep)
        self.names = [str(all_places.name[i]) for i in keep]
        self.lat = np.asarray(all_places.lat[keep], float)
        self.lon = np.asarray(all_places.lon[keep], float)
        self.department = [str(all_places.department[i]) for i in keep]
        self.tags = [all_places.tags[i] for i in keep]
        self.population = np.asarray(all_places.population[keep], np.int64)
        self._all_places = all_places
        self._index = {n: j for j, n in enumerate(self.names)}

        # roads between kept places
        roads = geo.load_roads(cfg.folder, all_places)
        remap = {int(g): j for j, g in enumerate(keep)}
        e_keep = [e for e in range(len(roads)) if int(roads.src[e]) in remap and int(roads.dst[e]) in remap]
        self.roads = roads
        self.E = len(e_keep)
        self.road_src = np.array([remap[int(roads.src[e])] for e in e_keep], np.int64)
        self.road_dst = np.array([remap[int(roads.dst[e])] for e in e_keep], np.int64)
        self.road_km = np.asarray(roads.km[e_keep], float)
        self.road_hours = np.asarray(roads.hours[e_keep], float)
        self.road_is_path = np.asarray(roads.is_path[e_keep], bool)
        self.road_blockable = np.asarray(roads.blockable[e_keep], bool)
        self.road_route = [str(roads.route[e]) for e in e_keep]
        for text in cfg.blockade.exempt:
            a, b = road_key(text)
            ia, ib = self.index(a), self.index(b)
            hit = ((self.road_src == ia) & (self.road_dst == ib)) | ((self.road_src == ib) & (self.road_dst == ia))
            self.road_blockable[hit] = False
        self.road_names = [f"{self.names[a]} – {self.names[b]}" for a, b in zip(self.road_src, self.road_dst)]

        self.place_names = self.names  # read by the mechanisms (place_shares, places masks)
        self.n_groups = 1  # mechanisms.groups.install names the groups
        self.group_names = ["citizens"]

        # engine-side set-up
        sc = scenario
        h, w = self._grid_shapes()
        agents = sum(round(int(self.population[p]) * self.scale) + round(self._police_people(p) * self.scale)
                     for p in range(self.P))
        memory.check_fits(scenario, agents, int((h * w).sum()), self.P)  # before anything big is allocated
        self.places = Places(h, w, sc.grid.torus)
        shape = sc.rules.vision_shape
        self.citizen_vision = [build_vision(shape, sc.citizen.vision, int(h[p]), int(w[p]), sc.grid.torus) for p in range(self.P)]
        self.cop_vision = [build_vision(shape, sc.cop.vision, int(h[p]), int(w[p]), sc.grid.torus) for p in range(self.P)]
        self.adjacent = [build_vision("moore", 1.0, int(h[p]), int(w[p]), sc.grid.torus) for p in range(self.P)]
        self.rules = rule_codes.encode(sc)
        self.k = float(sc.citizen.k)
        self.counter = np.zeros(5, np.int64)
        self.arrests = 0
        self._init_state()
        self.pop = self._populate()
        self.recorder = Recorder(self, sc.scenario.steps)
        self._alloc_record(sc.scenario.steps)

    # ------------------------------------------------------------------ lookups and time
    def index(self, name: str) -> int:
        g = self._all_places.index(name)
        j = np.flatnonzero(self.place_ids == g)
        if len(j) == 0:
            raise KeyError(f"place {name!r} is not simulated in this run")
        return int(j[0])

    def has(self, name: str) -> bool:
        try:
            self.index(name)
            return True
        except KeyError:
            return False

    def key(self, stream: str, step: int) -> np.uint64:
        return rng.step_key(self.seed, stream, step)

    def gen(self, stream: str, step: int, *ids: int) -> np.random.Generator:
        """A numpy generator keyed by (seed, world stream, step, ids)."""
        return np.random.default_rng([self.seed, 0xB011, STREAMS[stream], int(step), *[int(i) for i in ids]])

    def place_geometry(self, p: int):
        pl = self.places
        return int(pl.cell_start[p]), int(pl.height[p]), int(pl.width[p]), pl.torus

    def time_of(self, step: int) -> dt.datetime:
        """Start of the interval a step covers (step 0: the initial state at start)."""
        base = dt.datetime.combine(self.cfg.start, dt.time())
        return base + dt.timedelta(hours=max(step - 1, 0) * self.hps)

    def date_of(self, step: int) -> dt.date:
        return self.time_of(step).date()

    def step_of(self, date: dt.date) -> int:
        """First step of ``date``."""
        return (date - self.cfg.start).days * self.spd + 1

    # ------------------------------------------------------------------ set-up
    def _grid_shapes(self):
        cfg = self.cfg
        hs, ws = [], []
        for p in range(self.P):
            citizens = round(int(self.population[p]) * self.scale)
            police = self._police_people(p) * self.scale
            agents = citizens + police + 4
            cells = max(16, math.ceil(agents / cfg.citizen_density))
            hh = math.isqrt(cells - 1) + 1
            hs.append(hh)
            ws.append(math.ceil(cells / hh))
        return np.array(hs, np.int64), np.array(ws, np.int64)

    def _police_people(self, p: int) -> int:
        f = self.cfg.forces
        for name, n in f.police.items():
            if self._all_places.index(name) == self.place_ids[p]:
                return int(n)
        return int(round(self.population[p] * f.police_per_1000 / 1000.0))

    def _init_state(self) -> None:
        """The world's own state; each mechanism installs its own (``registry.install``)."""
        self.police_people = np.array([self._police_people(p) for p in range(self.P)], float)
        self.capital = self._capital()
        self.deaths_clash = np.zeros(self.P)  # people killed in clashes at blockades and checkpoints
        self.death_balance = np.zeros(self.P)
        self.active_people = np.zeros(self.P)
        self.lethal_force = bool(self.cfg.clashes.lethal_force)
        self.government = 0
        self.resigned_step: int | None = None
        self.events_log: list[dict] = []
        self.decisions_taken: list[tuple[int, str, str]] = []  # (step, kind, actor) of every decision taken

    def _capital(self) -> int:
        """The seat of government: ``regime.capital``, else the first place tagged capital."""
        if self.cfg.regime.capital:
            return self.index(self.cfg.regime.capital)
        tagged = [p for p in range(self.P) if "capital" in self.tags[p]]
        return tagged[0] if tagged else 0

    def _soldier_slack(self) -> int:
        """Rows kept free for soldier agents: every deployable soldier sent out twice (deployments
        add rows; withdrawn soldiers keep theirs as reserves). Without it the first deployment past
        the slack doubled every column (issue #14: +0.45 GiB at one agent per person)."""
        forces = self.cfg.forces
        people = float(forces.reserve) + float(sum(forces.garrisons.values()))
        return 64 + 2 * math.ceil(people * self.scale)

    def _populate(self) -> Population:
        """Citizens and police on every place's grid; soldiers come with deployments.

        Epstein's draws (H, R ~ U(0,1), T, L) first; ``mechanisms.groups.install`` then gives every
        citizen its group and the group's draws (keyed by agent id).
        """
        sc = self.scenario
        P = self.P
        n_cit = np.array([round(int(self.population[p]) * self.scale) for p in range(P)], np.int64)
        g = self.gen("police_round", 0)
        n_pol = np.floor(self.police_people * self.scale + g.random(P)).astype(np.int64)
        pop = Population(int(n_cit.sum() + n_pol.sum() + self._soldier_slack()))
        for p in range(P):
            start, h, w, _ = self.place_geometry(p)
            cells = rng.permutation(self.key("placement", p), h * w)
            cit = pop.add(int(n_cit[p]), CITIZEN, p)
            cop = pop.add(int(n_pol[p]), COP, p)
            cc = start + cells[: len(cit)]
            pc = start + cells[len(cit) : len(cit) + len(cop)]
            pop.cell[cit], pop.cell[cop] = cc, pc
            pop.state[cit], pop.state[cop] = QUIET, ON_DUTY
            self.places.occupant[cc], self.places.occupant[pc] = cit, cop
            self.places.board[cc], self.places.board[pc] = SEEN_QUIET, SEEN_COP
            pop.threshold[cit] = sc.citizen.threshold
            pop.legitimacy[cit] = sc.citizen.legitimacy
        # H, R ~ U(0,1) keyed by agent id, in one parallel pass (issue #8)
        cit = np.flatnonzero(pop.kind[: pop.n] == CITIZEN)
        kernels.uniform_fill(self.key("hardship", 0), cit, pop.agent_id, pop.hardship)
        kernels.uniform_fill(self.key("risk_aversion", 0), cit, pop.agent_id, pop.risk_aversion)
        self.citizens_at_start = int(n_cit.sum())
        self.cops_at_start = int(n_pol.sum())
        self.counter[0] = pop.n
        self.counter[1] = pop.next_id
        return pop

    def after_groups(self) -> None:
        """Once groups are drawn: keep each citizen's own hardship (by agent id) and threshold."""
        pop = self.pop
        n = pop.n
        size = int(pop.agent_id[:n].max()) + 1 if n else 0
        self.base_hardship = np.zeros(size, np.float32)
        self.base_threshold = np.zeros(size, np.float32)
        cit = np.flatnonzero(pop.kind[:n] == CITIZEN)
        self.base_hardship[pop.agent_id[cit]] = pop.hardship[cit]
        self.base_threshold[pop.agent_id[cit]] = pop.threshold[cit]

    def extend_bases(self) -> None:
        """New citizen rows (defectors who join the crowd): keep their drawn H and T too."""
        pop = self.pop
        n = pop.n
        size = int(pop.agent_id[:n].max()) + 1
        old = len(self.base_hardship)
        self.base_hardship = np.concatenate([self.base_hardship, np.zeros(size - old, np.float32)])
        self.base_threshold = np.concatenate([self.base_threshold, np.zeros(size - old, np.float32)])
        new = np.flatnonzero((pop.kind[:n] == CITIZEN) & (pop.agent_id[:n] >= old))
        self.base_hardship[pop.agent_id[new]] = pop.hardship[new]
        self.base_threshold[pop.agent_id[new]] = pop.threshold[new]

    # ------------------------------------------------------------------ helpers for phases
    @property
    def deaths_people(self) -> np.ndarray:
        """Deaths (people) per place, all causes: soldiers' fire on the grids and clashes."""
        return self.mechanisms.deaths_people

    def neutral_people(self) -> np.ndarray:
        """Police and soldiers turned neutral (people), from the regime's count this step; 0 without loyalty."""
        if not self.mechanisms.on.get("loyalty") or getattr(self, "last_tally", None) is None:
            return np.zeros(self.P)
        return self.last_tally[:, kernels.T_NEUTRAL_ON_GRID] * self.ppa

    def soldiers_people(self) -> np.ndarray:
        return self.garrison + self.clearing + self.checkpoint

    def security_people(self, p: int) -> float:
        return float(self.police_people[p] + self.soldiers_people()[p])

    def count_active(self) -> np.ndarray:
        return self.tally()[:, kernels.T_ACTIVE].astype(float)

    def tally(self) -> np.ndarray:
        """Counts per place (``kernels.tally`` columns) in one parallel pass; kept as ``last_tally``."""
        self.last_tally, self.last_legitimacy_sum = kernels.tally(self)
        return self.last_tally

    def sync_soldiers(self, step: int, have: np.ndarray | None = None) -> None:
        """Soldier agents on each grid = round(deployed soldiers in people x scale).

        Deployed means on a mission (clearing roads, escorting fuel). Garrison troops stay in
        barracks and checkpoint troops hold their junction: both count among the security forces
        of their place (paralysis) and checkpoints stop contingents, but neither patrols the grid.

        Arrivals go through ``mechanisms.repression.deploy_soldiers`` (it gives them loyalty);
        soldiers withdrawn leave the grid and become ``RESERVE`` rows that no phase reads.
        """
        from uprising.mechanisms import repression

        pop = self.pop
        n = pop.n
        # at least one agent for any deployment, each standing for its share of the soldiers in
        # people: the grid's fire is drawn per soldier deployed, whatever the rounding (issue #8:
        # at 1/1000, 500 soldiers rounded to one agent of 1,000 doubled the toll of their fire)
        want = np.floor(self.clearing * self.scale + 0.5).astype(np.int64)
        want[(want == 0) & (self.clearing >= 1.0)] = 1
        ms = getattr(self, "mechanisms", None)
        if ms is not None:
            if ms.soldiers_per_agent is None:
                ms.soldiers_per_agent = np.full(self.P, self.ppa)
            ms.soldiers_per_agent[:] = np.where(want > 0, self.clearing / np.maximum(want, 1), self.ppa)
        if have is None:  # soldiers on each grid, unless the caller has a fresh count
            have = self.tally()[:, kernels.T_SOLDIERS_ON_GRID]
        for p in np.flatnonzero(have != want):
            d = int(want[p] - have[p])
            if d > 0:
                repression.deploy_soldiers(self, int(p), d, step)
            else:
                n = pop.n
                rows = np.flatnonzero((pop.kind[:n] == SOLDIER) & (pop.cell[:n] >= 0) & (pop.place[:n] == p))
                for r in rows[:-d]:
                    self.remove_agent(r)
                    pop.kind[r] = RESERVE
                    pop.state[r] = DEAD

    def remove_agent(self, r: int) -> None:
        c = self.pop.cell[r]
        if c >= 0:
            self.places.occupant[c] = -1
            self.places.board[c] = EMPTY
        self.pop.cell[r] = -1

    def register_deaths(self, p: int, people: float, step: int, cause: str, actor2: str) -> None:
        """Deaths in people at place p: added to the toll; mirrored on the grid; logged.

        The grid loses one citizen (an active one if any, else any free citizen) each time the
        place's balance of deaths not yet shown reaches 1/scale people.
        """
        if people <= 0:
            return
        ms = self.mechanisms
        ms.deaths_people[p] += people
        ms.killed_step[p] += people
        self.deaths_clash[p] += people
        self.death_balance[p] += people
        pop = self.pop
        n = pop.n
        # candidates found once (one compiled pass, not a numpy pass per death); each pick removes
        # its row from the list, as recomputing the masks did
        cand, quiet_too = None, False
        while self.death_balance[p] >= self.ppa:
            if cand is None:
                cand = kernels.citizens_of(n, pop.kind, pop.state, pop.place, pop.cell, p, ACTIVE, True)
            if len(cand) == 0 and not quiet_too:
                cand = kernels.citizens_of(n, pop.kind, pop.state, pop.place, pop.cell, p, QUIET, True)
                quiet_too = True
            if len(cand) == 0:
                break
            g = self.gen("death_pick", step, p, int(ms.deaths_people[p]))
            j = int(g.integers(len(cand)))
            r = int(cand[j])
            cand = np.delete(cand, j)
            self.remove_agent(r)
            pop.state[r] = DEAD
            self.death_balance[p] -= self.ppa
        actors = self.cfg.actors
        self.log(step, "Violence against civilians", "Attack", actors.state, actors.civilians, p, int(round(people)),
                 f"{cause}: {int(round(people))} killed")

    def log(self, step, event_type, sub_event_type, actor1, actor2, p, fatalities, notes) -> None:
        if p is None:  # a national decision: no place, no point
            name, dep, lat, lon = "national", "", np.nan, np.nan
        else:
            name, dep, lat, lon = self.names[p], self.department[p], self.lat[p], self.lon[p]
        self.events_log.append(
            {
                "event_date": self.date_of(step),
                "event_type": event_type,
                "sub_event_type": sub_event_type,
                "actor1": actor1,
                "actor2": actor2,
                "admin1": dep,
                "location": name,
                "latitude": float(lat),
                "longitude": float(lon),
                "fatalities": int(fatalities),
                "notes": notes,
                "_step": int(step),
            }
        )

    # ------------------------------------------------------------------ recording
    def _alloc_record(self, steps: int) -> None:
        """Per step: the world's own columns, every mechanism's (``registry.columns``), blocked roads."""
        from uprising.world import registry

        rows = steps + 1
        P, E = self.P, self.E
        self.columns = {**BASE_COLUMNS, **registry.columns()}
        self.rec = {name: np.zeros((rows, P), dtype) for name, (_get, dtype) in self.columns.items()}
        self.rec_blocked = np.zeros((rows, E), bool)
        self.rec_rows = 0
        self.recording_step = 0
        # where each travelling contingent is, per step: [step, march, at, next, fraction of the leg, people]
        self.rec_march_pos: list[list] = []

    @property
    def rec_elite(self) -> np.ndarray:
        """Elite support per step (the regime's column, one value for every place)."""
        return self.rec["elite_support"][:, 0]

    def record_world(self, step: int) -> None:
        if step >= self.rec_blocked.shape[0]:
            for k, v in list(self.rec.items()):
                self.rec[k] = np.concatenate([v, np.zeros_like(v)])
            self.rec_blocked = np.concatenate([self.rec_blocked, np.zeros_like(self.rec_blocked)])
        self.recording_step = step
        for name, (get, _dtype) in self.columns.items():
            self.rec[name][step] = get(self)
        for k, m in enumerate(self.marches):
            if m.state == "travelling" and m.leg < len(m.route):  # the map: the leg under way, how far along
                _edge, nxt, days = m.route[m.leg]
                frac = min(1.0, max(0.0, 1.0 - m.left_days / days)) if days > 0 else 1.0
                self.rec_march_pos.append([int(step), k, int(m.at), int(nxt), float(frac), float(m.people)])
        self.rec_blocked[step] = self.blocked
        self.rec_rows = max(self.rec_rows, step + 1)

    def _mean_legitimacy(self, step: int) -> np.ndarray:
        """Mean L of living citizens per place (NaN where none): the mechanisms' column of this
        step when the recorder has it (no second pass over the rows), else one tally pass."""
        rec = self.recorder
        ms = getattr(self, "mechanisms", None)
        col = rec.extra.get("legitimacy_mean")
        fresh = ms is not None and ms.on.get("legitimacy") and (ms.on.get("repression") or ms.on.get("loyalty"))
        if fresh and col is not None and rec.rows > step and ms.tally.shape == (self.P, 8):
            cnt = ms.tally[:, :3].sum(axis=1)
            return np.where(cnt > 0, col[step], np.nan)
        t = self.tally()
        cnt = t[:, kernels.T_QUIET] + t[:, kernels.T_ACTIVE] + t[:, kernels.T_JAILED]
        return np.where(cnt > 0, self.last_legitimacy_sum / np.maximum(cnt, 1), np.nan)

    def ensure_slack(self, births_possible: int) -> None:  # engine API (Model II only)
        pass

    def sync_rows_from_counter(self) -> None:  # engine API (Model II only)
        pass
