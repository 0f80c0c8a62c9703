"""Memory of a world of places (issue #14): peak = a + b·agents + c·cells + d·places + e·frames, measured.

    .venv/bin/python benchmarks/memory_model.py                    # ten runs, 1/100 to 6/10 (~8 min)
    .venv/bin/python benchmarks/memory_model.py --check 1          # then scale 1, against the fit
    .venv/bin/python benchmarks/memory_model.py --quick            # three small runs (the test's size)
    .venv/bin/python benchmarks/memory_model.py --refit runs.json  # fit again the points of --json runs.json

Every point is a fresh subprocess (``--child``) doing what ``uprising run bolivia-2003 --set
scale=S --no-report`` does — build the world, run every step, write the files — with
``world.citizen_density`` and ``world.places`` varied so that agents, cells and places are not
collinear. The parent reads the child's peak resident memory from the kernel (``os.wait4``:
ru_maxrss of that child alone), fits the coefficients and the constant by least squares (the
frames a run keeps, place 0's grid every few steps up to 64 MiB, as one more term), and
prints the fit, each point's residual, and the largest population one machine serves at one
agent per person (police added at the scenario's ratio, cells at its density) for a few memory
sizes, and the constants of ``uprising.world.memory`` (the memory guard's model). ``--json PATH``
writes everything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


def child(args) -> None:
    import resource

    from uprising.cli.run import MULTI_PLACE_FRAME_BYTES, default_frame_every, write_outputs
    from uprising.scenarios import load_scenario
    from uprising.simulation import Simulation

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    overrides: dict[str, object] = {"scale": args.scale, "world.citizen_density": args.density}
    if args.places:
        from uprising.world import geography as geo

        probe = load_scenario("bolivia-2003", {"scale": args.scale})
        names = list(geo.load_places(probe.world.folder).name)
        overrides["world.places"] = names[: args.places]
    if args.steps is not None:
        overrides["scenario.steps"] = args.steps
    resolved = load_scenario("bolivia-2003", overrides)
    info = resolved.scenario
    t0 = time.perf_counter()
    sim = Simulation(resolved, seed=info.seed, schedule=info.schedule)
    sim.frame_every = default_frame_every(info.steps, sim.world.places.cells_of(0), max_bytes=MULTI_PLACE_FRAME_BYTES)
    w = sim.world
    sim.run()
    with tempfile.TemporaryDirectory() as out:
        write_outputs(sim, resolved, Path(out), report=False, quiet=True, wall=time.perf_counter() - t0)
    print(json.dumps({
        "scale": args.scale, "density": args.density, "places": int(w.places.count),
        "agents": int(w.citizens_at_start + w.cops_at_start), "rows": int(w.pop.n), "capacity": int(w.pop.capacity),
        "cells": int(w.places.n_cells), "steps": int(info.steps), "base_rss": base_rss,
        "seconds": time.perf_counter() - t0, "compile_s": getattr(sim, "compile_seconds", None),
        "frames_kept": int(sum(f.nbytes for f in sim._frames)),
        "peak_rss": own_peak_rss(),
    }))


def own_peak_rss() -> int:
    """This process's peak resident bytes since its exec (VmHWM). ru_maxrss from wait4 is not it when
    the parent is large: Linux carries the parent's high-water mark into a vforked child at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_child(cmd: list[str]) -> tuple[dict, int]:
    """Run a child; return its JSON line and its peak resident bytes (ru_maxrss of that child)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed ({' '.join(cmd)}):\n{err[-3000:]}")
    run = json.loads(out.strip().splitlines()[-1])
    return run, int(run.get("peak_rss") or usage.ru_maxrss * 1024)


def point(scale: float, density: float, places: int | None = None, steps: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", "--scale", repr(scale), "--density", repr(density)]
    if places:
        cmd += ["--places", str(places)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    load = os.getloadavg()[0]
    rec, peak = run_child(cmd)
    rec.update({"peak": peak, "load": load, "frames": frames_bytes(scale, density)})
    return rec


def frames_bytes(scale: float, density: float) -> int:
    """Bytes of the frames a run keeps (place 0's grid every ``frame_every`` steps, as the CLI
    spaces them: at most 64 MiB), from the grid's shape as the world computes it."""
    import math

    from uprising.cli.run import MULTI_PLACE_FRAME_BYTES, default_frame_every
    from uprising.scenarios import load_scenario
    from uprising.world import geography as geo

    sc = load_scenario("bolivia-2003", {"scale": scale, "world.citizen_density": density})
    places = geo.load_places(sc.world.folder)
    name, people = str(places.name[0]), int(places.population[0])
    police = sc.world.forces.police.get(name, round(people * sc.world.forces.police_per_1000 / 1000.0))
    cells = max(16, math.ceil((round(people * scale) + police * scale + 4) / density))
    h = math.isqrt(cells - 1) + 1
    cells0 = h * math.ceil(cells / h)
    steps = sc.scenario.steps
    return steps // default_frame_every(steps, cells0, max_bytes=MULTI_PLACE_FRAME_BYTES) * cells0


def fit(points: list[dict]) -> dict:
    """Least squares: peak = a + b·agents + c·cells + d·places + e·frame bytes (bytes)."""
    import numpy as np

    x = np.array([[1.0, p["agents"], p["cells"], p["places"], p["frames"]] for p in points])
    y = np.array([float(p["peak"]) for p in points])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    pred = x @ coef
    return {"a": float(coef[0]), "per_agent": float(coef[1]), "per_cell": float(coef[2]), "per_place": float(coef[3]),
            "per_frame_byte": float(coef[4]), "residuals": (y - pred).tolist(),
            "max_rel_error": float(np.max(np.abs(y - pred) / y))}


FRAMES_CAP = 64 * 2**20  # the CLI's frames of a world of places (cli.run.MULTI_PLACE_FRAME_BYTES)


def predict(model: dict, agents: float, cells: float, places: float, frames: float = FRAMES_CAP) -> float:
    return (model["a"] + model["per_agent"] * agents + model["per_cell"] * cells + model["per_place"] * places
            + model["per_frame_byte"] * frames)


def largest_population(model: dict, gib: float, police_per_person: float, density: float, places: int) -> float:
    """People served at one agent per person with ``gib`` of memory (frames at their cap)."""
    per_person = model["per_agent"] * (1 + police_per_person) + model["per_cell"] * (1 + police_per_person) / density
    fixed = model["a"] + model["per_place"] * places + model["per_frame_byte"] * FRAMES_CAP
    return (gib * GIB - fixed) / per_person


DESIGN = [  # (scale, citizen_density, places: None = all): agents, cells and places not collinear
    (0.01, 0.7, None), (0.1, 0.7, None), (0.3, 0.7, None), (0.6, 0.7, None),
    (0.1, 0.35, None), (0.3, 0.35, None),
    (0.1, 0.9, None), (0.3, 0.9, None),
    (0.3, 0.7, 10), (0.6, 0.7, 3),
]
QUICK = [(0.001, 0.7, None), (0.005, 0.35, None), (0.01, 0.7, None)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--density", type=float, default=0.7)
    ap.add_argument("--places", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="three small runs only")
    ap.add_argument("--check", type=float, nargs="*", default=[], help="scales to run and compare with the fit")
    ap.add_argument("--json", default=None)
    ap.add_argument("--refit", default=None, help="fit the points of an earlier --json file (no runs)")
    args = ap.parse_args()
    if args.child:
        child(args)
        return

    print(f"# memory model: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    points = []
    if args.refit:
        points = json.loads(Path(args.refit).read_text())["points"]
        for p in points:
            p.setdefault("frames", frames_bytes(p["scale"], p["density"]))
    else:
        point(0.001, 0.7)  # warm numba's cache: no point below pays compilation
    for scale, density, places in [] if args.refit else QUICK if args.quick else DESIGN:
        points.append(point(scale, density, places))
        p = points[-1]
        print(f"  scale {scale:g} density {density:g} places {p['places']}: {p['agents']:,} agents, "
              f"{p['cells']:,} cells, peak {p['peak'] / GIB:.3f} GiB (load {p['load']:.1f}, compiling "
              f"{p['compile_s'] or 0:.1f} s)", flush=True)
    model = fit(points)
    print("\n| scale | density | places | agents | cells | frames MiB | peak GiB | model GiB | error |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for p, r in zip(points, model["residuals"]):
        m = p["peak"] - r
        print(f"| {p['scale']:g} | {p['density']:g} | {p['places']} | {p['agents']:,} | {p['cells']:,} "
              f"| {p['frames'] / 2**20:.0f} | {p['peak'] / GIB:.3f} | {m / GIB:.3f} | {r / p['peak']:+.1%} |")
    print(f"\nfit: peak bytes = {model['a'] / 2**20:.0f} MiB + {model['per_agent']:.1f} B x agents "
          f"+ {model['per_cell']:.1f} B x cells + {model['per_place'] / 2**10:.0f} KiB x places "
          f"+ {model['per_frame_byte']:.2f} x frame bytes (largest error {model['max_rel_error']:.1%})")
    # the episode's ratios: police per person and cells per agent, from the scale-1/100 point
    police = 0.0025  # the shipped scenario's police_per_1000 = 2.5 (plus the capital's, within rounding)
    ref = max((p for p in points if p["density"] == 0.7 and p["places"] == max(q["places"] for q in points)),
              key=lambda p: p["scale"])
    people = ref["agents"] / ref["scale"] / (1 + police)
    print("\none agent per person, citizen_density 0.7, 30 places: largest population one machine serves")
    for gib in (4, 8, 16, 24, 64, 256):
        n = largest_population(model, gib, police, 0.7, 30)
        print(f"  {gib:>4} GiB: {n / 1e6:,.0f} M people")
    print(f"  (this episode at one agent per person: {people / 1e6:.1f} M people, model "
          f"{predict(model, people * (1 + police), people * (1 + police) / 0.7, 30) / GIB:.2f} GiB)")
    print(f"\nconstants for uprising.world.memory: A = {model['a'] + model['per_frame_byte'] * FRAMES_CAP:.0f} "
          f"(frames at their cap included); PER_AGENT = {model['per_agent']:.1f}; PER_CELL = {model['per_cell']:.1f}; "
          f"PER_PLACE = {model['per_place']:.0f}")
    checks = []
    for s in args.check:
        p = point(s, 0.7)
        m = predict(model, p["agents"], p["cells"], p["places"], p["frames"])
        checks.append({**p, "model": m})
        print(f"\ncheck at scale {s:g}: measured {p['peak'] / GIB:.2f} GiB, model {m / GIB:.2f} GiB "
              f"({(p['peak'] - m) / p['peak']:+.1%}), load {p['load']:.1f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"points": points, "model": model, "checks": checks}, indent=1))


if __name__ == "__main__":
    main()
