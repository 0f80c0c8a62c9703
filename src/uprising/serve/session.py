"""One live run: the simulation, its controls, its levers, the decisions played, and what the page
draws (a frame of the board, the totals per step, the places of an episode).

The session knows nothing of the web: ``serve.app`` calls it between steps, under one lock.
After every step it keeps a snapshot (the board's bytes, the step's row), so the page reads the
last frame while the next step runs.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from uprising.errors import UserError
from uprising.serve import actions, levers
from uprising.serve.playlog import PlayLog, saved_scenario

FRAME_HEADER = 16  # uint32 x 4: step, place, height, width; then height x width int8 cells
SPEEDS = (1, 2, 5, 10, 20, 50, 0)  # steps per second; 0: as fast as the model steps


class Session:
    def __init__(self, scenario, seed: int | None = None, source: str = ""):
        self.setup = scenario.model_copy(deep=True)  # the scenario with the set-up levers applied
        self.seed = int(scenario.scenario.seed if seed is None else seed)
        self.source = source or scenario.scenario.name
        self.episode = scenario.world is not None
        self.levers = levers.levers_of(self.setup)
        self.playing = False
        self.speed = 10
        self.generation = 0
        self.place = 0
        self.log = PlayLog()
        self.played: list = []  # decisions taken, retaken when a set-up lever rebuilds the run at step 0
        self.busy = threading.Lock()  # held while the model steps (numba's threads are entered by one thread at a time)
        self._build()

    # ------------------------------------------------------------------ building and resetting
    def _build(self) -> None:
        from uprising.simulation import Simulation

        self.sim = Simulation(self.setup.model_copy(deep=True), seed=self.seed)
        self.model_seen = 0  # entries of the world's event log already read into the play log
        self.map = None
        if self.episode:
            from uprising.serve.map import MapLayout
            from uprising.world import geography as geo

            self.map = MapLayout(self.sim.world, geo.load_outline(self.sim.world.cfg.folder))
        for event in self.played:  # decisions taken at step 0 survive a set-up lever moved after them
            actions.take(self.sim, event)
        self.values = {lv.name: float(lv.get(self.setup)) for lv in self.levers}
        self.total = int(self.setup.scenario.steps)
        if self.episode:
            self.place = int(self.sim.world.capital)
        self.rows = [self._row(0)]
        self.generation += 1
        self._snap()

    def reset(self) -> None:
        self.playing = False
        self.log = PlayLog()
        self.played = []
        self._build()

    # ------------------------------------------------------------------ stepping
    @property
    def steps_done(self) -> int:
        return self.sim.steps_done

    def step(self) -> bool:
        """One step of the model; False (and pause) when the scenario's steps are all run."""
        if self.sim.steps_done >= self.total:
            self.playing = False
            return False
        with self.busy:
            self.sim.step()
        if self.episode:
            self._read_model_log()
        self.rows.append(self._row(self.sim.steps_done))
        self._snap()
        if self.sim.steps_done >= self.total:
            self.playing = False
        return True

    def _read_model_log(self) -> None:
        """The model's own decisions since the last step, from the world's event log (its
        "Strategic developments": actors' decisions, a party or the army withdrawing its support,
        the fall of the government), into the play log; the fall as an entry of its own."""
        w = self.sim.world
        log = w.events_log
        fell = w.resigned_step
        for e in log[self.model_seen:]:
            if e["event_type"] != "Strategic developments":
                continue
            step = int(e["_step"])
            when = w.date_of(step).isoformat()
            actor = str(e["actor1"] or "")
            notes = str(e["notes"])
            if fell is not None and step == fell and "successor" in notes:
                route = getattr(w, "fall_route", "") or ""
                self.log.add(step, "fall", f"the government falls on {when}"
                             + (f" ({route})" if route else "") + f": {notes}", takes_effect=step)
                continue
            where = "" if e["location"] in ("", "national") else f" in {e['location']}"
            self.log.add(step, "model", f"{actor}: {notes}{where} ({when})", takes_effect=step)
        if fell is not None and not any(e.what == "fall" for e in self.log.entries):
            reason = getattr(w, "resign_reason", "") or "no reason recorded"
            self.log.add(int(fell), "fall", f"the government falls on {w.date_of(int(fell)).isoformat()}: {reason}",
                         takes_effect=int(fell))
        self.model_seen = len(log)

    def _row(self, s: int) -> dict[str, Any]:
        """Totals of step ``s`` for the charts (people for an episode, agents for the grid)."""
        w = self.sim.world
        cols = w.recorder.columns()
        if not self.episode:
            return {"step": s, **{k: int(cols[k][s].sum()) for k in ("quiet", "active", "jailed", "dead", "cops")}}
        ppa = w.ppa
        return {
            "step": s,
            "date": w.date_of(s).isoformat(),
            "quiet": float(cols["quiet"][s].sum() * ppa),
            "active": float(cols["active"][s].sum() * ppa),
            "jailed": float(cols["jailed"][s].sum() * ppa),
            "dead": float(w.rec["deaths"][s].sum()),
            "roads_blocked": int(w.rec_blocked[s].sum()),
            "elite_support": float(w.rec_elite[s]),
            "fallen": w.resigned_step is not None and w.resigned_step <= s,
        }

    def _snap(self) -> None:
        """The last step's frame and places, read by the page while the next step runs."""
        w = self.sim.world
        s = self.sim.steps_done
        board = w.places.board_view(self.place)
        h, wd = board.shape
        header = np.array([s, self.place, h, wd], np.uint32).tobytes()
        places = None
        if self.episode:
            places = self._places(s)
            self.map.update(w.rec["deaths"][s])
            places["map"] = self.map.version
        # one assignment, so the page never reads a frame with another step's places
        self.snapshot = (s, header + board.tobytes(), places)

    @property
    def last_step(self) -> int:
        return self.snapshot[0]

    def _places(self, s: int) -> dict[str, Any]:
        w = self.sim.world
        cols = w.recorder.columns()
        ppa = w.ppa
        marches = []
        for row in reversed(w.rec_march_pos):
            if row[0] != s:
                break
            marches.append({"at": row[2], "next": row[3], "frac": row[4], "people": row[5]})
        return {
            "active": [round(float(v) * ppa) for v in cols["active"][s]],
            "people": [round(float(v) * ppa) for v in (cols["quiet"][s] + cols["active"][s] + cols["jailed"][s])],
            "deaths": [round(float(v), 1) for v in w.rec["deaths"][s]],
            "blocked": [int(e) for e in np.flatnonzero(w.rec_blocked[s])],
            "marches": marches,
        }

    def select(self, place: int) -> None:
        if not 0 <= int(place) < len(self.sim.world.places.height):
            raise UserError(None, "place", f"no place {place}")
        self.place = int(place)
        self._snap()

    def set_speed(self, value: Any) -> None:
        v = int(float(value))
        if v not in SPEEDS:
            raise UserError(None, "speed", f"{value!r}; allowed: {', '.join(map(str, SPEEDS))} (0: as fast as it runs)")
        self.speed = v

    # ------------------------------------------------------------------ levers and decisions
    def lever(self, name: str, value: Any) -> dict:
        lever = levers.find(self.levers, name)
        v = levers.checked(lever, value)
        s = self.sim.steps_done
        shown = ("on" if v else "off") if lever.kind == "bool" else f"{v:g}"
        if s == 0:  # a set-up value: the run is rebuilt with it, and a saved file holds it
            old = self.setup
            self.setup = old.model_copy(deep=True)
            try:
                _checked_by_scenario(name, lambda: lever.set_up(self.setup, v))
                self._build()
            except BaseException:
                self.setup = old
                raise
            self.log.add(0, "lever", f"{lever.label} = {shown} (set-up)")
        elif lever.when == "setup":
            raise UserError(None, name, "is read when the run is built; reset the run (step 0) to change it")
        else:
            _checked_by_scenario(name, lambda: lever.live(self.sim, self.sim.scenario, v))
            exact = lever.when == "dated" and (lever.exact is None or lever.exact(self.sim))
            how = "from the next step" if exact else "live (not in a saved scenario)"
            self.log.add(s, "lever", f"{lever.label} = {shown}, {how}", takes_effect=s + 1, exact=exact)
            self.values[name] = v
        return self.state()

    def decide(self, form: dict[str, Any]) -> dict:
        if not self.episode:
            raise UserError(None, "action", "decisions are played in an episode (a world of places)")
        event, step = actions.decision(self.sim, form)
        actions.take(self.sim, event)
        self.played.append(event)
        where = ", ".join(event.places) or "everywhere"
        detail = _detail(event)
        until = f", until {event.until.isoformat()}" if event.until else ""
        text = f"{event.actor}: {event.kind} ({where}{', ' + detail if detail else ''}{until}) on {event.date.isoformat()}"
        self.log.add(self.sim.steps_done, "decision", text, takes_effect=step)
        return self.state()

    def saved(self) -> str:
        """The scenario as played: set-up levers, dated levers and decisions. A lever moved live
        changed the running world, not a dated key: the file keeps its set-up value (the log's
        header says the replay is then not exact)."""
        scenario = self.sim.scenario.model_copy(deep=True)
        for lever in self.levers:
            if lever.when == "live":
                lever.set_up(scenario, float(lever.get(self.setup)))
        return saved_scenario(scenario, self.seed, self.sim.steps_done, self.log)

    # ------------------------------------------------------------------ what the page reads
    def state(self, log_since: int = 0) -> dict[str, Any]:
        s = self.sim.steps_done
        out = {
            "scenario": self.setup.scenario.name, "source": self.source, "kind": "episode" if self.episode else "grid",
            "seed": self.seed, "step": s, "total": self.total, "playing": self.playing, "speed": self.speed,
            "place": self.place, "generation": self.generation, "levers": dict(self.values),
            "exact": self.log.exact, "log": self.log.as_json(log_since), "plan": str(self.sim.plan),
            "row": self.rows[-1],
        }
        if self.episode:
            w = self.sim.world
            out["date"] = w.date_of(s).isoformat()
            out["decisions_taken"] = [list(d) for d in w.decisions_taken]
            out["events"] = len(self.sim.scenario.events)
        else:
            sc = self.sim.scenario
            out["interventions"] = [iv.model_dump() for iv in sc.interventions]
            out["legitimacy_now"] = _mean_legitimacy(self.sim.world)
        return out

    def meta(self) -> dict[str, Any]:
        """What the page needs once per build: sizes, levers, actors, the map's geometry, the series so far."""
        out: dict[str, Any] = {
            "type": "init", "state": self.state(), "speeds": list(SPEEDS),
            "levers": [{**lv.spec(self.setup), "value": self.values[lv.name]} for lv in self.levers],
            "rows": self.rows,
        }
        w = self.sim.world
        if self.episode:
            out["actors"] = actions.actors_of(self.sim.scenario)
            out["groups"] = [g.name for g in self.sim.scenario.groups]
            out["places"] = [{"name": w.names[p], "lon": float(w.lon[p]), "lat": float(w.lat[p]),
                              "population": int(w.population[p]), "tags": list(w.tags[p])} for p in range(w.P)]
            out["roads"] = [{"a": int(a), "b": int(b), "path": bool(path)}
                            for a, b, path in zip(w.road_src, w.road_dst, w.road_is_path)]
            out["map"] = self.map.spec()
            out["steps_per_day"] = int(w.spd)
            out["start"] = w.cfg.start.isoformat()
        return out


def _detail(event) -> str:
    """What the log says of a decision beyond its kind and places."""
    if event.kind == "concession":
        size = "the shared size" if event.size is None else f"size {event.size:g}"
        return size + (", withdraws" if event.withdraws else "")
    if event.kind == "deploy":
        return f"{event.soldiers} soldiers, {event.police} police, {event.mission}"
    if event.kind in ("state_of_siege", "convoys"):
        return f"force {event.force}"
    return ""


def _checked_by_scenario(name: str, change) -> None:
    """Run ``change``; a value the scenario's own checks refuse (e.g. citizens and cops filling more
    than the grid) is the user's mistake, named by the lever."""
    from pydantic import ValidationError

    try:
        change()
    except ValidationError as e:
        raise UserError(None, name, e.errors()[0].get("msg", str(e))) from None


def _mean_legitimacy(world) -> float | None:
    from uprising.engine.population import CITIZEN, DEAD

    pop = world.pop
    n = pop.n
    rows = (pop.kind[:n] == CITIZEN) & (pop.state[:n] != DEAD)
    return float(pop.legitimacy[:n][rows].mean()) if rows.any() else None


__all__ = ["Session", "SPEEDS", "FRAME_HEADER"]
