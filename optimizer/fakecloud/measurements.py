"""Measured house load and PV replayed behind the simulated inverters.

The source is ``optimizer/data/household-fr-2024.csv`` (30-min means, UTC interval starts; emhass project,
MIT). It becomes a gap-free 5-minute profile of exactly 364 days:

1. **PV gaps** (the file leaves PV empty at night and in a few midday outages): each missing value takes
   the value measured at the same UTC time on the nearest day that has one (1, then 2, … up to 7 days
   away, the earlier day first); where no day within a week has a value it is night, so 0 kW.
2. **Load gaps**: runs of up to 2 h are interpolated linearly between the measured neighbours; longer
   runs take the value at the same time on the nearest week (±1 … ±4 weeks, the earlier first: the same
   weekday), and anything still missing takes the median of that time of day over the year.
3. **5-minute steps**: each 30-min mean is placed at its interval's midpoint and the series is
   interpolated linearly to the midpoints of the 5-min steps (edges held), then clipped at 0 kW.
4. **Any date has data**: a simulated instant maps to the profile by shifting it by a whole number of
   364-day periods (52 weeks, so the weekday is kept) into the profile's span.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError

DATA_FILE_NAME = "household-fr-2024.csv"
STEP = timedelta(minutes=5)
STEP_S = 300
PERIOD = timedelta(days=364)
STEPS_PER_PERIOD = int(PERIOD / STEP)
_HALF_HOURS_PER_DAY = 48
_SHORT_LOAD_GAP_SLOTS = 4


def data_file() -> Path:
    """The packaged measurement file."""
    return Path(str(resources.files("optimizer") / "data" / DATA_FILE_NAME))


@dataclass(frozen=True)
class MeasuredProfile:
    """A gap-free 5-min load and PV profile of one 364-day period [kW], starting at ``start`` (UTC)."""

    start: datetime
    load_kw: np.ndarray
    pv_kw: np.ndarray

    def index_of(self, when: datetime) -> int:
        """The profile step covering ``when`` after shifting it by whole 364-day periods."""
        offset_s = (when - self.start).total_seconds()
        return int(offset_s // STEP_S) % STEPS_PER_PERIOD

    def source_time(self, when: datetime) -> datetime:
        """The measured instant replayed at ``when``: ``when`` shifted by a whole number of 364-day periods."""
        periods = (when - self.start) // PERIOD
        return when - periods * PERIOD

    def at(self, when: datetime) -> tuple[float, float]:
        """``(load_kw, pv_kw)`` of the 5-min step covering ``when``."""
        i = self.index_of(when)
        return float(self.load_kw[i]), float(self.pv_kw[i])


def _read_half_hours(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the measurement file: {exc}") from None
    missing = {"time", "load_kw", "pv_kw"} - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing column(s) {sorted(missing)}")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True), name="time")
    step = frame.index.to_series().diff().dropna().unique()
    if len(step) != 1 or step[0] != pd.Timedelta(minutes=30):
        raise InputError(f"{path}: expected a regular 30-min series, found steps {list(step)}")
    return frame.astype(float)


def _fill_pv(pv: pd.Series) -> pd.Series:
    filled = pv.copy()
    for days in range(1, 8):
        for sign in (1, -1):  # the earlier day first (shift(+n) looks back)
            filled = filled.fillna(pv.shift(sign * days * _HALF_HOURS_PER_DAY))
    return filled.fillna(0.0)


def _fill_load(load: pd.Series) -> pd.Series:
    gap = load.isna()
    run_id = (gap != gap.shift()).cumsum()
    run_len = gap.groupby(run_id).transform("sum")
    inside = load.interpolate(method="linear", limit_area="inside")
    filled = load.where(~(gap & (run_len <= _SHORT_LOAD_GAP_SLOTS)), inside)
    week = 7 * _HALF_HOURS_PER_DAY
    for weeks in range(1, 5):
        for sign in (1, -1):
            filled = filled.fillna(load.shift(sign * weeks * week))
    index = pd.DatetimeIndex(load.index)
    slot_of_day = (index.hour * 2 + index.minute // 30).to_numpy()
    median_by_slot = load.groupby(slot_of_day).median()
    fallback = pd.Series(median_by_slot.reindex(slot_of_day).to_numpy(), index=load.index)
    return filled.fillna(fallback).fillna(0.0)


def fill_gaps(half_hours: pd.DataFrame) -> pd.DataFrame:
    """``load_kw`` and ``pv_kw`` of a regular 30-min frame with every gap filled by the module's rules."""
    return pd.DataFrame(
        {"load_kw": _fill_load(half_hours["load_kw"]), "pv_kw": _fill_pv(half_hours["pv_kw"])},
        index=half_hours.index,
    )


def to_five_minutes(values: np.ndarray, steps: int) -> np.ndarray:
    """Linear interpolation of 30-min means (at their midpoints) onto 5-min step midpoints."""
    half_hour_mid_s = np.arange(len(values)) * 1800.0 + 900.0
    step_mid_s = np.arange(steps) * float(STEP_S) + STEP_S / 2.0
    return np.clip(np.interp(step_mid_s, half_hour_mid_s, values), 0.0, None)


def build_profile(path: Path) -> MeasuredProfile:
    """Read, gap-fill and resample a ``time,load_kw,pv_kw`` 30-min file into a 364-day 5-min profile."""
    frame = _read_half_hours(path)
    start = frame.index[0].to_pydatetime()
    if frame.index[-1] - frame.index[0] < PERIOD - timedelta(minutes=30):
        raise InputError(f"{path}: needs at least 364 days of data to replay any date")
    filled = fill_gaps(frame)
    return MeasuredProfile(
        start=start.astimezone(UTC),
        load_kw=to_five_minutes(filled["load_kw"].to_numpy(dtype=float), STEPS_PER_PERIOD),
        pv_kw=to_five_minutes(filled["pv_kw"].to_numpy(dtype=float), STEPS_PER_PERIOD),
    )


@lru_cache(maxsize=1)
def packaged_profile() -> MeasuredProfile:
    """The profile built from the packaged file (built once per process)."""
    return build_profile(data_file())
