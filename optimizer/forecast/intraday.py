"""The rest of today's forecast, corrected by what has been measured so far today.

A day-ahead forecast is made at midnight from the days before. By mid-morning the day itself says more: a dull
morning means a dull afternoon more often than not (weather persists), and a house that has run above its usual
load for the last hours tends to stay above it for a while. :func:`intraday_adjusted` applies both to the
slots of today that are still ahead; later days keep the day-ahead forecast.

* **PV** is scaled by ``1 + w · (r − 1)``: ``r`` the ratio of today's measured PV energy so far to the forecast's
  over the same slots (clipped to ``[PV_RATIO_MIN, PV_RATIO_MAX]``), ``w = min(1, E_f / PV_FULL_WEIGHT_KWH)`` with
  ``E_f`` the forecast PV energy so far, so that the first dim minutes of dawn change little.
* **Load** is shifted by the mean error of the last ``LOAD_RECENT`` (measured − forecast) [kW], fading with a
  half-life of ``LOAD_HALF_LIFE`` into the remaining slots, and never below 0.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

PV_RATIO_MIN = 0.2
PV_RATIO_MAX = 2.0
PV_FULL_WEIGHT_KWH = 2.0
PV_MIN_FORECAST_KWH = 0.2
LOAD_RECENT = timedelta(hours=3)
LOAD_HALF_LIFE = timedelta(hours=3)


def intraday_adjusted(
    forecast: pd.DataFrame, measured: pd.DataFrame, now: pd.Timestamp, day_end: pd.Timestamp
) -> pd.DataFrame:
    """``forecast`` (``load_kw``, ``pv_kw`` on UTC slots; its first slot starts today's day) with the slots in
    ``[now, day_end)`` corrected by ``measured`` (the same columns, the slots of today before ``now``)."""
    out = forecast.copy()
    if len(forecast.index) < 2:
        return out
    dt_h = (forecast.index[1] - forecast.index[0]).total_seconds() / 3600.0
    past = (forecast.index >= forecast.index[0]) & (forecast.index < now)
    ahead = (forecast.index >= now) & (forecast.index < day_end)
    if not past.any() or not ahead.any():
        return out
    seen = measured.reindex(forecast.index[past])
    _adjust_pv(out, forecast, seen, past, ahead, dt_h)
    _adjust_load(out, forecast, seen, past, ahead, now)
    return out


def _adjust_pv(
    out: pd.DataFrame, forecast: pd.DataFrame, seen: pd.DataFrame, past: np.ndarray, ahead: np.ndarray, dt_h: float
) -> None:
    predicted = forecast["pv_kw"].to_numpy(dtype=float)[past]
    actual = seen["pv_kw"].to_numpy(dtype=float)
    known = ~np.isnan(actual)
    expected_kwh = float(predicted[known].sum() * dt_h)
    if expected_kwh < PV_MIN_FORECAST_KWH:
        return
    ratio = float(np.clip(actual[known].sum() * dt_h / expected_kwh, PV_RATIO_MIN, PV_RATIO_MAX))
    weight = min(1.0, expected_kwh / PV_FULL_WEIGHT_KWH)
    factor = 1.0 + weight * (ratio - 1.0)
    values = forecast["pv_kw"].to_numpy(dtype=float).copy()
    values[ahead] *= factor
    out["pv_kw"] = values


def _adjust_load(
    out: pd.DataFrame,
    forecast: pd.DataFrame,
    seen: pd.DataFrame,
    past: np.ndarray,
    ahead: np.ndarray,
    now: pd.Timestamp,
) -> None:
    index = forecast.index[past]
    recent = index >= now - LOAD_RECENT
    errors = seen["load_kw"].to_numpy(dtype=float)[recent] - forecast["load_kw"].to_numpy(dtype=float)[past][recent]
    errors = errors[~np.isnan(errors)]
    if errors.size == 0:
        return
    shift = float(errors.mean())
    starts_ns = pd.DatetimeIndex(forecast.index).as_unit("ns").asi8[ahead]
    hours_ahead = (starts_ns - pd.Timestamp(now).value) / 3.6e12
    fade = np.power(0.5, hours_ahead / (LOAD_HALF_LIFE.total_seconds() / 3600.0))
    values = forecast["load_kw"].to_numpy(dtype=float).copy()
    values[ahead] = np.clip(values[ahead] + shift * fade, 0.0, None)
    out["load_kw"] = values
