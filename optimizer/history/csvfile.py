"""The history CSV of ``CONTRACT.md``: ``time,load_kw,pv_kw[,soc_pct]``, mean power over each interval.

Rules, each enforced with an error naming the file, line, field and value (:class:`HistoryError`, exit 3):

* the header names ``time``, ``load_kw`` and ``pv_kw`` (any case, any order); ``soc_pct`` and the other
  known columns (``grid_import_kw``, ``grid_export_kw``, ``bat_charge_kw``, ``bat_discharge_kw``,
  ``meter_kw``) are read when present; unknown columns are ignored and reported;
* times are ISO-8601 with ``Z`` or an offset (Fox-style ``2025-09-14 18:43:09 BST+0100`` too); naive times
  only with a site time zone;
* the step is fixed, 5 to 60 whole minutes: every row lies a whole number of steps after the first (missing
  rows are gaps, a row off the grid is an error);
* empty cells (and ``nan``) are gaps; numbers must be finite; implausible single values (negative load,
  SoC above 100 %) are kept as read and removed, counted, by the cleaning of
  :func:`~optimizer.history.resample_to_slots`; but a column where most values are out of range is an
  error (a sign or unit mix-up: load and PV are kW ≥ 0, SoC is 0..100 %);
* repeated timestamps are merged (their mean) and counted.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.columns import (
    KNOWN_COLUMNS,
    NONNEGATIVE_POWER_COLUMNS,
    PERCENT_COLUMNS,
    REQUIRED_COLUMNS,
)
from optimizer.history.timeparse import parse_times

MIN_STEP_MINUTES = 5
MAX_STEP_MINUTES = 60
#: Negative readings down to this [kW] are meter noise and read as 0.
NEGATIVE_NOISE_KW = -0.05
_GAP_TOKENS = {"", "nan", "NaN", "NAN", "null", "NULL", "None"}


@dataclass(frozen=True)
class HistoryFile:
    """A validated history CSV laid on its regular grid (``frame`` has ``freq`` = the file's step)."""

    path: Path
    frame: pd.DataFrame
    rows: int
    step_minutes: int
    duplicates: int
    ignored_columns: tuple[str, ...]


def read_history_csv(path: str | Path, *, timezone: str | None = None) -> pd.DataFrame:
    """A history CSV as a frame: UTC index on the file's fixed step, ``load_kw``, ``pv_kw`` [kW] and any of
    ``soc_pct`` [%] and the other known columns; gaps are NaN. Raises :class:`HistoryError` on bad input."""
    return load_history_csv(path, timezone=timezone).frame


def load_history_csv(path: str | Path, *, timezone: str | None = None) -> HistoryFile:
    """As :func:`read_history_csv`, with what was found on the way (rows, step, duplicates, ignored columns)."""
    source = Path(path)
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            records = list(csv.reader(handle))
    except FileNotFoundError:
        raise HistoryError(f"{source}: history file not found") from None
    except UnicodeDecodeError:
        raise HistoryError(f"{source}: not a UTF-8 text file") from None
    except OSError as exc:
        raise HistoryError(f"{source}: cannot read history file: {exc.strerror}") from None
    except csv.Error as exc:
        raise HistoryError(f"{source}: not a valid CSV file: {exc}") from None
    if not records:
        raise HistoryError(f"{source}: empty file; expected a header time,load_kw,pv_kw")

    header = [name.strip().lower() for name in records[0]]
    positions = _column_positions(header, source)
    ignored = tuple(name for name in header if name != "time" and name not in KNOWN_COLUMNS)
    columns = [name for name in KNOWN_COLUMNS if name in positions]
    columns.sort(key=lambda name: positions[name])

    times: list[str] = []
    lines: list[int] = []
    values: dict[str, list[float]] = {name: [] for name in columns}
    for number, record in enumerate(records[1:], start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise HistoryError(f"{source}, line {number}: {len(record)} fields where the header has {len(header)}")
        times.append(record[positions["time"]])
        lines.append(number)
        for name in columns:
            values[name].append(_cell_value(record[positions[name]], name, number, source))
    if not times:
        raise HistoryError(f"{source}: no data rows after the header")

    index = parse_times(times, lines, source=str(source), timezone=timezone)
    frame = pd.DataFrame(values, index=index, dtype=float)
    _check_plausible(frame, lines, source)
    frame["_line"] = lines
    frame = frame.sort_index(kind="stable")

    duplicates = int(frame.index.duplicated().sum())
    line_numbers = frame.groupby(level=0, sort=True)["_line"].first()
    frame = frame.drop(columns="_line").groupby(level=0, sort=True).mean()

    stamps = pd.DatetimeIndex(frame.index)
    step = _fixed_step(stamps, line_numbers.to_numpy(), source)
    grid = pd.date_range(stamps[0], stamps[-1], freq=step, name="time")
    frame = frame.reindex(grid)
    return HistoryFile(
        path=source,
        frame=frame,
        rows=len(times),
        step_minutes=int(step.total_seconds() // 60),
        duplicates=duplicates,
        ignored_columns=ignored,
    )


def _column_positions(header: list[str], source: Path) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in positions and (name == "time" or name in KNOWN_COLUMNS):
            raise HistoryError(f"{source}, line 1: column {name!r} appears twice")
        positions.setdefault(name, position)
    missing = [name for name in ("time", *REQUIRED_COLUMNS) if name not in positions]
    if missing:
        raise HistoryError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; header is {','.join(header)!r}",
            hint="A history CSV has the header time,load_kw,pv_kw[,soc_pct] (see CONTRACT.md).",
        )
    return positions


def _cell_value(cell: str, name: str, line: int, source: Path) -> float:
    text = cell.strip()
    if text in _GAP_TOKENS:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise HistoryError(f"{source}, line {line}: {name} = {text!r} is not a number") from None
    if not math.isfinite(value):
        raise HistoryError(f"{source}, line {line}: {name} = {text!r} is not a finite number")
    return value


def _check_plausible(frame: pd.DataFrame, lines: list[int], source: Path) -> None:
    """Most values of a column out of range means a sign or unit mix-up, not a few bad samples."""
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=float)
        present = ~np.isnan(values)
        if name in PERCENT_COLUMNS:
            bad = present & ((values < 0.0) | (values > 100.0))
            expected = "0..100 %"
        elif name in NONNEGATIVE_POWER_COLUMNS:
            bad = present & (values < NEGATIVE_NOISE_KW)
            expected = "kW ≥ 0"
        else:
            continue
        if present.sum() and bad.sum() > 0.5 * present.sum():
            first = int(np.nonzero(bad)[0][0])
            raise HistoryError(
                f"{source}: {name} is out of range ({expected}) in {int(bad.sum())} of {int(present.sum())} "
                f"rows, first at line {lines[first]}: {values[first]:g}",
                hint="Load and PV are consumption and production in kW (not W, never negative); SoC in %.",
            )


def _fixed_step(index: pd.DatetimeIndex, lines: np.ndarray, source: Path) -> pd.Timedelta:
    """The file's step: the most common spacing, 5–60 whole minutes; every row must lie on its grid."""
    if len(index) < 2:
        raise HistoryError(f"{source}: at least two rows are needed to know the step")
    seconds = np.diff(index.as_unit("ns").asi8) // 1_000_000_000
    values, counts = np.unique(seconds, return_counts=True)
    commonest = sorted(int(v) for v in values[counts == counts.max()])
    dividing = [v for v in commonest if v > 0 and not (seconds % v).any()]
    step_s = dividing[-1] if dividing else commonest[0]
    if step_s % 60 or not MIN_STEP_MINUTES * 60 <= step_s <= MAX_STEP_MINUTES * 60:
        raise HistoryError(
            f"{source}: the rows are {step_s / 60:g} min apart; a history file's step must be a whole "
            f"number of minutes from {MIN_STEP_MINUTES} to {MAX_STEP_MINUTES}"
        )
    offsets = (index.as_unit("ns").asi8 - index.as_unit("ns").asi8[0]) // 1_000_000_000
    off_grid = np.nonzero(offsets % step_s)[0]
    if off_grid.size:
        position = int(off_grid[0])
        raise HistoryError(
            f"{source}, line {int(lines[position])}: time {index[position].isoformat()} is off the file's "
            f"{step_s // 60}-min grid (previous row {index[position - 1].isoformat()})",
            hint="A history file has one fixed step; missing rows are fine, extra rows in between are not.",
        )
    return pd.Timedelta(seconds=step_s)
