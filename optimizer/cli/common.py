"""What every command shares: console objects, the --json printer, verbosity, config loading, progress.

Only typer and rich are imported here: the library is imported by each command when it runs, so that
``optimizer --help`` and the light commands start fast.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from optimizer.config import Config
    from optimizer.pipeline.reporting import ProgressCallback


@dataclass
class _State:
    quiet: bool = False
    verbose: bool = False


PIPED_WIDTH = 1000
"""Columns of output that does not go to a terminal: wide enough that no table is cut and no line wrapped."""


def _console(*, stderr: bool = False) -> Console:
    """A console for stdout or stderr: the terminal's width, or, when piped (cron mail, a file), one so wide
    that nothing is truncated or wrapped."""
    found = Console(stderr=stderr, highlight=False, soft_wrap=stderr)
    if found.is_terminal:
        return found
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr, width=PIPED_WIDTH)


state = _State()
console = _console()
console_err = _console(stderr=True)


def get_config(path: Path | None) -> Config:
    from optimizer.config import load_config

    return load_config(path)


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def info(message: str) -> None:
    """A progress or status line on stderr, silenced by --quiet."""
    if not state.quiet:
        console_err.print(message, markup=False)


class _RichProgress:
    """A callable progress sink ``(done, total)`` drawing a rich bar on stderr; silent when not a TTY."""

    def __init__(self, description: str, unit: str | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            """Work units per second, e.g. ``12.3 days/s``."""

            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text("" if speed is None or unit is None else f"{speed:.1f} {unit}/s")

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeRemainingColumn(),
            console=console_err,
            transient=True,
        )
        self._task = self._progress.add_task(description, total=None)
        self._started = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        self._progress.update(self._task, completed=done, total=total)
        if total is not None and done >= total:
            self.close()

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False


PROGRESS_UNITS = {"backtest": "days"}
"""The unit each kind of progress counts, shown as a rate."""


def progress_for(description: str) -> _RichProgress | None:
    """A progress bar for slow work, or ``None`` with --quiet or when stderr is not a terminal."""
    if state.quiet or not console_err.is_terminal:
        return None
    return _RichProgress(description, PROGRESS_UNITS.get(description.split(" ", 1)[0]))


class CliReporter:
    """The pipeline's :class:`~optimizer.pipeline.reporting.Reporter` for the terminal: lines on stderr
    (unless --quiet), progress bars where stderr is a terminal."""

    def info(self, message: str) -> None:
        info(message)

    def progress(self, description: str) -> ProgressCallback | None:
        return progress_for(description)


reporter = CliReporter()
