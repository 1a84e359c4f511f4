"""The measured history on the slot grid, resampled once: forecasts and replays take slices of it.

A plan's forecasts need the past ``[history] forecast_days`` on the slot grid, a perfect-foresight plan and a
backtest's replay the measured values inside the horizon. :class:`HistoryGrid` resamples the history once per
slot length (cleaning, energy-conserving means, the gap rules of :mod:`optimizer.history.resample`) and hands
out slices, so that ``plan`` and every day of a backtest see exactly the same values, and a year's backtest
resamples once instead of twice a day.
"""

from __future__ import annotations

import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history import resample_to_slots
from optimizer.timegrid import slot_index


class HistoryGrid:
    """``history`` (raw samples, UTC index, ``load_kw``, ``pv_kw`` [kW], optional ``soc_pct``) and its slot grids.

    ``timezone`` is the site's (the gap rules follow the local clock).
    """

    def __init__(self, history: pd.DataFrame, timezone: str) -> None:
        if history.empty:
            raise HistoryError("the history holds no samples.")
        self.history = history
        self.timezone = timezone
        self._grids: dict[tuple[int, int], pd.DataFrame] = {}

    @property
    def first(self) -> pd.Timestamp:
        return pd.Timestamp(self.history.index.min())

    @property
    def last(self) -> pd.Timestamp:
        return pd.Timestamp(self.history.index.max())

    def grid(self, slot_minutes: int, anchor: pd.Timestamp) -> pd.DataFrame:
        """The whole history on slots of ``slot_minutes`` that line up with ``anchor`` (a slot start)."""
        step = pd.Timedelta(minutes=slot_minutes)
        phase = int((pd.Timestamp(anchor).value) % step.value)
        key = (slot_minutes, phase)
        found = self._grids.get(key)
        if found is None:
            offset = pd.Timedelta(phase, unit="ns")
            begin = (self.first - offset).floor(step) + offset
            end = (self.last - offset).floor(step) + offset + step
            found, _report = resample_to_slots(
                self.history, slot_index(begin, end, slot_minutes), timezone=self.timezone
            )
            self._grids[key] = found
        return found

    def past(self, end: pd.Timestamp, slot_minutes: int, days: int) -> pd.DataFrame:
        """The grid's slots in ``[end − days, end)``: what the forecasters see for a horizon from ``end``."""
        grid = self.grid(slot_minutes, end)
        window = grid[(grid.index >= end - pd.Timedelta(days=days)) & (grid.index < end)]
        if window.empty:
            raise HistoryError(
                f"no history before {end.isoformat()}: the forecasts need at least one day of past load and PV."
            )
        return window

    def measured(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        """The measured load and PV [kW] on ``index``; the history must cover the whole horizon."""
        step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=30)
        if self.first > index[0] or self.last < index[-1]:
            raise HistoryError(
                f"perfect forecasts need measured load and PV for the whole horizon "
                f"{index[0].isoformat()} – {(index[-1] + step).isoformat()}, but the history covers "
                f"{self.first} – {self.last}.",
                hint="Choose a start and a horizon inside the history.",
                option="start",
            )
        grid = self.grid(round(step.total_seconds() / 60), index[0])
        return grid.loc[index, ["load_kw", "pv_kw"]]

    def soc_at(self, start: pd.Timestamp, within: pd.Timedelta = pd.Timedelta(hours=2)) -> float | None:
        """The last measured SoC [%] at or before ``start`` within ``within``, else ``None``."""
        if "soc_pct" not in self.history.columns:
            return None
        known = self.history.loc[self.history.index <= start, "soc_pct"].dropna()
        if known.empty or start - pd.Timestamp(known.index[-1]) > within:
            return None
        return float(known.iloc[-1])
