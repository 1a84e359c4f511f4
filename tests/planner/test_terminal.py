"""The default value of energy left at the horizon end: neither dump nor hoard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.config import BatteryConfig
from optimizer.errors import InputError
from optimizer.solve import solve_plan
from optimizer.terminal import default_terminal_value, low_import_price
from tests.planner.builders import check_plan, go_night_inputs, make_inputs


def test_formula_on_known_prices() -> None:
    prices = pd.Series(np.arange(1, 11) / 100.0)  # 0.01 .. 0.10: lower decile 0.019 (linear interpolation)
    assert low_import_price(prices) == pytest.approx(0.019)
    battery = BatteryConfig(discharge_efficiency=0.9, degradation_cost_per_kwh=0.004)
    assert default_terminal_value(prices, battery) == pytest.approx(0.999 * 0.9 * (0.019 - 0.004))


def test_never_negative() -> None:
    prices = pd.Series([-0.05, -0.02, 0.01, 0.2])
    assert default_terminal_value(prices, BatteryConfig()) == 0.0
    assert default_terminal_value(pd.Series([0.01] * 4), BatteryConfig(degradation_cost_per_kwh=0.05)) == 0.0


def test_needs_finite_prices() -> None:
    with pytest.raises(InputError, match="import_price"):
        low_import_price(pd.Series([], dtype=float))
    with pytest.raises(InputError, match="import_price"):
        low_import_price(pd.Series([0.1, np.nan]))


def test_go_day_does_not_hoard_or_dump() -> None:
    """On a cheap-night tariff the plan ends the horizon at the reserve (it does not carry energy bought at
    0.085 over to a night that sells it at 0.085 again), and in the evening it serves the house from the battery
    rather than exporting it at 0.15 to empty it (0.27 saved beats 0.15 earned)."""
    inputs = go_night_inputs()
    result = solve_plan(inputs)
    check_plan(inputs, result)
    slots = result.slots
    assert result.terminal_value_per_kwh == pytest.approx(0.999 * 0.95 * 0.085)
    assert result.end_soc_pct == pytest.approx(10.0, abs=1e-6)
    evening = slots.iloc[-11:]  # 18:30 to midnight: PV below the load
    assert (evening["grid_export_kw"] == 0).all()
    assert (evening["grid_import_kw"] == 0).all()
    assert np.allclose(evening["discharge_kw"], evening["load_kw"] - evening["pv_kw"])
    day = slots["import_price"] == 0.27
    assert (slots.loc[day, "charge_kw"] <= slots.loc[day, "pv_kw"] + 1e-9).all()  # no grid charging by day


def test_without_export_value_the_battery_is_kept_for_tomorrow() -> None:
    """A day whose cheapest hour is the last one: charging there is cheaper than the value of the energy
    tomorrow (stored energy is worth η_d × the low price), so the plan carries some over rather than leaving
    the battery at the reserve, while a flat day never charges at the end."""
    cheap_end = make_inputs(
        import_price=[0.30] * 22 + [0.30, 0.05],
        load_kw=0.5,
        terminal_value_per_kwh=None,
        initial_soc_pct=10.0,
    )
    value = cheap_end.resolved_terminal_value()
    assert value > 0.05 / 0.95  # the last hour's energy is worth more than it costs to store
    result = solve_plan(cheap_end)
    check_plan(cheap_end, result)
    assert result.end_soc_pct == pytest.approx(100 * (1.04 + 5.0 * 0.95) / 10.4)  # a full hour at 5 kW
    flat = make_inputs(import_price=0.30, n=24, load_kw=0.5, terminal_value_per_kwh=None, initial_soc_pct=10.0)
    assert solve_plan(flat).slots["charge_kw"].sum() == 0.0


def test_explicit_value_overrides_the_estimate() -> None:
    inputs = make_inputs(import_price=[0.1, 0.3], n=2, terminal_value_per_kwh=0.5, initial_soc_pct=10.0)
    result = solve_plan(inputs)
    assert result.terminal_value_per_kwh == 0.5
    assert result.end_soc_pct == pytest.approx(100.0)  # worth 0.5/kWh: fill up at 0.1
