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
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PREFIX = "uprising-"


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
        if base.name == PREFIX + key:  # inherited from an uprising process: already ours
            return base
        return base / (PREFIX + key)
    home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(home) / "uprising" / f"numba-{key}"


KEEP = 4  # cache folders of this many source versions are kept; older ones are removed


def prune(parent: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently used cache folders of uprising in ``parent``."""
    import shutil

    try:
        ours = [p for p in parent.iterdir() if p.is_dir() and p.name.startswith((PREFIX, "numba-"))]
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


__all__ = ["source_key", "cache_folder", "use_keyed_cache", "prune"]
