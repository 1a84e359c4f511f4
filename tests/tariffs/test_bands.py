"""Bands and schedules: exact coverage of every minute and every day, and their messages."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.tariffs.bands import (
    MINUTES_PER_DAY,
    Band,
    CoverageError,
    DaySelector,
    band_owner,
    day_schedule,
    minute_prices,
    parse_clock,
    schedule_lookup,
)
from optimizer.tariffs.schema import BandedSide
from optimizer.tariffs.sides import BandedPrices


def test_parse_clock() -> None:
    assert parse_clock("00:00", allow_24=False) == 0
    assert parse_clock("05:30", allow_24=False) == 330
    assert parse_clock("24:00", allow_24=True) == 1440
    for bad in ("24:00", "5:30", "12:60", "ab:cd", "25:00"):
        with pytest.raises(ValueError):
            parse_clock(bad, allow_24=False)


def test_band_crossing_midnight_covers_both_ends_of_the_day() -> None:
    go = [Band(30, 330, 0.085), Band(330, 30, 0.27)]
    prices = minute_prices(go)
    assert prices[0] == 0.27 and prices[29] == 0.27
    assert prices[30] == 0.085 and prices[329] == 0.085
    assert prices[330] == 0.27 and prices[1439] == 0.27
    assert (prices == 0.085).sum() == 300


def test_whole_day_band() -> None:
    assert (minute_prices([Band(0, 1440, 0.2)]) == 0.2).all()


def test_overlap_is_rejected_naming_both_bands_and_the_minutes() -> None:
    with pytest.raises(CoverageError) as caught:
        band_owner([Band(30, 330, 0.085), Band(300, 30, 0.27)])
    message = str(caught.value)
    assert "bands[0] 00:30–05:30 and bands[1] 05:00–00:30 overlap at 05:00–05:30" in message
    assert caught.value.sub_loc == ("bands", 1)


def test_gap_is_rejected_naming_the_missing_minutes() -> None:
    with pytest.raises(CoverageError) as caught:
        band_owner([Band(0, 600, 0.1), Band(660, 1440, 0.2)])
    assert "no band covers 10:00–11:00" in str(caught.value)


def test_gap_across_midnight_is_one_range_per_side() -> None:
    with pytest.raises(CoverageError) as caught:
        band_owner([Band(60, 1380, 0.1)])
    assert "no band covers 00:00–01:00, 23:00–24:00" in str(caught.value)


def test_empty_band_is_rejected() -> None:
    with pytest.raises(CoverageError, match="empty"):
        band_owner([Band(330, 330, 0.1)])
    with pytest.raises(CoverageError, match="empty"):
        band_owner([Band(0, 0, 0.1)])


def test_schedules_must_cover_every_day_exactly_once() -> None:
    weekdays = DaySelector.build(["weekdays"], None, None)
    saturday = DaySelector.build(["sat"], None, None)
    with pytest.raises(CoverageError) as caught:
        schedule_lookup([weekdays, saturday], ["", ""])
    assert "no schedule applies to Sundays on 01-01" in str(caught.value)
    summer = DaySelector.build(["all"], None, [("04-01", "09-30")])
    winter = DaySelector.build(["all"], None, [("10-01", "04-01")])
    with pytest.raises(CoverageError) as caught:
        schedule_lookup([summer, winter], [" ('summer')", " ('winter')"])
    assert "schedules[0] ('summer') and schedules[1] ('winter') both apply to Mondays on 04-01" in str(caught.value)


def test_date_ranges_wrap_the_new_year_and_include_leap_day() -> None:
    summer = DaySelector.build(["all"], None, [("04-01", "09-30")])
    winter = DaySelector.build(["all"], None, [("10-01", "03-31")])
    table = schedule_lookup([summer, winter], ["", ""])
    assert day_schedule(table, date(2024, 2, 29)) == 1
    assert day_schedule(table, date(2024, 4, 1)) == 0
    assert day_schedule(table, date(2023, 12, 31)) == 1
    assert day_schedule(table, date(2025, 9, 30)) == 0


def test_missing_leap_day_is_caught() -> None:
    a = DaySelector.build(["all"], None, [("03-01", "02-28")])
    with pytest.raises(CoverageError, match="02-29"):
        schedule_lookup([a], [""])


# ----- property-based: any valid band set prices every minute of every day exactly once -----------------


@st.composite
def band_sets(draw: st.DrawFn) -> list[Band]:
    """Random valid band sets: cut points on the minute circle; the band after the last cut wraps past
    midnight unless a cut sits at 00:00. One cut means a single 00:00–24:00 band."""
    count = draw(st.integers(1, 8))
    prices = draw(st.lists(st.floats(-1, 2, allow_nan=False), min_size=count, max_size=count))
    if count == 1:
        return [Band(0, MINUTES_PER_DAY, prices[0])]
    cuts = sorted(draw(st.sets(st.integers(0, MINUTES_PER_DAY - 1), min_size=count, max_size=count)))
    bands = [Band(cuts[i], cuts[(i + 1) % count], prices[i]) for i in range(count)]
    return [Band(b.start_minute, b.end_minute or MINUTES_PER_DAY, b.price) for b in bands]


@settings(max_examples=200, deadline=None)
@given(band_sets())
def test_any_valid_band_set_prices_every_minute_exactly_once(bands: list[Band]) -> None:
    counts = np.zeros(MINUTES_PER_DAY, dtype=int)
    for band in bands:
        counts[band.minutes()] += 1
    assert (counts == 1).all()
    owner = band_owner(bands)
    prices = minute_prices(bands)
    for minute in range(MINUTES_PER_DAY):
        assert counts[minute] == 1
        assert prices[minute] == bands[owner[minute]].price
        assert minute in bands[owner[minute]].minutes()


@settings(max_examples=150, deadline=None)
@given(band_sets(), st.integers(0, MINUTES_PER_DAY - 1), st.data())
def test_any_overlap_or_gap_is_refused(bands: list[Band], minute: int, data: st.DataObject) -> None:
    extra = Band(minute, minute + 1, 0.5)  # a valid set covers this minute already: an overlap
    with pytest.raises(CoverageError, match="overlap"):
        band_owner([*bands, extra])
    dropped = data.draw(st.integers(0, len(bands) - 1))  # without one band: a gap
    with pytest.raises(CoverageError, match="no band covers"):
        band_owner([b for i, b in enumerate(bands) if i != dropped])


ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/New_York",
    "Asia/Kathmandu",
    "UTC",
]
DST_DAYS = {
    "Europe/London": [date(2024, 3, 31), date(2024, 10, 27)],
    "Europe/Berlin": [date(2024, 3, 31), date(2024, 10, 27)],
    "Australia/Sydney": [date(2024, 4, 7), date(2024, 10, 6)],
    "Australia/Lord_Howe": [date(2024, 4, 7), date(2024, 10, 6)],  # 30-minute DST shifts
    "America/New_York": [date(2024, 3, 10), date(2024, 11, 3)],
    "Asia/Kathmandu": [date(2024, 6, 1)],  # UTC+05:45
    "UTC": [date(2024, 6, 1)],
}


@settings(max_examples=60, deadline=None)
@given(band_sets(), st.sampled_from(ZONES), st.data())
def test_banded_side_prices_each_utc_minute_by_its_wall_time_on_dst_days(
    bands: list[Band], zone: str, data: st.DataObject
) -> None:
    day = data.draw(st.sampled_from(DST_DAYS[zone]))
    side = BandedSide.model_validate(
        {
            "kind": "banded",
            "bands": [
                {"start": f"{b.start_minute // 60:02d}:{b.start_minute % 60:02d}",
                 "end": f"{b.end_minute // 60:02d}:{b.end_minute % 60:02d}",
                 "price_per_kwh": b.price}
                for b in bands
            ],
        }
    )  # fmt: skip
    start = pd.Timestamp(day).tz_localize(zone).tz_convert("UTC")
    end = pd.Timestamp(day + pd.Timedelta(days=1)).tz_localize(zone).tz_convert("UTC")
    minutes = pd.date_range(start, end, freq="1min", inclusive="left")
    prices = BandedPrices(side, zone).minute_prices(minutes)
    assert not np.isnan(prices).any()
    expected = minute_prices(bands)
    wall = minutes.tz_convert(zone)
    assert (prices == expected[(wall.hour * 60 + wall.minute).to_numpy()]).all()
    # each UTC minute of the local day is priced once (23, 23.5, 24, 24.5 or 25 hours of them)
    assert len(prices) == (end - start).total_seconds() / 60
    assert len(prices) in (1380, 1410, 1440, 1470, 1500)
