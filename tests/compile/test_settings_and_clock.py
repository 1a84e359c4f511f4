"""Group settings from physical targets (rounding, caps, modes) and the daily clock the groups live on."""

from __future__ import annotations

import itertools
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.compile.clock import ClockWindow
from optimizer.compile.settings import Setting, SettingFactory
from optimizer.config import BatteryConfig
from optimizer.errors import InputError, ScheduleValidationError
from optimizer.scheduler import SchedulerProperties
from optimizer.timegrid import local_day_index
from tests.compile.plans import BATTERY, V1_PROPERTIES


def factory(properties: SchedulerProperties = V1_PROPERTIES, **kw: float | int | None) -> SettingFactory:
    return SettingFactory(properties, BATTERY, **kw)  # type: ignore[arg-type]


def test_force_charge_target_rounds_up_and_sets_maxsoc_to_it() -> None:
    s = factory().force_charge(3.2567, 57.3)
    assert s == Setting("ForceCharge", 10, 58, 3257, 58)
    assert factory().force_charge(5.0, 57.0000001).fd_soc == 57  # float noise is not a step


def test_force_charge_never_above_the_configured_maximum_nor_below_the_reserve() -> None:
    capped = SettingFactory(V1_PROPERTIES, BatteryConfig(max_soc_pct=95.5))
    assert capped.force_charge(5.0, 99.9) == Setting("ForceCharge", 10, 95, 5000, 95)
    assert factory().force_charge(5.0, 4.0).fd_soc == 10


def test_force_discharge_floor_rounds_up_and_power_is_capped_by_the_rating() -> None:
    assert factory().force_discharge(7.5, 20.2) == Setting("ForceDischarge", 10, 21, 5000, 100)
    assert factory(fd_pwr_cap_w=3000).force_discharge(4.0, 30) == Setting("ForceDischarge", 10, 30, 3000, 100)


def test_selfuse_floor_rounds_up_and_never_below_the_reserve() -> None:
    assert factory().selfuse(33.2) == Setting("SelfUse", 34, 34, 5000, 100)
    assert factory().selfuse(3.0) == factory().base == Setting("SelfUse", 10, 10, 5000, 100)
    assert factory().selfuse(10, ceiling_pct=61.7) == Setting("SelfUse", 10, 10, 5000, 61)  # maxSoc rounds down


def test_hold_is_force_discharge_at_zero_power_where_allowed() -> None:
    assert factory().hold(47.4) == Setting("ForceDischarge", 10, 48, 0, 100)
    min_power = SchedulerProperties.from_wire(
        {**V1_PROPERTIES.wire(), "fdpwr": {"unit": "W", "precision": 1, "range": {"min": 100, "max": 6000}}}
    )
    assert factory(min_power).hold(47.4) is None  # fdPwr 0 is not allowed: no such hold
    assert factory(min_power).force_charge(0.05, 50).fd_pwr == 100


def test_modes_the_device_lacks_are_never_built() -> None:
    props = SchedulerProperties.from_wire({**V1_PROPERTIES.wire(), "workmode": {"enumList": ["SelfUse"]}})
    f = factory(props)
    assert f.force_charge(5, 80) is None and f.force_discharge(5, 20) is None and f.feedin(10) is None
    assert f.hold(50) is None and f.selfuse(20) is not None


def test_without_maxsoc_no_setting_carries_it() -> None:
    props = SchedulerProperties.from_wire({k: v for k, v in V1_PROPERTIES.wire().items() if k != "maxsoc"})
    f = factory(props)
    assert f.force_charge(5, 80).max_soc is None and f.base.max_soc is None
    assert f.selfuse(10, ceiling_pct=60) is None


def test_impossible_properties_are_a_clear_error() -> None:
    empty_range = SchedulerProperties.from_wire(
        {"fdsoc": {"unit": "%", "precision": 1, "range": {"min": 60, "max": 40}}}
    )
    with pytest.raises(ScheduleValidationError, match="allow no value for fdSoc"):
        factory(empty_range)


def test_combine_keeps_the_larger_power_and_the_higher_target() -> None:
    f = factory()
    a, b = f.force_charge(3.0, 40), f.force_charge(5.0, 80)
    assert Setting("ForceCharge", 10, 80, 5000, 80) in [*f.combine(a, b), b]
    c, d = f.force_discharge(5.0, 50), f.force_discharge(2.0, 20)
    assert Setting("ForceDischarge", 10, 20, 5000, 100) in f.combine(c, d)
    assert f.combine(a, c) == []
    assert f.combine_span([a, f.base, b, c]) == []  # b already is the strongest charge, c the only discharge
    strong_low, weak_high = f.force_charge(5.0, 40), f.force_charge(3.0, 80)
    assert Setting("ForceCharge", 10, 80, 5000, 80) in f.combine_span([strong_low, f.base, weak_high])


# ----- the clock ------------------------------------------------------------------------------------------


def test_window_of_a_normal_and_a_dst_day() -> None:
    normal = ClockWindow.of(local_day_index(date(2024, 5, 14), "Europe/Paris", 30), "Europe/Paris")
    assert (normal.n_cells, normal.n_window, normal.start_minute) == (48, 48, 0)
    assert all(len(s) == 1 for s in normal.cell_slots)
    back = ClockWindow.of(local_day_index(date(2024, 10, 27), "Europe/Paris", 30), "Europe/Paris")
    assert back.n_window == 50 and sorted(len(s) for s in back.cell_slots)[-2:] == [2, 2]
    forward = ClockWindow.of(local_day_index(date(2024, 3, 31), "Europe/Paris", 30), "Europe/Paris")
    assert forward.n_window == 46 and sum(1 for s in forward.cell_slots if not s) == 2


def test_window_in_a_quarter_hour_zone_splits_the_cell_holding_midnight() -> None:
    start = pd.Timestamp("2024-05-14 00:15", tz="Asia/Kathmandu").tz_convert("UTC")
    index = pd.date_range(start, periods=48, freq="30min")
    window = ClockWindow.of(index, "Asia/Kathmandu")
    assert window.start_minute == 15
    labels = ["a"] * 47 + ["b"]  # the last cell, 23:45–00:15, holds midnight
    assert window.intervals(labels) == [(0, 15, "b"), (15, 1425, "a"), (1425, 1440, "b")]
    assert window.group_count(labels) == 3


def test_window_needs_slots_on_a_step_that_divides_the_day() -> None:
    with pytest.raises(InputError, match="no slots"):
        ClockWindow.of(pd.DatetimeIndex([], tz="UTC"), "UTC")
    with pytest.raises(InputError, match="does not divide a day"):
        ClockWindow.of(pd.date_range("2024-05-14", periods=3, freq="7min", tz="UTC"), "UTC")


@settings(max_examples=200, deadline=None)
@given(
    labels=st.lists(st.sampled_from("abc"), min_size=24, max_size=24),
    start_hour=st.integers(0, 23),
    uncounted=st.sampled_from([None, "a"]),
)
def test_group_count_matches_the_intervals_and_nothing_crosses_midnight(
    labels: list[str], start_hour: int, uncounted: str | None
) -> None:
    index = pd.date_range(pd.Timestamp("2024-05-14", tz="UTC") + pd.Timedelta(hours=start_hour), periods=24, freq="h")
    window = ClockWindow.of(index, "UTC")
    intervals = window.intervals(labels)
    assert sum(end - begin for begin, end, _ in intervals) == 1440
    assert all(0 <= begin < end <= 1440 for begin, end, _ in intervals)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(intervals))
    assert window.group_count(labels, uncounted) == sum(1 for iv in intervals if iv[2] != uncounted)
    for k, label in enumerate(labels):  # every cell's clock time carries its label
        minute = (window.cell_start(k)) % 1440
        assert next(iv[2] for iv in intervals if iv[0] <= minute < iv[1]) == label


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_a_two_day_plan_at_any_time_resolution_compiles_its_first_day(unit: str) -> None:
    """pandas 3 builds µs (or s) indexes from strings: the window must still end 24 h later, not at the plan's end."""
    index = pd.date_range(pd.Timestamp("2024-07-09", tz="Europe/Paris"), periods=576, freq="5min").as_unit(unit)
    window = ClockWindow.of(pd.DatetimeIndex(index.tz_convert("UTC")), "Europe/Paris")
    assert window.n_window == 288
    assert window.end - window.start == pd.Timedelta(hours=24)
    assert all(len(slots) == 1 for slots in window.cell_slots)
