"""The inverter's work-mode semantics, in one place, and a replay of scheduler groups against load and PV.

Everything that needs to know what the inverter does with a group calls into this module: the ``compiled``
and ``self_use`` costs of ``optimizer plan`` (:func:`simulate`), backtests and the simulated inverter of the
fake cloud (:func:`step_slot`). All of them go through one function, :func:`advance`: correct a semantic there
and every one of them follows. The compiler's search replays candidates millions of times through
:mod:`optimizer.compile.kernel`, whose pure-Python kernel calls :func:`advance` and whose C kernel is a
transcription of it tested against it bit for bit: a change here must be made in ``_kernel.c`` too (the
tests fail until it is).

Conventions: powers in kW (mean over the step), energy in kWh, SoC in percent of ``capacity_kwh``.
``charge_kw`` is AC-side power into the battery (stored energy = ``charge_kw · dt · η_c``); ``discharge_kw``
is AC-side power out of it (energy drawn = ``discharge_kw · dt / η_d``). The same convention as the planner,
so that a plan replayed with the modes that reproduce it gives the plan's flows and SoC.

Work modes (see ``DESIGN.md``; the project's working assumptions):

* ``SelfUse``: PV feeds the load, surplus charges the battery up to ``maxSoc``, the rest is exported (up to
  the export limit, beyond it clipped); a deficit is met by the battery down to ``minSocOnGrid``, then by
  the grid. It never charges from the grid, even when the SoC is below ``minSocOnGrid``.
* ``Feedin``: as SelfUse, but surplus PV is exported first (up to the export limit) and only the rest charges.
* ``Backup``: charges from surplus PV, never discharges; deficits come from the grid.
* ``ForceCharge``: the battery charges at up to ``fdPwr`` from PV, then grid (within the import limit, the
  load first), until ``fdSoc`` (the cloud's charge target; also capped by ``maxSoc``); it never
  discharges, so once at the target it holds; the load is met by PV and grid; surplus PV beyond the charge
  is exported.
* ``ForceDischarge``: the battery discharges at up to ``fdPwr`` down to ``fdSoc`` (never below
  ``minSocOnGrid``), to the load first and the rest exported, the discharge cut so that the export stays
  within the limit; it does not charge, so surplus PV is exported (or clipped); with ``fdPwr = 0`` it holds
  its charge. Any other mode name behaves as ``SelfUse``.

In every mode, PV beyond what the load, the battery and the export limit take is clipped. No mode curtails
PV because a price is negative, and the SoC never leaves ``[0, capacity]`` nor exceeds the configured
``max_soc_pct`` by charging.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig, GridConfig
from optimizer.frame import energy_cost
from optimizer.scheduler import SchedulerGroup, active_groups
from optimizer.timegrid import slot_hours

_INF = float("inf")


@dataclass(frozen=True)
class ModeParams:
    """The settings in force during a step (a group's fields in physical units)."""

    work_mode: str = "SelfUse"
    min_soc_pct: float = 10.0
    fd_soc_pct: float = 10.0
    fd_pwr_kw: float = 0.0
    max_soc_pct: float = 100.0

    @classmethod
    def from_wire(
        cls, work_mode: str, min_soc_on_grid: float, fd_soc: float, fd_pwr_w: float, max_soc: float | None
    ) -> ModeParams:
        """A group's fields in wire units (percent, watts; ``maxSoc`` ``None`` = 100 %) in physical units.

        The one place where a group's settings become the semantics' parameters.
        """
        return cls(
            work_mode=work_mode,
            min_soc_pct=float(min_soc_on_grid),
            fd_soc_pct=float(fd_soc),
            fd_pwr_kw=float(fd_pwr_w) / 1000.0,
            max_soc_pct=float(max_soc if max_soc is not None else 100),
        )

    @classmethod
    def from_group(cls, group: SchedulerGroup) -> ModeParams:
        return cls.from_wire(group.workMode, group.minSocOnGrid, group.fdSoc, group.fdPwr, group.maxSoc)


@dataclass(frozen=True)
class SlotFlows:
    """Mean flows over one step [kW] and the battery energy at its end [kWh]."""

    grid_import_kw: float
    grid_export_kw: float
    charge_kw: float
    discharge_kw: float
    pv_clipped_kw: float
    soc_kwh: float


@dataclass(frozen=True)
class Physics:
    """The battery and grid limits the semantics need, as plain floats (built once per replay)."""

    capacity_kwh: float
    max_charge_kw: float
    max_discharge_kw: float
    charge_efficiency: float
    discharge_efficiency: float
    max_soc_pct: float
    export_limit_kw: float
    import_limit_kw: float
    degradation_cost_per_kwh: float

    @classmethod
    def of(cls, battery: BatteryConfig, grid: GridConfig) -> Physics:
        return cls(
            capacity_kwh=battery.capacity_kwh,
            max_charge_kw=battery.max_charge_kw,
            max_discharge_kw=battery.max_discharge_kw,
            charge_efficiency=battery.charge_efficiency,
            discharge_efficiency=battery.discharge_efficiency,
            max_soc_pct=battery.max_soc_pct,
            export_limit_kw=grid.export_limit_kw,
            import_limit_kw=grid.import_limit_kw if grid.import_limit_kw is not None else _INF,
            degradation_cost_per_kwh=battery.degradation_cost_per_kwh,
        )


def advance(
    mode: ModeParams, soc_kwh: float, load_kw: float, pv_kw: float, dt_h: float, ph: Physics
) -> tuple[float, float, float, float, float, float]:
    """The semantics: one step of ``dt_h`` hours under ``mode`` from ``soc_kwh``.

    Returns ``(grid_import_kw, grid_export_kw, charge_kw, discharge_kw, pv_clipped_kw, soc_kwh_end)``.
    Energy balance every step: ``pv − clipped + import + discharge = load + charge + export``.
    The mode sets the battery's power (one helper per mode family below); :func:`_settle` balances the rest
    with the grid and moves the SoC. Written with conditional expressions rather than ``min``/``max``, and
    the helpers take plain floats: the compiler's search runs it millions of times.
    """
    if load_kw < 0.0:
        load_kw = 0.0
    if pv_kw < 0.0:
        pv_kw = 0.0
    net_kw = pv_kw - load_kw  # > 0: surplus PV, < 0: deficit
    charge_kw = 0.0
    discharge_kw = 0.0
    wm = mode.work_mode
    if wm == "ForceCharge":
        charge_kw = _force_charge_kw(mode.fd_soc_pct, mode.max_soc_pct, mode.fd_pwr_kw, soc_kwh, net_kw, dt_h, ph)
    elif wm == "ForceDischarge":
        discharge_kw = _force_discharge_kw(
            mode.fd_soc_pct, mode.min_soc_pct, mode.fd_pwr_kw, soc_kwh, load_kw, pv_kw, dt_h, ph
        )
    elif net_kw >= 0.0:
        charge_kw = _surplus_charge_kw(mode.max_soc_pct, wm == "Feedin", soc_kwh, net_kw, dt_h, ph)
    elif wm != "Backup":  # SelfUse, Feedin and unknown modes cover a deficit from the battery
        discharge_kw = _deficit_discharge_kw(mode.min_soc_pct, soc_kwh, -net_kw, dt_h, ph)
    return _settle(soc_kwh, load_kw, pv_kw, charge_kw, discharge_kw, dt_h, ph)


def _force_charge_kw(
    fd_soc_pct: float, max_soc_pct: float, fd_pwr_kw: float, soc_kwh: float, net_kw: float, dt_h: float, ph: Physics
) -> float:
    """ForceCharge's charge [kW]: up to ``fd_pwr_kw`` towards ``fd_soc_pct`` (capped by the group's and the
    battery's ``maxSoc``), from PV first (``net_kw``: PV minus load), then from the grid within its import
    limit, the load first."""
    charge_kw = 0.0
    target_pct = fd_soc_pct
    if max_soc_pct < target_pct:
        target_pct = max_soc_pct
    if ph.max_soc_pct < target_pct:
        target_pct = ph.max_soc_pct
    room_kwh = ph.capacity_kwh * target_pct / 100.0 - soc_kwh
    if room_kwh > 0.0 and fd_pwr_kw > 0.0:
        charge_kw = fd_pwr_kw
        if ph.max_charge_kw < charge_kw:
            charge_kw = ph.max_charge_kw
        by_room_kw = room_kwh / (ph.charge_efficiency * dt_h)
        if by_room_kw < charge_kw:
            charge_kw = by_room_kw
        # the grid supplies what PV cannot, within the import limit (the load has priority)
        grid_need_kw = (charge_kw - net_kw if charge_kw > net_kw else 0.0) if net_kw > 0.0 else charge_kw - net_kw
        if grid_need_kw > ph.import_limit_kw:
            charge_kw -= grid_need_kw - ph.import_limit_kw
            if charge_kw < 0.0:
                charge_kw = 0.0
    return charge_kw


def _force_discharge_kw(
    fd_soc_pct: float,
    min_soc_pct: float,
    fd_pwr_kw: float,
    soc_kwh: float,
    load_kw: float,
    pv_kw: float,
    dt_h: float,
    ph: Physics,
) -> float:
    """ForceDischarge's discharge [kW]: up to ``fd_pwr_kw`` down to ``fd_soc_pct`` (never below
    ``min_soc_pct``), cut so that the export (PV plus discharge minus load) stays within the limit."""
    discharge_kw = 0.0
    floor_pct = fd_soc_pct if fd_soc_pct > min_soc_pct else min_soc_pct
    avail_kwh = soc_kwh - ph.capacity_kwh * floor_pct / 100.0
    if avail_kwh > 0.0 and fd_pwr_kw > 0.0:
        discharge_kw = fd_pwr_kw
        if ph.max_discharge_kw < discharge_kw:
            discharge_kw = ph.max_discharge_kw
        by_energy_kw = avail_kwh * ph.discharge_efficiency / dt_h
        if by_energy_kw < discharge_kw:
            discharge_kw = by_energy_kw
        # export = pv + discharge − load may not exceed the limit: cut the discharge first
        excess_kw = pv_kw + discharge_kw - load_kw - ph.export_limit_kw
        if excess_kw > 0.0:
            discharge_kw = discharge_kw - excess_kw if discharge_kw > excess_kw else 0.0
    return discharge_kw


def _surplus_charge_kw(
    max_soc_pct: float, export_first: bool, soc_kwh: float, surplus_kw: float, dt_h: float, ph: Physics
) -> float:
    """The self-use family's charge [kW] from ``surplus_kw`` of PV up to ``max_soc_pct`` (and the battery's
    ``maxSoc``); with ``export_first`` (Feedin) only what exceeds the export limit charges."""
    charge_kw = 0.0
    ceiling_pct = max_soc_pct if max_soc_pct < ph.max_soc_pct else ph.max_soc_pct
    room_kwh = ph.capacity_kwh * ceiling_pct / 100.0 - soc_kwh
    if room_kwh > 0.0:
        limit_kw = ph.export_limit_kw
        charge_kw = (surplus_kw - limit_kw if surplus_kw > limit_kw else 0.0) if export_first else surplus_kw
        if ph.max_charge_kw < charge_kw:
            charge_kw = ph.max_charge_kw
        by_room_kw = room_kwh / (ph.charge_efficiency * dt_h)
        if by_room_kw < charge_kw:
            charge_kw = by_room_kw
    return charge_kw


def _deficit_discharge_kw(min_soc_pct: float, soc_kwh: float, deficit_kw: float, dt_h: float, ph: Physics) -> float:
    """The self-use family's discharge [kW] covering ``deficit_kw`` of load down to ``min_soc_pct``."""
    discharge_kw = 0.0
    avail_kwh = soc_kwh - ph.capacity_kwh * min_soc_pct / 100.0
    if avail_kwh > 0.0:
        discharge_kw = deficit_kw
        if ph.max_discharge_kw < discharge_kw:
            discharge_kw = ph.max_discharge_kw
        by_energy_kw = avail_kwh * ph.discharge_efficiency / dt_h
        if by_energy_kw < discharge_kw:
            discharge_kw = by_energy_kw
    return discharge_kw


def _settle(
    soc_kwh: float, load_kw: float, pv_kw: float, charge_kw: float, discharge_kw: float, dt_h: float, ph: Physics
) -> tuple[float, float, float, float, float, float]:
    """Settle the step's balance with the grid, clipping PV the export limit cannot take, and move the SoC
    (kept within ``[0, capacity]``); returns :func:`advance`'s tuple."""
    residual_kw = pv_kw + discharge_kw - load_kw - charge_kw  # > 0: to export, < 0: to import
    if residual_kw > 0.0:
        clipped_kw = residual_kw - ph.export_limit_kw if residual_kw > ph.export_limit_kw else 0.0
        if clipped_kw > pv_kw:
            clipped_kw = pv_kw
        grid_export_kw = residual_kw - clipped_kw
        grid_import_kw = 0.0
    else:
        grid_export_kw = 0.0
        clipped_kw = 0.0
        grid_import_kw = -residual_kw
    cap = ph.capacity_kwh
    soc_next = soc_kwh + charge_kw * ph.charge_efficiency * dt_h - discharge_kw / ph.discharge_efficiency * dt_h
    if soc_next > cap:
        soc_next = cap
    elif soc_next < 0.0:
        soc_next = 0.0
    return grid_import_kw, grid_export_kw, charge_kw, discharge_kw, clipped_kw, soc_next


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
    flows = advance(mode, soc_kwh, load_kw, pv_kw, dt_h, Physics.of(battery, grid))
    return SlotFlows(*flows)


def base_mode(battery: BatteryConfig, min_soc_pct: float | None = None) -> ModeParams:
    """Plain SelfUse with the reserve as ``minSocOnGrid``: what the inverter does outside any group."""
    reserve = battery.min_soc_pct if min_soc_pct is None else min_soc_pct
    return ModeParams("SelfUse", reserve, reserve, 0.0, battery.max_soc_pct)


def mode_at(groups: list[SchedulerGroup], minute_of_day: int, fallback: ModeParams) -> ModeParams:
    """The mode of the first active group covering local ``minute_of_day``, else ``fallback``."""
    for group in groups:
        if group.is_active and group.start_minute_of_day <= minute_of_day < group.end_minute_of_day:
            return ModeParams.from_group(group)
    return fallback


# ----- replay of groups over a horizon -----------------------------------------------------------------


@dataclass(frozen=True)
class SimResult:
    """Per-slot flows (same columns as a plan, plus ``work_mode``) and the cost over the horizon.

    ``cost`` [currency] excludes the value of the energy left at the end (``end_energy_kwh``); compare
    replays with each other and with a plan on equal terms with :meth:`net_cost`.
    """

    slots: pd.DataFrame
    cost: float
    end_soc_pct: float
    end_energy_kwh: float = 0.0

    def end_credit(self, terminal_value_per_kwh: float) -> float:
        """The energy left at the end valued at ``terminal_value_per_kwh`` [currency]."""
        return terminal_value_per_kwh * self.end_energy_kwh

    def net_cost(self, terminal_value_per_kwh: float) -> float:
        """``cost − end_credit``: the cost on equal terms with a plan or another replay [currency]."""
        return self.cost - self.end_credit(terminal_value_per_kwh)


def local_minutes(index: pd.DatetimeIndex, timezone: str | ZoneInfo) -> np.ndarray:
    """Minute of the local day [0, 1440) at which each slot of ``index`` starts on the site's clock."""
    local = index.tz_convert(str(timezone))
    return np.asarray(local.hour * 60 + local.minute, dtype=int)


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

    All series share one UTC slot index. A slot takes the mode in force at its local start; outside every
    active group the inverter runs ``fallback`` (default: SelfUse with the battery's reserve). Missing
    load or PV values count as 0 kW.
    """
    index = pd.DatetimeIndex(load_kw.index)
    dt_h = slot_hours(index)
    active = active_groups(list(groups or []))
    default = fallback or base_mode(battery)
    minutes = local_minutes(index, timezone)
    modes = [mode_at(active, int(m), default) for m in minutes]
    load = np.nan_to_num(load_kw.to_numpy(dtype=float))
    pv = np.nan_to_num(pv_kw.reindex(index).to_numpy(dtype=float))
    physics = Physics.of(battery, grid)
    n = len(index)
    out = np.zeros((n, 6))
    soc = battery.capacity_kwh * initial_soc_pct / 100.0
    load_list = load.tolist()
    pv_list = pv.tolist()
    for i in range(n):
        flows = advance(modes[i], soc, load_list[i], pv_list[i], dt_h, physics)
        soc = flows[5]
        out[i] = flows
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
            "soc_pct": out[:, 5] / battery.capacity_kwh * 100.0,
            "work_mode": [m.work_mode for m in modes],
        },
        index=index,
    )
    cost = energy_cost(slots, dt_h, battery.degradation_cost_per_kwh)
    end_soc = float(slots["soc_pct"].iloc[-1]) if n else initial_soc_pct
    return SimResult(slots=slots, cost=cost, end_soc_pct=end_soc, end_energy_kwh=float(soc))


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
