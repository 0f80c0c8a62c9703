"""The one-line message for a user's mistake.

A user's mistake (a malformed scenario, a value out of range, an unknown place) raises
:class:`UserError`. The CLI prints ``str(error)`` on stderr and exits with status 2, with no
traceback. Anything else is an internal error.

``str(error)`` is ``<file>: <key>: <what is wrong; what is allowed>``; when the line of the
file is known it is ``<file>:<line>: <key>: ...`` (the compiler convention editors follow).
Parts that are unknown are left out. The message never spans lines. A file is shown one way in
every message: relative to the current directory when it lies under it, else as given
(:func:`shown_path`).
"""

from __future__ import annotations

import os


def shown_path(file: str) -> str:
    """``file`` as messages show it: an absolute path under the current directory relative to
    it (``places.csv`` of ``./ep`` is ``ep/places.csv`` however it was reached), else unchanged."""
    if not file or not os.path.isabs(file):
        return file
    try:
        rel = os.path.relpath(file, os.getcwd())
    except ValueError:  # another drive (Windows)
        return file
    return file if rel == os.curdir or rel.startswith(os.pardir) else rel


class UserError(Exception):
    """A mistake in what the user gave us: a file, a key in it, and what is allowed."""

    exit_code = 2

    def __init__(self, file: str | None, key: str | None, message: str, *, line: int | None = None):
        self.file = file
        self.key = key
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = shown_path(self.file) if self.file else self.file
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        parts = [p for p in (where, self.key) if p]
        parts.append(self.message)
        return " ".join(": ".join(parts).split("\n"))

    def __reduce__(self):  # picklable across worker processes (sweeps)
        return (_rebuild, (self.file, self.key, self.message, self.line))


def _rebuild(file: str | None, key: str | None, message: str, line: int | None) -> UserError:
    return UserError(file, key, message, line=line)
