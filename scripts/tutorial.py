# %% [markdown]
# # From Epstein's Run 2 to a country: a tutorial for Mesa users
#
# You know Mesa's `epstein_civil_violence` example or NetLogo's *Rebellion*: citizens with a
# grievance `G = H (1 - L)` turn active when `G - R P > T`, cops arrest an active citizen they
# see, the jailed sit out `J` steps. **uprising** runs the same model rule for rule, a hundred
# times faster (numba, agents as arrays), and grows it into whole countries: an *episode* is a
# folder of data (places, roads, dated decisions, the record of what happened).
#
# This notebook goes, in about 20 seconds on two cores once the engine is compiled (numba
# compiles it on the first run after installing and caches it on disk: the first run takes
# a minute or two longer):
#
# 1. Epstein's Run 2 (Table 2 of the 2002 paper) as one `Simulation`, its board and its outbursts;
# 2. a sweep over legitimacy and policing with the experiments API (a results store on disk);
# 3. Bolivia's 2003 Gas War as a world of 30 places, at one agent per 1,000 people;
# 4. a counterfactual on it with common random numbers (`compare`);
# 5. its validation against the record (`validate`): targets met or missed.
#
# Every step has its command-line twin, given beside it. Mesa's names and ours:
#
# | Mesa `EpsteinCivilViolence(...)` | uprising scenario key |
# |---|---|
# | `width`, `height` | `grid.width`, `grid.height` |
# | `citizen_density`, `cop_density` | `population.citizen_density`, `population.cop_density` |
# | `citizen_vision`, `cop_vision` | `citizen.vision`, `cop.vision` |
# | `legitimacy` | `citizen.legitimacy` |
# | `max_jail_term` | `citizen.jail_max` |
# | `active_threshold` | `citizen.threshold` |
# | `arrest_prob_constant` | `citizen.k` |
# | `movement` | `rules.movement` |
# | `model.step()` × n | `sim.run(n)`; `sim.plan` lists the phases of one step |
# | `DataCollector` | `sim.timeseries()` (polars), `sim.summary()` |
#
# `uprising show epstein-1 --comments` prints every key of a scenario with its meaning and source.

# %%
import datetime as dt
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FuncFormatter

from uprising.simulation import Simulation

# The report's colours for the frame codes 0 empty, 1 quiet, 2 active, 3 jailed, 4 cop
BOARD = ListedColormap(["#f3f1ec", "#8db8dc", "#d55e00", "#6a3d9a", "#1b1b1f"])
pl.Config(tbl_hide_dataframe_shape=True, fmt_str_lengths=60, tbl_rows=20)
THOUSANDS = FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k" if v else "0")

# %% [markdown]
# ## 1. Epstein's Run 2
#
# `epstein-1` is Model I with Run 2's parameters (L 0.82, vision 7, J_max 30, cops 0.04 of a
# 40×40 torus): punctuated equilibrium. `frame_every=1` keeps the board at every step (without
# it, `sim.frames()` refuses: no board was kept). Shown as the last line of a cell, a
# `Simulation` draws itself: its counts now, the board, the actives over time.
#
# Command line: `uprising run epstein-1 --seed 1` (files and a report in `results/epstein-1/`).

# %%
sim = Simulation.from_scenario("epstein-1", seed=1, frame_every=1)
print(sim.plan)
sim.run()  # the scenario's 500 steps
sim

# %%
ts = sim.timeseries()
summary = sim.summary()
fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(ts["step"], ts["active"], color="#d55e00", lw=1, label="active")
ax.plot(ts["step"], ts["jailed"], color="#6a3d9a", lw=1, label="jailed")
ax.axhline(summary["outburst_level"], color="grey", ls=":", label="outburst level (Epstein's 50 of 1,120)")
ax.set(xlabel="step", ylabel="citizens", title=f"epstein-1, seed 1: {summary['outbursts']} outbursts in 500 steps")
ax.legend(loc="upper right", fontsize="small")
plt.show()

# %% [markdown]
# The board around the largest outburst: quiet citizens (blue) turn active (orange) together,
# the cops (black) jail them, and the board falls quiet again.

# %%
steps, cells = sim.frames()
peak = int(ts["step"][int(ts["active"].arg_max())])
i = int(np.searchsorted(steps, peak))
shown = [min(max(i + d, 0), len(steps) - 1) for d in (-6, -3, 0, 3, 8)]
fig, axes = plt.subplots(1, len(shown), figsize=(12, 2.7))
for ax, j in zip(axes, shown):
    ax.imshow(cells[j], cmap=BOARD, vmin=0, vmax=4, interpolation="nearest")
    ax.set_title(f"step {steps[j]}", fontsize="small")
    ax.axis("off")
plt.show()

# %% [markdown]
# Published implementations differ in details that decide whether outbursts happen at all
# (floor or round of C/A, vision shape, where the jailed go). A *preset* picks one
# implementation's choices in one key: `rules.preset = "mesa"` runs Run 2's parameters under
# Mesa's rules (`mesa-example` is Mesa's example with its own defaults, exactly). Keyword
# arguments are scenario keys with `__` for the dot.

# %%
for preset in ("default", "netlogo", "mesa"):
    s = Simulation.from_scenario("epstein-1", seed=1, rules__preset=preset).run().summary()
    print(f"{preset:8} outbursts {s['outbursts']:3}   mean active fraction {s['mean_active_fraction']:.3f}")

# %% [markdown]
# ## 2. A sweep
#
# Mesa's `batch_run` becomes a *sweep spec*: a base scenario, a grid of values, seeds per point.
# Every run's seed is spawned from one root seed, so the numbers are the same bit for bit in one
# process, two, or on a Dask cluster. Each finished run is a Parquet file in a results store,
# queried with SQL (DuckDB); rerun the same sweep and it resumes. Here 4 × 2 points × 2 seeds,
# in this process (`workers=1`).
#
# Command line, with the shipped spec of this kind by its name:
# `uprising sweep legitimacy-by-cops --seeds 2 --steps 300 --out results/lbc`, then
# `uprising results results/lbc "SELECT ... FROM runs GROUP BY ALL"`.

# %%
from uprising.experiments import load_spec, open_store, run_sweep

spec = load_spec({
    "sweep": {"name": "tutorial", "scenario": "epstein-1", "seed": 2024, "seeds": 2, "steps": 300},
    "grid": {"citizen.legitimacy": [0.6, 0.7, 0.8, 0.9], "population.cop_density": [0.02, 0.04]},
})
store = Path(tempfile.mkdtemp()) / "tutorial-sweep"  # any folder; results/<name> from the CLI
print(run_sweep(spec, store, workers=1, progress=False).line())
table = open_store(store).query("""
    SELECT citizen__legitimacy AS legitimacy, population__cop_density AS cop_density,
           avg(outbursts) AS outbursts, avg(mean_active_fraction) AS mean_active_fraction
    FROM runs GROUP BY ALL ORDER BY ALL""")
table

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for density, colour in zip((0.02, 0.04), ("#0072b2", "#009e73")):
    part = table.filter(pl.col("cop_density") == density)
    for ax, column in zip(axes, ("outbursts", "mean_active_fraction")):
        ax.plot(part["legitimacy"], part[column], "o-", color=colour, label=f"cop density {density}")
        ax.set(xlabel="legitimacy L", ylabel=column.replace("_", " "))
axes[0].legend(fontsize="small")
fig.suptitle("epstein-1, 300 steps: mean of 2 seeds per point", fontsize="medium")
plt.show()

# %% [markdown]
# ## 3. A country: Bolivia's Gas War, 1 September – 31 October 2003
#
# `bolivia-2003` is a folder: 30 places with their census populations, the roads between them,
# the dated decisions (calls to strike, marches, the fuel convoys, the concessions), and
# `record.toml`, what happened. Each place is an Epstein grid; blockades, supply, marches,
# soldiers, radio and the regime are mechanisms around them. A step is 6 hours.
# `world.scale` is agents per person: 0.001 (one agent per 1,000 people) runs the two months in
# about a second.
#
# Command line: `uprising run bolivia-2003 --set world.scale=0.001` (a report with the map).

# %%
episode = Simulation.from_scenario("bolivia-2003", seed=1, world__scale=0.001)
episode.run()
episode

# %%
ts = episode.timeseries()
outcome = episode.summary()
top = (ts.group_by("place_name").agg(pl.col("active").max()).sort("active", descending=True)
       ["place_name"].head(4).to_list())
fig, ax = plt.subplots(figsize=(9, 3.2))
for name in top:
    part = ts.filter(pl.col("place_name") == name).sort("step")
    ax.plot(part["date"].to_list(), part["active"].to_list(), lw=1, label=name)
if outcome["resigned"]:
    ax.axvline(dt.datetime.fromisoformat(outcome["resignation_date"]), color="grey", ls=":",
               label="the government falls (model)")
ax.set(ylabel="active (people)", title="the four places with the most actives")
ax.yaxis.set_major_formatter(THOUSANDS)
ax.legend(fontsize="small", loc="upper left")
fig.autofmt_xdate()
plt.show()
print(f"deaths {outcome['deaths_total']:.0f}, the government fell: {outcome['resigned']} "
      f"({outcome['resignation_date']}, {outcome['resignation_reason']})")

# %% [markdown]
# ## 4. A counterfactual: the same two months without lethal force
#
# `compare` runs the episode as it is (the baseline) and with a change (the variant), in pairs
# that share their seeds (common random numbers), and gives each output's mean difference with
# a 95 % interval. Four pairs here; the docs use twenty.
#
# How to read the table: `n` is the pairs in which both arms have the output, so
# `resignation_day` counts only pairs where the government fell in both arms. An output with
# the same value in every run of both arms (`resigned` when the government fell in all eight
# runs), or with no pair where both arms have it, has no difference to show: it is left out of
# the table and listed in `cmp.constant` (`None`: no run has it; `nan`: no pair has it in both
# arms). `resigned` is a yes/no outcome: its interval is exact (Clopper-Pearson on the pairs
# that disagree), not Student's t.
#
# Command line: `uprising compare bolivia-2003 --set world.clashes.lethal_force=false
# --base-set world.scale=0.001 -n 4`.

# %%
from uprising.experiments.compare import compare

cmp = compare("bolivia-2003", {"world.clashes.lethal_force": False}, runs=4, seed=0,
              base_overrides={"world.scale": 0.001}, workers=1, progress=False)
print("left out of the table:", {k: v for k, v in cmp.constant.items() if not k.startswith(("decided_", "took_"))})
cmp.table.filter(pl.col("output").is_in(["resigned", "resignation_day", "deaths_total"]))

# %%
fig, ax = plt.subplots(figsize=(9, 3))
for arm, colour in (("baseline", "#0072b2"), ("variant", "#d55e00")):
    band = (cmp.timeseries.filter(pl.col("arm") == arm).group_by("step")
            .agg(mean=pl.col("active").mean(), low=pl.col("active").min(), high=pl.col("active").max())
            .sort("step"))
    label = "as on record" if arm == "baseline" else "no lethal force"
    ax.fill_between(band["step"], band["low"], band["high"], color=colour, alpha=0.2, lw=0)
    ax.plot(band["step"], band["mean"], color=colour, lw=1, label=f"{label} (mean, range of 4 runs)")
ax.set(xlabel="step (6 hours)", ylabel="active (people)")
ax.yaxis.set_major_formatter(THOUSANDS)
ax.legend(fontsize="small", loc="upper left")
plt.show()

# %% [markdown]
# ## 5. Validation: the model against the record
#
# `validate` runs an ensemble and checks it against the targets in the episode's
# `record.toml`: whether and when the government fell, the deaths, where they died, the phases
# in order. Each target is met or missed; the scores compare the model with a naive baseline
# (nothing happens). Four runs at 1/1000 here; the docs' figures are 20 runs at the shipped
# scale (at 1/1000 the toll runs a little higher).
#
# Command line: `uprising validate bolivia-2003 -n 4 --scale 0.001` (`--strict` exits 1 when a
# target is missed).

# %%
from uprising.experiments.validation import validate

result = validate("bolivia-2003", runs=4, scale=0.001, workers=1)
verdict = pl.DataFrame([
    {"target": t["name"], "model": None if t["value"] is None else float(t["value"]),
     "wanted": t["target"], "met": "yes" if t["met"] else "no"}
    for t in result["targets"]
])
print(verdict)
met = sum(t["met"] for t in result["targets"])
print(f"targets met: {met} of {len(result['targets'])}; "
      f"composite skill against the baseline: {result['scores']['skill']['value']:.3f}")

# %%
deaths = [r["deaths_total"] for r in result["per_run"]]
low, high = result["record"]["deaths"]
fig, ax = plt.subplots(figsize=(6, 2.4))
ax.axvspan(low, high, color="#8db8dc", alpha=0.5, label=f"the record: {low:g}-{high:g}")
ax.plot(deaths, np.zeros(len(deaths)), "o", color="#d55e00", label="the model, one run each")
ax.set(xlabel="deaths", yticks=[])
ax.legend(fontsize="small", loc="upper left")
plt.show()

# %% [markdown]
# ## Where next
#
# - `uprising scenarios`: the shipped scenarios (every run of Epstein's Table 2, NetLogo's and
#   Mesa's examples, the Gas War mechanisms on Epstein's grid, two episodes).
# - `docs/experiments.md`: sweeps, sensitivity (`uprising sensitivity morris-epstein`),
#   calibration; `docs/validation.md`: the scores and the negative controls;
#   `docs/episodes.md`: write your own episode (`uprising new episode my-country`).
# - Every command ends with a self-contained `report.html` (`docs/report.md`).
# - `uprising serve bolivia-2003` runs an episode live in the browser (localhost only): its map
#   and charts as it runs, levers between steps (each group's legitimacy, lethal force, police),
#   and the government or an organisation to play (concede, curfew, strike, march); a
#   play-through is saved as a scenario file that replays it exactly (`docs/serve.md`).
