"""Scheduler (mode scheduler / time segments): v1, the deprecated v0, v2 reads and v3.

Groups are :class:`optimizer.scheduler.SchedulerGroup` in the v1 form on every version; read-only keys the
cloud adds to groups (``id``, ``properties``) are dropped on read so that a read-back group can be written
again without 40257. v2/v3 answers (``extraParam`` floats, ``maxGroupCount``, the "Remain Time" group) are
parsed by :class:`SchedulerV3Answer` and turned into the same :class:`SchedulerState`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_serializer, field_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, null_as_empty
from optimizer.scheduler import (
    GROUP_COUNT_V1,
    SchedulerGroup,
    SchedulerProperties,
    from_v3_group,
    split_remain,
)


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
    switched off with no groups.

    The same object comes from every scheduler version: ``version`` says which one answered (1 or 3);
    ``groups`` are always in the v1 form; on v3, ``remain_group`` is the "Remain Time" 00:00–23:59 group that
    underlies the others (kept out of ``groups``, see :func:`optimizer.scheduler.split_remain`) and
    ``properties`` carry ``maxGroupCount`` (:attr:`max_group_count`).
    """

    enable: bool = False
    groups: list[SchedulerGroup] = Field(default_factory=list)
    properties: SchedulerProperties = Field(default_factory=SchedulerProperties)
    version: int = 1
    remain_group: SchedulerGroup | None = None

    _enable = field_validator("enable", mode="before")(_bool01)
    _groups = field_validator("groups", mode="before")(null_as_empty)

    @field_validator("properties", mode="before")
    @classmethod
    def _wire_properties(cls, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return SchedulerProperties.from_wire(value)
        return value

    @property
    def max_group_count(self) -> int:
        """How many groups the device takes (``maxGroupCount`` on v3, 8 on v1)."""
        return self.properties.group_limit

    @property
    def work_modes(self) -> tuple[str, ...]:
        """The device's work-mode list (``properties.workmode.enumList``)."""
        return self.properties.work_modes


class SchedulerV3Answer(FoxModel):
    """A v2 or v3 ``scheduler/get`` result as sent: groups with ``extraParam`` floats, ``maxGroupCount`` (v3)."""

    enable: bool = False
    groups: list[dict[str, Any]] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)
    maxGroupCount: int | None = None

    _enable = field_validator("enable", mode="before")(_bool01)
    _groups = field_validator("groups", mode="before")(null_as_empty)

    @field_validator("properties", mode="before")
    @classmethod
    def _null_properties(cls, value: Any) -> Any:
        return {} if value is None or value == [] else value

    def state(self, version: int) -> SchedulerState:
        """The version-independent :class:`SchedulerState` (v1-form groups, Remain Time group split off on v3).

        Raises ``ValueError`` naming the group for a group that does not convert.
        """
        groups = []
        for index, raw in enumerate(self.groups):
            try:
                groups.append(from_v3_group(raw))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"groups[{index}]: {exc}") from None
        remain = None
        if version >= 3:
            groups, remain = split_remain(groups)
        properties = SchedulerProperties.from_wire(self.properties, self.maxGroupCount, scheduler_version=version)
        return SchedulerState(
            enable=self.enable, groups=groups, properties=properties, version=version, remain_group=remain
        )


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


class SchedulerV3EnableRequest(FoxRequest):
    """Body of ``/op/v3/device/scheduler/enable``: v3 groups (:func:`optimizer.scheduler.v3_group`) and
    ``isDefault`` (``false``: parameters a group omits keep their values; ``true``: they get the defaults)."""

    deviceSN: str = Field(min_length=1)
    isDefault: bool = False
    groups: list[dict[str, Any]]


class SchedulerV0EnableRequest(SchedulerEnableRequest):
    """Body of the deprecated ``/op/v0/device/scheduler/enable``: v0 groups have no ``maxSoc``."""

    @field_serializer("groups")
    def _wire_groups(self, groups: list[SchedulerGroup]) -> list[dict[str, Any]]:
        return [{k: v for k, v in group.wire().items() if k != "maxSoc"} for group in groups]
