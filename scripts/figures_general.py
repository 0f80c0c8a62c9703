"""The figures and parameter tables of docs/mechanisms/{mobilisation,force,coalition}.md (issue #19).

    .venv/bin/python scripts/figures_general.py                 # figures, measured numbers and tables
    .venv/bin/python scripts/figures_general.py --tables-only   # only the parameter tables (seconds)
    .venv/bin/python scripts/figures_general.py --only force    # one figure (and every table)
    .venv/bin/python scripts/figures_general.py --check         # exit 1 if a table is stale

Writes docs/mechanisms/img/{mobilisation,force,coalition}.png and rewrites, in each page, the blocks
between ``<!-- BEGIN generated:NAME -->`` and ``<!-- END generated:NAME -->``: the parameter tables
(defaults read from the package: the shared table world/shared_values.toml as the loader resolves it,
the schema's descriptions, world/fitted_parameters.toml's ranges, regime.ROLE_WEIGHTS) and the
numbers each figure shows, with the command and the date. It prints the same numbers.

1. mobilisation: the template country (``uprising new episode``) with its decisions, organisations and
   garrisons removed, as tests/test_general_mechanisms.py does; a fuel price rise of 0-800 % in the
   Highlands on its 2nd day; the share of the Highlands' people out without a call (spontaneous),
   and looting, averaged over the 12 steps (3 days) from the shock, for three approvals, mean of
   ``--seeds`` seeds, at ``--template-scale`` (and approval 0.3 again at ``--scale``).
2. force: the same country under an 800 % rise everywhere, the coalition kept in office (every
   tolerance x 1e9) so that 14 days of policing are counted: deaths for each police rule of force (no
   soldiers), for each soldiers' rule (800 soldiers on a mission in the capital, police arresting),
   and people active with and without a ban on gatherings.
3. coalition: bolivia-2003 with ``scenario.decisions = "actors"`` at ``--scale``: each veto player's
   strain over its tolerance, day by day, its defection and the fall (seed 1), and the strain's inputs;
   ``--bolivia-seeds`` runs summarised.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shlex
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
import tomli_w  # noqa: E402

from uprising.output import save_figure  # noqa: E402
from uprising.scenarios import load_scenario  # noqa: E402
from uprising.simulation import Simulation  # noqa: E402
from uprising.world.history import load_record_file  # noqa: E402
from uprising.world.mechanisms import regime  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "mechanisms"
IMG = DOCS / "img"
TEMPLATE = ROOT / "src" / "uprising" / "templates" / "episode"
SHARED = ROOT / "src" / "uprising" / "world" / "shared_values.toml"
FITTED = ROOT / "src" / "uprising" / "world" / "fitted_parameters.toml"
SHOCK_DAY = dt.date(2020, 3, 2)
PERCENTS = (0, 25, 50, 100, 200, 400, 800)
APPROVALS = (0.1, 0.3, 0.5)
RULES = ("arrest", "teargas", "live_fire")
SOLDIER_ARMS = (("arrest", False), ("teargas", False), ("live_fire", False), ("live_fire", True))
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]


# ------------------------------------------------------------------------------------------ tables

MOBILISATION_KEYS = (
    "world.regime.approval", "world.mobilisation.legitimacy_floor", "world.mobilisation.legitimacy_spread",
    "world.mobilisation.hardship_per_doubling", "world.mobilisation.legitimacy_per_doubling",
    "citizen.threshold", "citizen.k", "world.calls.threshold", "world.calls.unorganised_threshold",
    "world.mobilisation.looting_hardship", "world.protest_people",
    "world.mobilisation.backfire_place_per_100k", "world.mobilisation.backfire_radio_per_million",
    "legitimacy.backfire_witness", "legitimacy.half_life", "world.mobilisation.announcement_shock",
    "world.mobilisation.concession_size",
)
FORCE_KEYS = (
    "world.force.soldiers", "world.force.police", "world.mobilisation.police_on_street",
    "world.clashes.fire_ratio", "world.clashes.kill_per_soldier", "world.clashes.teargas_kill_per_soldier",
    "world.clashes.arrest_share", "world.clashes.lethal_force", "world.mobilisation.ban_threshold",
    "world.curfew.threshold", "repression.teargas_at", "repression.fire_at", "repression.teargas_share",
    "repression.p_kill",
)
GOVERNMENT_WORLD_KEYS = (
    "world.government.convoy_shortage", "world.government.convoy_soldiers", "world.government.checkpoint_soldiers",
    "world.government.withdraw_after_days",
)
COALITION_KEYS = (
    "world.regime.capital", "world.regime.removal", "world.regime.players",
    "world.coalition.tolerance", "world.coalition.tolerance_scale", "world.coalition.mobilised_scale",
    "world.coalition.deaths_weight", "world.coalition.memory_days", "world.coalition.paralysis_ratio", "world.supply.short_below",
    "world.coalition.mass_share", "world.coalition.defection_share", "world.coalition.successor_legitimacy",
)


def rule_keys(section: str) -> tuple[str, ...]:
    """Every key of a top-level section of the scenario (``organisation_rules``, ``government``)."""
    sc = load_scenario(TEMPLATE)
    return tuple(f"{section}.{k}" for k in type(getattr(sc, section)).model_fields)


def _flat(table: dict, prefix: str = "") -> dict[str, object]:
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k not in ("tolerance", "weights"):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _shared_comments() -> dict[str, str]:
    """The comment beside each key of world/shared_values.toml (its source tag and reason)."""
    section, out = "", {}
    for line in SHARED.read_text().splitlines():
        head = re.match(r"^\[([\w.]+)\]", line)
        if head:
            section = head.group(1) + "."
            continue
        m = re.match(r"^(\w+)\s*=.*?#\s*(.*)$", line)
        if m:
            out[section + m.group(1)] = m.group(2).strip()
    return out


def _field(sc, key: str):
    """(value resolved for the template country, pydantic field) of a dotted key."""
    *path, name = key.split(".")
    obj = sc
    for part in path:
        obj = getattr(obj, part)
    return getattr(obj, name), type(obj).model_fields[name]


def _fmt(v) -> str:
    if hasattr(v, "model_dump"):
        v = v.model_dump()
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]" if v else "[]"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    return str(v) if v != "" else '""'


def param_table(keys) -> str:
    """Markdown: key, default, fitted range, source, meaning (every value read from the package)."""
    sc = load_scenario(TEMPLATE)  # the shared table (and any shipped fit) under a folder that overrides none
    shared = _flat(tomllib.loads(SHARED.read_text()))
    comments = _shared_comments()
    fitted = {p["key"]: p for p in tomllib.loads(FITTED.read_text())["parameters"]}
    rows = ["| key | default | fitted range | source | meaning |", "|---|---|---|---|---|"]
    for key in keys:
        value, field = _field(sc, key)
        desc = (field.description or "").strip()
        tag = re.findall(r"\[([^\]]+)\]\.?$", desc)
        meaning = re.sub(r"\s*\[[^\]]+\]\.?$", "", desc)
        if key in shared:
            default = _fmt(value)
            source = "shared table: " + comments.get(key, "")
        else:  # data: each episode's folder gives it; the schema's default applies when it does not
            default = _fmt(field.default if field.default_factory is None else field.default_factory())
            source = "episode data" + (f"; the schema's default [{tag[0]}]" if tag and tag[0] != "data" else "")
        f = fitted.get(key)
        rng = f"{f['low']:g} – {f['high']:g}{' (log)' if f.get('log') else ''}" if f else ""
        rows.append(f"| `{key}` | {default} | {rng} | {source.replace('|', '/')} | {meaning.replace('|', '/')} |")
    return "\n".join(rows)


def uncovered() -> list[str]:
    """Shared keys of [world.mobilisation] and [world.coalition] that no page's table lists."""
    sc = load_scenario(TEMPLATE)
    listed = set(MOBILISATION_KEYS) | set(FORCE_KEYS) | set(COALITION_KEYS)
    keys = [f"world.mobilisation.{k}" for k in type(sc.world.mobilisation).model_fields]
    keys += [f"world.coalition.{k}" for k in type(sc.world.coalition).model_fields]
    return [k for k in keys if k not in listed]


def role_table() -> str:
    """regime.ROLE_WEIGHTS with each role's tolerance (shared table x tolerance_scale)."""
    sc = load_scenario(TEMPLATE)
    c = sc.world.coalition
    head = "| role | " + " | ".join(f"`{f}`" for f in regime.FEATURES) + " | tolerance | x tolerance_scale |"
    rows = [head, "|---" * (len(regime.FEATURES) + 3) + "|"]
    for role, w in regime.ROLE_WEIGHTS.items():
        tol = c.tolerance.get(role, float("inf"))
        rows.append(f"| {role} | " + " | ".join(f"{x:g}" for x in w) + f" | {tol:g} | {tol * c.tolerance_scale:g} |")
    return "\n".join(rows)


def render_block(src: str, page: str, name: str, text: str) -> str:
    """``src`` with its block ``name`` (between its BEGIN and END markers) replaced by ``text``."""
    begin, end = f"<!-- BEGIN generated:{name} -->", f"<!-- END generated:{name} -->"
    if begin not in src or end not in src:
        raise SystemExit(f"{page}: no block {name!r} (add the lines {begin} and {end})")
    head, rest = src.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{text.strip()}\n{end}{tail}"


def write_block(page: Path, name: str, text: str) -> None:
    page.write_text(render_block(page.read_text(), page.name, name, text))


def tables() -> list[tuple[Path, str, str]]:
    """(page, block, text) of every parameter table, read from the package now (no simulation)."""
    return [
        (DOCS / "mobilisation.md", "params", param_table(MOBILISATION_KEYS)),
        (DOCS / "force.md", "params", param_table(FORCE_KEYS)),
        (DOCS / "coalition.md", "params", param_table(COALITION_KEYS)),
        (DOCS / "coalition.md", "roles", role_table()),
        (DOCS / "actors.md", "organisation-rules", param_table(rule_keys("organisation_rules"))),
        (DOCS / "actors.md", "government", param_table(rule_keys("government") + GOVERNMENT_WORLD_KEYS)),
    ]


def stale_tables() -> list[str]:
    """The tables of the pages that differ from what the package gives now (``--check``)."""
    return [f"{page.name}: {name}" for page, name, text in tables()
            if render_block(page.read_text(), page.name, name, text) != page.read_text()]


# ---------------------------------------------------------------------------------------- template


def country(tmp: Path, edit) -> Path:
    """A copy of the template country whose scenario.toml ``edit(data)`` rewrites."""
    out = Path(tempfile.mkdtemp(dir=tmp)) / "country"
    shutil.copytree(TEMPLATE, out)
    data = tomllib.loads((out / "scenario.toml").read_text())
    edit(data)
    (out / "scenario.toml").write_text(tomli_w.dumps(data))
    return out


def quiet(data: dict) -> None:
    """No decisions, no organisations, no garrisons: only what people do on their own."""
    data["events"] = []
    data.pop("organisations", None)
    data["world"]["forces"]["garrisons"] = {}


def shock(percent: float, places=None) -> dict:
    ev = {"date": SHOCK_DAY, "kind": "hardship", "name": "fuel price rise", "what": "fuel_price",
          "percent": float(percent), "exogenous": True}
    if places:
        ev["places"] = list(places)
    return ev


# ------------------------------------------------------------------------------------ mobilisation


def turnout(folder: Path, scale: float, approval: float, seed: int) -> tuple[float, float, float]:
    """Percent of the Highlands' people out without a call, and looting, averaged over the 3 days from
    the shock; and the most people out on their own in the unshocked capital."""
    sim = Simulation(load_scenario(folder, {"world.scale": scale, "world.regime.approval": approval}), seed=seed)
    w = sim.world
    hi, cap = w.index("Highlands"), w.index("Capital")
    first, last = w.step_of(SHOCK_DAY), w.step_of(SHOCK_DAY + dt.timedelta(days=3))
    sim.run(last)
    people = float(w.population[hi])
    spont = w.rec["spontaneous"][first:last]
    return (100.0 * spont[:, hi].mean() / people, 100.0 * w.rec["looting"][first:last, hi].mean() / people,
            float(spont[:, cap].max()))


def mobilisation(tmp: Path, args) -> tuple[str, dict]:
    seeds = range(1, args.seeds + 1)
    folders = {p: country(tmp, lambda d, p=p: (quiet(d), d.__setitem__("events", [shock(p, ["Highlands"])])))
               for p in PERCENTS}
    lines = [(a, args.template_scale, "-") for a in APPROVALS] + [(0.3, args.scale, "--")]
    results = {}
    for approval, scale, _ in lines:
        out = np.array([[turnout(folders[p], scale, approval, s) for s in seeds] for p in PERCENTS])  # [pct, seed, 3]
        results[(approval, scale)] = out
        print(f"mobilisation: approval {approval:g}, scale {scale:g}: spontaneous % by rise "
              + ", ".join(f"{p}%: {out[i, :, 0].mean():.2f}" for i, p in enumerate(PERCENTS))
              + f"; looting % at 800%: {out[-1, :, 1].mean():.2f}; most out in the unshocked capital: "
              f"{out[:, :, 2].max():.0f}")
    x = np.log2(1.0 + np.array(PERCENTS) / 100.0)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for k, (approval, scale, ls) in enumerate(lines):
        out = results[(approval, scale)]
        c = COLOURS[min(k, 2)] if ls == "-" else COLOURS[1]
        label = f"approval {approval:g}" + (f" (scale {scale:g})" if ls == "--" else "")
        for ax, j in ((axes[0], 0), (axes[1], 1)):
            ax.plot(x, out[:, :, j].mean(axis=1), ls=ls, marker="o", ms=4, color=c, label=label)
            if ls == "-":
                ax.fill_between(x, out[:, :, j].min(axis=1), out[:, :, j].max(axis=1), color=c, alpha=0.15, lw=0)
    for ax, what in zip(axes, ("people out without a call", "of whom looting (H >= looting_hardship)")):
        ax.set_xticks(x, [f"{p}" for p in PERCENTS])
        ax.set_xlabel("fuel price rise in the Highlands (%; axis in doublings, log2(1 + rise))")
        ax.set_ylabel("% of the Highlands' people, mean over 3 days")
        ax.set_title(what, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"The template country, no calls, no organisations: turnout against a price rise "
                 f"(mean of {args.seeds} seeds, band: their range; scale {args.template_scale:g})", fontsize=10)
    fig.tight_layout()
    print(save_figure(IMG / "mobilisation.png", fig))
    rows = ["| approval | scale | " + " | ".join(f"{p} %" for p in PERCENTS) + " | looting at 800 % |",
            "|---|---|" + "---|" * (len(PERCENTS) + 1)]
    for approval, scale, _ in lines:
        out = results[(approval, scale)]
        rows.append(f"| {approval:g} | {scale:g} | " + " | ".join(f"{v:.2f}" for v in out[:, :, 0].mean(axis=1))
                    + f" | {out[-1, :, 1].mean():.2f} |")
    parts = []
    for approval in APPROVALS:
        m = results[(approval, args.template_scale)][:, :, 0].mean(axis=1)
        out = [p for p, v in zip(PERCENTS, m) if v > 0]
        start = ("someone is out even with no rise" if out and out[0] == 0 else
                 f"nobody is out below a {out[0]} % rise" if out else "nobody is out at any rise shown")
        parts.append(f"at approval {approval:g} {start}; a doubled price brings out {m[PERCENTS.index(100)]:.2f} % "
                     f"and an 800 % rise {m[-1]:.2f} %")
    loot = results[(0.3, args.template_scale)][-1, :, :2].mean(axis=0)
    caps = ", ".join(f"{results[(a, args.template_scale)][:, :, 2].max():.0f} at approval {a:g}" for a in APPROVALS)
    caption = ("; ".join(parts) + f". At approval 0.3 and 800 %, {100 * loot[1] / max(loot[0], 1e-9):.0f} % of those "
               f"out loot. The capital, where no shock fell: at most {caps} people out on their own in a step.")
    text = (caption[0].upper() + caption[1:] + "\n\nPercent of the Highlands' people out without a call, mean over the "
            f"12 steps from the shock and over seeds {seeds.start}–{seeds.stop - 1}:\n\n" + "\n".join(rows))
    return text, results


# ------------------------------------------------------------------------------------------- force


def force_run(folder: Path, scale: float, seed: int) -> dict:
    sim = Simulation(load_scenario(folder, {"world.scale": scale, "world.coalition.tolerance_scale": 1e9}), seed=seed)
    sim.run()
    w = sim.world
    police = sum(c[6] for c in w.clashes if "police" in c[2])
    total = float(w.mechanisms.deaths_people.sum())
    active = sim.timeseries().group_by("step").agg(pl.col("active").sum()).sort("step")["active"].to_numpy()
    return {"deaths": total, "police_deaths": float(police), "police_clashes": sum("police" in c[2] for c in w.clashes),
            "active_mean": float(active[1:].mean()), "resigned": bool(sim.summary()["resigned"])}


def force(tmp: Path, args) -> tuple[str, dict]:
    seeds = range(1, args.seeds + 1)

    def police_rule(rule):
        def edit(d):
            quiet(d)
            d["world"]["force"] = {"soldiers": "arrest", "police": rule}
            d["events"] = [shock(800.0)]
        return edit

    def soldiers_rule(arm):
        rule, ordered = arm

        def edit(d):
            quiet(d)
            d["world"]["force"] = {"soldiers": rule, "police": "arrest"}
            d["events"] = [shock(800.0), {"date": SHOCK_DAY, "kind": "deploy", "name": "troops on the street",
                                          "places": ["Capital"], "soldiers": 800, "mission": "clear", "days": 12.0}]
            if ordered:  # a decree that orders fire (as Bolivia's convoy decree): the doctrine's floor is the rule
                d["events"].append({"date": SHOCK_DAY, "kind": "convoys", "name": "decree", "force": rule})
        return edit

    def ban(on):
        def edit(d):
            quiet(d)
            d["events"] = [shock(800.0), {"date": SHOCK_DAY, "kind": "state_of_siege", "name": "state of siege",
                                          "force": "teargas", "ban": on}]
        return edit

    res = {}
    for name, make, options in (("police", police_rule, RULES), ("soldiers", soldiers_rule, SOLDIER_ARMS),
                                ("ban", ban, (False, True))):
        for opt in options:
            folder = country(tmp, make(opt))
            res[(name, opt)] = [force_run(folder, args.template_scale, s) for s in seeds]
            r = res[(name, opt)]
            print(f"force: {name} {opt if name != 'soldiers' else ' '.join(map(str, opt))}: deaths " + ", ".join(f"{x['deaths']:.0f}" for x in r)
                  + f" (by police {sum(x['police_deaths'] for x in r):.0f} in all); police clashes "
                  f"{np.mean([x['police_clashes'] for x in r]):.1f}; mean active "
                  f"{np.mean([x['active_mean'] for x in r]):,.0f}; fell {sum(x['resigned'] for x in r)}")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4), gridspec_kw={"width_ratios": [3, 4, 2]})
    for ax, name, arms, labels, title in (
            (axes[0], "police", RULES, RULES, "police's rule (no soldiers)"),
            (axes[1], "soldiers", SOLDIER_ARMS, ("arrest", "teargas", "live_fire\npermitted", "live_fire\nordered"),
             "soldiers' rule (800 in the capital, police arrest)")):
        for i, arm in enumerate(arms):
            d = [x["deaths"] for x in res[(name, arm)]]
            ax.bar(i, np.mean(d), color=COLOURS[i], alpha=0.6)
            ax.plot(np.full(len(d), i) + np.linspace(-0.15, 0.15, len(d)), d, "k.", ms=6)
            ax.annotate(f"{np.mean(d):.1f}", (i, np.mean(d)), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=8)
        ax.set_xticks(range(len(arms)), labels)
        ax.set_ylabel("people killed in 14 days")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    for i, on in enumerate((False, True)):
        a = [x["active_mean"] for x in res[("ban", on)]]
        axes[2].bar(i, np.mean(a), color=COLOURS[3 + i], alpha=0.6)
        axes[2].plot(np.full(len(a), i) + np.linspace(-0.15, 0.15, len(a)), a, "k.", ms=6)
    axes[2].set_xticks(range(2), ["siege, no ban", "siege with ban"])
    axes[2].set_ylabel("people active, mean per step")
    axes[2].set_title("a ban on gatherings (T + ban_threshold)", fontsize=10)
    axes[2].grid(axis="y", alpha=0.3)
    fig.suptitle(f"The template country under an 800 % price rise everywhere, government kept in office: "
                 f"deaths follow the force used (bars: mean of {args.seeds} seeds, dots: each seed; "
                 f"scale {args.template_scale:g})", fontsize=10)
    fig.tight_layout()
    print(save_figure(IMG / "force.png", fig))
    rows = ["| arm | deaths per seed | mean | of them by police | police clashes (mean) | people active, mean per step |",
            "|---|---|---|---|---|---|"]
    for (name, opt), r in res.items():
        if name == "police":
            label = f"police: {opt}"
        elif name == "soldiers":
            label = f"soldiers: {opt[0]}" + (" (ordered by decree)" if opt[1] else " (permitted)" if opt[0] == "live_fire" else "")
        else:
            label = f"siege (tear gas) {'with' if opt else 'without'} a ban"
        rows.append(f"| {label} | " + ", ".join(f"{x['deaths']:.0f}" for x in r)
                    + f" | {np.mean([x['deaths'] for x in r]):.1f} | {np.mean([x['police_deaths'] for x in r]):.1f} | "
                    f"{np.mean([x['police_clashes'] for x in r]):.1f} | {np.mean([x['active_mean'] for x in r]):,.0f} |")
    def mean(key, what="deaths"):
        return np.mean([x[what] for x in res[key]])

    caption = (f"Police who only arrest kill {mean(('police', 'arrest')):.1f} on average, with tear gas "
               f"{mean(('police', 'teargas')):.1f}, with live fire {mean(('police', 'live_fire')):.1f} (a few of them "
               f"face each crowd: `police_on_street`). 800 soldiers allowed to fire but not ordered to kill "
               f"{mean(('soldiers', ('live_fire', False))):.1f}: the grid doctrine reaches live fire only where "
               f"`repression.fire_at` of a place's people are active; ordered to fire by a decree they kill "
               f"{mean(('soldiers', ('live_fire', True))):.1f}, and the killings turn the capital against the government (people active, mean per step: {mean(('soldiers', ('live_fire', True)), 'active_mean'):,.0f} against {mean(('soldiers', ('live_fire', False)), 'active_mean'):,.0f}). A ban on gatherings cuts the people active, on average "
               f"per step, from {mean(('ban', False), 'active_mean'):,.0f} to {mean(('ban', True), 'active_mean'):,.0f}: "
               f"those who remain defy it.")
    return (f"Seeds {seeds.start}–{seeds.stop - 1}, 56 steps (14 days) each. {caption}\n\n" + "\n".join(rows)), res


# ---------------------------------------------------------------------------------------- coalition


def coalition_trace(scale: float, seed: int) -> dict:
    sim = Simulation(load_scenario("bolivia-2003", {"scenario.decisions": "actors", "world.scale": scale}), seed=seed)
    w = sim.world
    steps, strain, inputs = [], [], []
    while sim.steps_done < sim.scenario.scenario.steps:
        sim.step()
        if w.government == 0 or w.resigned_step == sim.steps_done:
            steps.append(sim.steps_done)
            strain.append(w.player_strain.copy())
            inputs.append(w.strain_inputs.copy())
    s = sim.summary()
    return {"w": w, "steps": np.array(steps), "strain": np.array(strain), "inputs": np.array(inputs),
            "tolerance": w.player_tolerance.copy(), "defected": w.player_defected.copy(), "summary": s}


def coalition(tmp: Path, args) -> tuple[str, dict]:
    runs = [coalition_trace(args.scale, s) for s in range(1, args.bolivia_seeds + 1)]
    rows = ["| seed | falls | route | deaths | defections (player, date) |", "|---|---|---|---|---|"]
    for k, r in enumerate(runs, 1):
        s = r["summary"]
        d = "; ".join(f"{x['player']} ({x['role']}) {x['date']}" for x in s["defections"]) or "none"
        print(f"coalition: seed {k}: resigned {s['resigned']} {s.get('resignation_date')} route {s['fall_route']}, "
              f"deaths {s['deaths_total']:.0f}; defections: {d}")
        rows.append(f"| {k} | {s.get('resignation_date') or 'no'} | {s['fall_route'] or '–'} | "
                    f"{s['deaths_total']:.0f} | {d} |")
    r = runs[0]
    w = r["w"]
    days = [w.time_of(int(t)) for t in r["steps"]]
    fig, axes = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for i, p in enumerate(w.players):
        c = COLOURS[i % len(COLOURS)]
        axes[0].plot(days, r["strain"][:, i] / r["tolerance"][i], color=c, lw=1.5,
                     label=f"{p.name} ({p.role}, weight {p.weight:g}; tolerance {r['tolerance'][i]:g})")
        if r["defected"][i] >= 0:
            t = w.time_of(int(r["defected"][i]))
            axes[0].plot([t], [1.0], marker="X", ms=11, color=c, mec="black")
            axes[0].annotate(f"{p.name} defects {t:%d %b}", (t, 1.0), xytext=(8, -16 - 11 * i),
                             textcoords="offset points", fontsize=8, color=c, ha="left")
    axes[0].axhline(1.0, color="black", lw=0.8, ls=":")
    s = r["summary"]
    if s["resigned"]:
        for ax in axes:
            ax.axvline(w.time_of(int(w.resigned_step)), color="#D55E00", lw=1.2, ls="--")
        axes[0].annotate(f"falls: {s['fall_route']}", (w.time_of(int(w.resigned_step)), 0.05), xytext=(4, 0),
                         textcoords="offset points", color="#D55E00", fontsize=9)
    record = load_record_file(w.cfg.folder).outcome
    if record.resigned:
        t = dt.datetime.combine(record.resignation_date, dt.time(12))
        for ax in axes:
            ax.axvline(t, color="#777777", lw=1.2, ls="--")
        axes[0].annotate(f"record: falls {record.resignation_date:%d %b} ({record.route})", (t, 0.05),
                         xytext=(4, 0), textcoords="offset points", color="#555555", fontsize=9)
    axes[1].set_xlim(dt.datetime.combine(w.cfg.start, dt.time()), dt.datetime.combine(w.cfg.end, dt.time(23)))
    axes[0].set_ylabel("strain z / tolerance")
    axes[0].set_title(f"bolivia-2003, actors deciding, seed 1, scale {args.scale:g}: each veto player's strain "
                      f"(X: defects; dashed: the fall; {s['deaths_total']:.0f} killed)", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[0].grid(alpha=0.3)
    units = {"m_capital": "percent-days", "m_country": "percent-days", "deaths_per_million": "per million",
             "days_paralysed": "days", "days_short": "days", "days_refused": "days"}
    for j, f in enumerate(regime.FEATURES):
        axes[1].plot(days, r["inputs"][:, j], color=COLOURS[j], lw=1.3, label=f"{f} ({units[f]})")
    axes[1].set_yscale("symlog", linthresh=1.0)
    axes[1].set_ylabel("what the players observe")
    axes[1].set_title("the strain's inputs (z = W[role] . these)", fontsize=10)
    axes[1].legend(fontsize=8, loc="upper right", ncol=2)
    axes[1].grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    print(save_figure(IMG / "coalition.png", fig))
    first = runs[0]["summary"]
    who = ", ".join(f"{x['player']} ({x['role']})" for x in first["defections"]) or "no player"
    caption = (f"In the figure's run (seed 1) {who} defect"
               + (f"; the government falls on {first['resignation_date']} by {first['fall_route']}" if first["resigned"]
                  else "; the government does not fall")
               + f", with {first['deaths_total']:.0f} killed. The record: "
               + (f"falls on {record.resignation_date} ({record.route})" if record.resigned else "does not fall")
               + (f", {record.deaths[0]:g}–{record.deaths[1]:g} killed" if record.deaths else "") + ".")
    return (f"bolivia-2003, `scenario.decisions = \"actors\"`, `world.scale = {args.scale:g}`, "
            f"seeds 1–{args.bolivia_seeds} (the figure: seed 1). {caption}\n\n" + "\n".join(rows)), {"runs": runs}


# --------------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.001, help="world.scale of the bolivia-2003 runs")
    ap.add_argument("--template-scale", type=float, default=0.01, help="world.scale of the template country")
    ap.add_argument("--seeds", type=int, default=5, help="seeds per arm in the template country")
    ap.add_argument("--bolivia-seeds", type=int, default=3, help="bolivia-2003 runs summarised (seed 1 drawn)")
    ap.add_argument("--only", choices=("mobilisation", "force", "coalition"), action="append")
    ap.add_argument("--tables-only", action="store_true", help="rewrite the parameter tables only")
    ap.add_argument("--check", action="store_true", help="exit 1 if a parameter table differs from the package")
    args = ap.parse_args()
    command = "scripts/figures_general.py" + ("" if len(sys.argv) == 1 else " " + shlex.join(sys.argv[1:]))
    today = dt.date.today().isoformat()
    print(f"command: .venv/bin/python {command}\ndate: {today}")
    pages = {"mobilisation": DOCS / "mobilisation.md", "force": DOCS / "force.md", "coalition": DOCS / "coalition.md"}
    if args.check:
        stale = stale_tables()
        print("stale: " + "; ".join(stale) if stale else "the tables are current")
        raise SystemExit(1 if stale else 0)
    for page, name, text in tables():
        write_block(page, name, text)
    missing = uncovered()
    if missing:
        print("warning: shared values no page lists (add them to a *_KEYS tuple): " + ", ".join(missing))
    if args.tables_only:
        print("tables written")
        return
    IMG.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("mobilisation", mobilisation), ("force", force), ("coalition", coalition)):
            if args.only and name not in args.only:
                continue
            text, _ = make(Path(tmp), args)
            stamp = f"Measured by `.venv/bin/python {command}` on {today}.\n\n"
            write_block(pages[name], "measured", stamp + text)
            print(f"{name}: done at {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
