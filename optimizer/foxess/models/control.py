"""Device settings: battery SoC limits, force-charge windows, setting items, the device clock and peak
shaving. SoC values are percent [%] of battery capacity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, SettingValue

SETTING_KEYS = ("ExportLimit", "MinSoc", "MinSocOnGrid", "MaxSoc", "GridCode", "WorkMode")


def _flag(value: Any) -> Any:
    """Booleans arrive as true/false, 0/1 or the strings "true"/"false"/"0"/"1"."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0", ""):
            return False
    return value


# ----- battery SoC ----------------------------------------------------------------------------------


class BatterySoc(FoxModel):
    """``/op/v0/device/battery/soc/get``: ``minSoc`` (system, off-grid) and ``minSocOnGrid`` [%]."""

    minSoc: float | None = None
    minSocOnGrid: float | None = None


class BatterySocSetRequest(FoxRequest):
    sn: str = Field(min_length=1)
    minSoc: int = Field(ge=10, le=100)
    minSocOnGrid: int = Field(ge=10, le=100)


# ----- force-charge windows -------------------------------------------------------------------------


class TimeOfDay(FoxModel):
    """An hour and minute on the inverter's local clock."""

    hour: int = Field(0, ge=0, le=23)
    minute: int = Field(0, ge=0, le=59)


class ForceChargeTimes(FoxModel):
    """The two force-charge windows of ``/op/v0/device/battery/forceChargeTime/get`` (local clock)."""

    enable1: bool = False
    startTime1: TimeOfDay = Field(default_factory=TimeOfDay)
    endTime1: TimeOfDay = Field(default_factory=TimeOfDay)
    enable2: bool = False
    startTime2: TimeOfDay = Field(default_factory=TimeOfDay)
    endTime2: TimeOfDay = Field(default_factory=TimeOfDay)

    _flags = field_validator("enable1", "enable2", mode="before")(_flag)


class TimeOfDayRequest(FoxRequest):
    hour: int = Field(ge=0, le=23)
    minute: int = Field(ge=0, le=59)


class ForceChargeTimeSetRequest(FoxRequest):
    """Body of ``/op/v0/device/battery/forceChargeTime/set``: both periods must be delivered."""

    sn: str = Field(min_length=1)
    enable1: bool
    enable2: bool
    startTime1: TimeOfDayRequest
    endTime1: TimeOfDayRequest
    startTime2: TimeOfDayRequest
    endTime2: TimeOfDayRequest

    @classmethod
    def from_times(cls, sn: str, times: ForceChargeTimes) -> ForceChargeTimeSetRequest:
        def tod(value: TimeOfDay) -> TimeOfDayRequest:
            return TimeOfDayRequest(hour=value.hour, minute=value.minute)

        return cls(
            sn=sn,
            enable1=times.enable1,
            enable2=times.enable2,
            startTime1=tod(times.startTime1),
            endTime1=tod(times.endTime1),
            startTime2=tod(times.startTime2),
            endTime2=tod(times.endTime2),
        )


# ----- setting items --------------------------------------------------------------------------------


class DeviceSetting(SettingValue):
    """``/op/v0/device/setting/get``: one setting item. Known keys: ``ExportLimit`` [W], ``MinSoc``,
    ``MinSocOnGrid``, ``MaxSoc`` [%], ``GridCode``, ``WorkMode`` (an enumeration)."""


class SettingGetRequest(FoxRequest):
    sn: str = Field(min_length=1)
    key: str = Field(min_length=1)


class SettingSetRequest(FoxRequest):
    sn: str = Field(min_length=1)
    key: str = Field(min_length=1)
    value: str

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value if isinstance(value, str) else str(value)


# ----- device clock ---------------------------------------------------------------------------------


class DeviceTime(FoxModel):
    """``/op/v0/device/time/get``: the inverter's local wall clock, field by field (strings on the wire)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int = 0

    def as_datetime(self) -> datetime:
        """The inverter's clock as a naive datetime (its local time; it carries no zone)."""
        return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second)


class DeviceTimeSetRequest(FoxRequest):
    """Body of ``/op/v0/device/time/set``: every field a string. The cloud then turns off the inverter's
    automatic time synchronisation."""

    sn: str = Field(min_length=1)
    year: str
    month: str
    day: str
    hour: str
    minute: str
    second: str

    @classmethod
    def from_datetime(cls, sn: str, local: datetime) -> DeviceTimeSetRequest:
        """The wall-clock fields of ``local`` (convert an aware time to the inverter's zone first)."""
        return cls(
            sn=sn,
            year=str(local.year),
            month=str(local.month),
            day=str(local.day),
            hour=str(local.hour),
            minute=str(local.minute),
            second=str(local.second),
        )


# ----- peak shaving ---------------------------------------------------------------------------------


class PeakShaving(FoxModel):
    """``/op/v0/device/peakShaving/get``: the grid ``importLimit`` and the ``soc`` [%] kept for shaving,
    each with its unit and range."""

    importLimit: SettingValue | None = None
    soc: SettingValue | None = None


class PeakShavingSetRequest(FoxRequest):
    sn: str = Field(min_length=1)
    importLimit: float = Field(ge=0)  # in the unit PeakShaving.importLimit reports
    soc: int = Field(ge=0, le=100)
