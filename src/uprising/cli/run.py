"""``uprising run``: one simulation, its files written atomically, a short summary printed."""

from __future__ import annotations

import errno
import math
import os
import importlib
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from uprising import __version__
from uprising.cli.check import require_sound
from uprising.cli.app import SetOption, app, print_table, stderr, stdout
from uprising.cli.progress import ProgressBar
from uprising.errors import UserError
from uprising.output import write_parquet, write_run
from uprising.scenarios import load_scenario, parse_assignments, scenario_to_dict, scenario_to_toml

# OS errors that mean "you cannot write there", a user's problem rather than a bug.
_USER_OS_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.EEXIST}


def write_report_if_available(out_dir: Path) -> Path | None:
    """Call ``uprising.report.write_report(out_dir)`` when that module exists; its path, else None."""
    if importlib.util.find_spec("uprising.report") is None:
        return None
    report = importlib.import_module("uprising.report")
    write_report: Callable[[Path], Any] | None = getattr(report, "write_report", None)
    if write_report is None:
        return None
    return Path(write_report(out_dir))


MULTI_PLACE_FRAME_BYTES = 64 * 2**20  # the report shows at most 6 M cells of them anyway


def default_frame_every(steps: int, cells: int, max_frames: int = 500, max_bytes: int = 256 * 2**20) -> int:
    """Snapshot spacing for frames.npz: at most ``max_frames`` frames and ``max_bytes`` of int8 cells."""
    by_count = math.ceil(steps / max_frames) if steps else 1
    by_bytes = math.ceil(steps * cells / max_bytes) if steps else 1
    return max(1, by_count, by_bytes)


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="A shipped scenario name (see `uprising scenarios`) or a .toml path.")],
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Root seed (default: the scenario's).")] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=0, help="Periods to run (default: the scenario's).")] = None,
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", metavar="sequential|synchronous", help="Activation schedule (default: the scenario's)."),
    ] = None,
    set_: SetOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: results/<scenario name>).")
    ] = None,
    frame_every: Annotated[
        int | None,
        typer.Option("--frame-every", min=1, help="Keep a grid snapshot every N steps (default: at most 500 snapshots)."),
    ] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write report.html when the report module is installed.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Check every invariant after every phase (slower); "
                                        "a violation is an internal error naming it, the phase and the step.")] = False,
    checkpoint_every: Annotated[int | None, typer.Option(
        "--checkpoint-every", min=1, metavar="N",
        help="Write DIR/checkpoint.npz every N steps; `uprising resume DIR/checkpoint.npz` continues.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the results of a different run in --out "
                                        "(without it, such a folder is refused).")] = False,
) -> None:
    """Run a scenario; write timeseries.parquet, summary.json, frames.npz and scenario.toml to --out.

    Ctrl-C or SIGTERM stops after the step under way, writes the steps done, a checkpoint and
    DIR/INTERRUPTED.json (see `uprising resume`)."""
    require_sound(scenario)  # an episode folder: every problem of its files, exit 2 (uprising check)
    overrides: dict[str, object] = dict(parse_assignments(set_ or []))
    # --seed/--steps/--schedule are overrides like any other: validated, recorded, reproducible.
    for key, value in (("scenario.seed", seed), ("scenario.steps", steps), ("scenario.schedule", schedule)):
        if value is not None:
            overrides[key] = value
    resolved = load_scenario(scenario, overrides)
    if resolved.scenario.tuned:  # a folder that overrides a shared behavioural value says so, always
        stderr.print(f"note: {scenario} overrides shared values (scenario.tuned): {', '.join(resolved.scenario.tuned)}",
                     markup=False, soft_wrap=True)
    info = resolved.scenario
    out_dir = out if out is not None else Path("results") / info.name
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(str(out_dir), None, "exists and is not a directory; give --out a directory")
    if not force:
        refuse_another_run(out_dir, scenario_to_toml(resolved))

    from uprising.simulation import Simulation  # numba compiles on import: keep other commands fast

    default_frames = frame_every is None
    if default_frames:
        frame_every = default_frame_every(info.steps, resolved.grid.width * resolved.grid.height)
    from uprising import checkpoint, checks, worlds
    from uprising.cli import resume

    # one display from the start: the first run compiles kernels while it builds the world and
    # during its first step, and says so (uprising.cli.progress)
    bar = ProgressBar(f"{info.name}", enabled=not quiet, kind=worlds.kind_of(resolved).name)
    with resume.stop_on_signals() as flag:
        with bar:
            sim = Simulation(resolved, seed=info.seed, schedule=info.schedule, frame_every=frame_every)
            if default_frames and sim.world.places.count > 1:
                # a multi-place world snapshots place 0, whose grid comes from its population, not [grid]:
                # space the frames by its real size (issue #8: at scale 1, 245 frames of the capital were 280 MB)
                sim.frame_every = default_frame_every(info.steps, sim.world.places.cells_of(0),
                                                      max_bytes=MULTI_PLACE_FRAME_BYTES)
            if check:
                checks.attach(sim)
            extra = {"checkpoint_every": checkpoint_every}
            started = time.perf_counter()
            try:
                resume.run_steps(sim, info.steps, flag=flag, checkpoint_path=out_dir / checkpoint.FILENAME,
                                 checkpoint_every=checkpoint_every, progress=bar, checkpoint_extra=extra)
            except resume.Interrupted as stop:
                bar.close()
                resume.write_interrupted(sim, out_dir, stop, scenario_to_toml(resolved), extra)
                resume.report_interrupted(stop, out_dir)
                raise typer.Exit(stop.exit_code) from None
        write_outputs(sim, resolved, out_dir, report=report, quiet=quiet, wall=time.perf_counter() - started)
    resume.clear_interrupted(out_dir)


RUN_FILES = ("summary.json", "timeseries.parquet", "frames.npz", "INTERRUPTED.json")


def refuse_another_run(out_dir: Path, scenario_toml: str) -> None:
    """A UserError when ``out_dir`` holds the results of a different run: its scenario.toml (the
    resolved scenario, seed and overrides included) differs from ``scenario_toml``, or it holds a
    run's files without one. The same run again (or an empty or new folder) is fine: rerunning a
    command replaces its own results. ``uprising run my.toml --set ...`` went to
    ``results/<name>/`` and silently replaced the earlier run there (issue #22, 12)."""
    if not out_dir.is_dir():
        return
    written = out_dir / "scenario.toml"
    try:
        if written.is_file():
            if written.read_text(encoding="utf-8") == scenario_toml:
                return
        elif not any((out_dir / name).exists() for name in RUN_FILES):
            return
    except (OSError, UnicodeDecodeError):
        pass
    raise UserError(str(out_dir), None, "holds the results of a different run (its scenario.toml differs); "
                    "give --out another folder, or --force to replace them")


def write_outputs(sim: Any, resolved: Any, out_dir: Path, *, report: bool, quiet: bool, wall: float) -> None:
    """A complete run's files (atomically, summary.json last) and the printed summary."""
    info = resolved.scenario
    summary: dict[str, Any] = {
        "scenario": info.name,
        "model": info.model,
        "seed": info.seed,
        "steps": info.steps,
        "schedule": info.schedule,
    }
    summary.update(sim.summary())
    summary.setdefault("wall_seconds", wall)
    summary.setdefault("parameters", scenario_to_dict(resolved))
    summary.setdefault("version", __version__)
    frames = sim.frames() if sim.frame_every else None  # a resumed API checkpoint may keep none
    if frames is not None and len(frames[0]) == 0:
        frames = None
    try:
        extra = {  # a world of places: roads.parquet, events.parquet (written before summary.json, the last file)
            name.rsplit(".", 1)[0]: write_parquet(out_dir / name, frame) for name, frame in sim.extra_tables().items()
        }
        paths = write_run(
            out_dir,
            timeseries=sim.timeseries(),
            summary=summary,
            frames=frames,
            scenario_toml=scenario_to_toml(resolved),
        )
        paths.update(extra)
        if report:
            report_path = write_report_if_available(out_dir)
            if report_path is not None:
                paths["report"] = report_path
    except OSError as e:
        if e.errno in _USER_OS_ERRORS:
            raise UserError(str(e.filename or out_dir), None, f"cannot write: {e.strerror}") from None
        raise

    if not quiet:
        from uprising.cli.summary_view import summary_table

        print_table(summary_table(summary, getattr(sim.world, "history", None)))
        names = ", ".join(p.name for kind, p in paths.items() if kind != "report")
        stdout.print(f"wrote {out_dir}{os.sep}: {names}", markup=False)
        if "report" in paths:
            stdout.print(f"report: {paths['report']}", markup=False)
