"""The figures of docs/mechanisms/*.md: what each Gas War mechanism does to the dynamics.

    .venv/bin/python scripts/figures_mechanisms.py            # all four, into docs/mechanisms/img/
    .venv/bin/python scripts/figures_mechanisms.py loyalty    # one

Every comparison uses common random numbers: the same seed with the mechanism on and off, so
the runs are identical until the mechanism first acts. Runs are small (40 x 40, Table 2 Run 2
unless a figure says otherwise) and take a few seconds each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from uprising.simulation import Simulation  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "mechanisms" / "img"
# Okabe-Ito, colour-blind safe
BLUE, ORANGE, GREEN, RED, GREY, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999", "#CC79A7"


def run(steps: int, seed: int = 1, schedule: str = "sequential", **overrides):
    return Simulation.from_scenario("epstein-1", seed=seed, schedule=schedule, steps=steps, **overrides).run()


def groups_figure(path: Path) -> None:
    groups = [
        {"name": "miners", "share": 0.2, "hardship_low": 0.5, "hardship_high": 1.0, "risk_aversion_high": 0.6,
         "organised": 0.7},
        {"name": "vecinos", "share": 0.8},
    ]
    ts = run(300, seed=2, groups=groups).timeseries()
    classic = run(300, seed=2).timeseries()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for g, name, colour in ((0, "miners (20 %): H ~ U(0.5, 1), R ~ U(0, 0.6)", RED), (1, "vecinos (80 %): Epstein's U(0, 1)", BLUE)):
        share = ts[f"active_g{g}"].to_numpy() / np.maximum(ts[f"citizens_g{g}"].to_numpy(), 1)
        ax.plot(ts["step"], share, color=colour, lw=1.2, label=name)
    ax.plot(classic["step"], classic["active"].to_numpy() / 1120, color=GREY, lw=1, ls="--",
            label="one group (Epstein 2002 Run 2), same seed")
    ax.set_xlabel("step")
    ax.set_ylabel("active share of the group")
    ax.set_title("Groups: a poorer, bolder minority is active far more often and drags the others out")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def legitimacy_figure(path: Path) -> None:
    soldiers = {"repression.soldier_density": 0.01, "repression.fire_at": 0.05, "repression.p_kill": 0.3}
    off = run(200, **soldiers).timeseries()
    on = run(200, **soldiers, **{"legitimacy.backfire_witness": 0.1, "legitimacy.backfire_place": 0.01}).timeseries()
    first = int(np.argmax(off["killed_people"].to_numpy() > 0))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [2, 2, 1.4]})
    ax = axes[0]
    ax.plot(off["step"], off["active"], color=GREY, lw=1, label="backfire off")
    ax.plot(on["step"], on["active"], color=RED, lw=1.2, label="backfire on (witness 0.1, place 0.01)")
    ax.axvline(first, color="k", lw=0.8, ls=":")
    ax.text(first + 2, ax.get_ylim()[1] * 0.92, "first killing", fontsize=8)
    ax.set(xlabel="step", ylabel="active citizens", title="Backfire: same seed, identical until the first killing")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(on["step"], on["legitimacy_mean"], color=RED, lw=1.2, label="mean L, backfire on")
    ax.plot(off["step"], np.full(len(off), 0.82), color=GREY, lw=1, label="backfire off (L = 0.82)")
    ax2 = ax.twinx()
    ax2.bar(on["step"], on["killed_people"], color=PURPLE, alpha=0.5, width=1.0)
    ax2.set_ylabel("killed per step", color=PURPLE)
    ax.set(xlabel="step", ylabel="mean perceived legitimacy",
           title="Each killing lowers L; it relaxes back (half-life 40)")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    deaths = np.linspace(0, 80, 200)
    for half, colour in ((5, RED), (10, ORANGE), (20, BLUE)):
        ax.plot(deaths, 0.05 / (1 + deaths / half), color=colour, label=f"deaths_half = {half}")
    ax.set(xlabel="deaths known (people)", ylabel="legitimacy restored",
           title="A concession of 0.05:\ntoo little, too late")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def repression_figure(path: Path) -> None:
    cfg = {"repression.soldier_density": 0.01, "repression.teargas_at": 0.04, "repression.fire_at": 0.1,
           "repression.p_kill": 0.3}
    sim = run(300, **cfg)
    ts = sim.timeseries()
    police_only = run(300).timeseries()
    share = ts["active"].to_numpy() / 1120
    doctrine = ts["doctrine"].to_numpy()
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    shade = {1: ("#F0E442", "tear gas"), 2: (RED, "live fire")}
    for level, (colour, label) in shade.items():
        on = doctrine == level
        ax.fill_between(ts["step"], 0, 1, where=on, color=colour, alpha=0.18, step="mid", label=f"doctrine: {label}",
                        transform=ax.get_xaxis_transform())
    ax.plot(police_only["step"], police_only["active"].to_numpy() / 1120, color=GREY, lw=1,
            label="police only (Epstein 2002 Run 2)")
    ax.plot(ts["step"], share, color=BLUE, lw=1.2, label="with 16 soldiers")
    ax.axhline(0.04, color="k", lw=0.6, ls="--")
    ax.axhline(0.1, color="k", lw=0.6, ls=":")
    ax.text(302, 0.04, "teargas_at", fontsize=7, va="center")
    ax.text(302, 0.1, "fire_at", fontsize=7, va="center")
    ax.set(ylabel="active share", title="Doctrine escalates with unrest: arrest, tear gas, live fire")
    ax.legend(fontsize=8, loc="upper right")
    bx.bar(ts["step"], ts["killed_people"], color=RED, width=1.0, label="killed (people)")
    bx.bar(ts["step"], -ts["dispersed"].to_numpy(), color="#B8A000", width=1.0, label="dispersed by tear gas (down)")
    bx.set(xlabel="step", ylabel="per step")
    bx.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def loyalty_figure(path: Path) -> None:
    base = {"citizen.legitimacy": 0.6, "population.cop_density": 0.02, "repression.soldier_density": 0.01,
            "repression.teargas_at": 1.0, "repression.fire_at": 1.0}  # soldiers arrest only: loyalty alone
    loyal = run(200, **base).timeseries()
    ts = run(200, **base, **{"loyalty.erosion": 0.002, "loyalty.crowd_ratio": 3.0, "loyalty.join_share": 0.5}).timeseries()
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    ax = axes[0]
    ax.plot(loyal["step"], loyal["cops"] + loyal["soldiers"], color=GREY, lw=1, label="security on duty, loyalty off")
    ax.plot(ts["step"], ts["cops"] + ts["soldiers"], color=BLUE, lw=1.3, label="security on duty, loyalty on")
    ax.plot(ts["step"], ts["neutral_police"] + ts["neutral_soldiers"], color=ORANGE, lw=1.3, label="neutral")
    ax.set(xlabel="step", ylabel="police + soldiers (agents)",
           title="32 police and 16 soldiers facing hundreds of actives (L = 0.6)")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(loyal["step"], loyal["active"], color=GREY, lw=1, label="actives, loyalty off")
    ax.plot(ts["step"], ts["active"], color=RED, lw=1.3, label="actives, loyalty on")
    ax.plot(loyal["step"], loyal["jailed"], color=GREY, lw=1, ls="--", label="jailed, loyalty off")
    ax.plot(ts["step"], ts["jailed"], color=RED, lw=1, ls="--", label="jailed, loyalty on")
    ax.set(xlabel="step", ylabel="citizens", title="Past a tipping point defection cascades: arrests stop, jails empty")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


FIGURES = {"groups": groups_figure, "legitimacy": legitimacy_figure, "repression": repression_figure,
           "loyalty": loyalty_figure}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or list(FIGURES):
        FIGURES[name](OUT / f"{name}.png")
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main(sys.argv[1:])
