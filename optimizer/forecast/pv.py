"""PV from history: the recent clear-day envelope, scaled by season and by recent yield.

For a target local day D:

1. **Envelope** ``E[b]``: per clock slot, the 90th percentile of PV over the 14 days before D: what the
   array makes on a clear day at this time of year (the shape: sunrise, sunset, shading, orientation).
2. **Season**: ``E`` is scaled by the ratio of the extraterrestrial daily irradiation on D to its mean over
   those 14 days (latitude from the time zone, see :mod:`optimizer.forecast.solar`).
3. **Recent yield**: each of those days' clearness is its PV energy divided by the envelope's energy; the
   expected clearness of D is their exponentially weighted mean (half-life 1 day: weather persists), so a
   dull week gives a dull forecast and a run of clear days a bright one.
4. **Recent shape**: the result is averaged half and half with the exponentially weighted mean of the last
   7 days' actual profiles (half-life 1 day), which keeps what the envelope cannot know (morning fog,
   snow on the panels, late shading).

The forecast is ``½ · clearness × season × E[b] + ½ · recent[b]`` [kW]. On the benchmark year
(``bench/forecast_bench.py``) this beats both naive baselines in every season. With fewer than
``MIN_DAYS`` (2) days of PV history the forecast is the mean of what there is (rule ``mean``); with none,
PV is forecast as 0 (rule ``none``).
An external forecast file (Solcast, forecast.solar) replaces this wherever it has values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer.forecast.load import ewm_recent
from optimizer.forecast.profiles import (
    Layout,
    check_target,
    fill_bins,
    layout,
    on_step,
    past_series,
    slot_minutes_of,
)
from optimizer.forecast.solar import season_ratio, zone_latitude_deg

LOOKBACK = timedelta(days=30)
ENVELOPE_DAYS = 14
ENVELOPE_QUANTILE = 0.9
YIELD_HALF_LIFE_DAYS = 1.0
RECENT_DAYS = 7
RECENT_HALF_LIFE_DAYS = 1.0
ENVELOPE_WEIGHT = 0.5
MIN_DAYS = 2
MIN_DAY_COVERAGE = 0.8


@dataclass(frozen=True)
class PvMethod:
    """How the PV forecast was made: ``envelope``, ``mean`` (too little history), ``none`` (no history),
    or ``external`` / ``external+envelope`` when a forecast file supplied some or all slots."""

    method: str
    history_days: int


def _quiet_nan(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


def envelope_profile(values: np.ndarray, row: int) -> tuple[np.ndarray, list[int]]:
    """The clear-day envelope [kW per clock slot] from the rows before ``row`` and the rows used."""
    positions = [p for p in range(row - ENVELOPE_DAYS, row) if 0 <= p < values.shape[0]]
    measured = [p for p in positions if np.mean(~np.isnan(values[p])) >= MIN_DAY_COVERAGE]
    if not measured:
        return np.full(values.shape[1], np.nan), []
    block = values[measured]
    envelope = _quiet_nan(np.nanquantile, block, ENVELOPE_QUANTILE, axis=0)
    return fill_bins(np.asarray(envelope)), measured


def clearness(values: np.ndarray, rows: list[int], envelope: np.ndarray, row: int) -> float:
    """Exponentially weighted mean of (day energy / envelope energy) over ``rows`` before ``row``."""
    total_envelope = float(np.nansum(envelope))
    if total_envelope <= 0 or not rows:
        return 1.0
    ratios = np.array([float(np.nansum(values[r])) / total_envelope for r in rows])
    weights = np.power(0.5, (row - np.asarray(rows, dtype=float) - 1) / YIELD_HALF_LIFE_DAYS)
    return float(np.sum(ratios * weights) / np.sum(weights))


def pv_day_profile(lay: Layout, row: int, latitude_deg: float | None) -> tuple[np.ndarray, str]:
    values = lay.matrix.values
    envelope, used = envelope_profile(values, row)
    if len(used) >= MIN_DAYS:
        reference = [lay.matrix.day(r) for r in used]
        scale = season_ratio(lay.matrix.day(row), reference, latitude_deg)
        modelled = clearness(values, used, envelope, row) * scale * envelope
        recent = fill_bins(ewm_recent(values, row, days=RECENT_DAYS, half_life_days=RECENT_HALF_LIFE_DAYS))
        recent = np.where(np.isnan(recent), modelled, recent)
        return ENVELOPE_WEIGHT * modelled + (1.0 - ENVELOPE_WEIGHT) * recent, "envelope"
    earlier = values[max(0, row - ENVELOPE_DAYS) : row]
    if earlier.size and (~np.isnan(earlier)).any():
        return fill_bins(np.asarray(_quiet_nan(np.nanmean, earlier, axis=0))), "mean"
    return np.zeros(values.shape[1]), "none"


def pv_layout(history: pd.DataFrame, index: pd.DatetimeIndex, *, timezone: str) -> Layout:
    target = check_target(index)
    minutes = slot_minutes_of(target)
    past = on_step(past_series(history, "pv_kw", target[0], LOOKBACK), minutes)
    return layout(past, target, timezone=timezone, slot_minutes=minutes)


def pv_history_forecast(
    history: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    latitude_deg: float | None = None,
) -> tuple[pd.Series, PvMethod]:
    """PV forecast [kW] of every slot of ``index`` from history alone, and the rule used."""
    lay = pv_layout(history, index, timezone=timezone)
    latitude = latitude_deg if latitude_deg is not None else zone_latitude_deg(timezone)
    result = np.zeros(len(lay.target_rows))
    methods: list[str] = []
    for row in lay.target_days:
        profile, method = pv_day_profile(lay, row, latitude)
        methods.append(method)
        here = lay.target_rows == row
        result[here] = np.nan_to_num(profile[lay.target_bins[here]], nan=0.0)
    worst = next((m for m in ("none", "mean") if m in methods), "envelope")
    series = pd.Series(np.clip(result, 0.0, None), index=check_target(index), name="pv_kw")
    series.index.name = "time"
    return series, PvMethod(worst, lay.history_rows())
