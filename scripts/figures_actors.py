"""The figure of docs/mechanisms/actors.md: the actors' pressures and decisions in one run.

    .venv/bin/python scripts/figures_actors.py            # docs/mechanisms/img/actors.png

One run of each shipped episode with ``scenario.decisions = "actors"`` (seed 1): per day, each
organisation's pressure p_o against its threshold, the government's perceived pressure against
``concede_at``, and a mark at every decision an actor took, beside the record's decisions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from uprising.output import save_figure  # noqa: E402
from uprising.scenarios import load_scenario  # noqa: E402
from uprising.simulation import Simulation  # noqa: E402
from uprising.world.history import load_record_file  # noqa: E402
from uprising.world.mechanisms.organisations import rule  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "mechanisms" / "img" / "actors.png"
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]


def trace(name: str):
    sim = Simulation(load_scenario(name, {"scenario.decisions": "actors"}), seed=1)
    w = sim.world
    days, orgs, gov = [], [], []
    while sim.steps_done < sim.scenario.scenario.steps:
        sim.step()
        if (sim.steps_done - 1) % w.spd == 0:
            days.append(w.date_of(sim.steps_done))
            orgs.append(w.org_pressure.copy())
            gov.append(w.perceived_pressure)
    return sim, days, orgs, gov


def panel(ax, name: str) -> None:
    sim, days, orgs, gov = trace(name)
    sc = sim.scenario
    for k, org in enumerate(sc.organisations):
        c = COLOURS[k % len(COLOURS)]
        threshold = rule(sim.world, org, "threshold")  # its own value if its folder overrides the shared one
        ax.plot(days, [p[k] for p in orgs], color=c, lw=1.4, label=f"{org.name} (threshold {threshold:g})")
        ax.axhline(threshold, color=c, lw=0.6, ls=":")
    ax.plot(days, gov, color="black", lw=1.6, label=f"government, perceived (concedes at {sc.government.concede_at:g})")
    top = ax.get_ylim()[1]
    for d in sim.summary()["decisions"]:
        if d["kind"] in ("announcement", "hardship", "censorship"):
            continue
        when = dt.date.fromisoformat(d["date"])
        ax.plot([when], [top * 0.97], marker="v", color="black", ms=5)
        ax.annotate(f"{d['kind']}\n{d['actor'][:14]}", (when, top * 0.97), fontsize=6, rotation=90,
                    xytext=(0, -4), textcoords="offset points", ha="center", va="top")
    record = load_record_file(sc.world.folder)
    for d in record.decisions:
        ax.axvline(d.date, color="#999999", lw=0.8, ls="--")
    s = sim.summary()
    fell = f"falls {s['resignation_date']}" if s["resigned"] else "does not fall"
    ax.set_title(f"{name}, actors deciding (seed 1): the government {fell}; {s['deaths_total']:.0f} killed. "
                 "Dashed: the record's decisions", fontsize=9)
    ax.set_ylabel("pressure")
    ax.legend(fontsize=7, loc="upper left")


def main() -> None:
    fig, axes = plt.subplots(2, 1, figsize=(11, 9))
    panel(axes[0], "bolivia-2003")
    panel(axes[1], "ecuador-2019")
    fig.tight_layout()
    print(save_figure(OUT, fig))


if __name__ == "__main__":
    main()
