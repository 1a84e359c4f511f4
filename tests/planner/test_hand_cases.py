"""Cases small enough to solve by hand: the planner must find exactly these plans and costs."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.config import BatteryConfig, GridConfig
from optimizer.solve import solve_plan
from tests.planner.builders import check_plan, ideal_battery, make_inputs


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_one_cheap_slot_takes_the_charge(solver: str) -> None:
    """4 kWh of evening load; one slot at 0.10, the rest at 0.30: charge exactly 4 kWh in that slot."""
    inputs = make_inputs(
        import_price=[0.30, 0.10, 0.30, 0.30],
        export_price=0.0,
        load_kw=[0.0, 0.0, 2.0, 2.0],
        battery=ideal_battery(),
        initial_soc_pct=0.0,
        terminal_value_per_kwh=0.0,
    )
    result = solve_plan(inputs, solver=solver)
    check_plan(inputs, result)
    slots = result.slots
    assert result.cost == pytest.approx(0.40, abs=1e-9)  # 4 kWh at 0.10
    assert slots["charge_kw"].tolist() == pytest.approx([0.0, 4.0, 0.0, 0.0], abs=1e-9)
    assert slots["discharge_kw"].tolist() == pytest.approx([0.0, 0.0, 2.0, 2.0], abs=1e-9)
    assert slots["grid_import_kw"].tolist() == pytest.approx([0.0, 4.0, 0.0, 0.0], abs=1e-9)
    assert slots["soc_pct"].tolist() == pytest.approx([0.0, 40.0, 20.0, 0.0], abs=1e-9)


def test_flat_price_day_battery_only_serves_the_house() -> None:
    """Flat 0.25 import, 0.05 export, 1 kW load all day, default terminal value: the battery discharges its
    5.2 kWh above the reserve into the house (4.94 kWh at 95 %), never charges from the grid, never exports."""
    battery = BatteryConfig()  # 10.4 kWh, 10-100 %, 95 % each way
    inputs = make_inputs(
        import_price=0.25,
        export_price=0.05,
        load_kw=1.0,
        n=24,
        battery=battery,
        initial_soc_pct=60.0,
        terminal_value_per_kwh=None,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    slots = result.slots
    assert result.terminal_value_per_kwh == pytest.approx(0.999 * 0.95 * 0.25)
    assert (slots["charge_kw"] == 0).all()
    assert (slots["grid_export_kw"] == 0).all()
    assert (slots["discharge_kw"] <= slots["load_kw"] + 1e-9).all()
    assert result.end_soc_pct == pytest.approx(10.0, abs=1e-9)
    served_kwh = (10.4 * 0.5) * 0.95
    assert result.cost == pytest.approx((24.0 - served_kwh) * 0.25, abs=1e-9)


def test_export_dearer_than_import_at_night() -> None:
    """Two night slots, import 0.10, export 0.15, V = 0.12, 5 kWh stored: pumping energy through the meter
    would pay 0.25 per slot, but one slot can only import or export. Best: export 5 kWh from the battery in one
    slot, recharge 5 kWh in the other (cost 0.50 − 0.75 = −0.25, objective −0.25 − 0.12·5 = −0.85)."""
    inputs = make_inputs(
        import_price=0.10,
        export_price=0.15,
        n=2,
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=5.0),
        initial_soc_pct=50.0,
        terminal_value_per_kwh=0.12,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    slots = result.slots
    assert result.objective == pytest.approx(-0.85, abs=1e-9)
    assert result.cost == pytest.approx(-0.25, abs=1e-9)
    assert sorted(slots["grid_import_kw"].tolist()) == pytest.approx([0.0, 5.0], abs=1e-9)
    assert sorted(slots["grid_export_kw"].tolist()) == pytest.approx([0.0, 5.0], abs=1e-9)
    assert result.end_soc_pct == pytest.approx(50.0, abs=1e-9)


def test_negative_price_afternoon() -> None:
    """Import pays 0.10/kWh and export costs 0.20/kWh in the afternoon, with 2 kW of surplus PV. The battery
    empties beforehand (2 kWh into the house, 3 kWh exported at 0.05), then charges at 5 kW importing 3 kW
    each hour: cost −0.15 − 0.60 = −0.75; it ends full (objective −0.75 − 0.10·10 = −1.75). It neither
    exports at the negative price nor burns energy by charging and discharging at once."""
    inputs = make_inputs(
        import_price=[0.20, 0.20, -0.10, -0.10],
        export_price=[0.05, 0.05, -0.20, -0.20],
        load_kw=1.0,
        pv_kw=[0.0, 0.0, 3.0, 3.0],
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=10.0),
        initial_soc_pct=50.0,
        terminal_value_per_kwh=0.10,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    slots = result.slots
    assert result.cost == pytest.approx(-0.75, abs=1e-9)
    assert result.objective == pytest.approx(-1.75, abs=1e-9)
    assert slots["grid_export_kw"].iloc[:2].sum() == pytest.approx(3.0, abs=1e-9)
    assert slots["grid_import_kw"].iloc[:2].sum() == pytest.approx(0.0, abs=1e-9)
    assert slots["grid_import_kw"].iloc[2:].tolist() == pytest.approx([3.0, 3.0], abs=1e-9)
    assert slots["charge_kw"].iloc[2:].tolist() == pytest.approx([5.0, 5.0], abs=1e-9)
    assert (slots["grid_export_kw"].iloc[2:] == 0).all()
    assert (slots["pv_curtailed_kw"] == 0).all()
    assert result.end_soc_pct == pytest.approx(100.0, abs=1e-9)


@pytest.mark.parametrize(
    ("export_limit_kw", "exported_kw", "clipped_kw", "cost"),
    [
        (5.0, 4.0, 0.0, 0.40),  # below the limit: the inverter exports, paying 0.10/kWh
        (2.0, 2.0, 2.0, 0.20),  # beyond the limit: export at the limit, the rest is clipped
    ],
)
def test_negative_export_price_is_met_by_exporting_not_by_clipping(
    export_limit_kw: float, exported_kw: float, clipped_kw: float, cost: float
) -> None:
    """A full battery, 4 kW of PV, no load, export costs 0.10/kWh: scheduler v1 cannot clip PV on price."""
    inputs = make_inputs(
        import_price=0.30,
        export_price=-0.10,
        pv_kw=4.0,
        n=1,
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=export_limit_kw, import_limit_kw=None),
        initial_soc_pct=100.0,
        terminal_value_per_kwh=0.0,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert result.slots["grid_export_kw"].iloc[0] == pytest.approx(exported_kw, abs=1e-9)
    assert result.slots["pv_curtailed_kw"].iloc[0] == pytest.approx(clipped_kw, abs=1e-9)
    assert result.cost == pytest.approx(cost, abs=1e-9)


def test_degradation_cost_stops_unprofitable_cycling() -> None:
    """Buy at 0.10, sell back at 0.15 with a lossless battery: worth 0.05/kWh, unless wear costs 0.03 per kWh
    charged and 0.03 per kWh discharged (0.06 per cycled kWh)."""

    def plan(degradation: float) -> float:
        inputs = make_inputs(
            import_price=[0.10, 0.40],
            export_price=[0.0, 0.15],
            n=2,
            battery=ideal_battery(degradation_cost_per_kwh=degradation),
            initial_soc_pct=0.0,
            terminal_value_per_kwh=0.0,
        )
        result = solve_plan(inputs)
        check_plan(inputs, result)
        return float(result.slots["charge_kw"].sum())

    assert plan(0.0) == pytest.approx(5.0)
    assert plan(0.03) == pytest.approx(0.0)


def test_efficiency_losses_are_priced() -> None:
    """η = 0.9 each way: 1 kWh of evening load needs 1/0.81 kWh bought at night."""
    battery = ideal_battery(charge_efficiency=0.9, discharge_efficiency=0.9)
    inputs = make_inputs(
        import_price=[0.10, 0.50],
        load_kw=[0.0, 1.0],
        battery=battery,
        initial_soc_pct=0.0,
        terminal_value_per_kwh=0.0,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert result.slots["grid_import_kw"].tolist() == pytest.approx([1 / 0.81, 0.0])
    assert result.cost == pytest.approx(0.10 / 0.81)
    assert np.isclose(result.end_soc_pct, 0.0)
