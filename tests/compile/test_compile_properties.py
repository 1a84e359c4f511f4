"""Any plan and any device properties give groups that validate, or a clear error (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.compile import CompileOptions, compile_plan
from optimizer.config import BatteryConfig, GridConfig
from optimizer.errors import ScheduleValidationError
from optimizer.scheduler import WORK_MODES_V1, SchedulerProperties, validate_groups

ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]
STARTS = [
    "2024-05-14 00:00",
    "2024-05-14 23:00",
    "2024-03-30 22:00",  # across the spring DST change in Europe
    "2024-10-26 12:00",  # across the autumn one
    "2024-11-02 17:30",  # across the US one
]


@st.composite
def plans(draw: st.DrawFn) -> tuple[pd.DataFrame, float, str]:
    """Plans with arbitrary (even inconsistent) flows: the compiler must cope with whatever it is given."""
    tz = draw(st.sampled_from(ZONES))
    slot = draw(st.sampled_from([15, 30, 60]))
    hours = draw(st.sampled_from([6, 24, 30]))
    n = hours * 60 // slot
    start = pd.Timestamp(draw(st.sampled_from(STARTS)), tz=tz).tz_convert("UTC").floor(f"{slot}min")
    index = pd.date_range(start, periods=n, freq=f"{slot}min", name="time")

    def column(low: float, high: float) -> np.ndarray:
        kind = draw(st.sampled_from(["zero", "const", "random"]))
        if kind == "zero":
            return np.zeros(n)
        if kind == "const":
            return np.full(n, draw(st.floats(low, high)))
        seed = draw(st.integers(0, 2**16))
        return np.random.default_rng(seed).uniform(low, high, n)

    frame = pd.DataFrame(
        {
            "import_price": column(-0.2, 0.6),
            "export_price": column(-0.1, 0.4),
            "load_kw": column(0.0, 6.0),
            "pv_kw": column(0.0, 6.0),
            "grid_import_kw": column(0.0, 10.0),
            "grid_export_kw": column(0.0, 5.0),
            "charge_kw": column(0.0, 6.0),
            "discharge_kw": column(0.0, 6.0),
            "pv_curtailed_kw": column(0.0, 1.0),
            "soc_pct": column(0.0, 100.0),
        },
        index=index,
    )
    return frame, draw(st.floats(0.0, 100.0)), tz


@st.composite
def properties(draw: st.DrawFn) -> SchedulerProperties:
    raw: dict[str, Any] = {}
    for field in ("fdsoc", "minsocongrid", "maxsoc"):
        if field == "maxsoc" and draw(st.booleans()):
            continue
        low = draw(st.integers(0, 60))
        raw[field] = {
            "unit": "%",
            "precision": draw(st.sampled_from([1.0, 1.0, 0.1, 5.0])),
            "range": {"min": low, "max": draw(st.integers(low, 100))},
        }
    if draw(st.booleans()):
        low = draw(st.sampled_from([0, 0, 50, 1000]))
        raw["fdpwr"] = {
            "unit": "W",
            "precision": draw(st.sampled_from([1.0, 10.0])),
            "range": {"min": low, "max": draw(st.sampled_from([low, 3000, 10500, 32000]))},
        }
    modes = draw(st.lists(st.sampled_from([*WORK_MODES_V1, "Invalid"]), min_size=1, max_size=6, unique=True))
    raw["workmode"] = {"enumList": modes}
    return SchedulerProperties.from_wire(raw)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=plans(),
    props=properties(),
    max_groups=st.integers(1, 8),
    gap_fill=st.sampled_from(["selfuse", "base", "auto"]),
    reserve=st.one_of(st.none(), st.floats(0, 100)),
    battery_max=st.sampled_from([100.0, 90.0]),
)
def test_any_plan_and_properties_give_valid_groups_or_a_clear_error(
    plan: tuple[pd.DataFrame, float, str],
    props: SchedulerProperties,
    max_groups: int,
    gap_fill: str,
    reserve: float | None,
    battery_max: float,
) -> None:
    frame, soc, tz = plan
    battery = BatteryConfig(max_soc_pct=battery_max, min_soc_pct=min(10.0, battery_max))
    try:
        result = compile_plan(
            frame,
            initial_soc_pct=soc,
            battery=battery,
            grid=GridConfig(),
            timezone=tz,
            properties=props,
            options=CompileOptions(max_groups=max_groups, gap_fill=gap_fill, reserve_soc_pct=reserve),  # type: ignore[arg-type]
        )
    except ScheduleValidationError as exc:
        assert "device properties allow no" in str(exc)  # a clear error naming the impossible field
        return
    groups = validate_groups(result.groups, props, max_groups=max_groups)
    assert groups == result.groups
    assert len(result.groups) <= max_groups
    assert all(g.enable == 1 and g.end_minute_of_day > g.start_minute_of_day for g in result.groups)
    if gap_fill == "selfuse" and "SelfUse" in props.work_modes:
        assert sum(g.end_minute_of_day - g.start_minute_of_day for g in result.groups) == 1440
    assert len(result.slot_modes) == len(frame)
    assert np.isfinite(result.simulated.cost)
