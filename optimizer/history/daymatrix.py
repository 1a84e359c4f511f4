"""Series by local clock: one row per local calendar day, one column per slot of the day.

Profiles of household load and PV follow the site's clock, not UTC, so both gap filling and forecasting work
on this matrix. Bins are ``local minute-of-day // slot_minutes``: on the spring DST day the skipped hour's bins
are empty (NaN), on the autumn day the repeated hour's two values are averaged into one bin, so that 46- and
50-slot days map onto the same 48 columns (for 30-min slots) as every other day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class DayMatrix:
    """``values[row, bin]``: mean of the series at local day ``first_day + row`` and clock bin ``bin``."""

    values: np.ndarray
    first_day: date
    slot_minutes: int
    timezone: str

    @property
    def days(self) -> int:
        return int(self.values.shape[0])

    @property
    def bins_per_day(self) -> int:
        return 1440 // self.slot_minutes

    def day(self, row: int) -> date:
        return self.first_day + timedelta(days=row)

    def row(self, day: date) -> int:
        """The row of local ``day`` (may be negative or past the end: check before indexing)."""
        return (day - self.first_day).days

    def weekdays(self) -> np.ndarray:
        """Weekday of every row (Monday = 0)."""
        return (np.arange(self.days) + self.first_day.weekday()) % 7

    def cells(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """(row, bin) of every instant of ``index`` in this matrix's clock (rows may fall outside)."""
        day_numbers, bins = local_cells(index, self.timezone, self.slot_minutes)
        return day_numbers - (self.first_day.toordinal() - _EPOCH_ORDINAL), bins


def local_cells(index: pd.DatetimeIndex, timezone: str, slot_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 of the local date, local clock bin) of every instant of ``index``."""
    local = index.tz_convert(timezone).tz_localize(None)
    nanos = local.as_unit("ns").asi8
    day_numbers = np.floor_divide(nanos, 86_400 * 10**9)
    minute_of_day = (nanos - day_numbers * 86_400 * 10**9) // (60 * 10**9)
    return day_numbers.astype(np.int64), (minute_of_day // slot_minutes).astype(np.int64)


def day_matrix(series: pd.Series, *, timezone: str, slot_minutes: int) -> DayMatrix:
    """The :class:`DayMatrix` of ``series`` (aware index): NaN values are ignored, empty cells are NaN."""
    if slot_minutes <= 0 or 1440 % slot_minutes:
        raise ValueError(f"slot_minutes must divide a day, got {slot_minutes}")
    bins_per_day = 1440 // slot_minutes
    index = pd.DatetimeIndex(series.index)
    values = series.to_numpy(dtype=float)
    if len(index) == 0:
        return DayMatrix(np.full((0, bins_per_day), np.nan), date(1970, 1, 1), slot_minutes, timezone)
    day_numbers, bins = local_cells(index, timezone, slot_minutes)
    first = int(day_numbers.min())
    rows = day_numbers - first
    shape = (int(rows.max()) + 1, bins_per_day)
    keep = np.isfinite(values)
    sums = np.zeros(shape)
    counts = np.zeros(shape)
    np.add.at(sums, (rows[keep], bins[keep]), values[keep])
    np.add.at(counts, (rows[keep], bins[keep]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)
    return DayMatrix(matrix, date.fromordinal(first + _EPOCH_ORDINAL), slot_minutes, timezone)
