"""Real days: measured load and PV of a French home with real prices, DST days, Agile with negative prices."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from optimizer.config import BatteryConfig, GridConfig
from optimizer.model import PlanInputs
from optimizer.solve import solve_plan
from optimizer.timegrid import local_day_index, local_midnight, slot_index
from tests.conftest import shared_file
from tests.planner.builders import check_plan, read_fr_day
from tests.planner.reference_milp import solve_reference


def fr_inputs(day: date, slot_minutes: int = 30, prices: pd.Series | None = None) -> PlanInputs:
    frame = read_fr_day(day, slot_minutes)
    price = frame["price_eur_per_kwh"] if prices is None else prices
    return PlanInputs(
        index=pd.DatetimeIndex(frame.index),
        import_price=price,
        export_price=price.copy(),  # the spot price both ways
        load_kw=frame["load_kw"],
        pv_kw=frame["pv_kw"],
        battery=BatteryConfig(),
        grid=GridConfig(),
        initial_soc_pct=30.0,
    )


def test_spring_dst_day_has_46_slots_and_the_exact_optimum() -> None:
    inputs = fr_inputs(date(2024, 3, 31))
    assert len(inputs.index) == 46
    assert inputs.index.equals(local_day_index(date(2024, 3, 31), "Europe/Paris", 30))
    result = solve_plan(inputs, mip_gap_abs=1e-9)
    check_plan(inputs, result)
    reference = solve_reference(inputs, result.terminal_value_per_kwh)
    assert reference.objective is not None and math.isclose(
        result.objective, reference.objective, rel_tol=1e-6, abs_tol=1e-6
    )


def test_autumn_dst_day_has_50_slots() -> None:
    index = local_day_index(date(2024, 10, 27), "Europe/Paris", 30)
    local_hour = index.tz_convert("Europe/Paris").hour
    tou = pd.Series(np.where((local_hour >= 1) & (local_hour < 6), 0.12, 0.25), index=index)
    inputs = fr_inputs(date(2024, 10, 27), prices=tou)
    assert len(inputs.index) == 50
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert len(result.slots) == 50


@pytest.mark.parametrize("slot_minutes", [30, 15, 5])
def test_negative_spot_prices_day(slot_minutes: int) -> None:
    """2024-04-13: the French spot price falls to −0.055 EUR/kWh at midday and is used both ways."""
    inputs = fr_inputs(date(2024, 4, 13), slot_minutes)
    assert (inputs.import_price < -0.05).any()
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert result.integer_vars > 0
    if slot_minutes == 30:
        reference = solve_reference(inputs, result.terminal_value_per_kwh)
        assert reference.objective is not None and math.isclose(
            result.objective, reference.objective, rel_tol=1e-6, abs_tol=2e-4
        )


def test_two_day_horizon_at_five_minutes() -> None:
    """48 h at 5 min (576 slots) over the negative-price weekend: exact to 0.0001 within the time limit."""
    first = read_fr_day(date(2024, 4, 12), 5)
    second = read_fr_day(date(2024, 4, 13), 5)
    frame = pd.concat([first, second])
    index = slot_index(local_midnight(date(2024, 4, 12), "Europe/Paris"), frame.index[-1] + pd.Timedelta("5min"), 5)
    price = pd.Series(frame["price_eur_per_kwh"].to_numpy(), index=index)
    inputs = PlanInputs(
        index=index,
        import_price=price,
        export_price=price.copy(),
        load_kw=pd.Series(frame["load_kw"].to_numpy(), index=index),
        pv_kw=pd.Series(frame["pv_kw"].to_numpy(), index=index),
        battery=BatteryConfig(),
        grid=GridConfig(),
        initial_soc_pct=30.0,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert len(result.slots) == 576


def agile_day(day: date) -> PlanInputs:
    path = shared_file("prices", "agile-import-export-2022-2023.csv")  # may not be copied: read in place
    frame = pd.read_csv(path)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True))
    index = local_day_index(day, "Europe/London", 30)
    prices = frame.reindex(index) / 100.0
    home = read_fr_day(date(2024, 6, 14), 30)  # a sunny June day of the French home, on the UK clock
    load = pd.Series(home["load_kw"].to_numpy()[: len(index)], index=index)
    pv = pd.Series(home["pv_kw"].to_numpy()[: len(index)], index=index)
    return PlanInputs(
        index=index,
        import_price=prices["import_p_per_kwh"],
        export_price=prices["export_p_per_kwh"],
        load_kw=load,
        pv_kw=pv,
        battery=BatteryConfig(),
        grid=GridConfig(),
        initial_soc_pct=20.0,
    )


def test_agile_day_with_negative_import_and_export_dearer_than_import() -> None:
    """2023-07-16 (UK): Agile import falls below zero and below the Agile Outgoing export price."""
    inputs = agile_day(date(2023, 7, 16))
    assert (inputs.import_price < 0).any()
    assert (inputs.export_price > inputs.import_price).any()
    result = solve_plan(inputs, mip_gap_abs=1e-9)
    check_plan(inputs, result)
    reference = solve_reference(inputs, result.terminal_value_per_kwh)
    assert reference.objective is not None and math.isclose(
        result.objective, reference.objective, rel_tol=1e-6, abs_tol=1e-6
    )
