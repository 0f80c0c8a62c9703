"""The one-line message for a user's mistake.

A user's mistake (a malformed scenario, a value out of range, an unknown place) raises
:class:`UserError`. The CLI prints ``str(error)`` on stderr and exits with status 2, with no
traceback. Anything else is an internal error.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user gave us: a file, a key in it, and what is allowed."""

    exit_code = 2

    def __init__(self, file: str | None, key: str | None, message: str):
        self.file = file
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        parts.append(self.message)
        return ": ".join(parts).replace("\n", " ")
