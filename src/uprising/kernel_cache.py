"""Where numba keeps uprising's compiled kernels: one folder per version of the source.

numba's on-disk cache (``cache=True``) checks only the file of the kernel itself: a kernel that
inlines a helper from another file (the sequential step inlines ``planes.py``, ``rng.py``,
``vision.py``) stays compiled from the old helper after that helper is edited or updated by a
``git pull`` (measured: docs/engine.md, "A numba cache hazard"). A stale kernel gives wrong
results silently. So the cache lives in a folder named by a hash of every source file of the
package that holds numba code: any change of them starts a fresh folder, and an unchanged tree
reuses its own.

The folder is ``$NUMBA_CACHE_DIR/uprising-<hash>`` when the user sets ``NUMBA_CACHE_DIR``, else
``$XDG_CACHE_HOME/uprising/numba-<hash>`` (``~/.cache/uprising/numba-<hash>``). It must be chosen
before any kernel module is imported: numba fixes a kernel's cache folder when it is decorated.

A worker process (``sweep -w 2``...) inherits ``NUMBA_CACHE_DIR`` already pointing at one of these
two folders: it uses it as it is, whichever of the two names it has, and so loads the kernels its
parent or a sibling compiled instead of compiling them again into a folder nested inside it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PREFIX = "uprising-"  # the folder's name under a user's NUMBA_CACHE_DIR
DEFAULT_PREFIX = "numba-"  # its name under ~/.cache/uprising


def source_key(root: Path = PACKAGE) -> str:
    """A hash of every ``.py`` file under ``root`` that holds numba code (names and bytes), 16 hex
    digits: only those can be compiled into, or inlined by, a kernel; an edit elsewhere (the CLI,
    the report, the viewer) keeps the compiled kernels."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" not in text:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(text)
    return digest.hexdigest()[:16]


def cache_folder(key: str, environ: dict | os._Environ = os.environ) -> Path:
    given = environ.get("NUMBA_CACHE_DIR")
    if given:
        base = Path(given)
        if base.name in (PREFIX + key, DEFAULT_PREFIX + key):  # inherited from an uprising process: ours
            return base
        return base / (PREFIX + key)
    home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(home) / "uprising" / f"{DEFAULT_PREFIX}{key}"


KEEP = 4  # cache folders of this many source versions are kept; older ones are removed


def prune(parent: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently used cache folders of uprising in ``parent``."""
    import shutil

    try:
        ours = [p for p in parent.iterdir() if p.is_dir() and p.name.startswith((PREFIX, DEFAULT_PREFIX))]
        ours.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in ours[keep:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass


def use_keyed_cache() -> Path:
    """Point numba's cache at this source's folder (before numba or any kernel is imported)."""
    folder = cache_folder(source_key())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # last used: what pruning keeps
    except OSError:  # no writable cache home: numba's default (beside the sources), as before
        import warnings

        warnings.warn(f"uprising: cannot write numba's cache at {folder}; kernels are cached beside the "
                      "sources, where an edited helper can leave a stale kernel", stacklevel=2)
        return folder
    prune(folder.parent, keep=KEEP)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # numba read its configuration already: set it there too
        from numba.core import config

        config.CACHE_DIR = str(folder)
    return folder


def compiled_kernels(folder: Path | str | None = None) -> int:
    """How many kernels numba's cache ``folder`` (default: this process's) holds: its index files."""
    folder = folder if folder is not None else os.environ.get("NUMBA_CACHE_DIR")
    if not folder:
        return 0
    try:
        return sum(1 for _ in Path(folder).rglob("*.nbi"))
    except OSError:
        return 0


class WorkersCompiling:
    """Says on stderr that worker processes are compiling, when they start on an empty cache.

    A serial first run shows its compilation (``uprising.cli.progress``); worker processes compile
    out of sight of the parent, so a first ``sweep -w 2`` looked hung for a minute. The parent
    sees the cache folder it hands them: empty means they compile. It says so when the pool
    starts (:meth:`start`) and, when the first results come back (:meth:`ready`), how many
    kernels they compiled in how long.
    """

    def __init__(self, workers: int) -> None:
        import time

        self.active = workers > 1 and compiled_kernels() == 0
        self.workers = workers
        self.started = time.perf_counter()

    def start(self) -> WorkersCompiling:
        if self.active:
            from uprising.compilation import EXPECTED_SECONDS

            seconds = max(EXPECTED_SECONDS.values())
            print(f"compiling kernels in {self.workers} worker processes (first run only, about {seconds} s)…",
                  file=sys.stderr, flush=True)
        return self

    def ready(self) -> None:
        if not self.active:
            return
        import time

        self.active = False
        print(f"compiled {compiled_kernels()} kernels in {time.perf_counter() - self.started:.0f} s (first run "
              "only; later runs load them from the cache)", file=sys.stderr, flush=True)


__all__ = ["source_key", "cache_folder", "use_keyed_cache", "prune", "compiled_kernels", "WorkersCompiling"]
