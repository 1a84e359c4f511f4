"""Real days for the compiler's end-to-end tests: measured load and PV, real prices, the real planner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from optimizer.compile import CompiledSchedule, CompileOptions, compile_plan
from optimizer.config import BatteryConfig, GridConfig
from optimizer.model import PlanInputs
from optimizer.scheduler import SchedulerProperties
from optimizer.simulate import simulate
from optimizer.solve import PlanResult, solve_plan
from optimizer.timegrid import local_day_index

HERE = Path(__file__).resolve().parent
HOUSEHOLD = HERE.parent / "data" / "household-fr-2024.csv"
FR_PRICES = HERE / "data" / "entsoe-FR-2024-spring-summer.csv"
TIMEZONE = "Europe/Paris"


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col="time")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True), name="time")
    return frame


def household() -> pd.DataFrame:
    """Load gaps interpolated in time, PV gaps (night) as 0 kW."""
    frame = _read(HOUSEHOLD)
    frame["load_kw"] = frame["load_kw"].interpolate(method="time", limit_direction="both").clip(lower=0)
    frame["pv_kw"] = frame["pv_kw"].fillna(0.0).clip(lower=0)
    return frame


def fr_prices() -> pd.Series:
    """Day-ahead France [EUR/kWh], hourly."""
    return _read(FR_PRICES)["eur_per_mwh"] / 1000.0


def agile_prices(path: Path) -> pd.DataFrame:
    """Agile import and export [GBP/kWh], half-hourly."""
    return _read(path) / 100.0


def agile_day(index: pd.DatetimeIndex, agile: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Agile prices of the same weekday and time of year (52, else 104 weeks earlier) on ``index``."""
    for weeks in (52, 104):
        source = agile.reindex(index - pd.Timedelta(weeks=weeks))
        if not source.isna().any().any():
            break
    imp = pd.Series(source["import_p_per_kwh"].to_numpy(), index)
    exp = pd.Series(source["export_p_per_kwh"].to_numpy(), index)
    return imp, exp


@dataclass(frozen=True)
class DayOutcome:
    plan: PlanResult
    compiled: CompiledSchedule
    planned: float  # costs with the end SoC valued at the plan's terminal value [currency]
    compiled_cost: float
    self_use: float


def run_day(
    day: date,
    homes: pd.DataFrame,
    import_price: pd.Series,
    export_price: pd.Series,
    properties: SchedulerProperties,
    *,
    initial_soc_pct: float = 50.0,
    options: CompileOptions | None = None,
    battery: BatteryConfig | None = None,
    end_soc_pct: float | None = None,
) -> DayOutcome:
    """Plan one local day with perfect forecasts, compile it, and replay the groups and plain self-use.

    ``end_soc_pct`` is the plan's end floor, given to the planner and to the compiler alike.
    """
    battery = battery or BatteryConfig()
    grid = GridConfig()
    index = local_day_index(day, TIMEZONE, 30)
    load = homes["load_kw"].reindex(index)
    pv = homes["pv_kw"].reindex(index).fillna(0.0)
    imp = import_price.reindex(index)
    exp = export_price.reindex(index)
    plan = solve_plan(PlanInputs(index, imp, exp, load, pv, battery, grid, initial_soc_pct, end_soc_pct=end_soc_pct))
    value = plan.terminal_value_per_kwh
    base = options or CompileOptions()
    compiled = compile_plan(
        plan.slots,
        initial_soc_pct=initial_soc_pct,
        battery=battery,
        grid=grid,
        timezone=TIMEZONE,
        properties=properties,
        options=CompileOptions(
            max_groups=base.max_groups,
            gap_fill=base.gap_fill,
            fd_pwr_cap_w=base.fd_pwr_cap_w,
            terminal_value_per_kwh=value,
            end_soc_pct=end_soc_pct,
        ),
    )
    self_use = simulate(None, load, pv, imp, exp, battery, grid, initial_soc_pct, TIMEZONE)
    per_pct = battery.capacity_kwh / 100.0
    return DayOutcome(
        plan=plan,
        compiled=compiled,
        planned=plan.cost - value * plan.end_soc_pct * per_pct,
        compiled_cost=compiled.net_cost,
        self_use=self_use.net_cost(value),
    )


def captured_pct(outcomes: list[DayOutcome]) -> float:
    """100 × (self-use − compiled) / (self-use − planned), summed over the days."""
    saved_plan = sum(o.self_use - o.planned for o in outcomes)
    saved_compiled = sum(o.self_use - o.compiled_cost for o in outcomes)
    return 100.0 * saved_compiled / saved_plan
