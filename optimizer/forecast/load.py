"""Household load: several simple forecasters, and the one with the least backtested error.

Each candidate forecasts a local day's clock profile [kW per slot] from the days before it:

* ``same_weekday``: mean of the same weekday over the last 4 weeks (weekly routines);
* ``recent_days``: mean of the last 7 days (recent level, e.g. heating);
* ``ewm_blend``: half ``same_weekday``, half an exponentially weighted mean of the last 14 days
  (half-life 2 days): weekly shape and recent level together;
* ``ewm_recent``: the exponentially weighted mean alone (14 days, half-life 2 days);
* ``mean_median``: half mean, half median of the last 7 days (less pulled by one-off appliance runs);
* ``recent_median``: median of the last 7 days (robust to one-off appliance runs, biased low).

Baselines (never selected, reported by the benchmark): ``yesterday`` and ``last_week`` (same day last week).

**Selection.** Each candidate forecasts each of the last 28 days before the forecast start that has at least
80 % of its slots measured, from the days before it (a day-ahead backtest issued at local midnight); the one
with the lowest ``MAE + |bias|`` [kW] wins. With fewer than 2 such days the rule is ``recent_days``.

**Fallbacks.** Slots a candidate cannot fill (no data at that clock time) take the mean of the last 28 days
at that clock time, then interpolate between neighbouring clock slots. With no load history at all,
:class:`~optimizer.errors.HistoryError` is raised: there is nothing honest to forecast from.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.forecast.profiles import (
    Layout,
    check_target,
    fill_bins,
    layout,
    on_step,
    past_series,
    slot_minutes_of,
)

LOOKBACK = timedelta(days=70)
SELECTION_DAYS = 28
MIN_SELECTION_DAYS = 2
MIN_DAY_COVERAGE = 0.8
FALLBACK_RULE = "recent_days"

Candidate = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def _nanmean(rows: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(rows, axis=0))


def _rows(values: np.ndarray, positions: list[int]) -> np.ndarray:
    valid = [p for p in positions if 0 <= p < values.shape[0]]
    if not valid:
        return np.full((1, values.shape[1]), np.nan)
    return values[valid]


def yesterday(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return _rows(values, [row - 1])[0]


def last_week(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return _rows(values, [row - 7])[0]


def same_weekday(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return _nanmean(_rows(values, [row - 7 * k for k in range(1, 5)]))


def recent_days(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return _nanmean(_rows(values, list(range(row - 7, row))))


def recent_median(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(_rows(values, list(range(row - 7, row))), axis=0))


def ewm_recent(values: np.ndarray, row: int, *, days: int = 14, half_life_days: float = 2.0) -> np.ndarray:
    """Exponentially weighted mean of the last ``days`` days per clock slot (NaN cells carry no weight)."""
    positions = [p for p in range(row - days, row) if 0 <= p < values.shape[0]]
    if not positions:
        return np.full(values.shape[1], np.nan)
    block = values[positions]
    ages = row - np.asarray(positions, dtype=float)
    weights = np.power(0.5, (ages - 1) / half_life_days)[:, None] * ~np.isnan(block)
    total = weights.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.nansum(block * weights, axis=0) / total, np.nan)


def ewm_only(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return ewm_recent(values, row)


def mean_median(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    return _nanmean(np.vstack([recent_days(values, weekdays, row), recent_median(values, weekdays, row)]))


def ewm_blend(values: np.ndarray, weekdays: np.ndarray, row: int) -> np.ndarray:
    weekly = same_weekday(values, weekdays, row)
    recent = ewm_recent(values, row)
    both = np.vstack([weekly, recent])
    return _nanmean(both)


#: Candidates the selection may choose, in order of preference on ties.
CANDIDATES: dict[str, Candidate] = {
    "ewm_blend": ewm_blend,
    "same_weekday": same_weekday,
    "recent_days": recent_days,
    "ewm_recent": ewm_only,
    "mean_median": mean_median,
    "recent_median": recent_median,
}
#: Naive baselines, reported by the benchmark only.
BASELINES: dict[str, Candidate] = {"yesterday": yesterday, "last_week": last_week}


@dataclass(frozen=True)
class Selection:
    """The chosen candidate and every candidate's backtest score (``MAE + |bias|`` [kW]) and MAE."""

    method: str
    scores: dict[str, float] = field(default_factory=dict)
    mae_kw: dict[str, float] = field(default_factory=dict)
    days: int = 0


def day_profile(values: np.ndarray, weekdays: np.ndarray, row: int, method: Candidate) -> np.ndarray:
    """Candidate ``method``'s profile for matrix row ``row`` with the documented fallbacks (may stay NaN
    only if there is no data at all)."""
    profile = method(values, weekdays, row)
    return fill_bins(profile, recent_fallback(values, row))


def recent_fallback(values: np.ndarray, row: int) -> np.ndarray:
    return _nanmean(_rows(values, list(range(row - SELECTION_DAYS, row))))


def select(values: np.ndarray, weekdays: np.ndarray, start_row: int) -> Selection:
    """Backtest every candidate on the measured days before ``start_row``; the best one wins."""
    tested = [
        r
        for r in range(max(0, start_row - SELECTION_DAYS), start_row)
        if np.mean(~np.isnan(values[r])) >= MIN_DAY_COVERAGE
    ]
    if len(tested) < MIN_SELECTION_DAYS:
        return Selection(FALLBACK_RULE, days=len(tested))
    scores: dict[str, float] = {}
    maes: dict[str, float] = {}
    for name, method in CANDIDATES.items():
        errors: list[np.ndarray] = []
        for r in tested:
            forecast = day_profile(values, weekdays, r, method)
            errors.append(forecast - values[r])
        stacked = np.concatenate(errors)
        stacked = stacked[~np.isnan(stacked)]
        if stacked.size == 0:
            continue
        maes[name] = float(np.mean(np.abs(stacked)))
        scores[name] = maes[name] + abs(float(np.mean(stacked)))
    if not scores:
        return Selection(FALLBACK_RULE, days=len(tested))
    best = min(scores, key=lambda n: (round(scores[n], 9), list(CANDIDATES).index(n)))
    return Selection(best, scores, maes, len(tested))


def load_layout(history: pd.DataFrame, index: pd.DatetimeIndex, *, timezone: str) -> Layout:
    target = check_target(index)
    minutes = slot_minutes_of(target)
    past = on_step(past_series(history, "load_kw", target[0], LOOKBACK), minutes)
    return layout(past, target, timezone=timezone, slot_minutes=minutes)


def forecast_with(lay: Layout, method: Candidate) -> np.ndarray:
    """Forecast of every target slot of ``lay`` by ``method`` (NaN only without any data)."""
    values = lay.matrix.values
    weekdays = lay.matrix.weekdays()
    result = np.full(len(lay.target_rows), np.nan)
    for row in lay.target_days:
        profile = day_profile(values, weekdays, row, method)
        here = lay.target_rows == row
        result[here] = profile[lay.target_bins[here]]
    return result


def load_forecast(
    history: pd.DataFrame, index: pd.DatetimeIndex, *, timezone: str, method: str | None = None
) -> tuple[pd.Series, Selection]:
    """Load forecast [kW] for every slot of ``index`` and how its method was chosen.

    ``method`` forces a candidate or baseline by name; by default the backtest chooses.
    """
    lay = load_layout(history, index, timezone=timezone)
    if lay.history_rows() == 0:
        raise HistoryError(
            f"no load history before {index[0]}: cannot forecast load",
            hint="Import a history CSV (`optimizer history import`) or run `optimizer history sync`.",
        )
    known = {**CANDIDATES, **BASELINES}
    if method is not None and method not in known:
        raise HistoryError(f"unknown load forecast method {method!r}; choose from {', '.join(known)}")
    start_row = int(lay.target_rows.min())
    selection = Selection(method) if method else select(lay.matrix.values, lay.matrix.weekdays(), start_row)
    values = forecast_with(lay, known[selection.method])
    values = np.clip(values, 0.0, None)
    series = pd.Series(values, index=check_target(index), name="load_kw")
    series.index.name = "time"
    return series, selection
