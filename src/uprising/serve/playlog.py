"""The play log: every control, lever and decision of a live run, and the play-through saved as
a scenario file.

The saved file is the running scenario, resolved (``scenarios.emit.scenario_to_toml``, as
``uprising run`` writes ``scenario.toml``) with the session's seed: the decisions are its dated
``[[events]]``, the classic levers moved mid-run its ``[[interventions]]`` and a group's legitimacy
moved mid-run its ``[[legitimacy.shocks]]``, so
``uprising run FILE`` replays the play-through step for step. Its first lines are comments: the
log, and whether the replay is exact (a lever changed live mid-run is not in the file).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Entry:
    step: int  # steps done when the user acted
    what: str  # "lever" | "decision" | "control"; the model's own: "model" (a decision) | "fall" (the government's)
    text: str
    takes_effect: int | None = None  # the step at which it acts (decisions: the first step of a day)
    exact: bool = True  # a saved play-through replays it


@dataclass
class PlayLog:
    entries: list[Entry] = field(default_factory=list)

    def add(self, step: int, what: str, text: str, takes_effect: int | None = None, exact: bool = True) -> Entry:
        entry = Entry(step, what, text, takes_effect, exact)
        self.entries.append(entry)
        return entry

    @property
    def exact(self) -> bool:
        return all(e.exact for e in self.entries)

    def not_replayed(self) -> list[Entry]:
        return [e for e in self.entries if not e.exact]

    def as_json(self, since: int = 0) -> list[dict]:
        return [{"i": i, **asdict(e)} for i, e in enumerate(self.entries) if i >= since]


def saved_scenario(scenario, seed: int, steps_done: int, log: PlayLog) -> str:
    """The play-through as a scenario file (TOML text)."""
    from uprising.scenarios import scenario_to_toml

    copy = scenario.model_copy(deep=True)
    copy.scenario.seed = int(seed)
    lines = [
        f"# A play-through of `uprising serve`: seed {seed}, {steps_done} steps played.",
        "# Decisions are the [[events]] marked source = \"uprising serve\"; classic levers moved mid-run are",
        "# the [[interventions]], a group's legitimacy moved mid-run a [[legitimacy.shocks]] entry of that group.",
        "# `uprising run THIS_FILE` replays it.",
    ]
    if log.exact:
        lines.append("# The replay is exact: same seed, same trajectory as the live play.")
    else:
        lines.append("# Not exact: these levers were changed live mid-run and no scenario key dates them:")
        lines += [f"#   step {e.step}: {e.text}" for e in log.not_replayed()]
    lines.append("# Log:")
    lines += [f"#   step {e.step}: {e.what}: {e.text}" for e in log.entries if e.what in ("lever", "decision")]
    return "\n".join(lines) + "\n\n" + scenario_to_toml(copy)


__all__ = ["Entry", "PlayLog", "saved_scenario"]
