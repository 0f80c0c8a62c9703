"""Country scale (issue #8): the whole Gas War at one agent per person, its cost and its results.

    .venv/bin/python benchmarks/country_scale.py                       # everything below (~10-20 min)
    .venv/bin/python benchmarks/country_scale.py --parts scales        # 1/100, 1/10, 1: time, memory
    .venv/bin/python benchmarks/country_scale.py --parts vision        # vision 1.7, 4, 7, 12 at 1/10
    .venv/bin/python benchmarks/country_scale.py --parts consistency   # seeds at 1/10 vs 1
    .venv/bin/python benchmarks/country_scale.py --parts compile       # first use: empty numba cache

Every measurement is a fresh subprocess (``--child``) that does what ``uprising run bolivia-2003
--set scale=S --no-report`` does — load the scenario, build the world, run every step (1 Sep - 31
Oct 2003, 244 steps), write timeseries/roads/events/marches/frames/summary — and times each part
and each phase of the plan. The parent reads the child's peak memory from the kernel
(``os.wait4``: ru_maxrss of that child alone) and the load average before and after.

Prints a table, writes ``docs/img/country_scale.png`` (log-log: seconds against agents, the
vision runs at a fixed size beside them, a slope-1 line) and, with ``--json PATH``, every
measurement. Cost should grow linearly with agents (fitted slope ~1) and not with the vision
radius (synchronous schedule: counts from bit planes or summed tables, moves by rejection).
Scaling consistency: resignation dates and death tolls over seeds at two scales, two-sample
Mann-Whitney U and Kolmogorov-Smirnov tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POPULATION = 8_274_325  # Bolivia, 2001 census (places.csv)


# ------------------------------------------------------------------------------ the child
def child(args) -> None:
    t0 = time.perf_counter()
    from uprising.cli.run import MULTI_PLACE_FRAME_BYTES, default_frame_every, write_outputs
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    t_import = time.perf_counter() - t0
    overrides: dict[str, object] = {"scale": args.scale, "scenario.seed": args.seed}
    if args.vision is not None:
        overrides["citizen.vision"] = args.vision
        overrides["cop.vision"] = args.vision
    if args.steps is not None:
        overrides["scenario.steps"] = args.steps
    t1 = time.perf_counter()
    resolved = load_scenario("bolivia-2003", overrides)
    info = resolved.scenario
    frame_every = default_frame_every(info.steps, resolved.grid.width * resolved.grid.height)  # as the CLI
    sim = Simulation(resolved, seed=info.seed, schedule=info.schedule, frame_every=frame_every)
    if sim.world.places.count > 1:  # as the CLI: frames spaced by place 0's real grid
        sim.frame_every = default_frame_every(info.steps, sim.world.places.cells_of(0),
                                              max_bytes=MULTI_PLACE_FRAME_BYTES)
    t_build = time.perf_counter() - t1
    w = sim.world
    try:  # numba compiling during the steps (a stale cache) would show here
        from uprising.compilation import CLOCK
    except ImportError:  # an older tree
        CLOCK = None
    compiled_before = CLOCK.elapsed() if CLOCK else 0.0
    phases = {p.name: 0.0 for p in sim.plan}
    phases_cpu = {p.name: 0.0 for p in sim.plan}  # cpu seconds of the process (every thread)
    t2 = time.perf_counter()
    for step in range(1, info.steps + 1):
        for phase in sim.plan:
            a, ac = time.perf_counter(), time.process_time()
            phase.run(w, step)
            phases[phase.name] += time.perf_counter() - a
            phases_cpu[phase.name] += time.process_time() - ac
        sim.steps_done = step
        sim._capture(step)
    t_steps = time.perf_counter() - t2
    compile_s = CLOCK.elapsed() - compiled_before if CLOCK else None
    sim.wall_seconds = t_steps
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.tmp) as out:
        write_outputs(sim, resolved, Path(out), report=False, quiet=True, wall=t_steps)
        summary = json.loads((Path(out) / "summary.json").read_text())
    t_write = time.perf_counter() - t3
    import numba

    print(json.dumps({
        "scale": args.scale, "seed": args.seed, "vision": resolved.citizen.vision, "steps": info.steps,
        "agents": int(w.citizens_at_start + w.cops_at_start), "rows": int(w.pop.n),
        "cells": int(w.places.n_cells), "threads": numba.get_num_threads(),
        "import_s": t_import, "build_s": t_build, "steps_s": t_steps, "write_s": t_write,
        "total_s": time.perf_counter() - t0, "phases_s": phases, "phases_cpu_s": phases_cpu, "compile_s": compile_s,
        "resignation_date": summary.get("resignation_date"), "resignation_step": w.resigned_step,
        "deaths": summary.get("deaths_total"), "peak_active_la_paz": summary.get("peak_active_la_paz"),
        "peak_active_el_alto": summary.get("peak_active_el_alto"),
    }))


# ------------------------------------------------------------------------------ the parent
_DONE: dict = {}


def measure(scale: float, seed: int = 1, vision: float | None = None, steps: int | None = None,
            cache_dir: str | None = None, tmp: str | None = None) -> dict:
    """One run in a fresh subprocess: the child's report plus wall time, peak RSS and load.
    A run already measured (same scale, seed, vision, steps; warm cache) is not repeated."""
    memo = (scale, seed, vision, steps)
    if cache_dir is None and memo in _DONE:
        return _DONE[memo]
    rec = _measure(scale, seed, vision, steps, cache_dir, tmp)
    if cache_dir is None:
        _DONE[memo] = rec
    return rec


def _measure(scale, seed, vision, steps, cache_dir, tmp) -> dict:
    cmd = [sys.executable, __file__, "--child", "--scale", repr(scale), "--seed", str(seed)]
    if vision is not None:
        cmd += ["--vision", repr(vision)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    if tmp:
        cmd += ["--tmp", tmp]
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    out_text = proc.stdout.read()
    err_text = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed ({' '.join(cmd)}):\n{err_text[-3000:]}")
    rec = json.loads(out_text.strip().splitlines()[-1])
    rec.update({
        "wall_s": wall,
        "peak_gib": usage.ru_maxrss * 1024 / 2**30,  # Linux: kilobytes
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    })
    return rec


def fit_slope(xs, ys) -> float:
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


TARGET_STEPS_S = 60.0  # issue #14: the whole of Bolivia at 1:1 in 60 s, compilation excluded ...
TARGET_PEAK_GIB = 4.0  # ... in at most 4 GiB


def _met(scale: float, value: float, target: float) -> str:
    if scale < 1:
        return ""
    return f"≤ {target:g}: {'met' if value <= target else 'MISSED'}"


def table(rows: list[dict]) -> str:
    head = ("| scale | vision | agents | build s | steps s | write s | whole run s | process wall s | peak GiB "
            "| agent-steps/s | load | steps target | memory target |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        run = r["build_s"] + r["steps_s"] + r["write_s"]
        lines.append(
            f"| {fmt_scale(r['scale'])} | {r['vision']:g} | {r['agents']:,} | {r['build_s']:.1f} | {r['steps_s']:.1f} "
            f"| {r['write_s']:.1f} | {run:.1f} | {r['wall_s']:.1f} | {r['peak_gib']:.2f} "
            f"| {r['agents'] * r['steps'] / r['steps_s'] / 1e6:.1f} M | {r['load_before']:.1f}-{r['load_after']:.1f} "
            f"| {_met(r['scale'], r['steps_s'], TARGET_STEPS_S)} | {_met(r['scale'], r['peak_gib'], TARGET_PEAK_GIB)} |"
        )
    return "\n".join(lines)


def fmt_scale(s: float) -> str:
    return "1" if s == 1 else f"1/{round(1 / s):,}"


def phase_table(r: dict) -> str:
    tot = sum(r["phases_s"].values())
    cpu = r.get("phases_cpu_s", {})
    lines = ["| phase | wall s | share | cpu s |", "|---|---|---|---|"]
    for name, sec in sorted(r["phases_s"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {sec:.2f} | {sec / tot:.0%} | {cpu.get(name, float('nan')):.2f} |")
    return "\n".join(lines)


def plot(scales: list[dict], visions: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=130)
    if scales:
        xs = [r["agents"] for r in scales]
        ys = [r["steps_s"] for r in scales]
        ax.loglog(xs, ys, "o-", color="#1f5fa8", label="steps, vision 7 (scales 1/100, 1/10, 1)")
        ax.loglog(xs, [r["build_s"] + r["steps_s"] + r["write_s"] for r in scales], "s--", color="#7a9cc6",
                  label="whole run (build + steps + files)")
        x0, y0 = xs[0], ys[0]
        ax.loglog([x0, xs[-1]], [y0, y0 * xs[-1] / x0], ":", color="grey", label="slope 1 (linear)")
        for r in scales:
            ax.annotate(fmt_scale(r["scale"]), (r["agents"], r["steps_s"]), textcoords="offset points",
                        xytext=(6, -12), fontsize=8)
    if visions:
        for r in visions:
            ax.loglog([r["agents"]], [r["steps_s"]], "^", color="#c0392b", ms=7)
            ax.annotate(f"v={r['vision']:g}", (r["agents"], r["steps_s"]), textcoords="offset points",
                        xytext=(6, 2), fontsize=8, color="#c0392b")
        ax.plot([], [], "^", color="#c0392b", label="steps at 1/10, vision 1.7-12")
    ax.axhline(60, color="#999", lw=0.8)
    ax.text(ax.get_xlim()[0] * 1.1, 62, "60 s target", fontsize=8, color="#777", va="bottom")
    ax.set_xlabel("agents (citizens + police)")
    ax.set_ylabel("wall seconds, 244 steps (1 Sep - 31 Oct 2003)")
    ax.set_title("Bolivia 2003 at country scale, synchronous, 2 threads", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def consistency(small: list[dict], large: list[dict]) -> dict:
    from scipy import stats

    def col(rows, key, none=float("nan")):
        return [none if r[key] is None else float(r[key]) for r in rows]

    out = {}
    for key in ("deaths", "resignation_step"):
        a, b = col(small, key, 10**6), col(large, key, 10**6)  # never resigned: after every date
        out[key] = {
            "small": a, "large": b,
            "mannwhitney_p": float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue) if len(set(a + b)) > 1 else 1.0,
            "ks_p": float(stats.ks_2samp(a, b).pvalue),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vision", type=float, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--tmp", default=None, help="where runs write their files (a temporary directory in it)")
    ap.add_argument("--parts", nargs="+", default=["scales", "vision", "consistency", "compile"],
                    choices=["scales", "vision", "consistency", "compile"])
    ap.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    ap.add_argument("--visions", type=float, nargs="+", default=[1.7, 4.0, 7.0, 12.0])
    ap.add_argument("--vision-scale", type=float, default=0.1)
    ap.add_argument("--small", type=float, default=0.1, help="consistency: the smaller scale")
    ap.add_argument("--large", type=float, default=1.0, help="consistency: the larger scale")
    ap.add_argument("--small-seeds", type=int, default=6)
    ap.add_argument("--large-seeds", type=int, default=3)
    ap.add_argument("--plot", default=str(ROOT / "docs" / "img" / "country_scale.png"))
    ap.add_argument("--json", default=None, help="write every measurement to this file")
    args = ap.parse_args()
    if args.child:
        child(args)
        return

    print(f"# country scale: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    results: dict = {"cores": os.cpu_count()}
    # warm numba's cache (and the file cache) once, so no measurement below pays compilation
    measure(0.001, tmp=args.tmp)

    scales: list[dict] = []
    if "scales" in args.parts:
        for s in args.scales:
            scales.append(measure(s, tmp=args.tmp))
            print(f"  scale {fmt_scale(s)}: {scales[-1]['steps_s']:.1f} s steps, {scales[-1]['peak_gib']:.2f} GiB",
                  flush=True)
        results["scales"] = scales
        print("\n" + table(scales))
        if len(scales) > 1:
            slope = fit_slope([r["agents"] for r in scales], [r["steps_s"] for r in scales])
            results["slope_steps"] = slope
            print(f"\nlog-log slope of step time against agents: {slope:.2f} (1 = linear)")
        print(f"\nwhere the time goes at scale {fmt_scale(scales[-1]['scale'])}:\n" + phase_table(scales[-1]))
        save(args, results)

    visions: list[dict] = []
    if "vision" in args.parts:
        for v in args.visions:
            visions.append(measure(args.vision_scale, vision=v, tmp=args.tmp))
        results["vision"] = visions
        print(f"\nvision at scale {fmt_scale(args.vision_scale)} (citizens and police):\n" + table(visions))
        slope = fit_slope([r["vision"] for r in visions], [r["steps_s"] / r["agents"] for r in visions])
        results["slope_vision"] = slope
        print(f"log-log slope of step time per agent against vision radius: {slope:.2f} (0 = flat; a scan "
              "of every cell in vision would give ~2)")
        save(args, results)

    if scales or visions:
        plot(scales, visions, Path(args.plot))
        save(args, results)
        print(f"\nplot: {args.plot}")

    if "consistency" in args.parts:
        small = [measure(args.small, seed=s, tmp=args.tmp) for s in range(1, args.small_seeds + 1)]
        large = [measure(args.large, seed=s, tmp=args.tmp) for s in range(1, args.large_seeds + 1)]
        c = consistency(small, large)
        results["consistency"] = {"small_scale": args.small, "large_scale": args.large, **c,
                                  "small_runs": small, "large_runs": large}
        print(f"\nscaling consistency, {len(small)} seeds at {fmt_scale(args.small)} vs {len(large)} at "
              f"{fmt_scale(args.large)}:")
        print("| scale | seed | resignation | deaths |\n|---|---|---|---|")
        for r in small + large:
            print(f"| {fmt_scale(r['scale'])} | {r['seed']} | {r['resignation_date'] or '—'} | {r['deaths']:.0f} |")
        for key in ("deaths", "resignation_step"):
            print(f"{key}: Mann-Whitney p = {c[key]['mannwhitney_p']:.2f}, KS p = {c[key]['ks_p']:.2f}")
        save(args, results)

    if "compile" in args.parts:
        with tempfile.TemporaryDirectory() as cache:
            cold = measure(0.001, cache_dir=cache, tmp=args.tmp)
            again = measure(0.001, cache_dir=cache, tmp=args.tmp)
        results["compile"] = {"cold_s": cold["wall_s"], "cached_s": again["wall_s"],
                              "compile_s": cold["wall_s"] - again["wall_s"], "load": cold["load_before"]}
        print(f"\nfirst use (empty numba cache): {cold['wall_s']:.1f} s for a 1/1000 run, then "
              f"{again['wall_s']:.1f} s from the cache: compilation costs ~{cold['wall_s'] - again['wall_s']:.0f} s "
              f"once (load {cold['load_before']:.1f})", flush=True)

    save(args, results)


def save(args, results) -> None:
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        print(f"measurements: {args.json}", flush=True)


if __name__ == "__main__":
    main()
