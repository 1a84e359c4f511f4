"""The replayed measurements: gap rules, 5-minute resampling, and the 364-day mapping of any date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.fakecloud.measurements import (
    PERIOD,
    STEPS_PER_PERIOD,
    build_profile,
    data_file,
    fill_gaps,
    packaged_profile,
    to_five_minutes,
)


def half_hours(days: int) -> pd.DataFrame:
    index = pd.date_range("2024-03-04", periods=48 * days, freq="30min", tz="UTC", name="time")
    slot = np.arange(len(index))
    load = 0.5 + 0.01 * (slot % 48)
    day = slot // 48
    hour = (slot % 48) / 2
    pv = np.where((hour >= 6) & (hour < 18), 1.0 + day, np.nan)  # night: empty, as in the real file
    return pd.DataFrame({"load_kw": load, "pv_kw": pv}, index=index)


def test_pv_gaps_take_the_nearest_day_and_nights_are_zero() -> None:
    frame = half_hours(21)
    noon_day_10 = 10 * 48 + 24
    frame.iloc[noon_day_10, 1] = np.nan
    frame.iloc[noon_day_10 + 1, 1] = np.nan
    filled = fill_gaps(frame)
    assert filled["pv_kw"].iloc[noon_day_10] == 1.0 + 9  # the day before (earlier day first)
    assert filled["pv_kw"].iloc[noon_day_10 + 1] == 1.0 + 9
    assert filled["pv_kw"].iloc[2] == 0.0  # 01:00: no day of the week has a value
    assert not filled.isna().any().any()


def test_load_short_gaps_interpolate_long_gaps_take_the_same_weekday() -> None:
    frame = half_hours(21)
    frame.iloc[10 * 48 + 20 : 10 * 48 + 22, 0] = np.nan  # 1 h gap
    frame.iloc[12 * 48 + 10 : 12 * 48 + 20, 0] = np.nan  # 5 h gap
    frame.iloc[12 * 48 + 10 - 336 : 12 * 48 + 20 - 336, 0] *= 3  # mark the week before
    filled = fill_gaps(frame)["load_kw"]
    before, after = frame["load_kw"].iloc[10 * 48 + 19], frame["load_kw"].iloc[10 * 48 + 22]
    np.testing.assert_allclose(
        filled.iloc[10 * 48 + 20 : 10 * 48 + 22], before + (after - before) * np.array([1, 2]) / 3
    )
    np.testing.assert_allclose(
        filled.iloc[12 * 48 + 10 : 12 * 48 + 20], frame["load_kw"].iloc[12 * 48 + 10 - 336 : 12 * 48 + 20 - 336]
    )


def test_five_minute_resampling_keeps_means_of_smooth_series() -> None:
    values = np.array([1.0, 1.0, 2.0, 2.0, 1.0, 1.0])
    fine = to_five_minutes(values, 36)
    assert fine.shape == (36,) and fine.min() >= 0
    assert fine[:3].tolist() == [1.0, 1.0, 1.0]  # edges held
    np.testing.assert_allclose(fine.reshape(6, 6).mean(axis=1).sum(), values.sum(), rtol=0.05)


def test_packaged_profile() -> None:
    profile = packaged_profile()
    assert profile.start == datetime(2024, 2, 28, 21, tzinfo=UTC)
    assert len(profile.load_kw) == len(profile.pv_kw) == STEPS_PER_PERIOD
    for series in (profile.load_kw, profile.pv_kw):
        assert np.isfinite(series).all() and series.min() >= 0
    raw = pd.read_csv(data_file())
    assert profile.load_kw.mean() == pytest.approx(raw["load_kw"].mean(), rel=0.02)
    utc_hour = (np.arange(STEPS_PER_PERIOD) // 12 + 21) % 24
    assert profile.pv_kw[utc_hour == 1].max() == 0.0  # 01:00 UTC is night all year in France
    daily_pv_kwh = profile.pv_kw.reshape(364, 288).sum(axis=1) / 12
    assert daily_pv_kwh.min() > 0 and daily_pv_kwh.max() < 40  # about 4.4 kWp


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
@settings(max_examples=200, deadline=None)
def test_any_date_maps_into_the_data_keeping_the_weekday(naive: datetime) -> None:
    when = naive.replace(tzinfo=UTC)
    profile = packaged_profile()
    source = profile.source_time(when)
    assert profile.start <= source < profile.start + PERIOD
    assert source.weekday() == when.weekday() and source.time() == when.time()
    assert profile.index_of(when) == profile.index_of(when + timedelta(days=364))
    assert profile.at(when) == profile.at(source)


def test_bad_measurement_files(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    half_hours(30).reset_index().to_csv(short, index=False)
    with pytest.raises(InputError, match="364 days"):
        build_profile(short)
    missing = tmp_path / "missing.csv"
    half_hours(2).reset_index().drop(columns="pv_kw").to_csv(missing, index=False)
    with pytest.raises(InputError, match="pv_kw"):
        build_profile(missing)
