"""The simulated inverter: a battery stepped in 5-minute steps against replayed load and PV.

Each step asks the device which mode is in force (:class:`~optimizer.simulate.ModeParams`) and calls
:func:`optimizer.simulate.step_slot`, the single home of the work-mode semantics. Every step is logged:
the sample stamped ``t`` holds the mean flows over ``[t, t + 5 min)`` [kW] and the stored energy at ``t``
and at ``t + 5 min`` [kWh]. A sample exists once its step has ended.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from optimizer.config import BatteryConfig, GridConfig
from optimizer.fakecloud.measurements import STEP, STEP_S, MeasuredProfile
from optimizer.simulate import ModeParams, step_slot

STEP_H = STEP_S / 3600.0
LOG_COLUMNS = (
    "load_kw",
    "pv_kw",
    "pv_used_kw",
    "grid_import_kw",
    "grid_export_kw",
    "charge_kw",
    "discharge_kw",
    "soc_start_kwh",
    "soc_end_kwh",
)


def floor_step(when: datetime) -> datetime:
    """``when`` rounded down to a 5-min step boundary (UTC)."""
    epoch_s = int(when.timestamp())
    return datetime.fromtimestamp(epoch_s - epoch_s % STEP_S, tz=when.tzinfo)


@dataclass(frozen=True)
class Samples:
    """Logged steps: epoch seconds of each step start, one array per log column, the work mode of each."""

    epoch_s: np.ndarray
    columns: dict[str, np.ndarray]
    work_modes: list[str]

    def __len__(self) -> int:
        return len(self.epoch_s)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


class InverterLog:
    """Append-only column store of regular 5-min steps starting at ``start``."""

    def __init__(self, start: datetime) -> None:
        self.start = floor_step(start)
        self._start_s = int(self.start.timestamp())
        self._columns = {name: array("d") for name in LOG_COLUMNS}
        self._modes = array("B")
        self._mode_names: list[str] = []

    def __len__(self) -> int:
        return len(self._columns["load_kw"])

    @property
    def end(self) -> datetime:
        """The end of the last logged step (= the start of the next one)."""
        return self.start + STEP * len(self)

    def append(self, work_mode: str, values: tuple[float, ...]) -> None:
        for name, value in zip(LOG_COLUMNS, values, strict=True):
            self._columns[name].append(value)
        if work_mode not in self._mode_names:
            self._mode_names.append(work_mode)
        self._modes.append(self._mode_names.index(work_mode))

    def last(self, name: str) -> float:
        return self._columns[name][-1]

    def samples(self, start: datetime, end: datetime) -> Samples:
        """Logged steps whose start lies in ``[start, end)``."""
        first = max(0, math.ceil((start.timestamp() - self._start_s) / STEP_S))
        stop = min(len(self), math.ceil((end.timestamp() - self._start_s) / STEP_S))
        stop = max(first, stop)
        epoch = self._start_s + STEP_S * np.arange(first, stop, dtype=np.int64)
        columns = {name: np.frombuffer(col, dtype=np.float64)[first:stop].copy() for name, col in self._columns.items()}
        modes = [self._mode_names[i] for i in self._modes[first:stop]]
        return Samples(epoch, columns, modes)

    def totals_kwh(self) -> dict[str, float]:
        """Energy over the whole log [kWh] per flow column."""
        return {
            name: float(np.frombuffer(self._columns[name], dtype=np.float64).sum() * STEP_H)
            for name in (
                "load_kw",
                "pv_used_kw",
                "grid_import_kw",
                "grid_export_kw",
                "charge_kw",
                "discharge_kw",
            )
        }


ConditionSource = Callable[[datetime, float], tuple[ModeParams, GridConfig, str]]
"""``(step start, SoC at the step start [%])`` → the mode in force, the grid limits for that step and the
work-mode name to log (the device's own name, e.g. ``ForceCharge(BAT)``)."""


class SimulatedInverter:
    """One battery inverter stepping from ``start`` with ``initial_soc_pct`` stored."""

    def __init__(
        self,
        battery: BatteryConfig,
        profile: MeasuredProfile,
        start: datetime,
        initial_soc_pct: float,
        load_scale: float = 1.0,
        pv_scale: float = 1.0,
        data_offset: timedelta = timedelta(0),
    ) -> None:
        self.battery = battery
        self.profile = profile
        self.load_scale = load_scale
        self.pv_scale = pv_scale
        self.data_offset = data_offset
        self.log = InverterLog(start)
        self.soc_kwh = battery.capacity_kwh * initial_soc_pct / 100.0

    @property
    def soc_pct(self) -> float:
        return self.soc_kwh / self.battery.capacity_kwh * 100.0

    def measured(self, when: datetime) -> tuple[float, float]:
        """Replayed ``(load_kw, pv_kw)`` for the step starting at ``when``."""
        load_kw, pv_kw = self.profile.at(when + self.data_offset)
        return load_kw * self.load_scale, pv_kw * self.pv_scale

    def run_until(self, now: datetime, conditions: ConditionSource) -> int:
        """Step through every 5-min step that has ended by ``now``; returns the number of steps taken."""
        taken = 0
        while self.log.end + STEP <= now:
            start = self.log.end
            mode, grid, label = conditions(start, self.soc_pct)
            load_kw, pv_kw = self.measured(start)
            flows = step_slot(mode, self.soc_kwh, load_kw, pv_kw, STEP_H, self.battery, grid)
            self.log.append(
                label,
                (
                    load_kw,
                    pv_kw,
                    max(0.0, pv_kw - flows.pv_clipped_kw),
                    flows.grid_import_kw,
                    flows.grid_export_kw,
                    flows.charge_kw,
                    flows.discharge_kw,
                    self.soc_kwh,
                    flows.soc_kwh,
                ),
            )
            self.soc_kwh = flows.soc_kwh
            taken += 1
        return taken
