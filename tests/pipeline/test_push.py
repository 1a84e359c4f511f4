"""The push protocol against an in-memory scheduler that can refuse, drop, time out or half-apply a write.

Every failure is settled by reading the inverter first: kept when the cloud changed nothing, verified when the
write went through after all, written back exactly (disabled groups too) otherwise, and only when the inverter
is known to hold neither schedule is the flag switched off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from optimizer.errors import (
    ApiError,
    QuotaBudgetError,
    QuotaExhaustedError,
    ReadbackMismatchError,
    TransientApiError,
    TransportError,
)
from optimizer.pipeline.journal import PushJournal
from optimizer.pipeline.push import (
    RESERVED_CALLS,
    ScheduleSnapshot,
    push_report_of,
    push_schedule,
    reason,
    schedule_differs,
)
from optimizer.scheduler import SchedulerGroup, same_schedule

ENABLE_PATH = "/op/v1/device/scheduler/enable"


def group(h0: int, h1: int, mode: str = "ForceCharge", soc: int = 90, enable: int = 1) -> SchedulerGroup:
    return SchedulerGroup(
        enable=enable,
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
DISABLED = group(20, 21, "ForceDischarge", soc=30, enable=0)


@dataclass
class State:
    enable: bool
    groups: list[SchedulerGroup]


@dataclass
class MemoryScheduler:
    """Stores groups like the cloud (reversed on read-back; a write turns the flag on).

    ``fail`` maps ``get``/``enable``/``flag`` to a list of planned outcomes, one per call: an exception is raised
    *before* the call changes anything, ``"drop"`` reports success and stores nothing, ``"apply+raise"`` stores
    and then raises a timeout (the answer was lost).
    """

    enable: bool = True
    groups: list[SchedulerGroup] = field(default_factory=lambda: list(OLD))
    fail: dict[str, list[Exception | str | None]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def _next(self, name: str) -> Exception | str | None:
        planned = self.fail.get(name)
        return planned.pop(0) if planned else None

    def scheduler_get(self, sn: str) -> State:
        self.calls.append("get")
        action = self._next("get")
        if isinstance(action, Exception):
            raise action
        return State(self.enable, list(reversed(self.groups)))

    def scheduler_enable(self, sn: str, groups: list[SchedulerGroup]) -> None:
        self.calls.append("enable")
        action = self._next("enable")
        if isinstance(action, Exception):
            raise action
        if action == "drop":
            return
        self.groups, self.enable = list(groups), True
        if action == "apply+raise":
            raise TransportError("Fox ESS /op/v1/device/scheduler/enable: no answer within 30 s")

    def scheduler_set_flag(self, sn: str, enable: bool) -> None:
        self.calls.append(f"flag={int(enable)}")
        action = self._next("flag")
        if isinstance(action, Exception):
            raise action
        if action != "drop":
            self.enable = enable

    @property
    def writes(self) -> list[str]:
        return [c for c in self.calls if c != "get"]


def refused(errno: int = 44098) -> ApiError:
    return ApiError(errno, "Write failed", ENABLE_PATH, name="write-failed")


def push(api: MemoryScheduler, previous: ScheduleSnapshot | None = None, **kw):  # type: ignore[no-untyped-def]
    previous = previous or ScheduleSnapshot(api.enable, list(api.groups))
    return push_schedule(api, "SN1", NEW, previous, **kw)


def test_writes_verifies_and_reports() -> None:
    api = MemoryScheduler()
    report = push(api)
    assert report.pushed and report.verified and report.writes == 2 and report.holds == "new"
    assert same_schedule(api.groups, NEW) and api.enable
    assert api.calls == ["enable", "flag=1", "get"]


def test_identical_schedule_writes_nothing_even_when_reordered() -> None:
    api = MemoryScheduler(groups=list(NEW))
    report = push_schedule(api, "SN1", NEW, ScheduleSnapshot(True, list(reversed(NEW))))
    assert report.unchanged and report.writes == 0 and api.calls == []


def test_flag_off_counts_as_different() -> None:
    assert schedule_differs(ScheduleSnapshot(False, list(NEW)), NEW)
    assert not schedule_differs(ScheduleSnapshot(True, list(NEW)), NEW)


@pytest.mark.parametrize("errno", [44098, 41200, 40256, 42023])
def test_every_write_refused_keeps_the_schedule_and_never_switches_it_off(errno: int) -> None:
    """Issue 12, item 2: the cloud changed nothing, so nothing more is written, and the flag stays on."""
    api = MemoryScheduler(fail={"enable": [refused(errno)] * 5, "flag": [refused(errno)] * 5})
    with pytest.raises(ApiError) as info:
        push(api)
    assert api.groups == OLD and api.enable  # untouched
    assert api.writes == ["enable"]  # no restore, no flag off: the read showed the previous schedule
    report = push_report_of(info.value)
    assert report is not None and report.holds == "previous" and report.restored and report.fallback is None
    assert "still holds its previous schedule (read back)" in info.value.message
    assert info.value.exit_code == 4


def test_refused_write_with_http_errors_keeps_the_flag() -> None:
    api = MemoryScheduler(fail={"enable": [TransportError("Fox ESS /op/v1/device/scheduler/enable: HTTP 503")]})
    with pytest.raises(TransportError) as info:
        push(api)
    assert api.enable and api.groups == OLD and "flag=0" not in api.writes
    assert info.value.exit_code == 5


def test_write_reported_but_not_applied_is_detected_and_nothing_more_written() -> None:
    api = MemoryScheduler(fail={"enable": ["drop"]})
    with pytest.raises(ReadbackMismatchError) as info:
        push(api)
    assert info.value.exit_code == 8
    assert same_schedule(api.groups, OLD) and api.enable
    assert api.writes == ["enable", "flag=1"]  # the flag was already on: the inverter kept its schedule


def test_a_lost_answer_to_a_write_that_went_through_is_verified_by_the_read() -> None:
    api = MemoryScheduler(fail={"enable": ["apply+raise"]})
    report = push(api)
    assert report.verified and report.holds == "new" and same_schedule(api.groups, NEW)
    assert any("settled" in note for note in report.notes)


def test_timeout_on_the_flag_after_the_groups_landed_is_verified() -> None:
    api = MemoryScheduler(fail={"flag": [TransportError("no answer")]})
    report = push(api)
    assert report.verified and api.enable and same_schedule(api.groups, NEW)


def test_flag_off_before_and_write_not_applied_puts_the_flag_back_off() -> None:
    """The old groups would otherwise run: the flag was off before, it goes off again."""
    api = MemoryScheduler(enable=False, groups=list(OLD), fail={"enable": ["drop", "drop"]})
    with pytest.raises(ReadbackMismatchError) as info:
        push(api)
    assert api.enable is False and same_schedule(api.groups, OLD)
    assert push_report_of(info.value).holds == "previous"  # type: ignore[union-attr]


def test_restore_writes_back_every_stored_group_disabled_ones_included() -> None:
    """Issue 12, item 7: a restore put back only the enabled groups, dropping the disabled one."""
    previous = [*OLD, DISABLED]
    api = MemoryScheduler(enable=True, groups=list(previous))

    def other_tool_writes(sn: str, groups: list[SchedulerGroup]) -> None:  # our write lands, then another's
        api.calls.append("enable")
        api.groups = [group(12, 13, "Feedin")] if len(api.writes) == 1 else list(groups)

    api.scheduler_enable = other_tool_writes  # type: ignore[method-assign]
    with pytest.raises(ReadbackMismatchError) as info:
        push(api)
    assert sorted(g.wire()["startHour"] for g in api.groups) == [1, 20]
    assert DISABLED in api.groups and api.enable
    assert "written back and read back" in info.value.message


def test_flag_switched_off_only_when_known_to_hold_neither_schedule() -> None:
    api = MemoryScheduler()
    foreign = [group(12, 13, "Feedin")]

    def foreign_then_refused(sn: str, groups: list[SchedulerGroup]) -> None:
        api.calls.append("enable")
        if len(api.writes) == 1:
            api.groups = foreign  # another tool's schedule replaced ours
            return
        raise refused()  # and writing back the previous one is refused

    api.scheduler_enable = foreign_then_refused  # type: ignore[method-assign]
    with pytest.raises(ReadbackMismatchError) as info:
        push(api)
    assert api.enable is False  # the safe state: the inverter runs its own work mode
    report = push_report_of(info.value)
    assert report is not None and report.holds == "base_mode" and report.fallback
    assert "switched off and read back" in info.value.message
    assert api.calls[-2:] == ["flag=0", "get"]  # read back after switching off


def test_unreadable_inverter_is_not_written_blind() -> None:
    api = MemoryScheduler(fail={"enable": [refused()], "get": [TransportError("HTTP 503")] * 5})
    with pytest.raises(ApiError) as info:
        push(api)
    assert api.writes == ["enable"]  # nothing restored, nothing switched off without knowing
    report = push_report_of(info.value)
    assert report is not None and report.holds == "unknown"
    assert report.fallback and report.fallback.startswith("unknown: the inverter could not be read back")
    assert "could not be reached" not in (report.fallback + info.value.message)


def test_reasons_are_honest() -> None:
    assert "local API call budget" in reason(QuotaBudgetError("this run has made 7 of its 7 allowed API calls"))
    assert "daily API quota" in reason(QuotaExhaustedError(40402, "limit", "/op/v1/device/scheduler/get"))
    assert "refused scheduler/enable (errno 41200" in reason(TransientApiError(41200, "x", ENABLE_PATH))
    unreachable = TransportError("cannot reach the Fox ESS cloud at https://x (ConnectError)")
    assert reason(unreachable).startswith("the Fox ESS cloud could not be reached")
    assert "could not be reached" not in reason(TransportError("Fox ESS /op/v1/device/scheduler/get: HTTP 503"))


def test_no_write_without_the_reserve() -> None:
    api = MemoryScheduler()
    asked: list[int] = []

    def budget(n: int) -> None:
        asked.append(n)
        raise QuotaBudgetError("this run has made 7 of its 7 allowed API calls", hint="Raise it.")

    with pytest.raises(QuotaBudgetError) as info:
        push(api, budget=budget)
    assert asked == [RESERVED_CALLS] and api.calls == []
    assert info.value.exit_code == 6 and "nothing was written" in info.value.message


def test_max_soc_ignored_where_the_device_does_not_take_it() -> None:
    """Issue 12, item 7: properties without maxsoc; the read-back still shows maxSoc 100."""
    sent = [g.model_copy(update={"maxSoc": None}) for g in NEW]

    class Echo(MemoryScheduler):
        def scheduler_get(self, sn: str) -> State:
            state = super().scheduler_get(sn)
            return State(state.enable, [g.model_copy(update={"maxSoc": 100}) for g in state.groups])

    api = Echo()
    report = push_schedule(api, "SN1", sent, ScheduleSnapshot(True, list(OLD)), max_soc=False)
    assert report.verified
    written_back: list[list[SchedulerGroup]] = []
    api2 = Echo(fail={"enable": ["drop"]}, enable=False)
    api2.scheduler_enable_orig = api2.scheduler_enable  # type: ignore[attr-defined]

    def record(sn: str, groups: list[SchedulerGroup]) -> None:
        written_back.append(groups)
        api2.scheduler_enable_orig(sn, groups)  # type: ignore[attr-defined]

    api2.scheduler_enable = record  # type: ignore[method-assign]
    with pytest.raises(ReadbackMismatchError):
        push_schedule(api2, "SN1", sent, ScheduleSnapshot(False, list(OLD)), max_soc=False)
    assert len(written_back) == 2 and all(g.maxSoc is None for g in written_back[1])


def test_journal_written_before_the_first_write_and_closed(tmp_path: Path) -> None:
    journal = PushJournal(tmp_path / "push-journal.json")
    api = MemoryScheduler()
    seen: list[str | None] = []
    original = api.scheduler_enable

    def spy(sn: str, groups: list[SchedulerGroup]) -> None:
        entry = journal.get("SN1")
        seen.append(entry.state if entry else None)
        assert entry is not None and list(entry.previous.groups) == OLD and same_schedule(list(entry.intended), NEW)
        original(sn, groups)

    api.scheduler_enable = spy  # type: ignore[method-assign]
    push(api, journal=journal, command="push")
    assert seen == ["writing"]
    entry = journal.get("SN1")
    assert entry is not None and entry.state == "verified" and not entry.pending
