"""Plans compiled into scheduler v1 groups: hand cases, the local clock, options and bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optimizer.compile import CompiledSchedule, CompileOptions, compile_plan
from optimizer.config import BatteryConfig
from optimizer.errors import ConfigError, InputError, ScheduleValidationError
from optimizer.scheduler import SchedulerGroup, SchedulerProperties, validate_groups
from optimizer.simulate import simulate
from tests.compile import scenarios
from tests.compile.plans import BATTERY, GRID, TZ, V1_PROPERTIES, at, build_plan, day_index, plan_cost


def compile_(
    plan: pd.DataFrame,
    soc: float,
    *,
    tz: str = TZ,
    properties: SchedulerProperties = V1_PROPERTIES,
    battery: BatteryConfig = BATTERY,
    **options: Any,
) -> CompiledSchedule:
    return compile_plan(
        plan,
        initial_soc_pct=soc,
        battery=battery,
        grid=GRID,
        timezone=tz,
        properties=properties,
        options=CompileOptions(**options),
    )


def wire(result: CompiledSchedule) -> list[tuple[str, str, str, int, int, int, int | None]]:
    return [
        (
            f"{g.startHour:02d}:{g.startMinute:02d}",
            f"{g.endHour:02d}:{g.endMinute:02d}",
            g.workMode,
            g.minSocOnGrid,
            g.fdSoc,
            g.fdPwr,
            g.maxSoc,
        )
        for g in result.groups
    ]


def mode_at(result: CompiledSchedule, hhmm: str, tz: str = TZ) -> str:
    index = pd.DatetimeIndex(result.slot_modes.index)
    return str(result.slot_modes.iloc[at(index, tz, hhmm)])


def assert_consistent(result: CompiledSchedule, plan: pd.DataFrame, soc: float, tz: str = TZ) -> None:
    """The groups validate, cover no minute twice, and the reported simulation is theirs."""
    validate_groups(result.groups, V1_PROPERTIES)
    replay = simulate(
        result.groups, plan.load_kw, plan.pv_kw, plan.import_price, plan.export_price, BATTERY, GRID, soc, tz
    )
    assert replay.cost == pytest.approx(result.simulated.cost, abs=1e-9)
    assert list(result.slot_modes) == list(replay.slots["work_mode"])
    assert len(result.slot_modes) == len(plan)


# ----- hand cases ----------------------------------------------------------------------------------------


def test_cheap_night_window_becomes_one_force_charge_group_to_the_target() -> None:
    plan, soc = scenarios.cheap_night()
    result = compile_(plan, soc)
    assert wire(result) == [
        ("00:00", "00:29", "SelfUse", 10, 10, 5000, 100),
        ("00:30", "04:29", "ForceCharge", 10, 89, 5000, 89),  # fdSoc = maxSoc = the planned 89 %
        ("04:30", "23:59", "SelfUse", 10, 10, 5000, 100),
    ]
    assert result.simulated.cost == pytest.approx(plan_cost(plan), abs=1e-9)
    assert result.simulated.end_soc_pct == pytest.approx(plan["soc_pct"].iloc[-1], abs=1e-6)
    assert_consistent(result, plan, soc)


def test_evening_peak_export_holds_then_force_discharges() -> None:
    plan, soc = scenarios.evening_export()
    result = compile_(plan, soc)
    assert wire(result) == [
        ("00:00", "15:59", "SelfUse", 95, 95, 5000, 100),  # the hold: the house runs on the grid
        ("16:00", "23:59", "ForceDischarge", 10, 10, 5000, 100),
    ]
    assert result.simulated.cost == pytest.approx(plan_cost(plan), abs=1e-9)
    assert_consistent(result, plan, soc)


def test_two_window_agile_day() -> None:
    plan, soc = scenarios.two_window_agile()
    result = compile_(plan, soc)
    assert len(result.groups) <= 8
    charges = [g for g in result.groups if g.workMode == "ForceCharge"]
    assert [(g.startHour, g.startMinute) for g in charges] == [(2, 0), (13, 0)]
    assert all(g.fdSoc == g.maxSoc and g.fdPwr == 5000 for g in charges)
    assert charges[1].fdSoc >= 90  # the second window tops up to (at least) the planned 90 %
    discharges = [g for g in result.groups if g.workMode == "ForceDischarge"]
    assert [(g.startHour, g.startMinute, g.fdPwr) for g in discharges] == [(16, 30, 5000)]
    for hhmm, mode in (("02:00", "ForceCharge"), ("08:00", "SelfUse"), ("13:30", "ForceCharge")):
        assert mode_at(result, hhmm) == mode
    assert mode_at(result, "17:00") == "ForceDischarge"
    # the hand plan is not optimal: the groups may do better, never worse
    assert result.simulated.cost <= plan_cost(plan) + 1e-9
    assert_consistent(result, plan, soc)


def test_export_pv_rather_than_store_it_becomes_feedin() -> None:
    plan, soc = scenarios.export_pv_midday()
    result = compile_(plan, soc)
    assert mode_at(result, "10:00") == "Feedin" and mode_at(result, "13:00") == "SelfUse"
    assert result.simulated.cost == pytest.approx(plan_cost(plan), abs=1e-9)
    assert_consistent(result, plan, soc)


def test_twelve_windows_on_an_eight_group_device_keep_the_valuable_ones() -> None:
    plan, soc, valuable = scenarios.twelve_windows()
    fine = compile_(plan, soc, max_groups=64)
    assert len(fine.groups) > 20  # what the plan needs
    result = compile_(plan, soc)
    assert len(result.groups) <= 8
    starts = [f"{g.startHour:02d}:{g.startMinute:02d}" for g in result.groups if g.workMode == "ForceCharge"]
    assert set(valuable) <= set(starts)
    assert_consistent(result, plan, soc)
    # merging the first groups instead (what an order-based compiler does) costs far more
    naive = list(fine.groups)
    while len(naive) > 8:
        first, second = naive[0], naive[1]
        naive = [first.model_copy(update={"endHour": second.endHour, "endMinute": second.endMinute}), *naive[2:]]
    replay = simulate(naive, plan.load_kw, plan.pv_kw, plan.import_price, plan.export_price, BATTERY, GRID, soc, TZ)
    assert result.simulated.cost < replay.cost - 1.0


# ----- the local clock -----------------------------------------------------------------------------------


def test_window_starting_at_23_00_splits_at_midnight_and_wraps() -> None:
    start = pd.Timestamp("2024-05-14 23:00", tz=TZ).tz_convert("UTC")
    index = pd.date_range(start, periods=48, freq="30min", name="time")
    plan = scenarios.charge_then_use(index, TZ, ["23:00", "23:30", "00:00", "00:30"], power_kw=2.0)
    result = compile_(plan, 10.0)
    fc = [g for g in result.groups if g.workMode == "ForceCharge"]
    assert [(g.startHour, g.startMinute, g.endHour, g.endMinute) for g in fc] == [(0, 0, 0, 59), (23, 0, 23, 59)]
    assert all(g.end_minute_of_day > g.start_minute_of_day for g in result.groups)
    assert result.window_start == start and result.window_end == start + pd.Timedelta(hours=24)
    assert mode_at(result, "23:00") == mode_at(result, "00:30") == "ForceCharge"
    assert result.simulated.cost <= plan_cost(plan) + 1e-9  # (at 2 kW the hand plan charges too little)
    assert_consistent(result, plan, 10.0)


def test_a_whole_day_of_self_use_from_23_00_is_one_group() -> None:
    start = pd.Timestamp("2024-05-14 23:00", tz=TZ).tz_convert("UTC")
    index = pd.date_range(start, periods=48, freq="30min", name="time")
    plan = build_plan(index, import_price=0.2, export_price=0.05, load_kw=0.3)
    result = compile_(plan, 10.0)
    assert wire(result) == [("00:00", "23:59", "SelfUse", 10, 10, 5000, 100)]


def test_plan_longer_than_a_day_is_compiled_from_its_first_24_hours() -> None:
    index = pd.date_range(day_index()[0], periods=96, freq="30min", name="time")
    plan = scenarios.charge_then_use(index, TZ, ["02:00", "02:30"], load_kw=1.0)
    result = compile_(plan, 10.0)
    assert result.window_end - result.window_start == pd.Timedelta(hours=24)
    assert len(result.slot_modes) == 96 and len(result.simulated.slots) == 96
    assert result.slot_modes.iloc[4] == result.slot_modes.iloc[52] == "ForceCharge"  # the groups repeat
    assert result.simulated.cost == pytest.approx(plan_cost(plan), abs=1e-9)
    assert_consistent(result, plan, 10.0)


@pytest.mark.parametrize(
    ("day", "slots", "charge_at"),
    [(date(2024, 3, 31), 46, ["00:30", "02:00"]), (date(2024, 10, 27), 50, ["01:00", "01:30"])],
)
def test_dst_days_compile_and_a_repeated_hour_shares_its_groups(day: date, slots: int, charge_at: list[str]) -> None:
    index = day_index(day)
    assert len(index) == slots
    plan = scenarios.charge_then_use(index, TZ, charge_at, power_kw=3.0)
    result = compile_(plan, 10.0)
    assert_consistent(result, plan, 10.0)
    local = index.tz_convert(TZ).strftime("%H:%M")
    modes = result.slot_modes.to_numpy()
    for hhmm in ("00:30", "01:00", "01:30", "02:00"):
        found = modes[np.flatnonzero(local == hhmm)]
        assert len(set(found)) <= 1  # every occurrence of a clock time runs the same group
    assert {modes[i] for i, hhmm in enumerate(local) if hhmm in charge_at} == {"ForceCharge"}


# ----- options -------------------------------------------------------------------------------------------


def test_gap_fill_base_leaves_self_use_to_the_base_mode_and_auto_fills_what_fits() -> None:
    plan, soc = scenarios.cheap_night()
    base = compile_(plan, soc, gap_fill="base")
    assert wire(base) == [("00:30", "04:29", "ForceCharge", 10, 89, 5000, 89)]
    assert base.simulated.cost == pytest.approx(plan_cost(plan), abs=1e-9)
    auto = compile_(plan, soc, gap_fill="auto")
    assert wire(auto) == wire(compile_(plan, soc))  # room for every gap: the same as "selfuse"
    squeezed = compile_(plan, soc, gap_fill="auto", max_groups=2)
    assert [g.workMode for g in squeezed.groups] == ["ForceCharge", "SelfUse"]
    assert squeezed.groups[1].startHour == 4  # the longest gap (04:30–23:59) is the one filled
    assert any("left to the inverter's base work mode" in n for n in squeezed.notes)


def test_reserve_below_the_device_minimum_is_raised_and_noted() -> None:
    plan, soc = scenarios.cheap_night()
    result = compile_(plan, soc, reserve_soc_pct=5.0)
    assert {g.minSocOnGrid for g in result.groups} == {10}
    assert any("reserve raised from 5 % to 10 %" in n for n in result.notes)
    higher = compile_(plan, soc, reserve_soc_pct=20.0)
    assert {g.minSocOnGrid for g in higher.groups} == {20}
    assert all(g.fdSoc >= 20 for g in higher.groups)


def test_fdpwr_is_capped_by_the_inverter_rating() -> None:
    plan, soc = scenarios.cheap_night()
    result = compile_(plan, soc, fd_pwr_cap_w=3000)
    assert max(g.fdPwr for g in result.groups) == 3000


def test_device_without_maxsoc_or_force_charge() -> None:
    plan, soc = scenarios.cheap_night()
    wire_props = V1_PROPERTIES.wire()
    no_max = SchedulerProperties.from_wire({k: v for k, v in wire_props.items() if k != "maxsoc"})
    result = compile_(plan, soc, properties=no_max)
    assert all(g.maxSoc is None for g in result.groups)
    assert next(g for g in result.groups if g.workMode == "ForceCharge").fdSoc == 89
    only_selfuse = SchedulerProperties.from_wire({**wire_props, "workmode": {"enumList": ["SelfUse", "Feedin"]}})
    limited = compile_(plan, soc, properties=only_selfuse)
    assert {g.workMode for g in limited.groups} == {"SelfUse"}
    assert any("no ForceCharge" in n for n in limited.notes)
    validate_groups(limited.groups, only_selfuse)


def test_properties_that_admit_no_valid_group_are_a_clear_error() -> None:
    plan, soc = scenarios.cheap_night()
    wire_props = V1_PROPERTIES.wire()
    broken = SchedulerProperties.from_wire(
        {**wire_props, "fdsoc": {"unit": "%", "precision": 1, "range": {"min": 10, "max": 40}}}
    )
    with pytest.raises(ScheduleValidationError, match="no fdSoc ≥ minSocOnGrid"):
        compile_(plan, soc, properties=broken, reserve_soc_pct=50.0)


# ----- bad input -----------------------------------------------------------------------------------------


def test_malformed_plans_are_input_errors_naming_the_problem() -> None:
    plan, soc = scenarios.cheap_night()
    with pytest.raises(InputError, match="missing column"):
        compile_(plan.drop(columns=["soc_pct"]), soc)
    broken = plan.copy()
    broken.iloc[5, broken.columns.get_loc("charge_kw")] = np.nan
    with pytest.raises(InputError, match=r"column charge_kw has 1 missing .* first at 2024-05-14T01:30:00\+00:00"):
        compile_(broken, soc)
    with pytest.raises(InputError, match="tz-aware"):
        compile_(plan.tz_localize(None), soc)
    with pytest.raises(InputError, match="fixed step"):
        compile_(plan.drop(plan.index[3]), soc)
    with pytest.raises(InputError, match="no slots"):
        compile_(plan.iloc[:0], soc)
    with pytest.raises(InputError, match="initial SoC"):
        compile_(plan, 120.0)


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_groups"):
        CompileOptions(max_groups=0)
    with pytest.raises(ConfigError, match="gap_fill"):
        CompileOptions(gap_fill="fill")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="fd_pwr_cap_w"):
        CompileOptions(fd_pwr_cap_w=0)


def test_wire_is_what_would_be_sent() -> None:
    plan, soc = scenarios.cheap_night()
    result = compile_(plan, soc)
    assert result.wire() == [g.wire() for g in result.groups]
    assert [SchedulerGroup.model_validate(w) for w in result.wire()] == result.groups
