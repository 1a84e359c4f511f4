"""The inverter's work-mode semantics, in one place, and a replay of scheduler groups against load and PV.

Everything that needs to know what the inverter does with a group calls :func:`step_slot`: the compiler's
cost of a candidate merge, the ``compiled`` and ``self_use`` costs of ``optimizer plan``, backtests and the
simulated inverter of the fake cloud. Correct a semantic here and every one of them follows.

Conventions: powers in kW (mean over the step), energy in kWh, SoC in percent of ``capacity_kwh``.
``charge_kw`` is AC-side power into the battery (stored energy = ``charge_kw · dt · η_c``); ``discharge_kw``
is AC-side power out of it (energy drawn = ``discharge_kw · dt / η_d``).

Work modes (see ``DESIGN.md``):

* ``SelfUse``: PV feeds the load, surplus charges the battery up to ``maxSoc``, the rest is exported (up to
  the export limit, beyond it clipped); a deficit is met by the battery down to ``minSocOnGrid``, then by
  the grid.
* ``Feedin``: as SelfUse, but surplus PV is exported first (up to the export limit) and only the rest charges.
* ``Backup``: charges from surplus PV, never discharges; deficits come from the grid.
* ``ForceCharge``: the battery charges at up to ``fdPwr`` from PV, then grid, until ``fdSoc`` (capped by
  ``maxSoc``); it never discharges; the load is met by PV and grid; surplus PV beyond the charge is exported.
* ``ForceDischarge``: the battery discharges at up to ``fdPwr`` down to ``fdSoc``, to the load first and the
  rest exported; it does not charge; with ``fdPwr = 0`` it holds its charge.

In every mode, PV beyond what the load, the battery and the export limit take is clipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig, GridConfig
from optimizer.scheduler import SchedulerGroup, active_groups
from optimizer.timegrid import slot_hours

_EPS = 1e-9


@dataclass(frozen=True)
class ModeParams:
    """The settings in force during a step (a group's fields in physical units)."""

    work_mode: str = "SelfUse"
    min_soc_pct: float = 10.0
    fd_soc_pct: float = 10.0
    fd_pwr_kw: float = 0.0
    max_soc_pct: float = 100.0

    @classmethod
    def from_group(cls, group: SchedulerGroup) -> ModeParams:
        return cls(
            work_mode=group.workMode,
            min_soc_pct=float(group.minSocOnGrid),
            fd_soc_pct=float(group.fdSoc),
            fd_pwr_kw=group.fdPwr / 1000.0,
            max_soc_pct=float(group.maxSoc if group.maxSoc is not None else 100),
        )


@dataclass(frozen=True)
class SlotFlows:
    """Mean flows over one step [kW] and the battery energy at its end [kWh]."""

    grid_import_kw: float
    grid_export_kw: float
    charge_kw: float
    discharge_kw: float
    pv_clipped_kw: float
    soc_kwh: float


def _charge_cap_kw(soc_kwh: float, ceiling_kwh: float, dt_h: float, battery: BatteryConfig) -> float:
    """Largest AC charge power [kW] that neither exceeds the rating nor overfills past ``ceiling_kwh``."""
    room = max(0.0, ceiling_kwh - soc_kwh)
    return max(0.0, min(battery.max_charge_kw, room / (battery.charge_efficiency * dt_h)))


def _discharge_cap_kw(soc_kwh: float, floor_kwh: float, dt_h: float, battery: BatteryConfig) -> float:
    """Largest AC discharge power [kW] that neither exceeds the rating nor empties below ``floor_kwh``."""
    avail = max(0.0, soc_kwh - floor_kwh)
    return max(0.0, min(battery.max_discharge_kw, avail * battery.discharge_efficiency / dt_h))


def step_slot(
    mode: ModeParams,
    soc_kwh: float,
    load_kw: float,
    pv_kw: float,
    dt_h: float,
    battery: BatteryConfig,
    grid: GridConfig,
) -> SlotFlows:
    """Advance the inverter by one step of ``dt_h`` hours under ``mode``.

    Energy balance every step: ``pv − clipped + import + discharge = load + charge + export``.
    """
    cap = battery.capacity_kwh
    ceiling_kwh = cap * min(mode.max_soc_pct, battery.max_soc_pct) / 100.0
    floor_kwh = cap * mode.min_soc_pct / 100.0
    export_limit = grid.export_limit_kw
    import_limit = grid.import_limit_kw if grid.import_limit_kw is not None else float("inf")
    load_kw = max(0.0, load_kw)
    pv_kw = max(0.0, pv_kw)
    net = pv_kw - load_kw  # > 0: surplus PV, < 0: deficit
    charge = discharge = 0.0
    wm = mode.work_mode

    if wm == "ForceCharge":
        target_kwh = cap * min(mode.fd_soc_pct, mode.max_soc_pct, battery.max_soc_pct) / 100.0
        charge = min(max(0.0, mode.fd_pwr_kw), _charge_cap_kw(soc_kwh, target_kwh, dt_h, battery))
        # the grid supplies what PV cannot, within the import limit (the load has priority)
        grid_need = max(0.0, charge - max(0.0, net)) + max(0.0, -net)
        if grid_need > import_limit:
            charge = max(0.0, charge - (grid_need - import_limit))
    elif wm == "ForceDischarge":
        floor_fd = cap * max(mode.fd_soc_pct, 0.0) / 100.0
        discharge = min(max(0.0, mode.fd_pwr_kw), _discharge_cap_kw(soc_kwh, floor_fd, dt_h, battery))
        # export = pv + discharge − load may not exceed the limit: cut the discharge first
        excess = pv_kw + discharge - load_kw - export_limit
        if excess > 0:
            discharge = max(0.0, discharge - excess)
    else:
        charge_cap = _charge_cap_kw(soc_kwh, ceiling_kwh, dt_h, battery)
        if net >= 0:
            if wm == "Feedin":
                exported_first = min(net, export_limit)
                charge = min(net - exported_first, charge_cap)
            else:  # SelfUse, Backup and anything unknown behave as SelfUse on surplus
                charge = min(net, charge_cap)
        elif wm != "Backup":
            discharge = min(-net, _discharge_cap_kw(soc_kwh, floor_kwh, dt_h, battery))

    # settle the balance with the grid, clipping PV the export limit cannot take
    residual = pv_kw + discharge - load_kw - charge  # > 0: to export, < 0: to import
    grid_export = min(max(0.0, residual), export_limit)
    clipped = max(0.0, residual - grid_export)
    clipped = min(clipped, pv_kw)
    grid_export = max(0.0, residual - clipped)
    grid_import = max(0.0, -residual)
    soc_next = (
        soc_kwh + charge * battery.charge_efficiency * dt_h - discharge / battery.discharge_efficiency * dt_h
    )
    return SlotFlows(
        grid_import_kw=grid_import,
        grid_export_kw=grid_export,
        charge_kw=charge,
        discharge_kw=discharge,
        pv_clipped_kw=clipped,
        soc_kwh=min(cap, max(0.0, soc_next)),
    )


def base_mode(battery: BatteryConfig, min_soc_pct: float | None = None) -> ModeParams:
    """Plain SelfUse with the reserve as ``minSocOnGrid``: what the inverter does outside any group."""
    reserve = battery.min_soc_pct if min_soc_pct is None else min_soc_pct
    return ModeParams("SelfUse", reserve, reserve, 0.0, battery.max_soc_pct)


def mode_at(groups: list[SchedulerGroup], minute_of_day: int, fallback: ModeParams) -> ModeParams:
    """The mode of the first active group covering local ``minute_of_day``, else ``fallback``."""
    for group in groups:
        if group.start_minute_of_day <= minute_of_day < group.end_minute_of_day:
            return ModeParams.from_group(group)
    return fallback


@dataclass(frozen=True)
class SimResult:
    """Per-slot flows (same columns as a plan) and the cost over the horizon."""

    slots: pd.DataFrame
    cost: float
    end_soc_pct: float


def energy_cost(slots: pd.DataFrame, dt_h: float, degradation_cost_per_kwh: float = 0.0) -> float:
    """Import cost − export revenue + degradation over ``slots`` [currency]."""
    cost = (
        slots["grid_import_kw"] * slots["import_price"] - slots["grid_export_kw"] * slots["export_price"]
    ).sum()
    wear = (slots["charge_kw"] + slots["discharge_kw"]).sum() * degradation_cost_per_kwh
    return float((cost + wear) * dt_h)


def simulate(
    groups: list[SchedulerGroup] | None,
    load_kw: pd.Series,
    pv_kw: pd.Series,
    import_price: pd.Series,
    export_price: pd.Series,
    battery: BatteryConfig,
    grid: GridConfig,
    initial_soc_pct: float,
    timezone: str | ZoneInfo,
    fallback: ModeParams | None = None,
) -> SimResult:
    """Replay ``groups`` (local clock, repeating daily) slot by slot; ``None`` or ``[]`` means plain SelfUse.

    All series share one UTC slot index. A slot takes the mode in force at its local start.
    """
    index = pd.DatetimeIndex(load_kw.index)
    dt_h = slot_hours(index)
    active = active_groups(list(groups or []))
    default = fallback or base_mode(battery)
    local = index.tz_convert(str(timezone))
    minutes = (local.hour * 60 + local.minute).to_numpy()
    load = np.nan_to_num(load_kw.to_numpy(dtype=float))
    pv = np.nan_to_num(pv_kw.reindex(index).to_numpy(dtype=float))
    n = len(index)
    out = np.zeros((n, 6))
    modes: list[str] = []
    soc = battery.capacity_kwh * initial_soc_pct / 100.0
    for i in range(n):
        mode = mode_at(active, int(minutes[i]), default)
        flows = step_slot(mode, soc, float(load[i]), float(pv[i]), dt_h, battery, grid)
        soc = flows.soc_kwh
        out[i] = (
            flows.grid_import_kw,
            flows.grid_export_kw,
            flows.charge_kw,
            flows.discharge_kw,
            flows.pv_clipped_kw,
            soc / battery.capacity_kwh * 100.0,
        )
        modes.append(mode.work_mode)
    slots = pd.DataFrame(
        {
            "import_price": import_price.reindex(index).to_numpy(dtype=float),
            "export_price": export_price.reindex(index).to_numpy(dtype=float),
            "load_kw": load,
            "pv_kw": pv,
            "grid_import_kw": out[:, 0],
            "grid_export_kw": out[:, 1],
            "charge_kw": out[:, 2],
            "discharge_kw": out[:, 3],
            "pv_curtailed_kw": out[:, 4],
            "soc_pct": out[:, 5],
            "work_mode": modes,
        },
        index=index,
    )
    cost = energy_cost(slots, dt_h, battery.degradation_cost_per_kwh)
    end_soc = float(out[-1, 5]) if n else initial_soc_pct
    return SimResult(slots=slots, cost=cost, end_soc_pct=end_soc)


def no_battery_cost(
    load_kw: pd.Series,
    pv_kw: pd.Series,
    import_price: pd.Series,
    export_price: pd.Series,
    grid: GridConfig,
) -> float:
    """Cost [currency] of the same horizon with no battery at all (surplus PV exported up to the limit)."""
    dt_h = slot_hours(pd.DatetimeIndex(load_kw.index))
    net = pv_kw.fillna(0.0).clip(lower=0) - load_kw.fillna(0.0).clip(lower=0)
    grid_import = (-net).clip(lower=0)
    grid_export = net.clip(lower=0, upper=grid.export_limit_kw)
    return float(((grid_import * import_price) - (grid_export * export_price)).sum() * dt_h)
