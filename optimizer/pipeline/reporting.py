"""How the pipeline tells its caller what is going on, without knowing who the caller is.

Long steps (a history sync, a backtest) report progress and messages through a :class:`Reporter` the caller
passes in: the CLI's draws bars and prints lines, a notebook's may print nothing. The library never imports
the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: called as work advances (``total`` may grow)."""


class Reporter(Protocol):
    """The sink of a pipeline call's messages and progress."""

    def info(self, message: str) -> None:
        """A status line for a person (the CLI prints it on stderr unless --quiet)."""

    def progress(self, description: str) -> ProgressCallback | None:
        """A progress sink for a step called ``description``, or ``None`` to skip progress."""


class SilentReporter:
    """A reporter that says nothing (the default for library calls)."""

    def info(self, message: str) -> None:
        return None

    def progress(self, description: str) -> ProgressCallback | None:
        return None


SILENT = SilentReporter()
