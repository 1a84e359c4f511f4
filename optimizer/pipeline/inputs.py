"""Assembling a planning horizon and the planner's inputs: the one path every command takes.

* :func:`tariff_specs` resolves which tariff files price import and export (config + overrides);
* :func:`build_horizon` lays prices, load and PV forecasts (or the measured values) and the initial SoC on one
  UTC slot index (:class:`HorizonData`), from the history on the slot grid (:class:`~.grid.HistoryGrid`);
* :func:`plan_inputs` turns a horizon into the planner's :class:`~optimizer.model.PlanInputs` with the config's
  battery, grid and ``[planner]`` options and the caller's overrides.

``plan``, ``push``, ``run`` and ``backtest`` all call these, so an option reaches every path alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from optimizer.config import Config
from optimizer.errors import HistoryError, UsageError
from optimizer.forecast import forecast_load, forecast_pv
from optimizer.forecast.intraday import intraday_adjusted
from optimizer.model import PlanInputs
from optimizer.pipeline.grid import HistoryGrid
from optimizer.pipeline.options import ForecastKind, PlanOptions
from optimizer.tariffs import Tariff, load_prices, read_tariff, resolve_tariff_path
from optimizer.timegrid import horizon_index, local_midnight

log = logging.getLogger(__name__)


# ----- tariffs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TariffSpecs:
    """The tariff files in force: ``import_spec``, and ``export_spec`` (``None``: the import file's own export
    side, or no export price at all)."""

    import_spec: str
    export_spec: str | None

    def prices(self, config: Config, index: pd.DatetimeIndex) -> tuple[pd.Series, pd.Series]:
        """Import and export price [currency/kWh] of every slot of ``index``."""
        return load_prices(
            self.import_spec, self.export_spec, index, base_dir=config.base_dir, timezone=config.site.timezone
        )

    def tariffs(self, config: Config) -> list[Tariff]:
        """The tariff objects in force (import first), for their metadata (currency, zone, standing charge)."""
        specs = [self.import_spec] + ([self.export_spec] if self.export_spec else [])
        return [
            read_tariff(resolve_tariff_path(spec, config.base_dir), timezone=config.site.timezone) for spec in specs
        ]

    def priced_slots(self, config: Config, index: pd.DatetimeIndex) -> int:
        """How many slots from the start of ``index`` both tariffs price (a dynamic tariff's prices end where
        the market has published them)."""
        return min(tariff.priced_slots(index) for tariff in self.tariffs(config))

    def zone_notes(self, config: Config) -> list[str]:
        """A note for each banded tariff whose clock differs from the site's (its bands would be misplaced)."""
        notes = []
        for tariff in self.tariffs(config):
            if not tariff.is_price_file and tariff.timezone != config.site.timezone:
                notes.append(
                    f"the tariff {tariff.name} is on the {tariff.timezone} clock but the site's time zone is "
                    f"{config.site.timezone}: the groups follow the site's clock; set [site] timezone if the "
                    "inverter is in that zone"
                )
        return notes


def tariff_specs(config: Config, tariff: str | None = None, export_tariff: str | None = None) -> TariffSpecs:
    """The tariff files in force: the config's ``[tariff]`` with the overrides applied.

    An override replaces only the side it names: ``tariff`` replaces the import side (and the export side too
    when the file itself has one, such as a Flux tariff), ``export_tariff`` the export side. Otherwise the
    configured export tariff stays.
    """
    import_spec = tariff or config.tariff.import_
    if export_tariff is not None:
        return TariffSpecs(import_spec, export_tariff)
    if tariff is not None and _has_export_side(config, tariff):
        return TariffSpecs(import_spec, None)
    return TariffSpecs(import_spec, config.tariff.export)


def _has_export_side(config: Config, spec: str) -> bool:
    tariff = read_tariff(resolve_tariff_path(spec, config.base_dir), timezone=config.site.timezone)
    return tariff.has_export() and not tariff.is_price_file


# ----- the horizon --------------------------------------------------------------------------------------------


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
    notes: tuple[str, ...] = field(default=())

    @property
    def slot_minutes(self) -> int:
        return round((self.index[1] - self.index[0]).total_seconds() / 60) if len(self.index) > 1 else 0


def default_start(history: pd.DataFrame, timezone: str, forecast: ForecastKind) -> pd.Timestamp:
    """Offline default start: the last complete local day of the file (``perfect``) or the day after it."""
    if history.empty:
        raise HistoryError("the history holds no samples.")
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


def build_horizon(
    config: Config,
    history: HistoryGrid | pd.DataFrame,
    options: PlanOptions,
    *,
    start: pd.Timestamp,
    horizon: timedelta | None = None,
    live_soc_pct: float | None = None,
    soc_pct: float | None = None,
    prices: tuple[pd.Series, pd.Series] | None = None,
) -> HorizonData:
    """Prices, forecasts and initial SoC for the horizon starting at ``start`` (UTC).

    ``history`` is the measured history (raw samples, or a :class:`HistoryGrid` resampled once). ``horizon``
    overrides the options' length (a backtest day is a local day: 23, 24 or 25 h); ``soc_pct`` overrides the
    options' initial SoC (a backtest's SoC chain); ``prices`` are precomputed import and export prices covering
    the horizon (a backtest prices its whole range once). The initial SoC is, in order: ``soc_pct``,
    ``options.soc_pct``, ``live_soc_pct`` (the inverter's), the history's last SoC within 2 h, the reserve.
    """
    tz = config.site.timezone
    source = history if isinstance(history, HistoryGrid) else HistoryGrid(history, tz)
    slot_minutes = options.slot_for(config)
    index = horizon_index(start, horizon or options.horizon_for(config), slot_minutes)
    specs = tariff_specs(config, options.tariff, options.export_tariff)
    notes = specs.zone_notes(config)
    if prices is None:
        index, cut = _priced_horizon(config, specs, index)
        notes += cut
        import_price, export_price = specs.prices(config, index)
    else:
        import_price, export_price = (_on_index(series, index) for series in prices)

    actual: pd.DataFrame | None = None
    if options.forecast == "perfect":
        actual = source.measured(index)
        load_kw, pv_kw = actual["load_kw"], actual["pv_kw"]
    elif options.forecast == "history":
        forecast = history_forecast(config, source, options, index)
        load_kw, pv_kw = forecast["load_kw"], forecast["pv_kw"]
    else:
        raise UsageError(f"forecast must be 'history' or 'perfect', not {options.forecast!r}.", option="forecast")

    chosen = soc_pct if soc_pct is not None else options.soc_pct
    measured_soc = source.soc_at(index[0])
    if chosen is not None:
        soc, soc_source = float(chosen), "given"
    elif live_soc_pct is not None:
        soc, soc_source = float(live_soc_pct), "inverter"
    elif measured_soc is not None:
        soc, soc_source = measured_soc, "history"
    else:
        soc, soc_source = float(config.battery.min_soc_pct), "the reserve; no SoC is known"
    if not 0 <= soc <= 100:
        raise UsageError(f"the initial SoC {soc:g} % is outside 0–100 %.", option="soc_pct")
    return HorizonData(
        index=index,
        import_price=import_price,
        export_price=export_price,
        load_kw=load_kw.astype(float),
        pv_kw=pv_kw.astype(float),
        initial_soc_pct=soc,
        soc_source=soc_source,
        actual=actual,
        currency=str(import_price.attrs.get("currency", "")),
        notes=tuple(notes),
    )


MIN_PRICED_HORIZON = timedelta(hours=4)
"""The shortest horizon planned when a dynamic tariff's prices end before the horizon does."""


def _priced_horizon(config: Config, specs: TariffSpecs, index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, list[str]]:
    """``index`` cut at the last slot the tariffs price, when that still leaves :data:`MIN_PRICED_HORIZON`
    (tomorrow's day-ahead prices are not published yet): the plan runs to the last known price and says so.
    Otherwise ``index`` unchanged (pricing it raises the tariff's own error naming the first unpriced slot)."""
    priced = specs.priced_slots(config, index)
    if priced >= len(index) or priced == 0:
        return index, []
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=30)
    if priced * step < MIN_PRICED_HORIZON:
        return index, []
    cut = index[:priced]
    end = (cut[-1] + step).tz_convert(config.site.timezone)
    note = (
        f"prices are known only until {end.strftime('%Y-%m-%d %H:%M %Z')}: the plan runs to the last known price "
        f"({priced} of {len(index)} slots); the next run plans further once the next prices are published"
    )
    return horizon_index(index[0], (priced * step).to_pytimedelta(), round(step.total_seconds() / 60)), [note]


def day_ahead_forecast(
    config: Config, source: HistoryGrid, options: PlanOptions, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Load and PV [kW] on ``index`` (which starts at a local midnight) from the ``[history] forecast_days``
    before it: what a run at that midnight forecasts (an external PV forecast file where it has values)."""
    tz = config.site.timezone
    past = source.past(index[0], options.slot_for(config), config.history.forecast_days)
    return pd.DataFrame(
        {
            "load_kw": forecast_load(past, index, timezone=tz),
            "pv_kw": forecast_pv(past, index, timezone=tz, external=options.pv_forecast),
        }
    )


def history_forecast(
    config: Config, source: HistoryGrid, options: PlanOptions, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Load and PV [kW] on ``index``: the day-ahead forecast from the local midnight before ``index[0]``, with the
    rest of that day corrected by what has been measured since midnight (:mod:`optimizer.forecast.intraday`):
    a plan made at noon knows the morning."""
    tz = config.site.timezone
    start = pd.Timestamp(index[0])
    day = start.tz_convert(tz).date()
    midnight = local_midnight(day, tz)
    if midnight >= start:
        return day_ahead_forecast(config, source, options, index)
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=options.slot_for(config))
    full = horizon_index(midnight, (index[-1] + step - midnight).to_pytimedelta(), options.slot_for(config))
    ahead = day_ahead_forecast(config, source, options, full)
    return corrected_forecast(config, source, ahead, start).loc[index]


def corrected_forecast(config: Config, source: HistoryGrid, ahead: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """``ahead`` (a day-ahead forecast from a local midnight) with the rest of that day corrected by the
    measurements from that midnight to ``now``."""
    day_end = local_midnight(
        ahead.index[0].tz_convert(config.site.timezone).date() + timedelta(days=1), config.site.timezone
    )
    grid = source.grid(round((ahead.index[1] - ahead.index[0]).total_seconds() / 60), ahead.index[0])
    seen = grid[(grid.index >= ahead.index[0]) & (grid.index < now)][["load_kw", "pv_kw"]]
    return intraday_adjusted(ahead, seen, now, day_end)


def _on_index(series: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """``series`` restricted to ``index`` (which it must cover), keeping its name and attributes."""
    part = series.reindex(index)
    if part.isna().any():
        missing = index[part.isna().to_numpy()][0]
        raise UsageError(f"the precomputed prices do not cover the slot {missing.isoformat()}.")
    part.attrs.update(series.attrs)
    return part


# ----- the planner's inputs -----------------------------------------------------------------------------------


def plan_inputs(config: Config, horizon: HorizonData, options: PlanOptions) -> PlanInputs:
    """The planner's inputs for ``horizon``: its prices, forecasts and SoC, the config's battery and grid, and
    the end-SoC floor and terminal value of the options, else of ``[planner]``."""
    return PlanInputs(
        index=horizon.index,
        import_price=horizon.import_price,
        export_price=horizon.export_price,
        load_kw=horizon.load_kw,
        pv_kw=horizon.pv_kw,
        battery=config.battery,
        grid=config.grid,
        initial_soc_pct=horizon.initial_soc_pct,
        end_soc_pct=options.end_soc_for(config),
        terminal_value_per_kwh=options.terminal_value_for(config),
    )
