"""Rolling day-by-day re-planning over measured history, against self-use and perfect foresight.

For each local day of the range: forecast load and PV from the history before the day (exactly what a nightly
run would have known), plan, compile to groups, and replay the groups against what really happened. The same
day is also planned with the measured values (perfect foresight: the best the groups could have done) and run in
plain SelfUse. Each strategy carries its own battery SoC from one day to the next.

Every day is planned through the pipeline's own path (:func:`~optimizer.pipeline.inputs.build_horizon`,
:func:`~optimizer.pipeline.inputs.plan_inputs`, :func:`~optimizer.pipeline.plan.compile_for`), so the backtest
plans exactly the problem ``optimizer plan`` would: the same tariffs, end-SoC floor and terminal value.

``captured_pct = 100 × (self_use − planner) / (self_use − perfect)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.config import Config
from optimizer.errors import HistoryError, UsageError
from optimizer.history import read_history_csv
from optimizer.history.store import HistoryStore
from optimizer.model import PlanInputs
from optimizer.pipeline.inputs import HorizonData, build_horizon, measured_on_grid, plan_inputs
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.plan import compile_for, default_properties, replay
from optimizer.pipeline.reporting import ProgressCallback
from optimizer.scheduler import SchedulerProperties
from optimizer.simulate import SimResult, no_battery_cost
from optimizer.solve import solve_plan
from optimizer.timegrid import local_day_index, local_midnight, parse_time_arg

DEFAULT_DAYS = 7
"""Days a backtest covers when no range is given."""


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
    currency: str = ""

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
            "from": self.days[0].day.isoformat() if self.days else None,
            "to": self.days[-1].day.isoformat() if self.days else None,
            "currency": self.currency,
            "cost": self.totals(),
            "captured_pct": None if captured is None else round(captured, 2),
            "per_day": [d.to_json() for d in self.days],
            "timings": {"total_s": round(self.total_s, 3)},
        }


def backtest_history(config: Config, history: Path | None, device: str | None) -> pd.DataFrame:
    """The measured history: a CSV (``--history``) or the local store of ``--device``."""
    if history is not None:
        return read_history_csv(history)
    if device is None:
        raise UsageError("the backtest needs --history FILE, or --device SN to use the local history store.")

    with HistoryStore(config.history_db) as store:
        frame = store.series(device, pd.Timestamp("2000-01-01", tz="UTC"), pd.Timestamp.now(tz="UTC"))
    if frame.empty:
        raise HistoryError(f"no history is stored for {device}.", hint="Run `optimizer history sync` first.")
    return frame


def backtest_range(
    history: pd.DataFrame, timezone: str, start: str | None, to: str | None, length: timedelta | None = None
) -> tuple[date, date]:
    """First and last local day: explicit (``start``, ``to``: dates or datetimes, ``length`` instead of ``to``), or
    the last complete days of the history (:data:`DEFAULT_DAYS` of them)."""
    last_sample = pd.Timestamp(history.index.max()).tz_convert(timezone)
    last_complete = last_sample.date() - timedelta(days=1)
    if local_midnight(last_sample.date() + timedelta(days=1), timezone) <= pd.Timestamp(history.index.max()):
        last_complete = last_sample.date()
    first = parse_time_arg(start, timezone).tz_convert(timezone).date() if start else None
    last = parse_time_arg(to, timezone).tz_convert(timezone).date() if to else None
    days = max(1, round(length.total_seconds() / 86400)) if length else None
    if first is None and last is None:
        last = last_complete
    if first is None:
        assert last is not None
        first = last - timedelta(days=(days or DEFAULT_DAYS) - 1)
    if last is None:
        last = min(first + timedelta(days=(days or DEFAULT_DAYS) - 1), last_complete)
    return first, last


def day_horizon(config: Config, history: pd.DataFrame, day: date, options: PlanOptions, soc_pct: float) -> HorizonData:
    """The horizon a nightly run would have planned for local ``day``: the history before it, from ``soc_pct``."""
    index = local_day_index(day, config.site.timezone, options.slot_for(config))
    if pd.Timestamp(history.index.min()) > index[0] - pd.Timedelta(days=1):
        raise HistoryError(
            f"backtest day {day}: the history starts too late to forecast it (it needs a day before).",
            option="start",
        )
    length = (index[-1] - index[0]) + (index[1] - index[0])
    forecasting = replace(options, forecast="history")
    return build_horizon(config, history, forecasting, start=index[0], horizon=length, soc_pct=soc_pct)


def day_inputs(config: Config, history: pd.DataFrame, day: date, options: PlanOptions, soc_pct: float) -> PlanInputs:
    """The planner's inputs of the backtest's forecast plan for ``day`` (the same as ``plan`` builds)."""
    return plan_inputs(config, day_horizon(config, history, day, options, soc_pct), options)


def _planned_and_replayed(
    config: Config,
    options: PlanOptions,
    horizon: HorizonData,
    properties: SchedulerProperties,
    actual: pd.DataFrame,
) -> SimResult:
    """Plan ``horizon``, compile the plan into groups and run them against what really happened."""
    result = solve_plan(
        plan_inputs(config, horizon, options), solver=config.planner.solver, time_limit_s=config.planner.time_limit_s
    )
    groups = compile_for(config, result, horizon.initial_soc_pct, properties).groups
    prices = (horizon.import_price, horizon.export_price)
    return replay(config, groups, actual["load_kw"], actual["pv_kw"], prices, horizon.initial_soc_pct)


def run_backtest(
    config: Config,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    options: PlanOptions | None = None,
    *,
    properties: SchedulerProperties | None = None,
    progress: ProgressCallback | None = None,
) -> BacktestResult:
    """Re-plan each local day from ``first_day`` to ``last_day`` inclusive (see the module docstring).

    ``options`` are those of ``plan`` (tariffs, slot length, end-SoC floor, terminal value); ``soc_pct`` is the
    SoC the first day starts at (default: the reserve). ``properties`` default to a KH hybrid's.
    """
    t0 = time.perf_counter()
    options = (options or PlanOptions()).validate()
    if last_day < first_day:
        raise UsageError(f"the backtest's last day {last_day} is before its first day {first_day}.", option="to")
    properties = properties or default_properties(config)
    start_soc = config.battery.min_soc_pct if options.soc_pct is None else options.soc_pct
    soc = {"self_use": start_soc, "planner": start_soc, "perfect": start_soc}
    result = BacktestResult()
    n_days = (last_day - first_day).days + 1
    for i in range(n_days):
        day = first_day + timedelta(days=i)
        horizon = day_horizon(config, history, day, options, soc["planner"])
        actual = measured_on_grid(history, horizon.index, config.site.timezone)
        prices = (horizon.import_price, horizon.export_price)
        ideal = replace(horizon, load_kw=actual["load_kw"], pv_kw=actual["pv_kw"], initial_soc_pct=soc["perfect"])

        planner = _planned_and_replayed(config, options, horizon, properties, actual)
        perfect = _planned_and_replayed(config, options, ideal, properties, actual)
        selfuse = replay(config, None, actual["load_kw"], actual["pv_kw"], prices, soc["self_use"])
        nobat = no_battery_cost(actual["load_kw"], actual["pv_kw"], prices[0], prices[1], config.grid)
        soc = {"self_use": selfuse.end_soc_pct, "planner": planner.end_soc_pct, "perfect": perfect.end_soc_pct}
        result.days.append(BacktestDay(day, nobat, selfuse.cost, planner.cost, perfect.cost))
        result.currency = horizon.currency
        if progress:
            progress(i + 1, n_days)
    result.total_s = time.perf_counter() - t0
    return result
