"""Files a run writes, each written atomically.

Every writer puts its bytes in a temporary file in the destination's own directory, flushes and
fsyncs it, then ``os.replace``s it onto the final name. A reader (the report, a resumed sweep)
therefore sees either the previous complete file or the new complete file, never half of one,
and a killed run leaves no partial output under a final name.

Files of a run directory (docs/architecture.md, "Files a run writes"):

- ``timeseries.parquet`` — counts per step and place (``Simulation.timeseries()``);
- ``summary.json``       — scenario, seed, steps, resolved parameters, headline numbers;
- ``frames.npz``         — grid snapshots: ``steps`` (int) and ``cells`` (int8 [F, H, W]);
- ``scenario.toml``      — the resolved scenario; ``uprising run DIR/scenario.toml`` reruns it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

TIMESERIES = "timeseries.parquet"
SUMMARY = "summary.json"
FRAMES = "frames.npz"
SCENARIO = "scenario.toml"

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    For writers that want a file name (polars, pyarrow). On an exception the temporary file
    is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def save_figure(path: str | Path, fig: Any, *, dpi: int = 110) -> Path:
    """A matplotlib figure as a PNG, written atomically; the figure is closed."""
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)
    return path


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON data: numpy scalars and arrays to Python, inf/nan to strings.

    JSON has no infinity (``jail_max = inf`` is common), so non-finite floats are written as
    the strings ``"inf"``, ``"-inf"`` and ``"nan"`` — the spelling TOML uses for them.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as strict, indented JSON (see :func:`json_safe`) atomically."""
    text = json.dumps(json_safe(data), indent=2, allow_nan=False, ensure_ascii=False)
    return write_text(path, text + "\n")


def write_parquet(path: str | Path, frame: Any) -> Path:
    """Write a polars DataFrame to Parquet atomically."""
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    return Path(path)


def write_frames(path: str | Path, steps: Any, cells: Any) -> Path:
    """Write grid snapshots (``steps`` [F], ``cells`` int8 [F, H, W]) as compressed ``.npz`` atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, steps=np.asarray(steps), cells=np.asarray(cells, dtype=np.int8))
    return write_bytes(path, buffer.getvalue())


def write_run(
    out_dir: str | Path,
    *,
    timeseries: Any,
    summary: Mapping[str, Any],
    frames: tuple[Any, Any] | None = None,
    scenario_toml: str | None = None,
) -> dict[str, Path]:
    """Write a run's files into ``out_dir`` (created if missing); return ``{kind: path}``.

    The summary is written last, so a directory with a ``summary.json`` holds a complete run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if scenario_toml is not None:
        paths["scenario"] = write_text(out / SCENARIO, scenario_toml)
    paths["timeseries"] = write_parquet(out / TIMESERIES, timeseries)
    if frames is not None:
        paths["frames"] = write_frames(out / FRAMES, *frames)
    paths["summary"] = write_json(out / SUMMARY, summary)
    return paths


__all__ = [
    "atomic_path",
    "write_bytes",
    "write_text",
    "write_json",
    "write_parquet",
    "write_frames",
    "write_run",
    "json_safe",
    "TIMESERIES",
    "SUMMARY",
    "FRAMES",
    "SCENARIO",
]
