"""The shared ground of the forecasters: past values of one column by local clock, and where targets fall.

Forecasters see only history strictly before the forecast start (``index[0]``), laid out as a
:class:`~optimizer.history.daymatrix.DayMatrix` whose rows run from the first history day to the last day of
the forecast horizon; cells at or after the start are NaN. A target slot is forecast from the rows before
its own local day, looked up at its own clock bin, so 46- and 50-slot DST days work like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.daymatrix import DayMatrix, day_matrix, local_cells
from optimizer.timegrid import slot_hours

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Layout:
    """The past of one column and the cells of the target slots in it."""

    matrix: DayMatrix
    target_rows: np.ndarray
    target_bins: np.ndarray

    @property
    def target_days(self) -> list[int]:
        """Matrix rows of the forecast's local days, in order."""
        return sorted(set(self.target_rows.tolist()))

    def history_rows(self) -> int:
        """Rows that hold at least one value."""
        return int((~np.isnan(self.matrix.values)).any(axis=1).sum())


def slot_minutes_of(index: pd.DatetimeIndex) -> int:
    minutes = slot_hours(index) * 60.0
    if minutes != int(minutes) or 1440 % int(minutes):
        raise HistoryError(f"forecast slots of {minutes:g} min do not divide a day")
    return int(minutes)


def check_target(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or len(index) == 0:
        raise HistoryError("the forecast index must be a non-empty, time-zone aware DatetimeIndex")
    return pd.DatetimeIndex(index.tz_convert("UTC"))


def past_series(history: pd.DataFrame, column: str, start: pd.Timestamp, lookback: timedelta) -> pd.Series:
    """``history[column]`` strictly before ``start`` and within ``lookback`` of it (UTC index, float)."""
    if column not in history.columns:
        return pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float)
    series = pd.to_numeric(history[column], errors="coerce").astype(float)
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise HistoryError("forecast history must be indexed by aware timestamps")
    series.index = series.index.tz_convert("UTC")
    series = series.sort_index()
    return series[(series.index < start) & (series.index >= start - lookback)]


def on_step(series: pd.Series, slot_minutes: int) -> pd.Series:
    """``series`` on a ``slot_minutes`` step: finer data averaged, coarser data repeated (kW kept)."""
    if len(series) < 2:
        return series
    spacing = np.diff(pd.DatetimeIndex(series.index).as_unit("ns").asi8)
    positive = spacing[spacing > 0]
    target_ns = slot_minutes * 60 * 10**9
    if not positive.size or float(np.median(positive)) == target_ns:
        return series
    step_ns = float(np.median(positive))
    target = pd.Timedelta(minutes=slot_minutes)
    if step_ns < target_ns:
        return series.resample(target).mean()
    repeats = round(step_ns / target_ns)
    return series.resample(target).ffill(limit=max(repeats - 1, 0))


def layout(series: pd.Series, index: pd.DatetimeIndex, *, timezone: str, slot_minutes: int) -> Layout:
    """The :class:`Layout` of past ``series`` for target slots ``index``."""
    target_days, target_bins = local_cells(index, timezone, slot_minutes)
    last_day = int(target_days.max())
    if len(series):
        past = day_matrix(series, timezone=timezone, slot_minutes=slot_minutes)
        first_day = past.first_day.toordinal() - _EPOCH_ORDINAL
        first_day = min(first_day, int(target_days.min()))
        values = np.full((last_day - first_day + 1, 1440 // slot_minutes), np.nan)
        offset = past.first_day.toordinal() - _EPOCH_ORDINAL - first_day
        rows = min(past.days, values.shape[0] - offset)
        values[offset : offset + rows] = past.values[:rows]
    else:
        first_day = int(target_days.min())
        values = np.full((last_day - first_day + 1, 1440 // slot_minutes), np.nan)
    matrix = DayMatrix(values, date.fromordinal(first_day + _EPOCH_ORDINAL), slot_minutes, timezone)
    return Layout(matrix, target_days - first_day, target_bins)


def fill_bins(profile: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """A day profile without NaN: holes take ``fallback`` where it has a value, then circular linear
    interpolation between the known bins; an all-NaN profile stays all-NaN."""
    result = profile.copy()
    if fallback is not None:
        result = np.where(np.isnan(result), fallback, result)
    known = ~np.isnan(result)
    if known.all() or not known.any():
        return result
    size = len(result)
    positions = np.nonzero(known)[0]
    extended_x = np.concatenate((positions - size, positions, positions + size))
    extended_y = np.tile(result[positions], 3)
    holes = np.nonzero(~known)[0]
    result[holes] = np.interp(holes, extended_x, extended_y)
    return result
