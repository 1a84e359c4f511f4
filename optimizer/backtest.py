"""Rolling day-by-day re-planning over measured history, against self-use and perfect foresight.

For each local day of the range: forecast load and PV from the history before the day (exactly what a nightly
run would have known), plan, compile to groups, and replay the groups against what really happened. The same
day is also planned with the measured values (perfect foresight: the best the groups could have done) and run in
plain SelfUse. Each strategy carries its own battery SoC from one day to the next.

``captured_pct = 100 × (self_use − planner) / (self_use − perfect)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from optimizer.config import Config
from optimizer.errors import HistoryError, UsageError
from optimizer.forecast import forecast_load, forecast_pv
from optimizer.history import resample_to_slots
from optimizer.inputs import history_on_grid
from optimizer.model import PlanInputs
from optimizer.pipeline import compile_for, replay
from optimizer.scheduler import SchedulerProperties
from optimizer.simulate import SimResult, no_battery_cost
from optimizer.solve import PlanResult, solve_plan
from optimizer.tariffs import load_prices
from optimizer.timegrid import local_day_index


@dataclass
class BacktestDay:
    day: date
    no_battery: float
    self_use: float
    planner: float
    perfect: float

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "no_battery": round(self.no_battery, 4),
            "self_use": round(self.self_use, 4),
            "planner": round(self.planner, 4),
            "perfect": round(self.perfect, 4),
        }


@dataclass
class BacktestResult:
    days: list[BacktestDay] = field(default_factory=list)
    total_s: float = 0.0

    def totals(self) -> dict[str, float]:
        return {
            key: round(sum(getattr(d, key) for d in self.days), 4)
            for key in ("no_battery", "self_use", "planner", "perfect")
        }

    @property
    def captured_pct(self) -> float | None:
        t = self.totals()
        possible = t["self_use"] - t["perfect"]
        if abs(possible) < 1e-9:
            return None
        return 100.0 * (t["self_use"] - t["planner"]) / possible

    def to_json(self) -> dict[str, Any]:
        captured = self.captured_pct
        return {
            "days": len(self.days),
            "cost": self.totals(),
            "captured_pct": None if captured is None else round(captured, 2),
            "per_day": [d.to_json() for d in self.days],
            "timings": {"total_s": round(self.total_s, 3)},
        }


def _plan(
    config: Config,
    index: pd.DatetimeIndex,
    load_kw: pd.Series,
    pv_kw: pd.Series,
    prices: tuple[pd.Series, pd.Series],
    soc_pct: float,
) -> PlanResult:
    inputs = PlanInputs(
        index=index,
        import_price=prices[0],
        export_price=prices[1],
        load_kw=load_kw,
        pv_kw=pv_kw,
        battery=config.battery,
        grid=config.grid,
        initial_soc_pct=soc_pct,
        terminal_value_per_kwh=config.planner.terminal_value_per_kwh,
    )
    return solve_plan(inputs, solver=config.planner.solver, time_limit_s=config.planner.time_limit_s)


def _replay(
    config: Config,
    properties: SchedulerProperties,
    plan: PlanResult,
    actual: pd.DataFrame,
    prices: tuple[pd.Series, pd.Series],
    soc_pct: float,
) -> SimResult:
    """Compile ``plan`` into groups and run them against what really happened."""
    groups = compile_for(config, plan, soc_pct, properties).groups
    return replay(config, groups, actual["load_kw"], actual["pv_kw"], prices, soc_pct)


def run_backtest(
    config: Config,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    *,
    properties: SchedulerProperties,
    slot_minutes: int = 30,
    tariff: str | None = None,
    export_tariff: str | None = None,
    initial_soc_pct: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Re-plan each local day from ``first_day`` to ``last_day`` inclusive (see the module docstring)."""
    t0 = time.perf_counter()
    if last_day < first_day:
        raise UsageError(f"--to {last_day} is before --from {first_day}")
    tz = config.site.timezone
    import_spec = tariff or config.tariff.import_
    export_spec = export_tariff if export_tariff is not None else (None if tariff else config.tariff.export)
    start_soc = config.battery.min_soc_pct if initial_soc_pct is None else initial_soc_pct
    soc = {"self_use": start_soc, "planner": start_soc, "perfect": start_soc}
    result = BacktestResult()
    n_days = (last_day - first_day).days + 1
    for i in range(n_days):
        day = first_day + timedelta(days=i)
        index = local_day_index(day, tz, slot_minutes)
        if pd.Timestamp(history.index.min()) > index[0] - pd.Timedelta(days=1):
            raise HistoryError(f"backtest day {day}: the history starts too late to forecast it (needs a day before)")
        actual, _ = resample_to_slots(history, index, timezone=tz)
        prices = load_prices(import_spec, export_spec, index, base_dir=config.base_dir, timezone=tz)
        past = history_on_grid(history, index[0], slot_minutes, config.history.forecast_days, tz)
        load_fc = forecast_load(past, index, timezone=tz)
        pv_fc = forecast_pv(past, index, timezone=tz)

        planned = _plan(config, index, load_fc, pv_fc, prices, soc["planner"])
        planner = _replay(config, properties, planned, actual, prices, soc["planner"])
        ideal = _plan(config, index, actual["load_kw"], actual["pv_kw"], prices, soc["perfect"])
        perfect = _replay(config, properties, ideal, actual, prices, soc["perfect"])
        selfuse = replay(config, None, actual["load_kw"], actual["pv_kw"], prices, soc["self_use"])
        nobat = no_battery_cost(actual["load_kw"], actual["pv_kw"], prices[0], prices[1], config.grid)
        soc = {
            "self_use": selfuse.end_soc_pct,
            "planner": planner.end_soc_pct,
            "perfect": perfect.end_soc_pct,
        }
        result.days.append(BacktestDay(day, nobat, selfuse.cost, planner.cost, perfect.cost))
        if progress:
            progress(i + 1, n_days)
    result.total_s = time.perf_counter() - t0
    return result
