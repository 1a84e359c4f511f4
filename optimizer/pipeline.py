"""One pipeline for the CLI, cron and notebooks: gather inputs, plan, compile, validate, (push).

``plan_offline`` plans from a history CSV with no inverter at all; ``plan_device`` plans for one inverter of a
connected account (syncing the history it needs, reading the scheduler's properties and current groups and the
live SoC). Both return a :class:`PlanOutcome`, whose :meth:`PlanOutcome.to_json` is the document of
``CONTRACT.md``. Nothing here writes to an inverter: :func:`optimizer.push.push_schedule` does, when asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.compile import CompiledSchedule, CompileOptions, GapFill, compile_plan
from optimizer.config import Config
from optimizer.errors import ConfigError, UsageError
from optimizer.history import read_history_csv
from optimizer.inputs import ForecastKind, HorizonData, build_horizon, default_start
from optimizer.model import PlanInputs
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerGroup, SchedulerProperties, validate_groups
from optimizer.simulate import SimResult, no_battery_cost, simulate
from optimizer.solve import PlanResult, solve_plan
from optimizer.timegrid import floor_to_slot, iso, parse_time_arg


@dataclass(frozen=True)
class PlanOptions:
    """The command-line knobs of ``plan``/``push``/``run`` (``None``: from the config or the data)."""

    history: Path | None = None
    tariff: str | None = None
    export_tariff: str | None = None
    start: str | None = None
    horizon: timedelta = timedelta(hours=24)
    slot_minutes: int | None = None
    soc_pct: float | None = None
    end_soc_pct: float | None = None
    terminal_value: float | None = None
    forecast: ForecastKind = "history"
    device: str | None = None
    pv_forecast: Path | None = None


@dataclass
class DeviceContext:
    """What the planner knows of the target inverter (or the defaults when planning offline)."""

    sn: str | None
    properties: SchedulerProperties
    current_groups: list[SchedulerGroup] = field(default_factory=list)
    current_enable: bool = False
    live_soc_pct: float | None = None
    fd_pwr_cap_w: int | None = None
    simulated_cloud: bool = False
    gap_fill: GapFill | None = None  # overrides [schedule] gap_fill for this device
    notes: list[str] = field(default_factory=list)


@dataclass
class PlanOutcome:
    config: Config
    horizon: HorizonData
    result: PlanResult
    compiled: CompiledSchedule
    self_use: SimResult
    no_battery_cost: float
    device: DeviceContext
    slot_minutes: int
    api_calls: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[SchedulerGroup]:
        return self.compiled.groups

    @property
    def costs(self) -> dict[str, float]:
        return {
            "planned": round(self.result.cost, 4),
            "self_use": round(self.self_use.cost, 4),
            "no_battery": round(self.no_battery_cost, 4),
            "compiled": round(self.compiled.simulated.cost, 4),
        }

    def to_json(self) -> dict[str, Any]:
        """The ``plan --json`` document of ``CONTRACT.md`` (plus a few additive keys)."""
        slots = self.result.slots
        index = self.horizon.index
        end = index[-1] + pd.Timedelta(minutes=self.slot_minutes)
        rows = [
            {
                "start": iso(ts),
                "import_price": _r(row.import_price),
                "export_price": _r(row.export_price),
                "load_kw": _r(row.load_kw),
                "pv_kw": _r(row.pv_kw),
                "grid_import_kw": _r(row.grid_import_kw),
                "grid_export_kw": _r(row.grid_export_kw),
                "charge_kw": _r(row.charge_kw),
                "discharge_kw": _r(row.discharge_kw),
                "soc_pct": _r(row.soc_pct, 2),
                "work_mode": mode,
            }
            for ts, row, mode in zip(slots.index, slots.itertuples(), self.compiled.slot_modes, strict=True)
        ]
        return {
            "start": iso(index[0]),
            "end": iso(end),
            "timezone": self.config.site.timezone,
            "currency": self.horizon.currency,
            "slot_minutes": self.slot_minutes,
            "device": self.device.sn,
            "initial_soc_pct": self.horizon.initial_soc_pct,
            "slots": rows,
            "groups": [g.wire() for g in self.groups],
            "cost": self.costs,
            "savings": {
                "vs_self_use": round(self.self_use.cost - self.compiled.simulated.cost, 4),
                "vs_no_battery": round(self.no_battery_cost - self.compiled.simulated.cost, 4),
            },
            "end_soc_pct": round(self.result.end_soc_pct, 2),
            "terminal_value_per_kwh": round(self.result.terminal_value_per_kwh, 6),
            "solver": self.result.solver,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "api_calls": self.api_calls,
            "notes": self.notes,
        }


def _r(value: Any, digits: int = 4) -> float:
    return round(float(value), digits)


def default_properties(config: Config) -> SchedulerProperties:
    """The v1 ``properties`` of a real KH hybrid, with ``fdpwr`` sized to the configured battery's rating."""
    max_w = config.battery.rating_w
    fdpwr = {"unit": "W", "precision": 1.0, "range": {"min": 0, "max": max_w}}
    return SchedulerProperties.from_wire({**KH_V1_PROPERTIES, "fdpwr": fdpwr})


def compile_for(
    config: Config,
    result: PlanResult,
    initial_soc_pct: float,
    properties: SchedulerProperties,
    *,
    fd_pwr_cap_w: int | None = None,
    gap_fill: GapFill | None = None,
) -> CompiledSchedule:
    """Compile a solved plan into groups with the config's ``[schedule]`` settings and the plan's terminal value."""
    return compile_plan(
        result.slots,
        initial_soc_pct=initial_soc_pct,
        battery=config.battery,
        grid=config.grid,
        timezone=config.site.timezone,
        properties=properties,
        options=CompileOptions(
            max_groups=config.schedule.max_groups,
            gap_fill=gap_fill or config.schedule.gap_fill,
            fd_pwr_cap_w=fd_pwr_cap_w,
            terminal_value_per_kwh=result.terminal_value_per_kwh,
        ),
    )


def replay(
    config: Config,
    groups: list[SchedulerGroup] | None,
    load_kw: pd.Series,
    pv_kw: pd.Series,
    prices: tuple[pd.Series, pd.Series],
    initial_soc_pct: float,
) -> SimResult:
    """Run ``groups`` (``None``: plain SelfUse) against load and PV with the site's battery and grid."""
    return simulate(
        groups, load_kw, pv_kw, prices[0], prices[1], config.battery, config.grid, initial_soc_pct,
        config.site.timezone,
    )  # fmt: skip


def horizon_for(
    config: Config,
    history: pd.DataFrame,
    options: PlanOptions,
    *,
    start: pd.Timestamp,
    slot_minutes: int,
    live_soc_pct: float | None = None,
) -> HorizonData:
    """:func:`~optimizer.inputs.build_horizon` with the command-line options."""
    return build_horizon(
        config,
        history,
        start=start,
        horizon=options.horizon,
        slot_minutes=slot_minutes,
        forecast=options.forecast,
        tariff=options.tariff,
        export_tariff=options.export_tariff,
        soc_pct=options.soc_pct,
        live_soc_pct=live_soc_pct,
        pv_forecast_file=options.pv_forecast,
    )


def solve_and_compile(
    config: Config,
    horizon: HorizonData,
    device: DeviceContext,
    options: PlanOptions,
    slot_minutes: int,
    *,
    api_calls: int = 0,
    started: float | None = None,
) -> PlanOutcome:
    """Plan the horizon, compile the plan into groups, validate them, and cost the alternatives."""
    t0 = time.perf_counter() if started is None else started
    end_soc = options.end_soc_pct if options.end_soc_pct is not None else config.planner.end_soc_pct
    terminal = options.terminal_value if options.terminal_value is not None else config.planner.terminal_value_per_kwh
    inputs = PlanInputs(
        index=horizon.index,
        import_price=horizon.import_price,
        export_price=horizon.export_price,
        load_kw=horizon.load_kw,
        pv_kw=horizon.pv_kw,
        battery=config.battery,
        grid=config.grid,
        initial_soc_pct=horizon.initial_soc_pct,
        end_soc_pct=end_soc,
        terminal_value_per_kwh=terminal,
    )
    t_solve = time.perf_counter()
    result = solve_plan(inputs, solver=config.planner.solver, time_limit_s=config.planner.time_limit_s)
    solve_s = time.perf_counter() - t_solve
    compiled = compile_for(
        config,
        result,
        horizon.initial_soc_pct,
        device.properties,
        fd_pwr_cap_w=device.fd_pwr_cap_w,
        gap_fill=device.gap_fill,
    )
    validate_groups(compiled.groups, device.properties, max_groups=config.schedule.max_groups)
    self_use = replay(
        config, None, horizon.load_kw, horizon.pv_kw, (horizon.import_price, horizon.export_price),
        horizon.initial_soc_pct,
    )  # fmt: skip
    nobat = no_battery_cost(horizon.load_kw, horizon.pv_kw, horizon.import_price, horizon.export_price, config.grid)
    return PlanOutcome(
        config=config,
        horizon=horizon,
        result=result,
        compiled=compiled,
        self_use=self_use,
        no_battery_cost=nobat,
        device=device,
        slot_minutes=slot_minutes,
        api_calls=api_calls,
        timings={"solve_s": solve_s, "total_s": time.perf_counter() - t0},
        notes=[*device.notes, *compiled.notes],
    )


def slot_minutes_for(config: Config, options: PlanOptions) -> int:
    """``--slot``, else ``[planner] slot_minutes``."""
    return options.slot_minutes or config.planner.slot_minutes


def plan_offline(config: Config, options: PlanOptions) -> PlanOutcome:
    """Plan from a history CSV (``--history FILE``): no account, no writes."""
    t0 = time.perf_counter()
    if options.history is None:
        raise UsageError("plan_offline needs --history FILE")
    history = read_history_csv(options.history)
    slot = slot_minutes_for(config, options)
    tz = config.site.timezone
    start = (
        floor_to_slot(parse_time_arg(options.start, tz), slot)
        if options.start
        else default_start(history, tz, options.forecast)
    )
    horizon = horizon_for(config, history, options, start=start, slot_minutes=slot)
    device = DeviceContext(sn=None, properties=default_properties(config))
    return solve_and_compile(config, horizon, device, options, slot, started=t0)


def check_options(options: PlanOptions) -> None:
    if options.horizon <= timedelta(0) or options.horizon > timedelta(days=4):
        raise UsageError(f"--horizon must be between 1 slot and 96 h, got {options.horizon}")
    if options.soc_pct is not None and not 0 <= options.soc_pct <= 100:
        raise UsageError(f"--soc must be within 0–100 %, got {options.soc_pct}")
    if options.end_soc_pct is not None and not 0 <= options.end_soc_pct <= 100:
        raise UsageError(f"--end-soc must be within 0–100 %, got {options.end_soc_pct}")
    if options.history is not None and not Path(options.history).exists():
        raise ConfigError(f"{options.history}: history file not found")
