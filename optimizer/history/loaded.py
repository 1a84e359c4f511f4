"""What reading a history file gives: the frame on its grid and what was found on the way; shared helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError

MIN_STEP_MINUTES = 5
MAX_STEP_MINUTES = 60
CONTRACT_HINT = (
    "A history CSV has the header time,load_kw,pv_kw[,soc_pct] (see docs/CONTRACT.md; other formats: docs/history.md)."
)


@dataclass(frozen=True)
class HistoryFile:
    """A validated history file laid on its regular grid (``frame`` has ``freq`` = the file's step).

    ``format`` is ``history-csv``, ``home-assistant-history`` or ``home-assistant-statistics``; ``sources``
    maps each column to the header or entity it was read from, ``units`` to the unit written there
    (``kW``, ``W``, ``kWh``, ``Wh``, ``%``); ``notes`` says what was decided on the way (a separator, a
    unit told from the values, an entity picked by its name)."""

    path: Path
    frame: pd.DataFrame
    rows: int
    step_minutes: int
    duplicates: int
    ignored_columns: tuple[str, ...]
    format: str = "history-csv"
    sources: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def merge_repeats(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows sorted by time, repeated instants merged into their mean; and how many repeats there were."""
    frame = frame.sort_index(kind="stable")
    duplicates = int(frame.index.duplicated().sum())
    if duplicates:
        frame = frame.groupby(level=0, sort=True).mean()
    return frame, duplicates


def fixed_step(index: pd.DatetimeIndex, lines: np.ndarray, source: Path) -> pd.Timedelta:
    """The file's step: the most common spacing, 5–60 whole minutes; every row must lie on its grid."""
    order = np.argsort(index.as_unit("ns").asi8, kind="stable")
    stamps = index.as_unit("ns").asi8[order]
    lines = lines[order]
    keep = np.concatenate([[True], np.diff(stamps) != 0]) if len(stamps) else np.array([], dtype=bool)
    stamps, lines = stamps[keep], lines[keep]
    if len(stamps) < 2:
        raise HistoryError(f"{source}: at least two rows (two different times) are needed to know the step.")
    seconds = np.diff(stamps) // 1_000_000_000
    values, counts = np.unique(seconds, return_counts=True)
    commonest = sorted(int(v) for v in values[counts == counts.max()])
    dividing = [v for v in commonest if v > 0 and not (seconds % v).any()]
    step_s = dividing[-1] if dividing else commonest[0]
    if step_s % 60 or not MIN_STEP_MINUTES * 60 <= step_s <= MAX_STEP_MINUTES * 60:
        raise HistoryError(
            f"{source}: the rows are {step_s / 60:g} min apart; a history file's step must be a whole "
            f"number of minutes from {MIN_STEP_MINUTES} to {MAX_STEP_MINUTES}.",
            hint=CONTRACT_HINT,
        )
    offsets = (stamps - stamps[0]) // 1_000_000_000
    off_grid = np.nonzero(offsets % step_s)[0]
    if off_grid.size:
        position = int(off_grid[0])
        at = pd.Timestamp(stamps[position], tz="UTC").isoformat()
        before = pd.Timestamp(stamps[position - 1], tz="UTC").isoformat()
        raise HistoryError(
            f"{source}, line {int(lines[position])}: time {at} is off the file's {step_s // 60}-min grid "
            f"(previous row {before}).",
            hint="A history file has one fixed step; missing rows are fine, extra rows in between are not.",
        )
    return pd.Timedelta(seconds=step_s)
