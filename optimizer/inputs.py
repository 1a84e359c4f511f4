"""Assembling a planning horizon: the slot grid, prices, load and PV forecasts, the initial SoC.

Two sources feed it: a history CSV (offline, ``--history FILE``) or the local history store filled from the
account. Either way the result is one :class:`HorizonData` with every series on the same UTC slot index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pandas as pd

from optimizer.config import Config
from optimizer.errors import HistoryError, UsageError
from optimizer.forecast import forecast_load, forecast_pv
from optimizer.history import resample_to_slots
from optimizer.tariffs import load_prices
from optimizer.timegrid import horizon_index, local_midnight, slot_index

ForecastKind = Literal["history", "perfect"]


@dataclass(frozen=True)
class HorizonData:
    """Everything the planner needs per slot, on one UTC index."""

    index: pd.DatetimeIndex
    import_price: pd.Series
    export_price: pd.Series
    load_kw: pd.Series
    pv_kw: pd.Series
    initial_soc_pct: float
    soc_source: str
    actual: pd.DataFrame | None = None  # measured load_kw / pv_kw inside the horizon, where known
    currency: str = ""


def default_start(history: pd.DataFrame, timezone: str, forecast: ForecastKind) -> pd.Timestamp:
    """Offline default start: the last complete local day of the file (``perfect``) or the day after it."""
    if history.empty:
        raise HistoryError("the history holds no samples")
    last_sample = pd.Timestamp(history.index.max())
    last_day = last_sample.tz_convert(timezone).date()
    if forecast == "perfect":
        steps = pd.Series(history.index).diff().dropna()
        data_end = last_sample + (pd.Timedelta(steps.median()) if not steps.empty else pd.Timedelta(0))
        day = last_day
        while local_midnight(day + timedelta(days=1), timezone) > data_end:
            day -= timedelta(days=1)
        return local_midnight(day, timezone)
    return local_midnight(last_day + timedelta(days=1), timezone)


def history_on_grid(
    history: pd.DataFrame, end: pd.Timestamp, slot_minutes: int, days: int, timezone: str
) -> pd.DataFrame:
    """The past ``days`` of history before ``end`` resampled onto the slot grid (gaps filled, spikes removed)."""
    first = pd.Timestamp(history.index.min()).floor(f"{slot_minutes}min")
    begin = max(first, end - pd.Timedelta(days=days))
    if begin >= end:
        raise HistoryError(
            f"no history before {end.isoformat()}: the forecasts need at least one day of past load and PV"
        )
    grid = slot_index(begin, end, slot_minutes)
    frame, _report = resample_to_slots(history, grid, timezone=timezone)
    return frame


def build_horizon(
    config: Config,
    history: pd.DataFrame,
    *,
    start: pd.Timestamp,
    horizon: timedelta,
    slot_minutes: int,
    forecast: ForecastKind,
    tariff: str | None = None,
    export_tariff: str | None = None,
    soc_pct: float | None = None,
    live_soc_pct: float | None = None,
    pv_forecast_file: Path | None = None,
) -> HorizonData:
    """Prices, forecasts and initial SoC for the horizon starting at ``start`` (UTC)."""
    tz = config.site.timezone
    index = horizon_index(start, horizon, slot_minutes)
    import_spec = tariff or config.tariff.import_
    export_spec = export_tariff if export_tariff is not None else (None if tariff else config.tariff.export)
    import_price, export_price = load_prices(import_spec, export_spec, index, base_dir=config.base_dir, timezone=tz)

    actual: pd.DataFrame | None = None
    if forecast == "perfect":
        end = index[-1] + pd.Timedelta(minutes=slot_minutes)
        if pd.Timestamp(history.index.min()) > index[0] or pd.Timestamp(history.index.max()) < index[-1]:
            raise HistoryError(
                f"--forecast perfect needs measured load and PV for the whole horizon "
                f"{index[0].isoformat()} – {end.isoformat()}, but the history covers "
                f"{history.index.min()} – {history.index.max()}",
                hint="Choose a --start and --horizon inside the history.",
            )
        frame, _ = resample_to_slots(history, index, timezone=tz)
        actual = frame[["load_kw", "pv_kw"]]
        load_kw, pv_kw = actual["load_kw"], actual["pv_kw"]
    elif forecast == "history":
        past = history_on_grid(history, index[0], slot_minutes, config.history.forecast_days, tz)
        load_kw = forecast_load(past, index, timezone=tz)
        pv_kw = forecast_pv(past, index, timezone=tz, external=pv_forecast_file)
    else:
        raise UsageError(f"--forecast must be 'history' or 'perfect', not {forecast!r}")

    if soc_pct is not None:
        soc, source = float(soc_pct), "--soc"
    elif live_soc_pct is not None:
        soc, source = float(live_soc_pct), "inverter"
    else:
        soc, source = _soc_from_history(history, index[0], config)
    if not 0 <= soc <= 100:
        raise UsageError(f"initial SoC {soc} % is outside 0–100 %")
    return HorizonData(
        index=index,
        import_price=import_price,
        export_price=export_price,
        load_kw=load_kw.astype(float),
        pv_kw=pv_kw.astype(float),
        initial_soc_pct=soc,
        soc_source=source,
        actual=actual,
        currency=str(import_price.attrs.get("currency", "")),
    )


def _soc_from_history(history: pd.DataFrame, start: pd.Timestamp, config: Config) -> tuple[float, str]:
    """The last measured SoC at or before ``start`` within 2 h, else the battery reserve."""
    if "soc_pct" in history.columns:
        known = history.loc[history.index <= start, "soc_pct"].dropna()
        if not known.empty and start - pd.Timestamp(known.index[-1]) <= pd.Timedelta(hours=2):
            return float(known.iloc[-1]), "history"
    return float(config.battery.min_soc_pct), "reserve (no SoC known: pass --soc)"
