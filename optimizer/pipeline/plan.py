"""One plan, from a horizon to validated groups and their costs: what ``plan``, ``push``, ``run`` and the
notebooks show.

:func:`solve_and_compile` is the step every path shares: plan the horizon (:func:`optimizer.solve.solve_plan` on
:func:`~optimizer.pipeline.inputs.plan_inputs`), compile the plan into groups, validate them, and cost plain
self-use and no battery on the same horizon. :func:`plan_offline` plans from a history CSV with no inverter at
all; :func:`optimizer.pipeline.device.plan_device` for an inverter of an account. Both return a
:class:`PlanOutcome`, whose :meth:`PlanOutcome.to_json` is the ``plan --json`` document of ``docs/CONTRACT.md``.
Nothing here writes to an inverter: :mod:`optimizer.pipeline.push` does, when asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optimizer.compile import CompiledSchedule, CompileOptions, GapFill, compile_plan
from optimizer.config import Config
from optimizer.errors import UsageError
from optimizer.history import read_history_csv
from optimizer.history.store import HistoryStore
from optimizer.model import PlanInputs
from optimizer.pipeline.inputs import HorizonData, build_horizon, default_start, plan_inputs
from optimizer.pipeline.options import PlanOptions
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerGroup, SchedulerProperties, validate_groups
from optimizer.simulate import SimResult, no_battery_cost, simulate
from optimizer.solve import PlanResult, solve_plan
from optimizer.timegrid import floor_to_slot, iso, parse_time_arg


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
    offline: bool = False  # planned from measured history with no inverter to read or write
    base_mode: str | None = None  # the inverter's own work mode (setting/get WorkMode), where read


@dataclass
class PlanOutcome:
    """A plan and everything shown about it: inputs, the LP's result, the compiled groups, the alternatives."""

    config: Config
    horizon: HorizonData
    inputs: PlanInputs
    result: PlanResult
    compiled: CompiledSchedule
    self_use: SimResult
    no_battery_cost: float
    device: DeviceContext
    api_calls: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    self_use_fallback: bool = False  # the plan's groups did not beat plain self-use: plain SelfUse instead

    @property
    def slot_minutes(self) -> int:
        return self.horizon.slot_minutes

    @property
    def groups(self) -> list[SchedulerGroup]:
        return self.compiled.groups

    @property
    def costs(self) -> dict[str, float]:
        """The contract's ``cost``: import − export (+ wear) over the horizon, terminal credit excluded."""
        return {
            "planned": round(self.result.cost, 4),
            "self_use": round(self.self_use.cost, 4),
            "no_battery": round(self.no_battery_cost, 4),
            "compiled": round(self.compiled.simulated.cost, 4),
        }

    @property
    def terminal_value_per_kwh(self) -> float:
        return self.result.terminal_value_per_kwh

    def _credit(self, end_soc_pct: float) -> float:
        return self.terminal_value_per_kwh * self.config.battery.capacity_kwh * end_soc_pct / 100.0

    @property
    def end_credit(self) -> dict[str, float]:
        """The value, at the terminal value, of the energy each alternative leaves in the battery [currency]."""
        value = self.terminal_value_per_kwh
        return {
            "planned": self._credit(self.result.end_soc_pct),
            "compiled": self.compiled.simulated.end_credit(value),
            "self_use": self.self_use.end_credit(value),
        }

    @property
    def net_costs(self) -> dict[str, float]:
        """Costs on equal terms: cost − end credit (no battery: cost − the value of the energy it never had)."""
        credit = self.end_credit
        return {
            "planned": self.result.cost - credit["planned"],
            "compiled": self.compiled.simulated.cost - credit["compiled"],
            "self_use": self.self_use.cost - credit["self_use"],
            "no_battery": self.no_battery_cost - self._credit(self.horizon.initial_soc_pct),
        }

    @property
    def expected_savings(self) -> float:
        """What the groups are expected to save against plain self-use [currency], on equal terms."""
        net = self.net_costs
        return net["self_use"] - net["compiled"]

    @property
    def compile_loss(self) -> float:
        """What the groups cost more than the plan [currency], on equal terms (≥ 0 up to rounding)."""
        net = self.net_costs
        return net["compiled"] - net["planned"]

    def to_json(self) -> dict[str, Any]:
        """The ``plan --json`` document of ``docs/CONTRACT.md`` (plus a few additive keys)."""
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
            "cost": {**self.costs, "end_credit": {k: round(v, 4) for k, v in self.end_credit.items()}},
            "savings": {
                "vs_self_use": round(self.expected_savings, 4),
                "vs_no_battery": round(self.net_costs["no_battery"] - self.net_costs["compiled"], 4),
                "compile_loss": round(self.compile_loss, 4),
                "on_equal_terms": True,
            },
            "end_soc_pct": round(self.result.end_soc_pct, 2),
            "terminal_value_per_kwh": round(self.result.terminal_value_per_kwh, 6),
            "solver": self.result.solver,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "api_calls": self.api_calls,
            "notes": self.notes,
            "self_use_fallback": self.self_use_fallback,
            "keeps_plan": self.compiled.keeps_plan,
        }


def _r(value: Any, digits: int = 4) -> float:
    return round(float(value), digits)


def default_properties(config: Config) -> SchedulerProperties:
    """The v1 ``properties`` of a real KH hybrid, with ``fdpwr`` sized to the configured battery's rating."""
    fdpwr = {"unit": "W", "precision": 1.0, "range": {"min": 0, "max": config.battery.rating_w}}
    return SchedulerProperties.from_wire({**KH_V1_PROPERTIES, "fdpwr": fdpwr})


def compile_for(
    config: Config,
    slots: pd.DataFrame,
    initial_soc_pct: float,
    properties: SchedulerProperties,
    *,
    terminal_value_per_kwh: float,
    end_soc_pct: float | None = None,
    fd_pwr_cap_w: int | None = None,
    gap_fill: GapFill | None = None,
) -> CompiledSchedule:
    """Compile a plan frame (the planner's, or a replay's) into validated groups with the config's ``[schedule]``
    settings; ``terminal_value_per_kwh`` values the energy left at the end (the plan's), ``end_soc_pct`` is the
    end floor the groups must keep (the plan's)."""
    max_groups = group_limit(config, properties)
    compiled = compile_plan(
        slots,
        initial_soc_pct=initial_soc_pct,
        battery=config.battery,
        grid=config.grid,
        timezone=config.site.timezone,
        properties=properties,
        options=CompileOptions(
            max_groups=max_groups,
            gap_fill=gap_fill or config.schedule.gap_fill,
            fd_pwr_cap_w=fd_pwr_cap_w,
            terminal_value_per_kwh=terminal_value_per_kwh,
            end_soc_pct=end_soc_pct,
        ),
    )
    validate_groups(compiled.groups, properties, max_groups=max_groups)
    return compiled


def group_limit(config: Config, properties: SchedulerProperties) -> int:
    """How many groups a schedule may have: the device's limit (``maxGroupCount`` on v3, 8 on v1), and at most
    ``[schedule] max_groups`` where set."""
    device = properties.group_limit
    return device if config.schedule.max_groups is None else min(device, config.schedule.max_groups)


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


def solve_and_compile(
    config: Config,
    horizon: HorizonData,
    device: DeviceContext,
    options: PlanOptions,
    *,
    api_calls: int = 0,
    started: float | None = None,
) -> PlanOutcome:
    """Plan the horizon, compile the plan into groups, validate them, and cost the alternatives."""
    t0 = time.perf_counter() if started is None else started
    inputs = plan_inputs(config, horizon, options)
    t_solve = time.perf_counter()
    result = solve_plan(inputs, solver=config.planner.solver, time_limit_s=config.planner.time_limit_s)
    solve_s = time.perf_counter() - t_solve
    compiled = compile_for(
        config,
        result.slots,
        horizon.initial_soc_pct,
        device.properties,
        terminal_value_per_kwh=result.terminal_value_per_kwh,
        end_soc_pct=inputs.end_soc_pct,
        fd_pwr_cap_w=device.fd_pwr_cap_w,
        gap_fill=device.gap_fill,
    )
    prices = (horizon.import_price, horizon.export_price)
    self_use = replay(config, None, horizon.load_kw, horizon.pv_kw, prices, horizon.initial_soc_pct)
    nobat = no_battery_cost(horizon.load_kw, horizon.pv_kw, horizon.import_price, horizon.export_price, config.grid)
    outcome = PlanOutcome(
        config=config,
        horizon=horizon,
        inputs=inputs,
        result=result,
        compiled=compiled,
        self_use=self_use,
        no_battery_cost=nobat,
        device=device,
        api_calls=api_calls,
        timings={"solve_s": solve_s, "total_s": time.perf_counter() - t0},
        notes=[*horizon.notes, *device.notes, *compiled.notes],
    )
    floor = inputs.end_soc_pct
    self_use_keeps_floor = floor is None or self_use.end_soc_pct >= floor - 1e-6
    if outcome.expected_savings <= SELF_USE_MARGIN and self_use_keeps_floor:
        fallback_to_self_use(outcome)
        outcome.timings["total_s"] = time.perf_counter() - t0
    return outcome


SELF_USE_MARGIN = 1e-6
"""Groups expected to save no more than this [currency] against plain self-use are not worth pushing."""


def fallback_to_self_use(outcome: PlanOutcome) -> None:
    """Replace the groups by plain SelfUse (the reserve as floor): the schedule the plan's groups do not beat.

    The self-use replay is compiled like a plan, so the groups are what plain self-use needs on this device
    (none where the gaps are left to the inverter's SelfUse base mode).
    """
    config, device = outcome.config, outcome.device
    saving = outcome.expected_savings
    outcome.compiled = compile_for(
        config,
        outcome.self_use.slots,
        outcome.horizon.initial_soc_pct,
        device.properties,
        terminal_value_per_kwh=outcome.terminal_value_per_kwh,
        fd_pwr_cap_w=device.fd_pwr_cap_w,
        gap_fill=device.gap_fill,
    )
    outcome.self_use_fallback = True
    outcome.notes.append(
        f"the compiled groups would save {saving:.4f} against plain self-use on equal terms (nothing worth a "
        "schedule): the schedule is plain SelfUse instead"
    )


def horizon_start(config: Config, options: PlanOptions, default: pd.Timestamp) -> pd.Timestamp:
    """The horizon start: ``options.start`` on the slot grid, else ``default``."""
    if options.start:
        return floor_to_slot(parse_time_arg(options.start, config.site.timezone), options.slot_for(config))
    return default


def plan_offline(config: Config, options: PlanOptions, history: pd.DataFrame | None = None) -> PlanOutcome:
    """Plan from measured history with no account and no writes: ``history`` (e.g. a device imported into the
    local store), else the CSV of ``options.history``."""
    t0 = time.perf_counter()
    if history is None:
        if options.history is None:
            raise UsageError("an offline plan needs a history file.", option="history")
        history = read_history_csv(options.history)
    start = horizon_start(config, options, default_start(history, config.site.timezone, options.forecast))
    horizon = build_horizon(config, history, options, start=start)
    device = DeviceContext(sn=options.device, properties=default_properties(config), offline=True)
    return solve_and_compile(config, horizon, device, options, started=t0)


def imported_history(config: Config, name: str) -> pd.DataFrame | None:
    """The history of ``name`` in the local store when it was imported from a CSV (never synced from the API),
    else ``None``: such a device is planned offline, with no account."""
    if not config.history_db.is_file():
        return None
    with HistoryStore(config.history_db) as store:
        summary = store.summary(name)
        if summary.samples == 0 or summary.covered_hours > 0:
            return None
        return store.series(name)
