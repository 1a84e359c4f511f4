"""Rolling day-by-day re-planning over measured history, against self-use and perfect foresight.

For each local day of the range: forecast load and PV from the history before the day (exactly what a nightly
run would have known), plan, compile to groups, and replay the groups against what really happened. The same
day is also planned with the measured values (perfect foresight: the best the groups could have done) and run in
plain SelfUse. Each strategy carries its own battery SoC from one day to the next.

Every day is planned through the pipeline's own path (:func:`~optimizer.pipeline.inputs.build_horizon` and
:func:`~optimizer.pipeline.plan.solve_and_compile`), so the backtest plans exactly what ``optimizer plan`` would:
the same tariffs, end-SoC floor and terminal value, and plain SelfUse where the groups would not beat it.
What is the same every day is built once (:class:`BacktestContext`): the history on the slot grid and the
prices of the whole range.

**In parallel, exactly.** The days are cut into segments run side by side in a process pool; a segment other
than the first starts from a guessed SoC (the reserve). Once the segment before it is final, each strategy whose
true start SoC differs from the guess is re-run day by day from the true SoC until its end-of-day SoC meets the
one computed from the guess: from there on both chains are the same chain, so the result equals a sequential
run (it re-converges within a day or two wherever a day's plan does not depend on how full the battery started).

``captured_pct = 100 × (self_use − planner) / (self_use − perfect)``.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
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
from optimizer.pipeline.grid import HistoryGrid
from optimizer.pipeline.inputs import HorizonData, build_horizon, plan_inputs, tariff_specs
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.plan import DeviceContext, default_properties, replay, solve_and_compile
from optimizer.pipeline.replan import ReplanPolicy, replan_day
from optimizer.pipeline.reporting import ProgressCallback
from optimizer.scheduler import SchedulerProperties
from optimizer.simulate import no_battery_cost
from optimizer.terminal import default_terminal_value
from optimizer.timegrid import local_day_index, local_midnight, parse_time_arg, slot_index

DEFAULT_DAYS = 7
"""Days a backtest covers when no range is given."""
STRATEGIES = ("planner", "perfect", "self_use")
"""The strategies whose battery SoC is carried from day to day."""
MIN_SEGMENT_DAYS = 14
"""Segments shorter than this are not worth a process of their own (re-convergence costs a day or two)."""
SOC_MATCH_PCT = 1e-9
"""Two end-of-day SoCs this close [%] are the same chain."""


@dataclass
class BacktestDay:
    day: date
    no_battery: float
    self_use: float
    planner: float
    perfect: float
    writes: int | None = None  # with re-planning: the schedule writes of the day
    api_calls: int | None = None  # with re-planning: the calls the loop would have spent

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "date": self.day.isoformat(),
            "no_battery": round(self.no_battery, 4),
            "self_use": round(self.self_use, 4),
            "planner": round(self.planner, 4),
            "perfect": round(self.perfect, 4),
        }
        if self.writes is not None:
            doc["writes"] = self.writes
            doc["api_calls"] = self.api_calls
        return doc


@dataclass
class BacktestResult:
    """Per-day costs of each strategy, and what each left in the battery at the end of the range.

    ``end_credit`` values the energy each strategy leaves in the battery after the last day at
    ``end_value_per_kwh`` (the last day's terminal value), so that savings compare on equal terms: a strategy
    that ends the range with a fuller battery is not counted as having spent more.
    """

    days: list[BacktestDay] = field(default_factory=list)
    total_s: float = 0.0
    currency: str = ""
    workers: int = 1
    end_credit: dict[str, float] = field(default_factory=dict)
    end_value_per_kwh: float = 0.0
    replan_minutes: int | None = None

    def totals(self) -> dict[str, float]:
        return {
            key: round(sum(getattr(d, key) for d in self.days), 4)
            for key in ("no_battery", "self_use", "planner", "perfect")
        }

    def net_totals(self) -> dict[str, float]:
        """Totals minus the end credit of each strategy (the battery's start is the same for all three)."""
        totals = self.totals()
        return {key: value - self.end_credit.get(key, 0.0) for key, value in totals.items()}

    @property
    def captured_pct(self) -> float | None:
        t = self.net_totals()
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
            "end_credit": {k: round(v, 4) for k, v in self.end_credit.items()},
            "end_value_per_kwh": round(self.end_value_per_kwh, 6),
            "captured_pct": None if captured is None else round(captured, 2),
            "per_day": [d.to_json() for d in self.days],
            "timings": {"total_s": round(self.total_s, 3), "workers": self.workers},
            **self._replan_json(),
        }

    def _replan_json(self) -> dict[str, Any]:
        if self.replan_minutes is None or not self.days:
            return {}
        n = len(self.days)
        return {
            "replan_minutes": self.replan_minutes,
            "writes_per_day": round(sum(d.writes or 0 for d in self.days) / n, 2),
            "api_calls_per_day": round(sum(d.api_calls or 0 for d in self.days) / n, 1),
            "api_calls_max_day": max(d.api_calls or 0 for d in self.days),
        }


# ----- which history, which days --------------------------------------------------------------------------------


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


# ----- one day ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrategyDay:
    """What one strategy did on one day: its cost [currency] and the SoC it ended at [%]; for the re-planning
    loop also its schedule writes and the API calls it would spend."""

    cost: float
    end_soc_pct: float
    writes: int = 0
    api_calls: int = 0


class BacktestContext:
    """What is the same every day of a backtest, built once: the history on the slot grid and the prices of the
    whole range; and one day of one strategy (:meth:`run_day`)."""

    def __init__(
        self,
        config: Config,
        history: pd.DataFrame | HistoryGrid,
        first_day: date,
        last_day: date,
        options: PlanOptions,
        properties: SchedulerProperties,
        replan: ReplanPolicy | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.properties = properties
        self.replan = replan
        tz = config.site.timezone
        self.grid = history if isinstance(history, HistoryGrid) else HistoryGrid(history, tz)
        # the re-planning loop plans a rolling horizon that runs into the next days
        beyond = timedelta(days=1) + (options.horizon_for(config) if replan else timedelta(0))
        whole = slot_index(
            local_midnight(first_day, tz),
            local_midnight(last_day + timedelta(days=math.ceil(beyond / timedelta(days=1))), tz),
            options.slot_for(config),
        )
        self.prices = tariff_specs(config, options.tariff, options.export_tariff).prices(config, whole)
        self._day: tuple[date, pd.DatetimeIndex, pd.DataFrame, tuple[pd.Series, pd.Series]] | None = None

    @property
    def currency(self) -> str:
        return str(self.prices[0].attrs.get("currency", ""))

    def measured_day(self, day: date) -> tuple[pd.DatetimeIndex, pd.DataFrame, tuple[pd.Series, pd.Series]]:
        """The day's slots, what was measured in them and their prices (kept for the day's other strategies)."""
        if self._day is None or self._day[0] != day:
            index = local_day_index(day, self.config.site.timezone, self.options.slot_for(self.config))
            prices = (self.prices[0].reindex(index), self.prices[1].reindex(index))
            for series, whole in zip(prices, self.prices, strict=True):
                series.attrs.update(whole.attrs)
            self._day = (day, index, self.grid.measured(index), prices)
        return self._day[1], self._day[2], self._day[3]

    def horizon(self, day: date, soc_pct: float) -> HorizonData:
        """The horizon a nightly run would have planned for local ``day``: forecasts from the history before it."""
        index, _, prices = self.measured_day(day)
        if self.grid.first > index[0] - pd.Timedelta(days=1):
            raise HistoryError(
                f"backtest day {day}: the history starts too late to forecast it (it needs a day before).",
                option="start",
            )
        length = (index[-1] - index[0]) + (index[1] - index[0])
        forecasting = replace(self.options, forecast="history")
        return build_horizon(
            self.config, self.grid, forecasting, start=index[0], horizon=length, soc_pct=soc_pct, prices=prices
        )

    def day_ahead(self, day: date, length: timedelta) -> HorizonData:
        """Day-ahead forecasts and prices for ``length`` from the start of local ``day`` (the intraday loop's
        rolling horizons are slices of it); the SoC is a placeholder the loop replaces."""
        index, _, _ = self.measured_day(day)
        if self.grid.first > index[0] - pd.Timedelta(days=1):
            raise HistoryError(
                f"backtest day {day}: the history starts too late to forecast it (it needs a day before).",
                option="start",
            )
        forecasting = replace(self.options, forecast="history")
        return build_horizon(
            self.config, self.grid, forecasting, start=index[0], horizon=length, soc_pct=0.0, prices=self.prices
        )

    def inputs(self, day: date, soc_pct: float) -> PlanInputs:
        """The planner's inputs of the forecast plan for ``day`` (the same as ``plan`` builds)."""
        return plan_inputs(self.config, self.horizon(day, soc_pct), self.options)

    def run_day(self, day: date, strategy: str, soc_pct: float) -> StrategyDay:
        """``strategy`` (``planner``, ``perfect`` or ``self_use``) on local ``day`` from ``soc_pct``."""
        index, actual, prices = self.measured_day(day)
        config = self.config
        if strategy == "self_use":
            sim = replay(config, None, actual["load_kw"], actual["pv_kw"], prices, soc_pct)
            return StrategyDay(sim.cost, sim.end_soc_pct)
        if strategy == "perfect":
            horizon = HorizonData(
                index=index,
                import_price=prices[0],
                export_price=prices[1],
                load_kw=actual["load_kw"],
                pv_kw=actual["pv_kw"],
                initial_soc_pct=soc_pct,
                soc_source="given",
                actual=actual,
                currency=self.currency,
            )
        elif self.replan is not None:
            loop = replan_day(self, day, soc_pct, self.replan)
            return StrategyDay(loop.cost, loop.end_soc_pct, writes=loop.writes, api_calls=loop.api_calls)
        else:
            horizon = self.horizon(day, soc_pct)
        device = DeviceContext(sn=None, properties=self.properties)
        groups = solve_and_compile(config, horizon, device, self.options).groups
        sim = replay(config, groups, actual["load_kw"], actual["pv_kw"], prices, soc_pct)
        return StrategyDay(sim.cost, sim.end_soc_pct)

    def end_value(self, day: date) -> float:
        """The value of a kWh left in the battery after ``day`` [currency/kWh]: what the plans used."""
        given = self.options.terminal_value_for(self.config)
        if given is not None:
            return float(given)
        _, _, (imp, _) = self.measured_day(day)
        return default_terminal_value(imp, self.config.battery)

    def no_battery(self, day: date) -> float:
        _, actual, (imp, exp) = self.measured_day(day)
        return no_battery_cost(actual["load_kw"], actual["pv_kw"], imp, exp, self.config.grid)


def day_inputs(config: Config, history: pd.DataFrame, day: date, options: PlanOptions, soc_pct: float) -> PlanInputs:
    """The planner's inputs of the backtest's forecast plan for ``day`` (the same as ``plan`` builds)."""
    context = BacktestContext(config, history, day, day, options, default_properties(config))
    return context.inputs(day, soc_pct)


# ----- segments of days ----------------------------------------------------------------------------------------


@dataclass
class Segment:
    """Consecutive days run from start SoCs per strategy; per day, each strategy's result and no battery."""

    days: list[date]
    start_soc: dict[str, float]
    results: list[dict[str, StrategyDay]] = field(default_factory=list)
    no_battery: list[float] = field(default_factory=list)

    def end_soc(self, strategy: str) -> float:
        return self.results[-1][strategy].end_soc_pct


def run_segment(context: BacktestContext, segment: Segment, done: Callable[[int], None] | None = None) -> Segment:
    """Run every day of ``segment`` for every strategy, carrying each strategy's SoC."""
    soc = dict(segment.start_soc)
    for day in segment.days:
        row = {s: context.run_day(day, s, soc[s]) for s in STRATEGIES}
        soc = {s: row[s].end_soc_pct for s in STRATEGIES}
        segment.results.append(row)
        segment.no_battery.append(context.no_battery(day))
        if done:
            done(1)
    return segment


def reconverge(context: BacktestContext, segment: Segment, true_start: dict[str, float]) -> int:
    """Re-run the strategies of ``segment`` whose true start SoC differs from the guess, until each meets its
    computed chain; returns the strategy-days re-run."""
    rerun = 0
    for strategy in STRATEGIES:
        soc = true_start[strategy]
        if abs(soc - segment.start_soc[strategy]) <= SOC_MATCH_PCT:
            continue
        for i, day in enumerate(segment.days):
            fixed = context.run_day(day, strategy, soc)
            rerun += 1
            converged = abs(fixed.end_soc_pct - segment.results[i][strategy].end_soc_pct) <= SOC_MATCH_PCT
            segment.results[i][strategy] = fixed
            soc = fixed.end_soc_pct
            if converged:
                break
        segment.start_soc[strategy] = true_start[strategy]
    return rerun


# ----- the process pool ----------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(
    config: Config,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    options: PlanOptions,
    properties: SchedulerProperties,
    replan: ReplanPolicy | None,
    counter: Any,
) -> None:
    _WORKER["context"] = BacktestContext(config, history, first_day, last_day, options, properties, replan)
    _WORKER["counter"] = counter


def _worker_segment(segment: Segment) -> Segment:
    counter = _WORKER["counter"]

    def done(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    return run_segment(_WORKER["context"], segment, done)


def default_workers() -> int:
    """Processes for a backtest: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _context_name() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


@contextmanager
def _pool(workers: int, initargs: tuple[Any, ...]) -> Iterator[Executor]:
    ctx = multiprocessing.get_context(_context_name())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["optimizer.pipeline.backtest"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=initargs) as pool:
        yield pool


def _segments(days: list[date], workers: int, start: dict[str, float], guess: dict[str, float]) -> list[Segment]:
    count = 1 if workers <= 1 else max(1, min(workers * 2, len(days) // MIN_SEGMENT_DAYS))
    size = -(-len(days) // count)
    chunks = [days[i : i + size] for i in range(0, len(days), size)]
    return [Segment(chunk, dict(start if k == 0 else guess)) for k, chunk in enumerate(chunks)]


# ----- the backtest -------------------------------------------------------------------------------------------


def run_backtest(
    config: Config,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    options: PlanOptions | None = None,
    *,
    properties: SchedulerProperties | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    replan: timedelta | None = None,
) -> BacktestResult:
    """Re-plan each local day from ``first_day`` to ``last_day`` inclusive (see the module docstring).

    ``options`` are those of ``plan`` (tariffs, slot length, end-SoC floor, terminal value); ``soc_pct`` is the
    SoC the first day starts at (default: the reserve). ``properties`` default to a KH hybrid's. ``workers``:
    processes (default: every CPU this process may use; 1 runs in this process). ``progress(done, total)``
    counts days. ``replan`` (15–60 min) replaces the once-daily plan by the intraday re-planning loop
    (:mod:`optimizer.pipeline.replan`) for the ``planner`` strategy. The pool starts its processes with
    ``forkserver`` (``spawn`` where that is missing), so a script that calls this must guard its entry point
    with ``if __name__ == "__main__":``.
    """
    t0 = time.perf_counter()
    options = (options or PlanOptions()).validate()
    if last_day < first_day:
        raise UsageError(f"the backtest's last day {last_day} is before its first day {first_day}.", option="to")
    properties = properties or default_properties(config)
    policy = None if replan is None else ReplanPolicy.of(config, replan)
    context = BacktestContext(config, history, first_day, last_day, options, properties, policy)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    start_soc = config.battery.min_soc_pct if options.soc_pct is None else options.soc_pct
    start = dict.fromkeys(STRATEGIES, start_soc)
    guess = dict.fromkeys(STRATEGIES, config.battery.min_soc_pct)
    count = default_workers() if workers is None else max(1, workers)
    segments = _segments(days, count, start, guess)
    if progress:
        progress(0, len(days))
    if len(segments) == 1:
        finished = 0

        def tick(n: int) -> None:
            nonlocal finished
            finished += n
            if progress:
                progress(finished, len(days))

        segments = [run_segment(context, segments[0], tick)]
    else:
        segments = _run_parallel(context, history, first_day, last_day, segments, count, progress, len(days))
    result = BacktestResult(currency=context.currency, workers=min(count, len(segments)))
    result.replan_minutes = None if policy is None else round(policy.step.total_seconds() / 60)
    result.end_value_per_kwh = context.end_value(last_day)
    capacity = config.battery.capacity_kwh
    result.end_credit = {s: result.end_value_per_kwh * capacity * segments[-1].end_soc(s) / 100.0 for s in STRATEGIES}
    for segment in segments:
        for day, row, nobat in zip(segment.days, segment.results, segment.no_battery, strict=True):
            costs = {s: row[s].cost for s in STRATEGIES}
            loop = row["planner"] if policy is not None else None
            result.days.append(
                BacktestDay(
                    day, nobat, costs["self_use"], costs["planner"], costs["perfect"],
                    writes=None if loop is None else loop.writes,
                    api_calls=None if loop is None else loop.api_calls,
                )
            )  # fmt: skip
    result.total_s = time.perf_counter() - t0
    return result


def _run_parallel(
    context: BacktestContext,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    segments: list[Segment],
    workers: int,
    progress: ProgressCallback | None,
    total: int,
) -> list[Segment]:
    ctx = multiprocessing.get_context(_context_name())
    counter = ctx.Value("i", 0)
    initargs = (
        context.config, history, first_day, last_day, context.options, context.properties, context.replan, counter,
    )  # fmt: skip
    with _pool(min(workers, len(segments)), initargs) as pool:
        futures: list[Future[Segment]] = [pool.submit(_worker_segment, s) for s in segments]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.25)
            if progress:
                progress(min(counter.value, total), total)
        done = [f.result() for f in futures]
    for previous, segment in itertools.pairwise(done):
        reconverge(context, segment, {s: previous.end_soc(s) for s in STRATEGIES})
    return done
