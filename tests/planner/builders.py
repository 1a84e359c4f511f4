"""Small builders for planner inputs, and checks every plan must pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig, GridConfig
from optimizer.model import PlanInputs
from optimizer.solve import PlanResult
from optimizer.timegrid import local_midnight, slot_index

DATA = Path(__file__).resolve().parent / "data"
ROOT_HINT = Path(__file__).resolve().parents[2]  # the repository root (for subprocesses)
START = pd.Timestamp("2024-06-01T00:00:00Z")
Values = Sequence[float] | np.ndarray | float
"""Per-slot values, or one value for every slot."""


def series(values: Values, index: pd.DatetimeIndex) -> pd.Series:
    if isinstance(values, int | float):
        return pd.Series(float(values), index=index)
    return pd.Series(np.asarray(values, dtype=float), index=index)


def make_inputs(
    *,
    import_price: Values,
    export_price: Values = 0.0,
    load_kw: Values = 0.0,
    pv_kw: Values = 0.0,
    n: int | None = None,
    slot_minutes: int = 60,
    battery: BatteryConfig | None = None,
    grid: GridConfig | None = None,
    initial_soc_pct: float = 50.0,
    end_soc_pct: float | None = None,
    terminal_value_per_kwh: float | None = 0.0,
    start: pd.Timestamp = START,
) -> PlanInputs:
    """Inputs on a UTC grid from ``start``; scalars are repeated over ``n`` slots."""
    lengths = [len(v) for v in (import_price, export_price, load_kw, pv_kw) if not isinstance(v, int | float)]
    count = n if n is not None else (lengths[0] if lengths else 1)
    index = slot_index(start, start + pd.Timedelta(minutes=slot_minutes * count), slot_minutes)
    return PlanInputs(
        index=index,
        import_price=series(import_price, index),
        export_price=series(export_price, index),
        load_kw=series(load_kw, index),
        pv_kw=series(pv_kw, index),
        battery=battery or BatteryConfig(),
        grid=grid or GridConfig(),
        initial_soc_pct=initial_soc_pct,
        end_soc_pct=end_soc_pct,
        terminal_value_per_kwh=terminal_value_per_kwh,
    )


def go_night_inputs(slot_minutes: int = 30, hours: int = 24) -> PlanInputs:
    """Octopus Go (0.085 from 00:30 to 05:30, else 0.27) with a 0.15 fixed export, a day-shaped load and PV,
    and the default battery: export is dearer than import at night, so night slots need decisions."""
    n = hours * 60 // slot_minutes
    hour = (np.arange(n) * slot_minutes / 60.0) % 24
    night = (hour >= 0.5) & (hour < 5.5)
    load = 0.4 + 1.5 * np.exp(-(((hour - 19) / 2.0) ** 2)) + 0.8 * np.exp(-(((hour - 8) / 1.5) ** 2))
    pv = np.clip(4.0 * np.sin((hour - 6) / 14 * np.pi), 0.0, None)
    return make_inputs(
        import_price=np.where(night, 0.085, 0.27),
        export_price=0.15,
        load_kw=np.round(load, 3),
        pv_kw=np.round(pv, 3),
        slot_minutes=slot_minutes,
        initial_soc_pct=20.0,
        terminal_value_per_kwh=None,
    )


def ideal_battery(**changes: float) -> BatteryConfig:
    """A loss-free 10 kWh, 5 kW battery from 0 to 100 % (numbers easy to solve by hand)."""
    values: dict[str, float] = {
        "capacity_kwh": 10.0,
        "min_soc_pct": 0.0,
        "max_soc_pct": 100.0,
        "max_charge_kw": 5.0,
        "max_discharge_kw": 5.0,
        "charge_efficiency": 1.0,
        "discharge_efficiency": 1.0,
        "degradation_cost_per_kwh": 0.0,
    }
    values.update(changes)
    return BatteryConfig(**values)


def read_fr_day(day: date, slot_minutes: int = 30) -> pd.DataFrame:
    """One local day (Europe/Paris) of ``data/fr-2024-days.csv`` on ``slot_minutes`` slots (values held).

    PV gaps (night) count as 0 kW; the price column may be empty (2024-10-27).
    """
    frame = pd.read_csv(DATA / "fr-2024-days.csv")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True), name="time")
    frame["pv_kw"] = frame["pv_kw"].fillna(0.0)
    start = local_midnight(day, "Europe/Paris")
    end = local_midnight(date.fromordinal(day.toordinal() + 1), "Europe/Paris")
    index = slot_index(start, end, slot_minutes)
    held = frame.reindex(frame.index.union(index)).ffill().reindex(index)
    return held


def check_plan(inputs: PlanInputs, result: PlanResult, *, tol: float = 1e-6) -> None:
    """Every physical and contractual property a plan must have (raises AssertionError naming the slot)."""
    slots = result.slots
    battery, grid = inputs.battery, inputs.grid
    dt = inputs.slot_hours
    expected = [
        "import_price",
        "export_price",
        "load_kw",
        "pv_kw",
        "grid_import_kw",
        "grid_export_kw",
        "charge_kw",
        "discharge_kw",
        "pv_curtailed_kw",
        "soc_pct",
    ]
    assert list(slots.columns) == expected
    assert slots.index.equals(inputs.index)
    assert all(slots[c].dtype == float for c in expected)
    imp, exp = slots["grid_import_kw"].to_numpy(), slots["grid_export_kw"].to_numpy()
    ch, dis = slots["charge_kw"].to_numpy(), slots["discharge_kw"].to_numpy()
    curt, soc = slots["pv_curtailed_kw"].to_numpy(), slots["soc_pct"].to_numpy()
    load, pv = inputs.load_kw.to_numpy(), inputs.pv_kw.to_numpy()
    for name, values in (("import", imp), ("export", exp), ("charge", ch), ("discharge", dis), ("curtail", curt)):
        assert (values >= 0).all(), f"negative {name} at {np.flatnonzero(values < 0)}"
    # the headline property: never both directions in one slot, exactly
    assert not ((ch > 0) & (dis > 0)).any(), f"charge and discharge at once in {np.flatnonzero((ch > 0) & (dis > 0))}"
    assert not ((imp > 0) & (exp > 0)).any(), f"import and export at once in {np.flatnonzero((imp > 0) & (exp > 0))}"
    # energy balance and PV
    balance = pv - curt + imp + dis - load - ch - exp
    assert np.abs(balance).max() <= tol, f"balance off by {np.abs(balance).max()} at {np.abs(balance).argmax()}"
    assert (curt <= pv + tol).all()
    clipped = curt > 0
    assert (exp[clipped] >= grid.export_limit_kw - tol).all(), "PV clipped below the export limit"
    # limits
    assert (ch <= battery.max_charge_kw + tol).all() and (dis <= battery.max_discharge_kw + tol).all()
    assert (exp <= grid.export_limit_kw + tol).all()
    if grid.import_limit_kw is not None:
        assert (imp <= grid.import_limit_kw + tol).all()
    # SoC dynamics (soc_pct at the END of each slot) and bounds
    energy = np.concatenate([[battery.capacity_kwh * inputs.initial_soc_pct / 100], soc * battery.capacity_kwh / 100])
    step = battery.charge_efficiency * ch * dt - dis * dt / battery.discharge_efficiency
    assert np.abs(np.diff(energy) - step).max() <= tol
    low = min(battery.min_soc_pct, inputs.initial_soc_pct)
    high = max(battery.max_soc_pct, inputs.initial_soc_pct)
    assert soc.min() >= low - 1e-6 and soc.max() <= high + 1e-6
    if inputs.end_soc_pct is not None:
        assert soc[-1] >= inputs.end_soc_pct - 1e-6
    # cost and objective
    cost = float(
        (
            (imp * inputs.import_price.to_numpy() - exp * inputs.export_price.to_numpy()).sum()
            + battery.degradation_cost_per_kwh * (ch + dis).sum()
        )
        * dt
    )
    assert abs(cost - result.cost) <= 1e-9
    assert abs(result.objective - (cost - result.terminal_value_per_kwh * energy[-1])) <= 1e-9
    assert abs(result.end_soc_pct - soc[-1]) <= 1e-12
