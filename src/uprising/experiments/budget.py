"""The parameter budget of an episode: every value its scenario sets, by where it comes from.

Each value a ``scenario.toml`` writes carries a source tag in its comment (``# [calibrated]``,
``# [ours]``, ``# [record]``, ...); a value it leaves to the schema's default carries the tag of the
field's description (``world/config.py``, ``mechanisms/config.py``). The tags fall into four
kinds:

- ``data``: measured or recorded (``[data]``, ``[record]``, ``[facts]``, ``[article]``, census);
- ``literature``: a published model's value (``[E02]``: Epstein 2002), or another episode's value
  carried over unchanged (``[transfer]``: a transfer, not a fit);
- ``assumed``: the modellers' choice (``[ours]``);
- ``calibrated``: chosen so the ensemble meets the record (``[calibrated]``): free parameters.

Event fields that only name or place a decision (date, kind, name, places, groups, actor,
source) are the record, not parameters, and are left out; event sizes are counted. The budget
sets the free parameters beside the independent targets of ``record.toml``:
``python -m uprising.experiments.budget EPISODE`` or ``uprising budget EPISODE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("data", "literature", "assumed", "calibrated", "untagged")
LIBRARY_KINDS = ("fitted", "calibrated", "literature", "assumed", "data", "untagged")
_TAG = re.compile(r"\[([^\]]+)\]")
_KIND_OF = (
    ("calibrated", "calibrated"),
    (" fit", "calibrated"),  # a value fitted on one episode and carried to all ("[<episode> fit]")
    ("e02", "literature"),
    ("epstein", "literature"),
    ("transfer", "literature"),
    ("ours", "assumed"),
    ("record", "data"),
    ("data", "data"),
    ("facts", "data"),
    ("article", "data"),
    ("research notes", "data"),
    ("acled", "data"),
)
NOT_PARAMETERS = {"date", "kind", "name", "places", "groups", "actor", "source", "until", "target", "depot",
                  "description", "seed", "schedule", "model", "steps", "start", "end", "folder", "mission"}


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    kind: str
    tag: str
    line: int


def kind_of(comment: str) -> tuple[str, str]:
    """(kind, the tag as written) of a comment or description; 'untagged' without a known tag. A value
    tagged calibrated anywhere in its comment is calibrated (a free parameter, whatever informed it)."""
    tags = _TAG.findall(comment)
    for tag in tags:
        if "calibrated" in tag.casefold():
            return "calibrated", tag
    for tag in tags:
        low = tag.casefold()
        for needle, kind in _KIND_OF:
            if needle in low:
                return kind, tag
    low = comment.casefold()
    if "acled" in low:
        return "data", "ACLED"
    return "untagged", ""


def _entries(path: Path) -> list[Entry]:
    """Every ``key = value`` line of a scenario file, with its table and the tag of its comment."""
    out: list[Entry] = []
    table = ""
    counts: dict[str, int] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[["):
            table = line.strip("[] ")
            counts[table] = counts.get(table, -1) + 1
            table = f"{table}[{counts[table]}]"
            continue
        if line.startswith("["):
            table = line.strip("[] ")
            continue
        if "=" not in line:
            continue
        key, rest = line.split("=", 1)
        key = key.strip().strip('"')
        value, _, comment = rest.partition("#")
        if key in NOT_PARAMETERS or (table.startswith("events[") and key != "size" and key not in ("soldiers", "police", "days")):
            continue
        kind, tag = kind_of(comment)
        out.append(Entry(f"{table}.{key}" if table else key, value.strip()[:60], kind, tag, n))
    return out


def budget(source: str) -> dict:
    """The budget of an episode (a shipped name, a folder or its scenario.toml) and its record's targets."""
    from uprising.scenarios import load_scenario
    from uprising.scenarios.loader import episode_folder
    from uprising.world.history import has_record, load_record_file

    sc = load_scenario(source)
    folder = episode_folder(source) or (Path(sc.world.folder) if sc.world is not None else None)
    path = folder / "scenario.toml" if folder is not None and (folder / "scenario.toml").is_file() else Path(source)
    entries = _entries(path)
    counts = {k: sum(e.kind == k for e in entries) for k in KINDS}
    targets = []
    if sc.world is not None and has_record(sc.world.folder):
        targets = [t.name for t in load_record_file(sc.world.folder).targets]
    return {
        "scenario": sc.scenario.name,
        "file": str(path),
        "counts": counts,
        "free_parameters": counts["calibrated"],
        "targets": targets,
        "free_per_target": counts["calibrated"] / len(targets) if targets else None,
        "entries": [e.__dict__ for e in entries],
    }


def library_budget() -> dict:
    """The budget of the whole library: every value of the shared table (world/shared_values.toml) by
    where it comes from, those fitted by machine (world/fitted_parameters.toml) apart, against the
    headline targets of every shipped episode; and each episode's overrides of the table."""
    import tomllib

    from uprising.scenarios import load_scenario
    from uprising.scenarios.loader import SHARED_VALUES
    from uprising.scenarios.shipped import shipped_episodes
    from uprising.world.history import has_record, load_record_file

    fitted_file = SHARED_VALUES.parent / "fitted_parameters.toml"
    fitted = {p["key"] for p in tomllib.loads(fitted_file.read_text(encoding="utf-8"))["parameters"]}
    entries = []
    for e in _entries(SHARED_VALUES):
        kind = "fitted" if e.key in fitted else e.kind
        entries.append(Entry(e.key, e.value, kind, e.tag, e.line))
    missing = sorted(fitted - {e.key for e in entries})
    episodes = {}
    targets = 0
    for name in shipped_episodes():
        sc = load_scenario(name)
        n = len([t for t in load_record_file(sc.world.folder).targets if t.headline]) if has_record(sc.world.folder) else 0
        targets += n
        episodes[name] = {"targets": n, "tuned": list(sc.scenario.tuned)}
    counts = {k: sum(e.kind == k for e in entries) for k in LIBRARY_KINDS}
    return {
        "file": "src/uprising/world/shared_values.toml",
        "fitted_file": "src/uprising/world/fitted_parameters.toml",
        "counts": counts,
        "fitted": sorted(fitted),
        "fitted_not_in_table": missing,
        "episodes": episodes,
        "targets": targets,
        "fitted_per_target": len(fitted) / targets if targets else None,
        "entries": [e.__dict__ for e in entries],
    }


def markdown(b: dict) -> str:
    """The budget as a Markdown table (one row per value) with the counts."""
    rows = ["| key | value | kind | tag |", "|---|---|---|---|"]
    for e in b["entries"]:
        rows.append(f"| `{e['key']}` | `{e['value']}` | {e['kind']} | {e['tag']} |")
    c = b["counts"]
    head = (f"**{b['scenario']}**: {sum(c.values())} values: {c['data']} data, {c['literature']} literature "
            f"or carried over, {c['assumed']} assumed, {c['calibrated']} calibrated, {c['untagged']} untagged; "
            f"{len(b['targets'])} targets in record.toml.")
    return head + "\n\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - a convenience
    import sys

    print(markdown(budget(sys.argv[1])))


__all__ = ["budget", "library_budget", "markdown", "kind_of", "KINDS", "LIBRARY_KINDS"]
