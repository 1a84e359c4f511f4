"""Load and PV forecasts as pure functions of history: no I/O (except reading a given forecast file), no clock.

The forecast start is ``index[0]``; only history strictly before it is used. ``history`` is a slot-grid
frame (UTC index, ``load_kw``, ``pv_kw`` [kW]) such as :func:`optimizer.history.resample_to_slots` returns,
from a few days to a year long; NaN cells are ignored. Profiles follow the site's local clock, so DST days
of 46 or 50 half-hours are forecast like any other. Results never contain NaN.

Public surface::

    forecast_load(history, index, *, timezone) -> Series            # kW per slot, method chosen by backtest
    forecast_pv(history, index, *, timezone, external=None) -> Series
    make_forecast(history, index, *, timezone, external_pv=None) -> Forecast   # both, with the methods used

Modules: ``profiles`` (local-clock layout), ``load`` (candidates and selection), ``pv`` (clear-day
envelope), ``solar`` (season scaling), ``external`` (Solcast and forecast.solar files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.forecast.external import read_external_pv
from optimizer.forecast.load import BASELINES, CANDIDATES, Selection, load_forecast
from optimizer.forecast.pv import PvMethod, pv_history_forecast


@dataclass(frozen=True)
class Forecast:
    """Load and PV forecasts on one slot index, and how they were made.

    ``load_method`` is the load candidate chosen (``load_scores``: each candidate's backtest
    ``MAE + |bias|`` [kW]); ``pv_method`` is ``envelope``, ``mean``, ``none``, ``external`` or
    ``external+envelope`` (a forecast file covering only part of the horizon).
    """

    load_kw: pd.Series
    pv_kw: pd.Series
    load_method: str
    pv_method: str
    load_scores: dict[str, float] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """Both forecasts as one frame (UTC index, ``load_kw``, ``pv_kw``)."""
        return pd.DataFrame({"load_kw": self.load_kw, "pv_kw": self.pv_kw})

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_method": self.load_method,
            "pv_method": self.pv_method,
            "load_scores_kw": {k: round(v, 4) for k, v in self.load_scores.items()},
        }


def forecast_load(history: pd.DataFrame, index: pd.DatetimeIndex, *, timezone: str) -> pd.Series:
    """Load forecast [kW] for every slot of ``index``, by the candidate with the least backtested error.

    Raises :class:`~optimizer.errors.HistoryError` when ``history`` holds no load at all before ``index[0]``.
    """
    series, _ = load_forecast(history, index, timezone=timezone)
    return series


def forecast_pv(
    history: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    external: Path | None = None,
    latitude_deg: float | None = None,
) -> pd.Series:
    """PV forecast [kW] for every slot of ``index``: the ``external`` forecast file where it has values,
    else the clear-day envelope of history (0 with no PV history at all)."""
    series, _ = _pv(history, index, timezone=timezone, external=external, latitude_deg=latitude_deg)
    return series


def make_forecast(
    history: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    external_pv: Path | None = None,
    latitude_deg: float | None = None,
) -> Forecast:
    """Both forecasts on ``index`` with the methods used (see :class:`Forecast`)."""
    load, selection = load_forecast(history, index, timezone=timezone)
    pv, pv_method = _pv(history, index, timezone=timezone, external=external_pv, latitude_deg=latitude_deg)
    return Forecast(load, pv, selection.method, pv_method, dict(selection.scores))


def _pv(
    history: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    external: Path | None,
    latitude_deg: float | None,
) -> tuple[pd.Series, str]:
    from_history, method = pv_history_forecast(history, index, timezone=timezone, latitude_deg=latitude_deg)
    if external is None:
        return from_history, method.method
    supplied = read_external_pv(external, index, timezone=timezone)
    covered = supplied.notna().to_numpy()
    combined = np.where(covered, supplied.to_numpy(), from_history.to_numpy())
    label = "external" if covered.all() else f"external+{method.method}"
    series = pd.Series(combined, index=from_history.index, name="pv_kw")
    return series, label


__all__ = [
    "BASELINES",
    "CANDIDATES",
    "Forecast",
    "PvMethod",
    "Selection",
    "forecast_load",
    "forecast_pv",
    "make_forecast",
    "read_external_pv",
]
