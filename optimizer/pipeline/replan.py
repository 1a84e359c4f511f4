"""Re-planning during the day: the rules the intraday loop follows, and the loop replayed over history.

``optimizer run --push`` called every 15–60 minutes re-plans the rest of the horizon from the live SoC, with the
rest of today's forecast corrected by what has been measured so far
(:func:`optimizer.pipeline.inputs.corrected_forecast`, the same for ``plan`` and the loop's replay). It
writes new groups only when they differ from those in force **and** are expected to save more than
``[schedule] min_rewrite_gain`` over keeping them (:func:`rewrite_gain`, on equal terms over the new horizon);
the first run of a local day writes whenever the groups differ (it is the nightly run). Each run costs
:data:`READ_CALLS` calls, a write :data:`WRITE_CALLS` more, and once a day :data:`DAILY_CALLS` (scheduler support
and the inverter's own work mode): a 30-minute loop needs about 150 calls per inverter and day plus 3 per write,
well inside ``[foxess] daily_budget`` (300).

:func:`replan_day` replays that loop over one day of measured history for ``optimizer backtest --replan``: at
each step it knows only what the loop would have known then (the history before the day for the day-ahead
forecast, today's measurements up to the step, the SoC the groups really reached), and the groups in force run
against what really happened until the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from optimizer.config import Config
from optimizer.errors import UsageError
from optimizer.pipeline.grid import HistoryGrid
from optimizer.pipeline.inputs import HorizonData, corrected_forecast
from optimizer.pipeline.plan import DeviceContext, PlanOutcome, replay, solve_and_compile
from optimizer.scheduler import SchedulerGroup, same_schedule

if TYPE_CHECKING:
    from datetime import date

    from optimizer.pipeline.options import PlanOptions
    from optimizer.scheduler import SchedulerProperties


class DayData(Protocol):
    """What the loop's replay needs of a backtest's data (:class:`~optimizer.pipeline.backtest.BacktestContext`)."""

    config: Config
    options: PlanOptions
    properties: SchedulerProperties
    grid: HistoryGrid

    def measured_day(self, day: date) -> tuple[pd.DatetimeIndex, pd.DataFrame, tuple[pd.Series, pd.Series]]: ...

    def day_ahead(self, day: date, length: timedelta) -> HorizonData: ...


READ_CALLS = 3
"""Calls of every intraday run: the history window since the last run, ``scheduler/get``, the real-time SoC."""
WRITE_CALLS = 4
"""Calls of a write: ``user/getAccessCount`` (the budget check), ``scheduler/enable``, ``scheduler/set/flag`` and
the read-back ``scheduler/get``."""
DAILY_CALLS = 2
"""Calls made once a day: ``scheduler/get/flag`` (support) and ``setting/get WorkMode`` (the base mode)."""
MIN_STEP = timedelta(minutes=15)
MAX_STEP = timedelta(minutes=60)


@dataclass(frozen=True)
class ReplanPolicy:
    """How often the loop runs (``step``) and what a rewrite must be expected to save (``min_gain`` [currency])."""

    step: timedelta
    min_gain: float

    @classmethod
    def of(cls, config: Config, step: timedelta) -> ReplanPolicy:
        if not MIN_STEP <= step <= MAX_STEP or step.total_seconds() % 60:
            raise UsageError(f"the re-planning step must be whole minutes from 15 to 60, got {step}.", option="replan")
        return cls(step=step, min_gain=config.schedule.min_rewrite_gain)


def rewrite_gain(config: Config, current: list[SchedulerGroup], outcome: PlanOutcome) -> float:
    """What ``outcome``'s groups are expected to save over keeping ``current`` [currency], over ``outcome``'s
    horizon and forecasts, on equal terms (both valued at the plan's terminal value)."""
    h = outcome.horizon
    kept = replay(config, current, h.load_kw, h.pv_kw, (h.import_price, h.export_price), h.initial_soc_pct)
    value = outcome.terminal_value_per_kwh
    return kept.net_cost(value) - outcome.compiled.simulated.net_cost(value)


def should_write(
    config: Config, current: list[SchedulerGroup] | None, outcome: PlanOutcome, *, first_of_day: bool, min_gain: float
) -> bool:
    """The loop's write rule: new groups that differ, and (after the day's first run) are worth ``min_gain``."""
    if current is None:
        return True
    if same_schedule(current, outcome.groups):
        return False
    return first_of_day or rewrite_gain(config, current, outcome) > min_gain


@dataclass(frozen=True)
class ReplanDay:
    """One day of the loop: its cost [currency], end SoC [%], writes, plans made and API calls it would spend."""

    cost: float
    end_soc_pct: float
    writes: int
    plans: int
    api_calls: int


def replan_day(context: DayData, day: date, soc_pct: float, policy: ReplanPolicy) -> ReplanDay:
    """The intraday loop over local ``day`` from ``soc_pct`` (see the module docstring)."""
    config = context.config
    index, actual, prices = context.measured_day(day)
    day_end = index[-1] + (index[1] - index[0])
    horizon_length = context.options.horizon_for(config)
    ahead = context.day_ahead(day, day_end - index[0] + horizon_length)
    device = DeviceContext(sn=None, properties=context.properties)
    current: list[SchedulerGroup] | None = None
    soc, cost, writes, plans = soc_pct, 0.0, 0, 0
    steps = pd.date_range(index[0], day_end, freq=policy.step, inclusive="left")
    forecast = pd.DataFrame({"load_kw": ahead.load_kw, "pv_kw": ahead.pv_kw})
    for k, start in enumerate(steps):
        span = (ahead.index >= start) & (ahead.index < start + horizon_length)
        corrected = corrected_forecast(config, context.grid, forecast, start)[span]
        horizon = replace(
            ahead,
            index=pd.DatetimeIndex(ahead.index[span]),
            import_price=ahead.import_price[span],
            export_price=ahead.export_price[span],
            load_kw=corrected["load_kw"],
            pv_kw=corrected["pv_kw"],
            initial_soc_pct=soc,
        )
        outcome = solve_and_compile(config, horizon, device, context.options)
        plans += 1
        if should_write(config, current, outcome, first_of_day=k == 0, min_gain=policy.min_gain):
            current = outcome.groups
            writes += 1
        until = min(start + policy.step, day_end)
        now = (actual.index >= start) & (actual.index < until)
        part = (prices[0][now], prices[1][now])
        sim = replay(config, current, actual["load_kw"][now], actual["pv_kw"][now], part, soc)
        cost += sim.cost
        soc = sim.end_soc_pct
    calls = len(steps) * READ_CALLS + writes * WRITE_CALLS + DAILY_CALLS
    return ReplanDay(cost=cost, end_soc_pct=soc, writes=writes, plans=plans, api_calls=calls)
