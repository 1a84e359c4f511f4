"""Measurements: real-time values (v1 and v0), history, production reports, generation totals, and the
account's remaining call count."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, null_as_empty
from optimizer.foxess.timeparse import parse_fox_time

MAX_SNS_PER_REALTIME_CALL = 50
REPORT_VARIABLES = (
    "generation",
    "feedin",
    "loads",
    "gridConsumption",
    "chargeEnergyToTal",
    "dischargeEnergyToTal",
    "PVEnergyTotal",
)


def fox_time_or_none(value: Any) -> Any:
    """Fox time strings → aware datetimes (see :func:`parse_fox_time`); ``None``/empty stays ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_fox_time(value)
    return value


# ----- real-time ------------------------------------------------------------------------------------


class RealTimeValue(FoxModel):
    """One variable of a real-time answer. ``value`` is a number in ``unit`` (kW, %, V, ...) or a string
    for enumerations. ``ResidualEnergy`` comes in units of 0.01 kWh; ``invBatPower`` is positive when
    discharging."""

    variable: str
    unit: str | None = None
    name: str | None = None
    value: float | str | None = None
    time: datetime | None = None

    _time = field_validator("time", mode="before")(fox_time_or_none)


class RealTimeData(FoxModel):
    """The latest values of one inverter (``/op/v1/device/real/query`` or its v0 predecessor)."""

    deviceSN: str
    time: datetime | None = None
    datas: list[RealTimeValue] = Field(default_factory=list)

    _time = field_validator("time", mode="before")(fox_time_or_none)
    _datas = field_validator("datas", mode="before")(null_as_empty)

    @property
    def sn(self) -> str:
        return self.deviceSN

    @property
    def updated(self) -> datetime | None:
        """When the values were measured: the item's ``time``, else the latest per-variable time."""
        if self.time is not None:
            return self.time
        times = [d.time for d in self.datas if d.time is not None]
        return max(times) if times else None

    def get(self, variable: str) -> RealTimeValue | None:
        return next((d for d in self.datas if d.variable == variable), None)

    def number(self, variable: str) -> float | None:
        """The numeric value of ``variable`` in its unit, or ``None`` when absent or not numeric."""
        item = self.get(variable)
        if item is None or item.value is None:
            return None
        try:
            return float(item.value)
        except ValueError:
            return None


class RealTimeV1Request(FoxRequest):
    sns: list[str] = Field(min_length=1, max_length=MAX_SNS_PER_REALTIME_CALL)
    variables: list[str] | None = None


class RealTimeV0Request(FoxRequest):
    sn: str | None = None  # None: every inverter of the account
    variables: list[str] | None = None


# ----- history --------------------------------------------------------------------------------------


class HistoryPoint(FoxModel):
    """One sample of a history variable: an aware ``time`` and its ``value`` in the variable's unit
    (kW for the power variables); ``None`` where the cloud has a gap."""

    time: datetime
    value: float | None = None

    _time = field_validator("time", mode="before")(fox_time_or_none)


class HistorySeries(FoxModel):
    variable: str
    unit: str | None = None
    name: str | None = None
    data: list[HistoryPoint] = Field(default_factory=list)

    _data = field_validator("data", mode="before")(null_as_empty)


class HistoryResult(FoxModel):
    deviceSN: str | None = None
    datas: list[HistorySeries] = Field(default_factory=list)

    _datas = field_validator("datas", mode="before")(null_as_empty)


class HistoryRequest(FoxRequest):
    """Body of ``/op/v0/device/history/query``; ``begin``/``end`` epoch milliseconds [ms], ≤ 24 h apart."""

    sn: str = Field(min_length=1)
    variables: list[str] | None = None
    begin: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> HistoryRequest:
        if self.end <= self.begin:
            raise ValueError(f"end ({self.end}) must be after begin ({self.begin})")
        return self


# ----- reports and totals ---------------------------------------------------------------------------


class ReportVariable(FoxModel):
    """One variable of a production report: energies [kWh] per hour (day), per day (month) or per month
    (year), in the station's time zone. Values are as the cloud sends them (float noise included)."""

    variable: str
    unit: str = "kWh"
    values: list[float | None] = Field(default_factory=list)

    _values = field_validator("values", mode="before")(null_as_empty)


class ReportRequest(FoxRequest):
    """Body of ``/op/v0/device/report/query``: ``day`` needs year, month and day; ``month`` year and month;
    ``year`` the year only."""

    sn: str = Field(min_length=1)
    year: int = Field(ge=2020, le=2100)
    month: int | None = Field(None, ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)
    dimension: Literal["day", "month", "year"]
    variables: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields_match_dimension(self) -> ReportRequest:
        needs = {"day": ("month", "day"), "month": ("month",), "year": ()}[self.dimension]
        for name in ("month", "day"):
            given = getattr(self, name) is not None
            if name in needs and not given:
                raise ValueError(f"a {self.dimension} report needs {name}")
            if name not in needs and given:
                raise ValueError(f"a {self.dimension} report takes no {name}")
        return self


class Generation(FoxModel):
    """``/op/v0/device/generation``: energy generated [kWh] ``today``, this ``month`` and ``cumulative``
    (station time)."""

    today: float | None = None
    month: float | None = None
    cumulative: float | None = None


class AccessCount(FoxModel):
    """``/op/v0/user/getAccessCount``: the account's daily call allowance (``total``) and what is left of it
    today (``remaining``). The vendor document lists only ``total``; the live server also sends
    ``remaining``. Numbers may arrive as strings."""

    total: int | None = None
    remaining: int | None = None

    @field_validator("total", "remaining", mode="before")
    @classmethod
    def _integer(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return int(float(text)) if text else None
        if isinstance(value, float):
            return int(value)
        return value
