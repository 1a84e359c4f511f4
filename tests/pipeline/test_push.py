"""The safe push protocol against an in-memory scheduler that can refuse, drop or time out a write."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from optimizer.errors import ApiError, ReadbackMismatchError, TransportError
from optimizer.pipeline.push import ScheduleSnapshot, push_schedule, schedule_differs
from optimizer.scheduler import SchedulerGroup, same_schedule


def group(h0: int, h1: int, mode: str = "ForceCharge", soc: int = 90) -> SchedulerGroup:
    return SchedulerGroup(
        enable=1,
        startHour=h0,
        startMinute=0,
        endHour=h1,
        endMinute=59,
        workMode=mode,
        minSocOnGrid=10,
        fdSoc=soc,
        fdPwr=3000,
        maxSoc=soc,
    )


OLD = [group(1, 3, soc=80)]
NEW = [group(2, 4, soc=95), group(17, 18, "ForceDischarge", soc=20)]


@dataclass
class State:
    enable: bool
    groups: list[SchedulerGroup]


@dataclass
class MemoryScheduler:
    """Stores groups like the cloud (reversed on read-back); ``fail`` maps a method to a planned failure."""

    enable: bool = True
    groups: list[SchedulerGroup] = field(default_factory=lambda: list(OLD))
    fail: dict[str, Exception | str] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    def _maybe_fail(self, name: str) -> bool:
        action = self.fail.pop(name, None)
        if isinstance(action, Exception):
            raise action
        return action == "drop"

    def scheduler_get(self, sn: str) -> State:
        self._maybe_fail("get")
        return State(self.enable, list(reversed(self.groups)))

    def scheduler_enable(self, sn: str, groups: list[SchedulerGroup]) -> None:
        self.writes.append("enable")
        if self._maybe_fail("enable"):
            return  # success reported, nothing stored
        self.groups = list(groups)
        self.enable = True

    def scheduler_set_flag(self, sn: str, enable: bool) -> None:
        self.writes.append(f"flag={int(enable)}")
        if self._maybe_fail("flag"):
            return
        self.enable = enable


def test_writes_verifies_and_reports() -> None:
    api = MemoryScheduler()
    report = push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(OLD)))
    assert report.pushed and report.verified and report.writes == 2
    assert same_schedule(api.groups, NEW) and api.enable


def test_identical_schedule_writes_nothing_even_when_reordered() -> None:
    api = MemoryScheduler(groups=list(NEW))
    report = push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(reversed(NEW))))
    assert report.unchanged and report.writes == 0 and api.writes == []


def test_flag_off_counts_as_different() -> None:
    assert schedule_differs(ScheduleSnapshot(False, list(NEW)), NEW)
    assert not schedule_differs(ScheduleSnapshot(True, list(NEW)), NEW)


def test_refused_write_leaves_previous_schedule() -> None:
    api = MemoryScheduler(fail={"enable": ApiError(42023, "Time overlap", "/op/v1/device/scheduler/enable")})
    with pytest.raises(ApiError) as info:
        push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(OLD)))
    assert same_schedule(api.groups, OLD) and api.enable
    assert "previous schedule" in (info.value.hint or "")


def test_write_reported_but_not_applied_is_detected_and_restored() -> None:
    api = MemoryScheduler(fail={"enable": "drop"})
    with pytest.raises(ReadbackMismatchError) as info:
        push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(OLD)))
    assert info.value.exit_code == 8
    assert same_schedule(api.groups, OLD) and api.enable


def test_timeout_after_write_restores_previous_groups() -> None:
    api = MemoryScheduler(fail={"flag": TransportError("timed out")})
    with pytest.raises(TransportError):
        push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(OLD)))
    assert same_schedule(api.groups, OLD) and api.enable
    assert api.writes == ["enable", "flag=1", "enable", "flag=1"]


def test_restore_of_flag_off_state() -> None:
    api = MemoryScheduler(enable=False, groups=[], fail={"enable": "drop"})
    with pytest.raises(ReadbackMismatchError):
        push_schedule(api, "SN1", NEW, ScheduleSnapshot(False, []))
    assert api.enable is False


def test_safe_fallback_when_restore_fails() -> None:
    api = MemoryScheduler()
    # the write half-succeeds, then every later write of groups fails: restoring is impossible
    failing = TransportError("cloud gone")

    def broken_enable(sn: str, groups: list[SchedulerGroup]) -> None:
        api.writes.append("enable")
        if len(api.writes) == 1:
            api.groups = list(groups)
            raise failing
        raise failing

    api.scheduler_enable = broken_enable  # type: ignore[method-assign]
    with pytest.raises(TransportError) as info:
        push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(OLD)))
    assert api.enable is False  # safe fallback: the flag off, the inverter runs its base mode
    assert "Safe fallback" in (info.value.hint or "")
