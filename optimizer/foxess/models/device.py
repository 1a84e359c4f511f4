"""Inverters and the other hardware of an account: device list and detail, variables, fault codes,
data loggers and meters."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, field_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, SettingValue, null_as_empty, number_or_none

DEVICE_STATUS = {1: "online", 2: "fault", 3: "offline"}
LOGGER_STATUS = {1: "online", 2: "offline"}


def _status_text(status: int | None, table: dict[int, str]) -> str:
    if status is None:
        return "unknown"
    return table.get(status, str(status))


class DeviceSummary(FoxModel):
    """One inverter of ``/op/v0/device/list``. ``status``: 1 online, 2 fault, 3 offline; ``deviceType``
    is the model (``KH10``), ``productType`` the series (``KH``)."""

    deviceSN: str
    moduleSN: str | None = None
    stationID: str | None = None
    stationName: str | None = None
    status: int | None = None
    hasPV: bool | None = None
    hasBattery: bool | None = None
    deviceType: str | None = None
    productType: str | None = None

    @property
    def sn(self) -> str:
        return self.deviceSN

    @property
    def status_text(self) -> str:
        return _status_text(self.status, DEVICE_STATUS)


class DeviceFunction(FoxModel):
    """``function`` of the device detail: which optional features the inverter supports."""

    scheduler: bool = False


class BatteryInfo(FoxModel):
    """One entry of ``batteryList``. A battery stack is listed once per part (``bcu``, ``bmu``, ...); only
    some parts carry ``capacity`` [Wh] (the vendor document spells the key ``capicty``; both are read)."""

    batterySN: str | None = None
    type: str | None = None
    version: str | None = None
    model: str | None = None
    capacity: float | None = Field(None, validation_alias=AliasChoices("capacity", "capicty"))

    _capacity = field_validator("capacity", mode="before")(number_or_none)


class DeviceDetail(FoxModel):
    """``/op/v0/device/detail``. ``capacity`` is the inverter rating in whole kW as the cloud reports it
    (truncated on half-kW models: a KH10.5 reports 10); ``function.scheduler`` tells scheduler support."""

    deviceSN: str
    moduleSN: str | None = None
    stationID: str | None = None
    stationName: str | None = None
    afciVersion: str | None = None
    managerVersion: str | None = None
    masterVersion: str | None = None
    slaveVersion: str | None = None
    hardwareVersion: str | None = None
    status: int | None = None
    capacity: float | None = None
    function: DeviceFunction = Field(default_factory=DeviceFunction)
    batteryList: list[BatteryInfo] = Field(default_factory=list)
    deviceType: str | None = None
    productType: str | None = None
    hasPV: bool | None = None
    hasBattery: bool | None = None

    _batteries = field_validator("batteryList", mode="before")(null_as_empty)

    @field_validator("function", mode="before")
    @classmethod
    def _null_function(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def sn(self) -> str:
        return self.deviceSN

    @property
    def batteries(self) -> list[BatteryInfo]:
        return self.batteryList

    @property
    def capacity_kw(self) -> float | None:
        """The inverter rating [kW] (see the class note on truncation)."""
        return self.capacity

    @property
    def status_text(self) -> str:
        return _status_text(self.status, DEVICE_STATUS)

    @property
    def battery_capacity_kwh(self) -> float | None:
        """Battery size [kWh]: the sum of the parts that report a capacity [Wh], or ``None``."""
        sizes = [b.capacity for b in self.batteryList if b.capacity]
        return round(sum(sizes) / 1000.0, 3) if sizes else None

    @property
    def battery_models(self) -> list[str]:
        """Distinct battery model names, in list order."""
        return list(dict.fromkeys(b.model for b in self.batteryList if b.model))


class VariableInfo(FoxModel):
    """One variable of ``/op/v0/device/variable/get``: its unit and names (``name`` is a dict of
    translations keyed by language, or a plain string)."""

    variable: str
    unit: str | None = None
    name: dict[str, str] | str | None = None

    @property
    def name_en(self) -> str:
        if isinstance(self.name, dict):
            return self.name.get("en") or next(iter(self.name.values()), self.variable)
        return self.name or self.variable


class FaultCode(FoxModel):
    """One fault code of ``/op/v0/device/fault/get`` with its texts by language (``en``, ``zh_CN``, ...)."""

    code: str
    texts: dict[str, str] = Field(default_factory=dict)

    @property
    def en(self) -> str:
        return self.texts.get("en", "")


class DataLogger(FoxModel):
    """One data logger (module) of ``/op/v0/module/list``. ``status``: 1 online, 2 offline;
    ``signal`` 0-100 [%]."""

    moduleSN: str
    stationID: str | None = None
    status: int | None = None
    signal: float | None = None

    @property
    def status_text(self) -> str:
        return _status_text(self.status, LOGGER_STATUS)


class Meter(FoxModel):
    """One meter of ``/op/v0/gw/list``. ``status``: 1 online, 2 fault, 3 offline."""

    sn: str
    stationID: str | None = None
    stationName: str | None = None
    status: int | None = None

    @property
    def status_text(self) -> str:
        return _status_text(self.status, DEVICE_STATUS)


class MeterSettings(FoxModel):
    """``/op/v0/gw/setting/get``: each item a :class:`SettingValue` (``mode`` is an enumeration)."""

    mode: SettingValue | None = None
    feedinPower: SettingValue | None = None
    outputMaxCurrent: SettingValue | None = None
    inputMaxCurrent: SettingValue | None = None
    overVoltageMaxValue: SettingValue | None = None
    underVoltageMinValue: SettingValue | None = None
    sysOnOffPowerValue: SettingValue | None = None
    deviceQuantity: SettingValue | None = None


class MeterSettingsSetRequest(FoxRequest):
    """Body of ``/op/v0/gw/setting/set``. Values are strings on the wire; ``feedinPower`` only outside the
    normal mode, the current and voltage limits only in G100 mode."""

    sn: str = Field(min_length=1)
    mode: str = Field(min_length=1)
    feedinPower: str | None = None
    outputMaxCurrent: str | None = None
    inputMaxCurrent: str | None = None
    overVoltageMaxValue: str | None = None
    underVoltageMinValue: str | None = None
    sysOnOffPowerValue: str | None = None

    @field_validator(
        "feedinPower",
        "outputMaxCurrent",
        "inputMaxCurrent",
        "overVoltageMaxValue",
        "underVoltageMinValue",
        "sysOnOffPowerValue",
        mode="before",
    )
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return value if value is None or isinstance(value, str) else str(value)
