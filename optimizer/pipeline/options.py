"""What a caller may choose for one plan, push, run or backtest, beyond the config file.

:class:`PlanOptions` holds the overrides of the command line or a notebook; ``None`` means "from the config
(or the data)". Every path of the pipeline resolves them through the same methods, so an option reaches
``plan``, ``push``, ``run`` and ``backtest`` alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from optimizer.config import Config
from optimizer.errors import ConfigError, UsageError

ForecastKind = Literal["history", "perfect"]
FORECAST_KINDS: tuple[ForecastKind, ...] = ("history", "perfect")
MAX_HORIZON = timedelta(days=4)


@dataclass(frozen=True)
class PlanOptions:
    """Overrides of one planning call; ``None`` means the config's value (or what the data say).

    * ``history``: plan from this history CSV instead of the account's stored history.
    * ``tariff`` / ``export_tariff``: a tariff or price file replacing ``[tariff] import`` / ``export``. An
      override replaces only the side it names (see :func:`optimizer.pipeline.inputs.tariff_specs`).
    * ``start``: the horizon start (ISO-8601 datetime, or a date = local midnight); default: now, or offline the
      day after the history (``forecast="perfect"``: its last complete day).
    * ``horizon``: the horizon length (default ``[planner] horizon_hours``); ``slot_minutes`` the slot length
      (default ``[planner] slot_minutes``).
    * ``soc_pct``: the initial SoC [%] (default: the inverter's, else the history's, else the reserve).
    * ``end_soc_pct``: the SoC floor at the horizon end [%] (default ``[planner] end_soc_pct``).
    * ``terminal_value``: the value of a stored kWh at the end [currency/kWh] (default
      ``[planner] terminal_value_per_kwh``, else the planner's estimate).
    * ``forecast``: ``"history"`` (forecast from the past) or ``"perfect"`` (the history's measured values).
    * ``device``: the inverter serial to plan for; ``pv_forecast``: an external PV forecast file.
    """

    history: Path | None = None
    tariff: str | None = None
    export_tariff: str | None = None
    start: str | None = None
    horizon: timedelta | None = None
    slot_minutes: int | None = None
    soc_pct: float | None = None
    end_soc_pct: float | None = None
    terminal_value: float | None = None
    forecast: ForecastKind = "history"
    device: str | None = None
    pv_forecast: Path | None = None

    # ----- resolved against the config -----------------------------------------------------------------
    def horizon_for(self, config: Config) -> timedelta:
        """The horizon length: the option, else ``[planner] horizon_hours``."""
        return self.horizon if self.horizon is not None else timedelta(hours=config.planner.horizon_hours)

    def slot_for(self, config: Config) -> int:
        """The slot length [min]: the option, else ``[planner] slot_minutes``."""
        return self.slot_minutes or config.planner.slot_minutes

    def end_soc_for(self, config: Config) -> float | None:
        """The end-SoC floor [%]: the option, else ``[planner] end_soc_pct`` (``None``: no floor)."""
        return self.end_soc_pct if self.end_soc_pct is not None else config.planner.end_soc_pct

    def terminal_value_for(self, config: Config) -> float | None:
        """The terminal value [currency/kWh]: the option, else the config's (``None``: the planner's estimate)."""
        return self.terminal_value if self.terminal_value is not None else config.planner.terminal_value_per_kwh

    # ----- checks ----------------------------------------------------------------------------------------
    def validate(self) -> PlanOptions:
        """Raise :class:`UsageError` (``option`` naming the field) for a value no plan can use; return self."""
        if self.horizon is not None and not timedelta(0) < self.horizon <= MAX_HORIZON:
            raise UsageError(f"the horizon must be between one slot and 96 h, got {self.horizon}.", option="horizon")
        for name in ("soc_pct", "end_soc_pct"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
                raise UsageError(f"{name} must be within 0–100 %, got {value:g}.", option=name)
        if self.terminal_value is not None and not math.isfinite(self.terminal_value):
            raise UsageError(
                f"terminal_value must be a finite amount per kWh, got {self.terminal_value}.", option="terminal_value"
            )
        if self.forecast not in FORECAST_KINDS:
            raise UsageError(f"forecast must be 'history' or 'perfect', not {self.forecast!r}.", option="forecast")
        for name in ("history", "pv_forecast"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ConfigError(f"{path}: {name.replace('_', ' ')} file not found.", option=name)
        return self
