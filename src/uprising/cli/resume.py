"""``uprising resume``, and what ``uprising run`` shares with it: checkpoints and clean stops.

- ``uprising run ... --checkpoint-every N`` writes ``DIR/checkpoint.npz`` every N steps
  (atomically; ``uprising.checkpoint``);
- Ctrl-C or SIGTERM during a run stops it after the step under way: the files of the steps done
  are written (``timeseries.parquet``, ``frames.npz``, ``scenario.toml``, each atomically), with
  ``checkpoint.npz`` and a note ``INTERRUPTED.json`` saying where it stopped. ``summary.json`` is
  written only by a complete run (a stale one, and a stale ``report.html``, from an earlier run
  in DIR are removed, so the directory never pairs one run's summary with another's counts). Exit 130 (SIGINT) or 143
  (SIGTERM). A second Ctrl-C stops at once (the files already there stay whole: every writer is
  atomic);
- ``uprising resume CHECKPOINT [--out DIR]`` continues to the scenario's last step; the
  trajectory is the one the uninterrupted run makes (tests/test_checkpoint.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from uprising.cli.app import app, err
from uprising.errors import UserError

INTERRUPTED = "INTERRUPTED.json"
_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interrupted(Exception):
    """A run stopped by a signal after a complete step."""

    def __init__(self, signum: int, step: int, total: int):
        self.signum, self.step, self.total = signum, step, total
        super().__init__(f"interrupted by {_SIGNALS.get(signum, signum)} at step {step} of {total}")

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[dict[str, Any]]:
    """While inside: SIGINT/SIGTERM set ``flag["signal"]`` (a second SIGINT raises at once)."""
    flag: dict[str, Any] = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield flag  # signals reach the main thread only; nothing to install
        return

    def handler(signum, frame):
        if flag["signal"] is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        flag["signal"] = signum

    old = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run_steps(sim: Any, total: int, *, flag: dict[str, Any], checkpoint_path: Path | None = None,
              checkpoint_every: int | None = None, progress: Callable[[int, int], None] | None = None,
              checkpoint_extra: dict[str, Any] | None = None) -> None:
    """Step ``sim`` until ``total`` steps are done; a checkpoint every N; :class:`Interrupted` on a signal."""
    from uprising import checkpoint

    start = sim.steps_done
    while sim.steps_done < total:
        sim.step()
        if progress is not None:
            progress(sim.steps_done - start, total - start)
        if checkpoint_every and checkpoint_path is not None and sim.steps_done % checkpoint_every == 0 \
                and sim.steps_done < total:
            checkpoint.save(sim, checkpoint_path, checkpoint_extra)
        if flag.get("signal") is not None:
            raise Interrupted(flag["signal"], sim.steps_done, total)


def write_interrupted(sim: Any, out_dir: Path, stop: Interrupted, scenario_toml: str,
                      extra: dict[str, Any] | None = None) -> list[Path]:
    """The files of an interrupted run: the steps done, a checkpoint, and INTERRUPTED.json."""
    from uprising import checkpoint
    from uprising.output import SUMMARY, write_frames, write_json, write_parquet, write_text

    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_text(out_dir / "scenario.toml", scenario_toml), write_parquet(out_dir / "timeseries.parquet",
                                                                                     sim.timeseries())]
    steps, cells = sim.frames() if sim.frame_every else ([], None)
    if len(steps):
        written.append(write_frames(out_dir / "frames.npz", steps, cells))
    ck = checkpoint.save(sim, out_dir / checkpoint.FILENAME, extra)
    written.append(ck)
    for stale in (SUMMARY, "report.html"):  # an earlier, complete run's: not to be paired with these counts
        (out_dir / stale).unlink(missing_ok=True)
    note = {
        "interrupted_by": _SIGNALS.get(stop.signum, str(stop.signum)),
        "step": stop.step,
        "steps": stop.total,
        "scenario": sim.scenario.scenario.name,
        "seed": sim.seed,
        "schedule": sim.schedule,
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "files": sorted(p.name for p in written),
        "checkpoint": ck.name,
        "resume": f"uprising resume {ck}",
    }
    written.append(write_json(out_dir / INTERRUPTED, note))
    return written


def report_interrupted(stop: Interrupted, out_dir: Path) -> None:
    from uprising import checkpoint

    err(f"uprising: {stop}; wrote the steps done to {out_dir}{os.sep} (see {INTERRUPTED}); "
        f"continue with: uprising resume {out_dir / checkpoint.FILENAME}")


def clear_interrupted(out_dir: Path) -> None:
    (Path(out_dir) / INTERRUPTED).unlink(missing_ok=True)


@app.command("resume")
def resume_command(
    checkpoint_file: Annotated[Path, typer.Argument(
        metavar="CHECKPOINT", help="A checkpoint.npz (or the run directory holding one).")],
    out: Annotated[Path | None, typer.Option("--out", help="Output directory (default: the checkpoint's).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Check every invariant after every phase (slower).")] = False,
    checkpoint_every: Annotated[int | None, typer.Option(
        "--checkpoint-every", min=1, metavar="N",
        help="Write DIR/checkpoint.npz every N steps (default: as the interrupted run did).")] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write report.html when the report module is installed.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Continue a run from its checkpoint to the scenario's last step; same trajectory, same files."""
    from uprising import checkpoint
    from uprising.cli.run import ProgressBar, write_outputs
    from uprising.scenarios import scenario_to_toml

    meta, _ = checkpoint.read_meta(checkpoint_file)  # one-line refusal of a foreign file first
    sim = checkpoint.load(checkpoint_file, check=check)
    source = Path(meta["_label"])
    out_dir = out if out is not None else source.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(str(out_dir), None, "exists and is not a directory; give --out a directory")
    every = checkpoint_every if checkpoint_every is not None else (meta.get("extra") or {}).get("checkpoint_every")
    extra = {"checkpoint_every": every}
    total = sim.scenario.scenario.steps
    started = time.perf_counter()
    with stop_on_signals() as flag:
        try:
            with ProgressBar(sim.scenario.scenario.name, enabled=not quiet) as bar:
                run_steps(sim, total, flag=flag, checkpoint_path=out_dir / checkpoint.FILENAME,
                          checkpoint_every=every, progress=bar, checkpoint_extra=extra)
        except Interrupted as stop:
            write_interrupted(sim, out_dir, stop, scenario_to_toml(sim.scenario), extra)
            report_interrupted(stop, out_dir)
            raise typer.Exit(stop.exit_code) from None
        write_outputs(sim, sim.scenario, out_dir, report=report, quiet=quiet, wall=time.perf_counter() - started)
    clear_interrupted(out_dir)


__all__ = ["resume_command", "run_steps", "stop_on_signals", "write_interrupted", "Interrupted", "INTERRUPTED"]
