"""One inverter of the simulated account: its settings, its scheduler and the physics behind them.

Which mode is in force at an instant (evaluated on the device's local clock, which ``device/time/set``
can skew):

1. scheduler flag on (models with scheduler support): the first enabled group covering the local minute,
   else the base mode;
2. otherwise a ``battery/forceChargeTime`` period covering the local minute: ForceCharge at the battery's
   rated charge power up to MaxSoc;
3. the base mode: the ``WorkMode`` setting with ``MinSocOnGrid`` as its floor and ``MaxSoc`` as its ceiling.

``PeakShaving`` (a WorkMode setting) is passed to :func:`optimizer.simulate.step_slot`, which treats modes it
does not model like SelfUse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from optimizer.config import GridConfig
from optimizer.fakecloud.account import DeviceSpec, PlantSpec
from optimizer.fakecloud.inverter import SimulatedInverter
from optimizer.fakecloud.measurements import MeasuredProfile
from optimizer.fakecloud.scheduler import SchedulerStore
from optimizer.fakecloud.settings import DeviceSettings
from optimizer.simulate import ModeParams, mode_at


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
        self.scheduler = SchedulerStore(seed=seed)
        self.inverter = SimulatedInverter(
            battery=spec.battery,
            profile=profile,
            start=history_start,
            initial_soc_pct=spec.initial_soc_pct,
            load_scale=spec.load_scale,
            pv_scale=spec.pv_scale,
            data_offset=timedelta(days=spec.data_offset_days),
        )

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

    def mode_at(self, when: datetime) -> ModeParams:
        """The settings in force for the step starting at ``when`` (UTC)."""
        local = self.device_clock(when)
        minute = local.hour * 60 + local.minute
        if self.scheduler_on:
            return mode_at(self.scheduler.active_groups(), minute, self.base_mode())
        if any(p.covers(minute) for p in self.settings.charge_periods):
            s = self.settings
            return ModeParams(
                work_mode="ForceCharge",
                min_soc_pct=float(s.min_soc_on_grid_pct),
                fd_soc_pct=float(s.max_soc_pct),
                fd_pwr_kw=self.spec.battery.max_charge_kw,
                max_soc_pct=float(s.max_soc_pct),
            )
        return self.base_mode()

    def grid(self) -> GridConfig:
        return _grid(self.settings.export_limit_w / 1000.0, self.spec.grid.import_limit_kw)

    def sync(self, now: datetime) -> int:
        """Step the inverter up to ``now``; returns the number of 5-min steps taken."""
        return self.inverter.run_until(now, self.mode_at, self.grid)
