"""Hand-built plans for the compiler's tests: per-slot battery actions turned into a consistent plan frame."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig, GridConfig
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerProperties
from optimizer.timegrid import local_day_index

V1_PROPERTIES = SchedulerProperties.from_wire(KH_V1_PROPERTIES)
"""A real v1 device's properties (the scheduler/get sample of fox-api-field-notes.md)."""

BATTERY = BatteryConfig()
GRID = GridConfig()
TZ = "Europe/London"


def day_index(day: date = date(2024, 5, 14), tz: str = TZ, slot_minutes: int = 30) -> pd.DatetimeIndex:
    return local_day_index(day, tz, slot_minutes)


def at(index: pd.DatetimeIndex, tz: str, hhmm: str) -> int:
    """Position of the slot starting at local ``hhmm`` (first occurrence)."""
    local = index.tz_convert(tz).strftime("%H:%M")
    return int(np.flatnonzero(local == hhmm)[0])


def build_plan(
    index: pd.DatetimeIndex,
    *,
    import_price: Sequence[float] | float,
    export_price: Sequence[float] | float,
    load_kw: Sequence[float] | float,
    pv_kw: Sequence[float] | float = 0.0,
    charge_kw: Sequence[float] | float = 0.0,
    discharge_kw: Sequence[float] | float = 0.0,
    initial_soc_pct: float = 10.0,
    battery: BatteryConfig = BATTERY,
    grid: GridConfig = GRID,
) -> pd.DataFrame:
    """A plan frame with the planner's columns from per-slot battery powers [kW].

    Grid flows settle the balance ``pv + import + discharge = load + charge + export + curtailed``; PV
    beyond the export limit is curtailed; ``soc_pct`` is the SoC at the END of each slot.
    """
    n = len(index)

    def arr(value: Sequence[float] | float) -> np.ndarray:
        return np.full(n, float(value)) if np.isscalar(value) else np.asarray(value, dtype=float)

    imp, exp, load, pv = arr(import_price), arr(export_price), arr(load_kw), arr(pv_kw)
    charge, discharge = arr(charge_kw), arr(discharge_kw)
    dt_h = (index[1] - index[0]).total_seconds() / 3600.0
    residual = pv + discharge - load - charge
    export = np.clip(residual, 0.0, grid.export_limit_kw)
    curtailed = np.clip(residual, 0.0, None) - export
    grid_import = np.clip(-residual, 0.0, None)
    stored = np.cumsum(charge * battery.charge_efficiency * dt_h - discharge / battery.discharge_efficiency * dt_h)
    soc = initial_soc_pct + stored / battery.capacity_kwh * 100.0
    if soc.max() > battery.max_soc_pct + 1e-6 or soc.min() < -1e-6:
        raise ValueError(f"hand plan leaves the battery's range: {soc.min():.2f}..{soc.max():.2f} %")
    return pd.DataFrame(
        {
            "import_price": imp,
            "export_price": exp,
            "load_kw": load,
            "pv_kw": pv,
            "grid_import_kw": grid_import,
            "grid_export_kw": export,
            "charge_kw": charge,
            "discharge_kw": discharge,
            "pv_curtailed_kw": curtailed,
            "soc_pct": soc,
        },
        index=index,
    )


def plan_cost(plan: pd.DataFrame) -> float:
    dt_h = (plan.index[1] - plan.index[0]).total_seconds() / 3600.0
    return float(
        ((plan["grid_import_kw"] * plan["import_price"]) - (plan["grid_export_kw"] * plan["export_price"])).sum() * dt_h
    )
