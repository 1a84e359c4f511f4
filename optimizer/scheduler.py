"""Scheduler v1 groups and the device ``properties`` they are validated against.

A group is exactly what ``/op/v1/device/scheduler/enable`` takes (camelCase keys, integer fields, the end
minute inclusive). ``properties`` come from ``/op/v1/device/scheduler/get`` with lowercase keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

WORK_MODES_V1 = ("SelfUse", "Feedin", "Backup", "ForceCharge", "ForceDischarge")
INVALID_MODE = "Invalid"
GROUP_COUNT_V1 = 8


class SchedulerGroup(BaseModel):
    """One scheduler v1 time segment, as sent and as read back (extra read-only keys dropped)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    enable: int = Field(1, ge=0, le=1)
    startHour: int = Field(ge=0, le=23)
    startMinute: int = Field(ge=0, le=59)
    endHour: int = Field(ge=0, le=23)
    endMinute: int = Field(ge=0, le=59)
    workMode: str
    minSocOnGrid: int
    fdSoc: int
    fdPwr: int
    maxSoc: int | None = None

    @property
    def start_minute_of_day(self) -> int:
        return self.startHour * 60 + self.startMinute

    @property
    def end_minute_of_day(self) -> int:
        """Exclusive end, in minutes after local midnight (``23:59`` inclusive gives 1440)."""
        return self.endHour * 60 + self.endMinute + 1

    @property
    def is_active(self) -> bool:
        return self.enable == 1 and self.workMode != INVALID_MODE

    def wire(self) -> dict[str, Any]:
        """The dict sent to the cloud: ``maxSoc`` omitted when ``None``."""
        return self.model_dump(exclude_none=True)

    def sort_key(self) -> tuple[int, int, str]:
        return (self.start_minute_of_day, self.end_minute_of_day, self.workMode)


class PropertyRange(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    min: float
    max: float


class PropertySpec(BaseModel):
    """One entry of ``properties``: a numeric range with precision, or an enumeration."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: str = ""
    precision: float = 1.0
    range: PropertyRange | None = None
    enumList: list[str] | None = None


class SchedulerProperties(BaseModel):
    """``properties`` of ``scheduler/get`` keyed by lowercase field name (``fdpwr``, ``maxsoc``, ...)."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, PropertySpec] = Field(default_factory=dict)

    @classmethod
    def from_wire(cls, raw: dict[str, Any] | None) -> SchedulerProperties:
        raw = raw or {}
        return cls(fields={str(k).lower(): PropertySpec.model_validate(v) for k, v in raw.items()})

    def spec(self, field: str) -> PropertySpec | None:
        return self.fields.get(field.lower())

    @property
    def work_modes(self) -> tuple[str, ...]:
        spec = self.spec("workmode")
        if spec and spec.enumList:
            return tuple(m for m in spec.enumList if m != INVALID_MODE)
        return WORK_MODES_V1

    @property
    def supports_max_soc(self) -> bool:
        return self.spec("maxsoc") is not None

    def wire(self) -> dict[str, Any]:
        return {k: v.model_dump(exclude_none=True) for k, v in self.fields.items()}


def active_groups(groups: list[SchedulerGroup]) -> list[SchedulerGroup]:
    """Enabled, non-placeholder groups sorted by start: the form schedules are compared in."""
    return sorted((g for g in groups if g.is_active), key=SchedulerGroup.sort_key)


def same_schedule(a: list[SchedulerGroup], b: list[SchedulerGroup]) -> bool:
    """True when both lists hold the same enabled groups, whatever their order (the server reorders)."""
    return [g.wire() for g in active_groups(a)] == [g.wire() for g in active_groups(b)]
