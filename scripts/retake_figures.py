"""The figures of README.md and docs/ from the commands that give them (issue #22).

    .venv/bin/python scripts/retake_figures.py --run              # rerun the measurements (every episode, both modes)
    .venv/bin/python scripts/retake_figures.py --run --runs 2 --episodes ecuador-2019   # a small test of it
    .venv/bin/python scripts/retake_figures.py --budget           # only `uprising budget` (no simulation)
    .venv/bin/python scripts/retake_figures.py --crossval results/crossval   # take in `uprising crossval --out DIR`
    .venv/bin/python scripts/retake_figures.py                    # rewrite the docs' generated blocks
    .venv/bin/python scripts/retake_figures.py --check            # exit 1 if a block differs from docs/results/

Two steps, kept apart so that the docs can be rewritten without running anything:

1. ``--run`` measures and writes small result files to ``docs/results/`` (committed), each with the
   command that produced it, the UTC date, the commit and the number of runs:

   - ``docs/results/validation/<episode>-<mode>.json``: for each shipped episode and each way of
     taking decisions (``record``; ``actors``: ``--set scenario.decisions=actors``), the command
     ``uprising validate EPISODE -n RUNS --out results/retake/<episode>-<mode>`` is run and a compact
     summary of its ``validation.json`` is kept: the targets met and missed with their figures, the
     share of runs in which the government fell, the fall dates, the routes, deaths (median, p10,
     p90), the scores and the record's values. A file from fewer than ``FULL_RUNS`` runs is marked
     provisional, and every block written from it says so.
   - ``docs/results/budget.json``: what ``uprising budget`` (the shared values of the library) and
     ``uprising budget EPISODE`` (each folder) count, from the functions those commands print.
   - ``docs/results/crossval.json`` (``--crossval DIR``): the leave-one-out predictions that
     ``uprising crossval --out DIR`` wrote, taken in rather than rerun (its fits take hours).

2. Without ``--run`` the script rewrites every generated block of README.md and docs/**/*.md from
   those files. A block sits between two markers, each on its own line::

       <!-- figures:validation-targets ecuador-2019 record -->
       ...written by this script...
       <!-- /figures:validation-targets -->

   The kinds are the keys of ``BLOCKS``; each block states the command and the date its figures
   were taken. A result not yet taken renders as "not yet taken" with the command to take it,
   never as a number. ``scripts/library_table.py`` reads the same validation files for the
   library page (docs/episodes/README.md), and this script rewrites that page too.

``tests/test_docs_figures.py`` fails when a block differs from what ``render_text`` writes from
``docs/results/`` now, or names a result file that does not exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
VALIDATION = RESULTS / "validation"
BUDGET = RESULTS / "budget.json"
RUNS_DIR = "results/retake"  # where the full validation.json of each run is left (not committed)
MODES = ("record", "actors")
MODE_SET = {"record": [], "actors": ["--set", "scenario.decisions=actors"]}
FULL_RUNS = 20  # fewer runs than this: the result is provisional
SCRIPT = "python scripts/retake_figures.py"
MISSING = "—"

MARKER = re.compile(
    r"^<!-- figures:(?P<kind>[a-z][a-z0-9-]*)(?P<args>(?: [^\s>]+)*) -->\n(?P<body>.*?)^<!-- /figures:(?P=kind) -->$",
    re.M | re.S)
OPENING = re.compile(r"<!-- figures:([a-z][a-z0-9-]*)")
NAMED_FILE = re.compile(r"docs/results/[A-Za-z0-9_./-]+\.json")


# ------------------------------------------------------------------------------------ formatting


def fmt_median(value) -> str:
    """The report's formatter of medians and other continuous figures (uprising.report.sections)."""
    from uprising.report.sections import fmt_median as fmt

    return fmt(value)


def share(value) -> str:
    """A share of runs, 0-1, two decimals."""
    return MISSING if value is None else f"{float(value):.2f}"


def figure(measure: str, value) -> str:
    """A target's value: a share with two decimals, any other measure as a median."""
    return share(value) if measure.endswith("_share") else fmt_median(value)


def day(iso: str | None) -> str:
    if not iso:
        return MISSING
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def wanted(target: str) -> str:
    return str(target).replace(">=", "≥").replace("<=", "≤")


def _round(x):
    """Four significant digits: the files stay small and their diffs readable."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, float):
        return float(f"{x:.4g}") if x == x else None
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


# ------------------------------------------------------------------------------------ results


def episodes() -> list[str]:
    from uprising.scenarios.shipped import shipped_episodes

    return shipped_episodes()


def result_path(episode: str, mode: str, results: Path = RESULTS) -> Path:
    return results / "validation" / f"{episode}-{mode}.json"


def label(path: Path) -> str:
    """A path as the docs name it: relative to the repository."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def commit() -> str:
    """The commit the measurement ran at, with '+' when src/ had uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+" if git("status", "--porcelain", "--", "src") else "")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def record_route(episode: str) -> str | None:
    from uprising.scenarios.shipped import shipped_path
    from uprising.world.history import load_record_file

    return load_record_file(shipped_path(episode).parent).outcome.route


def summarise(result: dict, *, episode: str, mode: str, command: str, script: str, taken: str, at: str,
              seconds: float | None = None, route: str | None = None) -> dict:
    """The compact summary kept of one ``validation.json`` (``uprising validate``'s output)."""
    runs = result.get("runs") or 0
    per_run = result.get("per_run") or []
    routes = Counter((r.get("fall_route") or "none") for r in per_run)
    targets = [{k: t.get(k) for k in ("name", "measure", "value", "target", "met", "headline")}
               for t in result.get("targets") or []]
    scores = {k: v for k, v in (result.get("scores") or {}).items() if not k.startswith("skill")}
    skill = (result.get("scores") or {}).get("skill") or {}
    vs = (result.get("scores") or {}).get("skill_vs_climatology") or {}
    rec = result.get("record") or {}
    return _round({
        "command": command,
        "script": script,
        "taken": taken,
        "commit": at,
        "runs": runs,
        "provisional": runs < FULL_RUNS,
        "seconds": round(seconds, 1) if seconds is not None else None,
        "episode": episode,
        "decisions_mode": mode,
        "root_seed": result.get("root_seed"),
        "scale": result.get("scale"),
        "targets": targets,
        "targets_met": sum(bool(t["met"]) for t in targets),
        "targets_total": len(targets),
        "headline_met": bool(result.get("headline_met", all(t["met"] for t in targets if t.get("headline", True)))),
        "resigned_share": result.get("resigned_share"),
        "resignation_date_median": result.get("resignation_date_median"),
        "resignation_date_min": result.get("resignation_date_min"),
        "resignation_date_max": result.get("resignation_date_max"),
        "routes": {k: routes[k] / len(per_run) for k in sorted(routes)} if per_run else {},
        "deaths_median": result.get("deaths_median"),
        "deaths_p10": result.get("deaths_p10"),
        "deaths_p90": result.get("deaths_p90"),
        "capital_death_share": result.get("capital_death_share"),
        "phases_in_order_share": result.get("phases_in_order_share"),
        "backfire_share": result.get("backfire_share"),
        "scores": scores,
        "skill": skill.get("value"),
        "skill_vs_climatology": vs.get("value"),
        "baseline": {k: v for k, v in (result.get("baseline") or {}).items() if k != "name"},
        "climatology": {k: v for k, v in (result.get("climatology") or {}).items() if k != "name"},
        "record": {
            "resigned": rec.get("resigned"),
            "route": route if route is not None else rec.get("route"),
            "resignation_date": rec.get("resignation_date"),
            "concession": rec.get("concession"),
            "concession_date": rec.get("concession_date"),
            "deaths": rec.get("deaths"),
            "deaths_area": rec.get("deaths_area"),
            "capital_death_share": rec.get("capital_death_share"),
            "backfire": rec.get("backfire"),
        },
    })


def _uprising() -> list[str]:
    exe = Path(sys.executable).with_name("uprising")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "uprising"]


def validate_command(episode: str, mode: str, runs: int, workers: int | None) -> list[str]:
    """The command as recorded (its printed tables are not kept: it runs with -q)."""
    args = ["validate", episode, "-n", str(runs), *MODE_SET[mode], "--out", f"{RUNS_DIR}/{episode}-{mode}"]
    return args + (["--workers", str(workers)] if workers else [])


def take_validation(episode: str, mode: str, runs: int, workers: int | None, script: str,
                    results: Path = RESULTS) -> Path:
    """Run ``uprising validate`` for one episode and mode; write its summary; return the file."""
    args = validate_command(episode, mode, runs, workers)
    command = "uprising " + shlex.join(args)
    print(f"retake: {command}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(_uprising() + args + ["-q"], cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"retake: `{command}` exited {done.returncode}")
    result = json.loads((ROOT / RUNS_DIR / f"{episode}-{mode}" / "validation.json").read_text(encoding="utf-8"))
    summary = summarise(result, episode=episode, mode=mode, command=command, script=script, taken=now(),
                        at=commit(), seconds=seconds, route=record_route(episode))
    path = result_path(episode, mode, results)
    write_json(path, summary)
    print(f"retake: wrote {label(path)} ({seconds:.0f} s)", flush=True)
    return path


def budget_figures() -> dict:
    """What `uprising budget` and `uprising budget EPISODE` count now (no simulation)."""
    from uprising.experiments.budget import budget, library_budget
    from uprising.scenarios.shipped import shipped_path
    from uprising.world.history import has_record, load_record_file

    lib = library_budget()
    out = {
        "library": {
            "file": lib["file"],
            "fitted_file": lib["fitted_file"],
            "counts": lib["counts"],
            "values": sum(lib["counts"].values()),
            "fitted": lib["fitted"],
            "targets": lib["targets"],
            "episodes": len(lib["episodes"]),
            "tuned": {n: e["tuned"] for n, e in lib["episodes"].items() if e["tuned"]},
        },
        "episodes": {},
    }
    for name in lib["episodes"]:
        b = budget(name)
        folder = shipped_path(name).parent
        targets = load_record_file(folder).targets if has_record(folder) else []
        by_mode = Counter(t.mode for t in targets)
        out["episodes"][name] = {
            "counts": b["counts"],
            "values": sum(b["counts"].values()),
            "calibrated": b["free_parameters"],
            "targets": {"total": len(targets), "headline": sum(bool(t.headline) for t in targets),
                        **{m: by_mode.get(m, 0) for m in ("any", "record", "actors")}},
        }
    return out


def take_budget(script: str, results: Path = RESULTS) -> Path:
    print("retake: uprising budget, uprising budget EPISODE (in process)", flush=True)
    data = {"command": "uprising budget; uprising budget EPISODE", "script": script, "taken": now(),
            "commit": commit(), **budget_figures()}
    path = results / "budget.json"
    write_json(path, data)
    print(f"retake: wrote {label(path)}", flush=True)
    return path


CROSSVAL_KEEP = ("name", "record_fell", "p_fall", "fall_date_median", "record_fall_date", "date_error_days", "route",
                 "record_route", "deaths_median", "deaths_p10", "deaths_p90", "record_deaths", "direction_right",
                 "deaths_within_factor_3", "route_right", "runs", "failed", "base_rate")


def take_crossval(source: Path, script: str, results: Path = RESULTS) -> Path:
    """Take in the ``crossval.json`` that ``uprising crossval --out DIR`` (or ``--predict``) wrote: the
    fits are too long to rerun here. The file's own time is the date it was taken."""
    path = source / "crossval.json" if source.is_dir() else source
    if not path.is_file():
        raise SystemExit(f"--crossval: no crossval.json at {source} (uprising crossval --out DIR writes one)")
    cv = json.loads(path.read_text(encoding="utf-8"))
    if cv.get("kind") != "crossval":
        raise SystemExit(f"--crossval: {path} is not the output of uprising crossval")
    settings = cv.get("settings") or {}
    command = settings.get("command") or f"uprising crossval --predict --runs {cv.get('runs')} --seed {cv.get('seed')}"
    written = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data = _round({"command": command, "script": script, "taken": written, "commit": commit(),
                   "runs": cv.get("runs"), "provisional": (cv.get("runs") or 0) < FULL_RUNS, "seed": cv.get("seed"),
                   "overrides": cv.get("overrides") or {},
                   "episodes": [{k: e.get(k) for k in CROSSVAL_KEEP} for e in cv.get("episodes") or []],
                   "scores": cv.get("scores") or {}})
    out = results / "crossval.json"
    write_json(out, data)
    print(f"retake: took in {label(path)} as {label(out)}", flush=True)
    return out


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# ------------------------------------------------------------------------------------ the blocks


def _taken(r: dict) -> str:
    return f"taken {r['taken']} at commit {r['commit']}"


def _provisional(r: dict) -> str:
    if not r.get("provisional"):
        return ""
    return (f" **Provisional: {r['runs']} runs, a test of `{SCRIPT}`; to be retaken with "
            f"{FULL_RUNS} or more.**")


def _not_taken(episode: str, mode: str) -> str:
    return (f"Not yet taken: `{SCRIPT} --run --episodes {episode} --modes {mode}` takes it "
            f"(`uprising {shlex.join(['validate', episode, '-n', str(FULL_RUNS), *MODE_SET[mode]])}`).")


def _record_outcome(rec: dict) -> str:
    if rec.get("resigned"):
        text = f"fell by {rec.get('route') or 'resignation'} on {day(rec.get('resignation_date'))}"
    else:
        text = "survived"
    if rec.get("concession_date"):
        text += f", concession {day(rec['concession_date'])}"
    return text


def _deaths_range(rec: dict) -> str:
    d = rec.get("deaths")
    if not d:
        return MISSING
    lo, hi = (fmt_median(x) for x in d)
    return lo if lo == hi else f"{lo}–{hi}"


def _routes(r: dict) -> str:
    routes = r.get("routes") or {}
    return ", ".join(f"{k} {share(v)}" for k, v in sorted(routes.items(), key=lambda kv: (-kv[1], kv[0]))) or MISSING


def _fall_dates(r: dict) -> str:
    if not r.get("resignation_date_median"):
        return MISSING
    return f"{day(r['resignation_date_median'])} [{day(r['resignation_date_min'])}, {day(r['resignation_date_max'])}]"


def _deaths(r: dict) -> str:
    return f"{fmt_median(r.get('deaths_median'))} [{fmt_median(r.get('deaths_p10'))}, {fmt_median(r.get('deaths_p90'))}]"


def _cell(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def block_validation_table(results: Path, *args: str) -> str:
    """Every episode and mode in one table: targets, the fall, its routes, deaths, beside the record."""
    if args:
        raise ValueError(f"validation-table takes no arguments, got {' '.join(args)}")
    names = episodes()
    found = {(e, m): load(result_path(e, m, results)) for e in names for m in MODES}
    rows = [
        "| episode | decisions | runs | targets met | missed | government fell | fall, median [first, last] "
        "| routes (share of runs) | deaths, median [p10, p90] | record | taken |",
        "|---|---|---:|---|---|---:|---|---|---|---|---|",
    ]
    for (e, m), r in found.items():
        if r is None:
            continue
        missed = [t["name"] + ("" if t.get("headline", True) else " (known miss)")
                  for t in r["targets"] if not t["met"]]
        rec = r["record"]
        rows.append("| " + " | ".join(_cell(c) for c in [
            f"`{e}`", m, f"{r['runs']}" + (" (provisional)" if r.get("provisional") else ""),
            f"{r['targets_met']} of {r['targets_total']}", "; ".join(missed) or MISSING,
            share(r.get("resigned_share")), _fall_dates(r), _routes(r), _deaths(r),
            f"{_record_outcome(rec)}; deaths {_deaths_range(rec)}", r["taken"].split(" ")[0],
        ]) + " |")
    taken = [r for r in found.values() if r is not None]
    out = []
    if taken:
        out += rows + [""]
        out.append(f"Each row is `uprising validate EPISODE -n RUNS` (root seed 2003; the actors rows with "
                   f"`--set scenario.decisions=actors`), run by `{SCRIPT} --run` and kept in "
                   f"docs/results/validation/ as `<episode>-<mode>.json` with its command, date and commit; "
                   f"\"government fell\" is the share of runs in which it fell by any route.")
        if any(r.get("provisional") for r in taken):
            out.append("")
            out.append(f"**Rows marked provisional come from fewer than {FULL_RUNS} runs: a test of the script, "
                       "not a result. They are to be retaken.**")
    missing = []
    for e in names:
        lacking = [m for m in MODES if found[(e, m)] is None]
        if lacking:
            missing.append(e if len(lacking) == len(MODES) else f"{e} ({', '.join(lacking)})")
    if missing:
        out += ([""] if out else []) + [
            f"Not yet taken (both modes unless one is named): {', '.join(missing)}. `{SCRIPT} --run` takes "
            f"every episode in both modes "
            f"(`--episodes`, `--modes` and `--runs` narrow it)."]
    return "\n".join(out)


def block_validation_targets(results: Path, *args: str) -> str:
    """One episode and mode: its targets, the outcome beside the record, the scores beside the baselines."""
    if len(args) != 2 or args[1] not in MODES:
        raise ValueError(f"validation-targets takes EPISODE MODE (mode one of {', '.join(MODES)}), got {' '.join(args)}")
    episode, mode = args
    path = result_path(episode, mode, results)
    r = load(path)
    if r is None:
        return _not_taken(episode, mode)
    rec = r["record"]
    wall = f" in {fmt_median(r['seconds'])} s" if r.get("seconds") is not None else ""
    out = [f"`{r['command']}`, {_taken(r)}, {r['runs']} runs{wall}, from "
           f"{label(ROOT / 'docs' / 'results' / path.relative_to(results))}.{_provisional(r)}", "",
           "| target | model | wanted | met |", "|---|---|---|---|"]
    for t in r["targets"]:
        name = t["name"] + ("" if t.get("headline", True) else " (known miss)")
        out.append(f"| {_cell(name)} | {figure(t['measure'], t['value'])} | {_cell(wanted(t['target']))} | "
                   f"{'yes' if t['met'] else '**no**'} |")
    area = ", ".join(rec.get("deaths_area") or []) or "the capital"
    out += ["", f"The government fell in {share(r.get('resigned_share'))} of runs (record: {_record_outcome(rec)})"
            + (f", median {_fall_dates(r)}" if r.get("resignation_date_median") else "")
            + f"; routes: {_routes(r)}. Deaths median {fmt_median(r.get('deaths_median'))} [p10 "
            f"{fmt_median(r.get('deaths_p10'))}, p90 {fmt_median(r.get('deaths_p90'))}] "
            f"against the record's {_deaths_range(rec)}; share of deaths in {area} "
            f"{share(r.get('capital_death_share'))} (record {share(rec.get('capital_death_share'))})"
            + (f"; the record's backfire signature in {share(r['backfire_share'])} of runs"
               if r.get("backfire_share") is not None and rec.get("backfire") else "") + "."]
    scores = r.get("scores") or {}
    if scores:
        base, clim = r.get("baseline") or {}, r.get("climatology") or {}
        out += ["", "| score (lower is better) | model | nothing happens | other episodes |", "|---|---|---|---|"]
        for k, v in scores.items():
            out.append(f"| {k} | {fmt_median(v)} | {fmt_median(base.get(k))} | {fmt_median(clim.get(k))} |")
        out.append(f"| composite skill (1 − model/baseline, mean) | {fmt_median(r.get('skill'))} | 0 | "
                   f"{fmt_median(r.get('skill_vs_climatology'))} (against it) |")
    return "\n".join(out)


def _budget_source(b: dict) -> str:
    return f"`uprising budget` and `uprising budget EPISODE`, {_taken(b)}, from docs/results/budget.json"


def _budget_not_taken() -> str:
    return f"Not yet taken: `{SCRIPT} --budget` takes it (`uprising budget`, no simulation)."


def block_budget(results: Path, *args: str) -> str:
    """The library's shared values by kind against its targets, and each folder's own values."""
    if args:
        raise ValueError(f"budget takes no arguments, got {' '.join(args)}")
    b = load(results / "budget.json")
    if b is None:
        return _budget_not_taken()
    lib = b["library"]
    c = lib["counts"]
    per = len(lib["fitted"]) / lib["targets"] if lib["targets"] else None
    tuned = "; ".join(f"{n}: {', '.join(f'`{k}`' for k in keys)}" for n, keys in lib["tuned"].items()) or "none"
    out = [f"{_budget_source(b)}.", "",
           f"The shared table (`{lib['file']}`) holds {lib['values']} values: {len(lib['fitted'])} fitted by machine "
           f"(listed in `{lib['fitted_file']}`), {c.get('calibrated', 0)} calibrated by hand, "
           f"{c.get('literature', 0)} from the literature, {c.get('assumed', 0)} assumed, {c.get('data', 0)} data "
           f"and {c.get('untagged', 0)} untagged. Against them stand {lib['targets']} headline targets of "
           f"{lib['episodes']} episodes" + (f" ({fmt_median(per)} fitted values per target)" if per is not None else "")
           + f". Episodes overriding a shared value: {tuned}.", "",
           "| episode | values its folder sets | data | literature / transfer | assumed | calibrated | untagged "
           "| targets (headline; record, actors, either mode) |",
           "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, e in b["episodes"].items():
        k, t = e["counts"], e["targets"]
        out.append(f"| `{name}` | {e['values']} | {k['data']} | {k['literature']} | {k['assumed']} | {k['calibrated']} "
                   f"| {k['untagged']} | {t['total']} ({t['headline']}; {t['record']}, {t['actors']}, {t['any']}) |")
    return "\n".join(out)


def block_budget_count(results: Path, *args: str) -> str:
    """One sentence: the values fitted and calibrated against the targets (optionally one episode's own)."""
    if len(args) > 1:
        raise ValueError(f"budget-count takes at most one EPISODE, got {' '.join(args)}")
    b = load(results / "budget.json")
    if b is None:
        return _budget_not_taken()
    lib = b["library"]
    text = (f"The parameter budget: {len(lib['fitted'])} shared values fitted by machine and "
            f"{lib['counts'].get('calibrated', 0)} calibrated by hand, against {lib['targets']} headline targets of "
            f"{lib['episodes']} episodes")
    if args:
        e = b["episodes"].get(args[0])
        if e is None:
            text += f"; `{args[0]}` is not in the budget taken"
        else:
            text += (f"; `{args[0]}`'s own folder sets {e['calibrated']} calibrated "
                     f"value{'s' if e['calibrated'] != 1 else ''} against its {e['targets']['total']} targets")
    return text + f" ({_budget_source(b)})."


def block_crossval(results: Path, *args: str) -> str:
    """Leave one episode out: each episode predicted from the shared values fitted on the others."""
    if args:
        raise ValueError(f"crossval takes no arguments, got {' '.join(args)}")
    cv = load(results / "crossval.json")
    if cv is None:
        return (f"Not yet taken: `uprising crossval --out results/crossval` (or `--predict` from the shipped folds), "
                f"then `{SCRIPT} --crossval results/crossval`.")
    out = [f"`{cv['command']}`, written {cv['taken']}, taken in at commit {cv['commit']}, {cv['runs']} runs per "
           f"episode, from docs/results/crossval.json.{_provisional(cv)}", "",
           "| episode | record | government fell (share of runs) | fall, median (record) | route (record) "
           "| deaths, median [p10, p90] (record) | runs |", "|---|---|---:|---|---|---|---:|"]
    for e in cv["episodes"]:
        d = e.get("record_deaths") or []
        rec = {"deaths": d} if d else {}
        failed = f" ({e['failed']} failed)" if e.get("failed") else ""
        out.append("| " + " | ".join(_cell(c) for c in [
            f"`{e['name']}`", "fell" if e.get("record_fell") else "survived", share(e.get("p_fall")),
            f"{day(e.get('fall_date_median'))} ({day(e.get('record_fall_date'))})",
            f"{e.get('route') or MISSING} ({e.get('record_route') or MISSING})",
            f"{fmt_median(e.get('deaths_median'))} [{fmt_median(e.get('deaths_p10'))}, {fmt_median(e.get('deaths_p90'))}] "
            f"({_deaths_range(rec)})", f"{e.get('runs')}{failed}"]) + " |")
    sc = cv.get("scores") or {}
    out += ["", f"Over {sc.get('episodes', 0)} episodes: Brier {fmt_median(sc.get('brier'))} (the training episodes' "
            f"base rate {fmt_median(sc.get('brier_base_rate'))}; skill {fmt_median(sc.get('brier_skill'))}); CRPS of "
            f"log deaths {fmt_median(sc.get('crps_log_deaths'))} (their climatology "
            f"{fmt_median(sc.get('crps_log_deaths_climatology'))}; skill {fmt_median(sc.get('crps_log_deaths_skill'))}); "
            f"direction right in {share(sc.get('direction_right_share'))} of episodes, deaths within a factor 3 in "
            f"{share(sc.get('deaths_within_factor_3_share'))}, the route right in "
            f"{share(sc.get('route_right_share_of_falls'))} of the falls."]
    return "\n".join(out)


def block_controls(results: Path, *args: str) -> str:
    """Issue #19's negative controls and robustness (scripts/controls.py)."""
    if args:
        raise ValueError(f"controls takes no arguments, got {' '.join(args)}")
    c = load(results / "controls.json")
    if c is None:
        return "Not yet taken: `python scripts/controls.py --runs 20`, then `" + SCRIPT + "`."
    out = [f"`{c['command']}`, {c['date']}, commit {c['commit']}, from docs/results/controls.json.", "",
           "| control | episode | runs | government fell (share) | target | met? |", "|---|---|---:|---:|---|---|"]
    for r in c["no_trigger"]:
        met = r["fall_share"] <= 0.1
        out.append(f"| no triggering policy | `{r['episode']}` | {r['runs']} | {share(r['fall_share'])} | at most 0.10 | "
                   f"{'yes' if met else 'no'} |")
    base = c["flagship"]
    for r in c["legitimacy_moved"]:
        floor = r["overrides"].get("world.mobilisation.legitimacy_floor", MISSING)
        d_share = abs(r["fall_share"] - base["fall_share"])
        d_date = (abs((dt.date.fromisoformat(r["fall_date_median"]) - dt.date.fromisoformat(base["fall_date_median"])).days)
                  if r["fall_date_median"] and base["fall_date_median"] else None)
        met = d_share <= 0.3 and (d_date is None or d_date <= 5) and (r["fall_date_median"] is None) == (base["fall_date_median"] is None)
        out.append(f"| legitimacy floor {floor} (L about +-0.01) | `{r['episode']}` | {r['runs']} | "
                   f"{share(r['fall_share'])} (unmoved {share(base['fall_share'])}); median fall "
                   f"{day(r['fall_date_median'])} (unmoved {day(base['fall_date_median'])}) | within 0.3, 5 days | "
                   f"{'yes' if met else 'no'} |")
    return "\n".join(out)


def block_scale_convergence(results: Path, *args: str) -> str:
    """Issue #21, point 4: outcome statistics by scale (benchmarks/scale_convergence.py)."""
    if args:
        raise ValueError(f"scale-convergence takes no arguments, got {' '.join(args)}")
    c = load(results / "scale_convergence.json")
    if c is None:
        return "Not yet taken: `python benchmarks/scale_convergence.py --json docs/results/scale_convergence.json`."
    out = [f"`{c['command']}`, {c['date']}, {c['runs']} runs per cell, from docs/results/scale_convergence.json.", "",
           "| episode | scale | government fell (share) | within 0.15 of the finest? | deaths, median | within 20 %? |",
           "|---|---|---:|---|---:|---|"]
    for e, rows in c["episodes"].items():
        for sc, r in rows.items():
            out.append(f"| `{e}` | {sc} | {share(r['fall_share'])} | {'yes' if r['fall_share_met'] else 'no'} | "
                       f"{fmt_median(r['deaths_median'])} | {'yes' if r['deaths_met'] else 'no'} |")
    return "\n".join(out)


BLOCKS = {
    "validation-table": block_validation_table,
    "validation-targets": block_validation_targets,
    "budget": block_budget,
    "budget-count": block_budget_count,
    "crossval": block_crossval,
    "controls": block_controls,
    "scale-convergence": block_scale_convergence,
}


def docs() -> list[Path]:
    """The files whose blocks are generated: README.md and every Markdown file under docs/."""
    return [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md") if RESULTS not in p.parents)


def blocks(text: str) -> list[re.Match]:
    """The generated blocks of a text; ValueError for an opening marker without its closing one."""
    found = list(MARKER.finditer(text))
    if len(found) != len(OPENING.findall(text)):
        starts = {m.start() for m in found}
        bad = [m.group(1) for m in OPENING.finditer(text) if m.start() not in starts]
        raise ValueError(f"a figures marker without its closing line, or not alone on its line: {', '.join(bad)}")
    return found


def render_block(kind: str, args: list[str], results: Path = RESULTS) -> str:
    if kind not in BLOCKS:
        raise ValueError(f"unknown figures block '{kind}'; known: {', '.join(BLOCKS)}")
    body = BLOCKS[kind](results, *args)
    if re.search(r"\bNone\b|\bnan\b", body):
        raise ValueError(f"figures block '{kind} {' '.join(args)}' would print None or nan:\n{body}")
    return body


def render_text(text: str, results: Path = RESULTS) -> str:
    """The text with every generated block rewritten from the result files in ``results``."""
    out, last = [], 0
    for m in blocks(text):
        body = render_block(m["kind"], m["args"].split(), results)
        out.append(text[last:m.start("body")])
        out.append(f"\n{body}\n\n")
        last = m.end("body")
    out.append(text[last:])
    return "".join(out)


def named_files(text: str) -> list[str]:
    """The result files the generated blocks of a text name."""
    return [f for m in blocks(text) for f in NAMED_FILE.findall(m["body"])]


def rewrite(check: bool = False) -> int:
    """Rewrite (or with ``check`` only compare) every generated block; 1 if any differed under check."""
    stale = []
    for path in docs():
        text = path.read_text(encoding="utf-8")
        if "<!-- figures:" not in text:
            continue
        new = render_text(text)
        if new != text:
            stale.append(label(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check:
        for name in stale:
            print(f"{name}: generated figures differ from docs/results/; run {SCRIPT}", file=sys.stderr)
    else:
        print(f"retake: rewrote {', '.join(stale) if stale else 'nothing (every block current)'}")
    library = ROOT / "scripts" / "library_table.py"
    if library.is_file():  # the library page reads the same docs/results/validation/ files
        spec = importlib.util.spec_from_file_location("library_table", library)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if module.main(["--check"] if check else []):
            stale.append("docs/episodes/README.md")
    return 1 if check and stale else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="store_true", help="rerun the measurements into docs/results/ first")
    parser.add_argument("--budget", action="store_true", help="retake only docs/results/budget.json first (no simulation)")
    parser.add_argument("--runs", type=int, default=FULL_RUNS, help=f"runs per ensemble (default {FULL_RUNS})")
    parser.add_argument("--episodes", nargs="+", metavar="EPISODE", help="episodes to retake (default: every shipped one)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="ways of taking decisions")
    parser.add_argument("--workers", type=int, help="uprising validate --workers")
    parser.add_argument("--crossval", type=Path, metavar="DIR", help="take in DIR/crossval.json, written by "
                        "`uprising crossval --out DIR`, as docs/results/crossval.json first")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated block differs; write nothing")
    args = parser.parse_args(argv)
    if args.check and (args.run or args.budget or args.crossval):
        parser.error("--check writes nothing; it cannot be given with --run, --budget or --crossval")
    if args.runs < 1:
        parser.error("--runs: at least 1")
    script = " ".join([SCRIPT, *(shlex.quote(a) for a in argv)])
    if args.run:
        names = args.episodes or episodes()
        unknown = sorted(set(names) - set(episodes()))
        if unknown:
            parser.error(f"--episodes: not shipped: {', '.join(unknown)}; shipped: {', '.join(episodes())}")
        for name in names:
            for mode in args.modes:
                take_validation(name, mode, args.runs, args.workers, script)
    if args.run or args.budget:
        take_budget(script)
    if args.crossval is not None:
        take_crossval(args.crossval, script)
    return rewrite(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
