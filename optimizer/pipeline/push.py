"""Writing a schedule to an inverter safely: write only what differs, read back, verify, roll back on failure.

The protocol, per device:

1. The caller has read the current state (``scheduler/get``: flag and groups) before planning.
2. If the enabled groups already on the inverter equal the new ones (as sorted sets, the server reorders them)
   and the flag is on, nothing is written.
3. Otherwise ``scheduler/enable`` with the new groups, then ``scheduler/set/flag enable=1`` (the real server turns
   the flag on with ``enable``; peers still set it, so do we), then ``scheduler/get`` to read back.
4. The read-back must hold exactly the groups sent and the flag on; otherwise the push failed.
5. On any failure after the first write (refused write, transport error or timeout, read-back mismatch) the
   previous state is restored: the previous enabled groups are written back (when there were any) and the flag is
   set to its previous value, then read back. If even that fails, the **safe fallback** is to switch the scheduler
   flag off, so the inverter runs its own base work mode (SelfUse with its own minimum SoC) instead of a schedule
   half-written by us. The error raised is the original one, its message saying what state the inverter was left in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from optimizer.errors import FoxEssError, OptimizerError, ReadbackMismatchError
from optimizer.scheduler import SchedulerGroup, active_groups, same_schedule

log = logging.getLogger(__name__)


class SchedulerState(Protocol):
    """The read-back of ``scheduler/get``: the flag and the groups."""

    @property
    def enable(self) -> bool: ...

    @property
    def groups(self) -> list[SchedulerGroup]: ...


@dataclass(frozen=True)
class ScheduleSnapshot:
    """A remembered scheduler state (flag and groups), to compare with and to restore."""

    enable: bool
    groups: list[SchedulerGroup]


class SchedulerApi(Protocol):
    """The part of :class:`optimizer.foxess.FoxEssClient` a push needs."""

    def scheduler_get(self, sn: str) -> SchedulerState: ...

    def scheduler_enable(self, sn: str, groups: list[SchedulerGroup]) -> None: ...

    def scheduler_set_flag(self, sn: str, enable: bool) -> None: ...


@dataclass
class PushReport:
    """What a push did: ``writes`` counts write calls, ``verified`` is true once the read-back matched."""

    sn: str
    pushed: bool = False
    writes: int = 0
    verified: bool = False
    unchanged: bool = False
    restored: bool | None = None
    fallback: str | None = None
    notes: list[str] = field(default_factory=list)


def schedule_differs(current: SchedulerState, new_groups: list[SchedulerGroup]) -> bool:
    """True when writing is needed: different enabled groups, or the flag off."""
    return not (bool(current.enable) and same_schedule(current.groups, new_groups))


def _verify(api: SchedulerApi, sn: str, groups: list[SchedulerGroup], enable: bool) -> None:
    state = api.scheduler_get(sn)
    if not same_schedule(state.groups, groups):
        sent = len(active_groups(groups))
        got = len(active_groups(state.groups))
        raise ReadbackMismatchError(
            f"{sn}: the inverter reports {got} enabled group(s) that differ from the {sent} just written",
            hint="The cloud accepted the write but did not apply it; the previous schedule was restored.",
        )
    if bool(state.enable) != enable:
        raise ReadbackMismatchError(
            f"{sn}: the scheduler flag reads {'on' if state.enable else 'off'} after setting it "
            f"{'on' if enable else 'off'}",
            hint="The previous schedule was restored; try again later.",
        )


def _restore(api: SchedulerApi, sn: str, previous: SchedulerState, report: PushReport) -> None:
    """Put back the previous groups and flag; fall back to flag off if that cannot be verified."""
    old_groups = active_groups(previous.groups)
    try:
        if old_groups:
            report.writes += 1
            api.scheduler_enable(sn, old_groups)
        report.writes += 1
        api.scheduler_set_flag(sn, bool(previous.enable))
        state = api.scheduler_get(sn)
        groups_back = same_schedule(state.groups, old_groups) or not previous.enable
        if groups_back and bool(state.enable) == bool(previous.enable):
            report.restored = True
            report.notes.append("previous schedule restored and verified")
            return
        raise ReadbackMismatchError(f"{sn}: the restored schedule did not read back as before")
    except OptimizerError as exc:
        log.warning("%s: restoring the previous schedule failed: %s", sn, exc)
    report.restored = False
    try:
        report.writes += 1
        api.scheduler_set_flag(sn, False)
        report.fallback = "scheduler flag switched off: the inverter runs its base work mode"
    except OptimizerError as exc:  # the cloud is gone: nothing more can be done from here
        log.error("%s: safe fallback (flag off) failed too: %s", sn, exc)
        report.fallback = "unknown: the cloud could not be reached to restore or switch off the schedule"
    report.notes.append(report.fallback)


def push_schedule(
    api: SchedulerApi,
    sn: str,
    new_groups: list[SchedulerGroup],
    current: SchedulerState,
) -> PushReport:
    """Write ``new_groups`` (already validated) if they differ from ``current``; verify; roll back on failure."""
    report = PushReport(sn=sn)
    if not schedule_differs(current, new_groups):
        report.unchanged = True
        report.verified = True
        report.notes.append("the inverter already holds this schedule: nothing written")
        return report
    try:
        report.writes += 1
        api.scheduler_enable(sn, new_groups)
        report.writes += 1
        api.scheduler_set_flag(sn, True)
        _verify(api, sn, new_groups, True)
    except (FoxEssError, ReadbackMismatchError) as exc:
        _restore(api, sn, current, report)
        exc.hint = _left_state(report, exc.hint if isinstance(exc, FoxEssError) else None)
        setattr(exc, "push_report", report)  # noqa: B010 (read by the nightly report)
        raise
    report.pushed = True
    report.verified = True
    return report


def _left_state(report: PushReport, hint: str | None) -> str:
    if report.restored:
        state = "The inverter keeps its previous schedule."
    elif report.fallback:
        state = f"Safe fallback: {report.fallback}."
    else:
        state = "The inverter's state could not be checked."
    return f"{state} {hint}" if hint else state
