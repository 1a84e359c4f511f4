"""One inverter of the simulated account: its settings, its scheduler and the physics behind them.

Which mode is in force at an instant (evaluated on the device's local clock, which ``device/time/set``
can skew):

1. scheduler flag on (models with scheduler support): the first enabled group covering the local minute;
   else the "Remain Time" group (a 00:00–23:59 group stored beside others, v3); else the base mode;
2. otherwise a ``battery/forceChargeTime`` period covering the local minute: ForceCharge at the battery's
   rated charge power up to MaxSoc;
3. the base mode: the ``WorkMode`` setting with ``MinSocOnGrid`` as its floor and ``MaxSoc`` as its ceiling.

Groups become :class:`optimizer.simulate.ModeParams` (:meth:`ModeParams.from_group`) and go through
:func:`optimizer.simulate.step_slot`, the project's one statement of the work-mode semantics. On top of it,
for the v3 fields:

* ``ForceCharge(BAT)`` / ``ForceDischarge(BAT)`` run as ``ForceCharge`` / ``ForceDischarge``: ``step_slot``
  already caps the *battery's* power at ``fdPwr`` (the plain modes behave the same here; the H3-G2
  measurement that plain ForceCharge caps the grid draw instead is not modelled);
* ``secondWorkMode``: once a Force group reaches its cut-off (ForceCharge at ``min(fdSoc, maxSoc)``,
  ForceDischarge at ``max(fdSoc, minSocOnGrid)``) the rest of that day's occurrence of the group runs in the
  second mode with the group's ``minSocOnGrid``/``maxSoc``; without one it holds, as ``step_slot`` does;
* a group's ``exportLimit``/``importLimit`` [W] tighten the grid limits while it is in force;
  ``pvLimit`` and ``reactivePower`` are stored and read back but not modelled.

``PeakShaving`` (a WorkMode setting) is passed to :func:`optimizer.simulate.step_slot`, which treats modes it
does not model like SelfUse.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.config import GridConfig
from optimizer.fakecloud.account import DeviceSpec, PlantSpec
from optimizer.fakecloud.inverter import SimulatedInverter
from optimizer.fakecloud.measurements import MeasuredProfile
from optimizer.fakecloud.scheduler import SECOND_WORK_MODE, ActiveGroup, SchedulerStore
from optimizer.fakecloud.settings import DeviceSettings
from optimizer.simulate import ModeParams

BAT_MODES = {"ForceCharge(BAT)": "ForceCharge", "ForceDischarge(BAT)": "ForceDischarge"}
"""The ``(BAT)`` work modes and the project mode whose semantics they run with."""


def physics_mode(work_mode: str) -> str:
    """The :func:`~optimizer.simulate.step_slot` mode name of a device work mode."""
    return BAT_MODES.get(work_mode, work_mode)


@lru_cache(maxsize=64)
def _grid(export_limit_kw: float, import_limit_kw: float | None) -> GridConfig:
    return GridConfig(export_limit_kw=export_limit_kw, import_limit_kw=import_limit_kw)


class SimulatedDevice:
    """An inverter with its plant's time zone, settings, scheduler store and simulated battery."""

    def __init__(
        self,
        spec: DeviceSpec,
        plant: PlantSpec,
        profile: MeasuredProfile,
        history_start: datetime,
        seed: int,
    ) -> None:
        self.spec = spec
        self.plant = plant
        self.timezone = plant.timezone
        self.tz = ZoneInfo(plant.timezone)
        self.settings = DeviceSettings.for_device(spec)
        self.scheduler = SchedulerStore(seed=seed, slot_count=max(8, spec.model.max_group_count))
        self.inverter = SimulatedInverter(
            battery=spec.battery,
            profile=profile,
            start=history_start,
            initial_soc_pct=spec.initial_soc_pct,
            load_scale=spec.load_scale,
            pv_scale=spec.pv_scale,
            data_offset=timedelta(days=spec.data_offset_days),
        )
        self._cut_off: set[tuple[date, int, int]] = set()

    def move_to(self, plant: PlantSpec) -> None:
        """Attach the inverter to ``plant`` (its time zone becomes the device's)."""
        self.plant = plant
        self.timezone = plant.timezone
        self.tz = ZoneInfo(plant.timezone)

    @property
    def sn(self) -> str:
        return self.spec.sn

    @property
    def scheduler_on(self) -> bool:
        return self.spec.model.scheduler and self.scheduler.enable

    def device_clock(self, when: datetime) -> datetime:
        """The device's local wall clock at ``when`` (UTC), including a ``device/time/set`` skew."""
        return (when + timedelta(seconds=self.settings.clock_offset_s)).astimezone(self.tz)

    def base_mode(self) -> ModeParams:
        s = self.settings
        return ModeParams(
            work_mode=s.work_mode,
            min_soc_pct=float(s.min_soc_on_grid_pct),
            fd_soc_pct=float(s.min_soc_on_grid_pct),
            fd_pwr_kw=0.0,
            max_soc_pct=float(s.max_soc_pct),
        )

    def base_group(self) -> dict[str, Any]:
        """The base mode as the fields of a group (what v2/v3 reads show as the Remain Time group)."""
        s = self.settings
        model = self.spec.model
        return {
            "workMode": s.work_mode if s.work_mode in model.scheduler_modes else "SelfUse",
            "minSocOnGrid": s.min_soc_on_grid_pct,
            "fdSoc": s.min_soc_on_grid_pct,
            "fdPwr": min(model.rated_power_w, model.fdpwr_limit_w),
            **({"maxSoc": s.max_soc_pct} if model.max_soc else {}),
        }

    def _group_mode(self, entry: ActiveGroup, local: datetime, soc_pct: float) -> tuple[ModeParams, str]:
        group = entry.group
        params = ModeParams.from_group(group)
        mode = dataclasses.replace(params, work_mode=physics_mode(group.workMode))
        second = entry.extra.get(SECOND_WORK_MODE)
        if second is None or not mode.work_mode.startswith("Force"):
            return mode, group.workMode
        key = (local.date(), group.start_minute_of_day, group.end_minute_of_day)
        if key not in self._cut_off:
            if mode.work_mode == "ForceCharge":
                reached = soc_pct >= min(params.fd_soc_pct, params.max_soc_pct) - 1e-6
            else:
                reached = soc_pct <= max(params.fd_soc_pct, params.min_soc_pct) + 1e-6
            if not reached:
                return mode, group.workMode
            self._cut_off.add(key)
        after = ModeParams(
            work_mode=second,
            min_soc_pct=params.min_soc_pct,
            fd_soc_pct=params.min_soc_pct,
            fd_pwr_kw=0.0,
            max_soc_pct=params.max_soc_pct,
        )
        return after, second

    def _grid_for(self, entry: ActiveGroup | None) -> GridConfig:
        export_kw = self.settings.export_limit_w / 1000.0
        import_kw = self.spec.grid.import_limit_kw
        if entry is not None:
            if "exportLimit" in entry.extra:
                export_kw = min(export_kw, float(entry.extra["exportLimit"]) / 1000.0)
            if "importLimit" in entry.extra:
                group_import_kw = float(entry.extra["importLimit"]) / 1000.0
                import_kw = group_import_kw if import_kw is None else min(import_kw, group_import_kw)
        return _grid(export_kw, import_kw)

    def conditions(self, when: datetime, soc_pct: float) -> tuple[ModeParams, GridConfig, str]:
        """The mode, the grid limits and the logged mode name for the step starting at ``when`` (UTC)."""
        local = self.device_clock(when)
        minute = local.hour * 60 + local.minute
        if self.scheduler_on:
            entries, remain = self.scheduler.active()
            covering = next((e for e in entries if e.span[0] <= minute < e.span[1]), remain)
            if covering is not None:
                mode, label = self._group_mode(covering, local, soc_pct)
                return mode, self._grid_for(covering), label
            base = self.base_mode()
            return base, self._grid_for(None), base.work_mode
        if any(p.covers(minute) for p in self.settings.charge_periods):
            s = self.settings
            charge = ModeParams(
                work_mode="ForceCharge",
                min_soc_pct=float(s.min_soc_on_grid_pct),
                fd_soc_pct=float(s.max_soc_pct),
                fd_pwr_kw=self.spec.battery.max_charge_kw,
                max_soc_pct=float(s.max_soc_pct),
            )
            return charge, self._grid_for(None), charge.work_mode
        base = self.base_mode()
        return base, self._grid_for(None), base.work_mode

    def mode_at(self, when: datetime) -> ModeParams:
        """The settings in force for the step starting at ``when`` (UTC), at the current SoC."""
        return self.conditions(when, self.inverter.soc_pct)[0]

    def grid(self) -> GridConfig:
        """The grid limits outside any group [kW]."""
        return self._grid_for(None)

    def sync(self, now: datetime) -> int:
        """Step the inverter up to ``now``; returns the number of 5-min steps taken."""
        return self.inverter.run_until(now, self.conditions)
