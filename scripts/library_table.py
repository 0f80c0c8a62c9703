"""Write docs/episodes/README.md, the library page, from the shipped episode folders.

    .venv/bin/python scripts/library_table.py                          # rewrite the page
    .venv/bin/python scripts/library_table.py --check                  # exit 1 if the page is stale
    .venv/bin/python scripts/retake_figures.py --run --episodes NAME      # validate NAME in both modes, then this

Nothing in the page is typed by hand. Each row comes from one folder of ``src/uprising/episodes/``:
the country, the outcome and its route, the concession and the deaths range from ``record.toml``;
the period from ``scenario.toml`` ``[world]`` (``uprising.scenarios.shipped.episode_entry``, the same
line ``uprising scenarios`` prints); the counts of rows of ``places.csv`` and ``record_events.csv``;
the main sources from the ``source`` column of the folder's CSV files (``title | address``).

The two validation columns come from ``docs/results/validation/<episode>-<mode>.json`` (committed),
with ``<mode>`` ``record`` or ``actors``: the summaries ``scripts/retake_figures.py --run`` keeps of
``uprising validate``, the same files docs/validation.md and README.md are written from. An episode
and mode with no result reads "not yet run".
``tests/test_library_docs.py`` fails when the page differs from what this script writes.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPISODES = ROOT / "src" / "uprising" / "episodes"
PAGE = ROOT / "docs" / "episodes" / "README.md"
VALIDATION = ROOT / "docs" / "results" / "validation"  # <episode>-<mode>.json: scripts/retake_figures.py --run
MODES = ("record", "actors")
MAIN_SOURCES = 3  # addresses shown per episode
NOT_RUN = "not yet run"

# ISO 3166-1 alpha-2 codes of South America (the twelve states, French Guiana and the Falklands)
SOUTH_AMERICA = frozenset({"AR", "BO", "BR", "CL", "CO", "EC", "GY", "PY", "PE", "SR", "UY", "VE", "GF", "FK"})

_URL = re.compile(r"https?://[^\s;|]+")


def country_code(entry) -> str:
    """The record's ISO code, or the code pycountry gives its country's name (older records lack one)."""
    if entry.country_code:
        return entry.country_code.upper()
    import pycountry

    try:
        return pycountry.countries.lookup(entry.country).alpha_2
    except LookupError:
        return ""


def csv_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _citations(rows: list[dict]) -> list[tuple[str, str]]:
    """Every ``(title, address)`` a set of rows cites: a row's ``source`` is ``title | address``, several
    joined by `` ; ``."""
    out = []
    for row in rows:
        for part in (row.get("source") or "").split(" ; "):
            head, _, tail = part.partition(" | ")
            match = _URL.search(tail) if tail else None
            if match is not None:
                out.append((head.strip(), match.group(0).rstrip(".,)")))
    return out


def _ranked(rows: list[dict], skip: set[str]) -> list[tuple[str, str]]:
    """Addresses by the number of rows citing them (ties: the first cited), each with the title the
    rows give it most often; an address cited only in rows that cite a higher one (a mirror) is left out."""
    count: Counter[str] = Counter()
    titles: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    cited_in: dict[str, set[int]] = {}
    for i, row in enumerate(rows):
        for title, url in _citations([row]):
            titles.setdefault(url, Counter())[title] += 1
            first.setdefault(url, len(first))
            cited_in.setdefault(url, set()).add(i)
    for url, where in cited_in.items():
        count[url] = len(where)
    out: list[tuple[str, str]] = []
    kept: list[str] = []
    for url in sorted(count, key=lambda u: (-count[u], first[u])):
        if url in skip or any(cited_in[url] <= cited_in[k] for k in kept):
            continue
        kept.append(url)
        title = max(titles[url].items(), key=lambda kv: (kv[1], len(kv[0])))[0]
        out.append((title or url, url))
    return out


def main_sources(folder: Path) -> list[tuple[str, str, str]]:
    """``(what, title, address)``: the census (the address most cited by places.csv) and the
    ``MAIN_SOURCES - 1`` addresses most cited by the record's rows (record_events.csv, record_facts.csv)."""
    census = _ranked(csv_rows(folder / "places.csv"), set())[:1]
    record = _ranked(csv_rows(folder / "record_events.csv") + csv_rows(folder / "record_facts.csv"),
                     {url for _, url in census})[: MAIN_SOURCES - len(census)]
    return [("census", t, u) for t, u in census] + [("record", t, u) for t, u in record]


def _md(text: str) -> str:
    """A cell's text: no pipe, no newline, no link brackets."""
    return " ".join(str(text).replace("|", "/").replace("[", "(").replace("]", ")").split())


def _num(x) -> str:
    from uprising.report.sections import fmt_median  # one formatter of medians on every page

    return fmt_median(x)


# ---------------------------------------------------------------------------------- validation


def condense(result: dict, source: str) -> dict:
    """What the page shows of one ``validation.json``: the ensemble, the targets and what they gave."""
    return {
        "from": source,
        "runs": result.get("runs"),
        "scale": result.get("scale"),
        "root_seed": result.get("root_seed"),
        "decisions_mode": result.get("decisions_mode"),
        "provisional": result.get("provisional", False),
        "resigned_share": result.get("resigned_share"),
        "deaths_median": result.get("deaths_median"),
        "deaths_p10": result.get("deaths_p10"),
        "deaths_p90": result.get("deaths_p90"),
        "targets": [{k: t.get(k) for k in ("name", "measure", "value", "target", "met", "headline")}
                    for t in result.get("targets") or []],
    }


def read_results(directory: Path, episodes: list[str]) -> dict[str, dict[str, dict]]:
    """``{episode: {mode: condensed}}`` for every ``<episode>-<mode>`` result found in ``directory``."""
    found: dict[str, dict[str, dict]] = {}
    for name in episodes:
        for mode in MODES:
            for path in (directory / f"{name}-{mode}" / "validation.json", directory / f"{name}-{mode}.json"):
                if not path.is_file():
                    continue
                result = json.loads(path.read_text(encoding="utf-8"))
                got = result.get("decisions_mode")
                if got not in (None, mode):
                    sys.exit(f"{path}: decisions_mode '{got}' is not the mode its name says ('{mode}')")
                try:
                    label = path.resolve().relative_to(ROOT).as_posix()
                except ValueError:
                    label = f"{path.parent.name}/{path.name}"
                found.setdefault(name, {})[mode] = condense(result, label)
                break
    return found


def load_validation(path: Path = VALIDATION) -> dict:
    from uprising.scenarios.shipped import shipped_episodes

    return read_results(path, shipped_episodes()) if path.is_dir() else {}


def validation_cell(v: dict | None) -> str:
    if not v:
        return NOT_RUN
    targets = v.get("targets") or []
    met = sum(1 for t in targets if t.get("met"))
    text = f"{met}/{len(targets)} targets met"
    missed = [t.get("name") or t.get("measure") for t in targets if not t.get("met")]
    if missed:
        text += f" (missed: {'; '.join(missed)})"
    share = v.get("resigned_share")
    if share is not None:
        text += f"; fell in {100 * float(share):.0f}% of {v.get('runs')} runs"
    if v.get("deaths_median") is not None:
        text += (f"; deaths median {_num(v['deaths_median'])} "
                 f"(p10 {_num(v.get('deaths_p10'))}, p90 {_num(v.get('deaths_p90'))})")
    if v.get("scale"):
        text += f"; scale {v['scale']:g}"
    if v.get("provisional"):
        text += "; provisional, to be retaken"
    return _md(text)


# ---------------------------------------------------------------------------------- the page


def rows() -> list[dict]:
    from uprising.scenarios.shipped import list_episodes

    out = []
    for e in list_episodes():
        folder = EPISODES / e.name
        out.append({
            "entry": e,
            "code": country_code(e),
            "places": len(csv_rows(folder / "places.csv")),
            "record_rows": len(csv_rows(folder / "record_events.csv")),
            "sources": main_sources(folder),
        })
    return out


def render(validation: dict | None = None) -> str:
    validation = load_validation() if validation is None else validation
    table = rows()
    entries = [r["entry"] for r in table]
    fell = sum(1 for e in entries if e.resigned)
    countries = {r["code"] or r["entry"].country for r in table}
    outside = {c for c in countries if c not in SOUTH_AMERICA}
    out = [
        "# The episode library",
        "",
        "<!-- Written by scripts/library_table.py from the episode folders; do not edit by hand. -->",
        "",
        "Each shipped episode is a folder of `src/uprising/episodes/` (docs/episode-data.md says what it",
        "holds; docs/episodes.md how to write one). This page is written from the folders by",
        "`.venv/bin/python scripts/library_table.py`, and `tests/test_library_docs.py` fails when it differs",
        "from what the script writes now. `uprising scenarios` prints the first five columns.",
        "",
        f"{len(entries)} episodes: the head of government fell in {fell} and survived in {len(entries) - fell}; "
        f"{len(countries)} countries, {len(outside)} of them outside South America.",
        "",
        "| episode | country | period | outcome on record (route) | deaths on record | places | record rows "
        "| main sources | validation, record mode | validation, actors mode |",
        "|---|---|---|---|---|---:|---:|---|---|---|",
    ]
    for r in table:
        e = r["entry"]
        link = f"../../src/uprising/episodes/{e.name}"
        outcome = e.outcome + (f": {e.concession}" if e.concession else "")
        sources = "; ".join(f"{what}: [{_md(title)}]({url})" for what, title, url in r["sources"])
        sources = (sources + "; " if sources else "") + f"all in [SOURCES.md]({link}/SOURCES.md)"
        v = validation.get(e.name) or {}
        cells = [
            f"[`{e.name}`]({link}/) {_md(e.title)}",
            _md(f"{e.country} ({r['code']})" if r["code"] else e.country or "—"),
            e.period,
            _md(outcome),
            e.deaths_range,
            str(r["places"]),
            str(r["record_rows"]),
            sources,
            validation_cell(v.get("record")),
            validation_cell(v.get("actors")),
        ]
        out.append("| " + " | ".join(cells) + " |")
    out += [
        "",
        "## How the columns are filled",
        "",
        "- **period**: `[world]` `start` and `end` of the folder's `scenario.toml`.",
        "- **outcome on record (route)**: `record.toml` `[outcome]`: `fell by <route> on <fall_date>` or",
        "  `survived`, then the concession and its date when the record has one.",
        "- **deaths on record**: `record.toml` `[outcome] deaths`, the range over the sources.",
        "- **places**, **record rows**: the rows of `places.csv` and of `record_events.csv`.",
        "- **main sources**: counted over the `source` column of the folder's CSV files, where each row",
        "  cites `title | address`: the census is the address most rows of `places.csv` cite, and the record",
        f"  the {MAIN_SOURCES - 1} addresses most rows of `record_events.csv` and `record_facts.csv` cite, each with",
        "  the title the rows give it most often (an address cited only beside a higher one, a mirror, is",
        "  left out). Every source, and the arithmetic behind derived figures, is in the folder's SOURCES.md.",
        "- **validation**: the targets of `record.toml` met by an ensemble of `uprising validate`, the share",
        "  of runs in which the government fell and the median deaths, in each mode: `record` replays the",
        "  record's decisions, `actors` lets the organisations and the government take them",
        "  (docs/validation.md). The results are kept in `docs/results/validation/<episode>-<mode>.json`, the",
        "  files docs/validation.md and README.md are written from too, taken with",
        "",
        "  ```sh",
        "  .venv/bin/python scripts/retake_figures.py --run   # uprising validate EPISODE -n 20 [--set scenario.decisions=actors]",
        "  ```",
        "",
        "  which rewrites this page from them; each file keeps its command and date. An episode and mode",
        f"  without one reads \"{NOT_RUN}\".",
        "  A missed target is listed by name: misses are reported, not tuned away.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs from what would be written")
    args = parser.parse_args(argv)
    validation = load_validation()
    text = render(validation)
    if args.check:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run scripts/library_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}: {len(text.splitlines())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
