"""Scheduler (mode scheduler / time segments), v1 and the deprecated v0.

Groups are :class:`optimizer.scheduler.SchedulerGroup`; read-only keys the cloud adds to groups (``id``,
``properties``) are dropped on read so that a read-back group can be written again without 40257.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_serializer, field_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, null_as_empty
from optimizer.scheduler import GROUP_COUNT_V1, SchedulerGroup, SchedulerProperties


def _bool01(value: Any) -> Any:
    """0/1, "0"/"1", booleans, or null (off)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false")
    return value


class SchedulerFlag(FoxModel):
    """``scheduler/get/flag``: whether the inverter supports the mode scheduler and whether it is on."""

    enable: bool = False
    support: bool = False

    _bools = field_validator("enable", "support", mode="before")(_bool01)


class SchedulerState(FoxModel):
    """``scheduler/get``: the master switch, the groups as stored (placeholders included) and the ranges
    the device accepts for each group field. A ``null`` result (seen after changes from the app) reads as
    switched off with no groups."""

    enable: bool = False
    groups: list[SchedulerGroup] = Field(default_factory=list)
    properties: SchedulerProperties = Field(default_factory=SchedulerProperties)

    _enable = field_validator("enable", mode="before")(_bool01)
    _groups = field_validator("groups", mode="before")(null_as_empty)

    @field_validator("properties", mode="before")
    @classmethod
    def _wire_properties(cls, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return SchedulerProperties.from_wire(value)
        return value


class SchedulerSetFlagRequest(FoxRequest):
    deviceSN: str = Field(min_length=1)
    enable: int = Field(ge=0, le=1)


class SchedulerEnableRequest(FoxRequest):
    """Body of ``/op/v1/device/scheduler/enable``: each group exactly as ``SchedulerGroup.wire()``."""

    deviceSN: str = Field(min_length=1)
    groups: list[SchedulerGroup] = Field(max_length=GROUP_COUNT_V1)

    @field_serializer("groups")
    def _wire_groups(self, groups: list[SchedulerGroup]) -> list[dict[str, Any]]:
        return [group.wire() for group in groups]


class SchedulerV0EnableRequest(SchedulerEnableRequest):
    """Body of the deprecated ``/op/v0/device/scheduler/enable``: v0 groups have no ``maxSoc``."""

    @field_serializer("groups")
    def _wire_groups(self, groups: list[SchedulerGroup]) -> list[dict[str, Any]]:
        return [{k: v for k, v in group.wire().items() if k != "maxSoc"} for group in groups]
