"""Writing a schedule to an inverter so that it ends holding the previous schedule or the new one, verified.

The protocol, per inverter (``docs/push.md`` tells the same with the reasons):

1. **Diff.** The caller read the inverter (``scheduler/get``: flag and groups) before planning. If its enabled
   groups equal the new ones (as sorted sets: the server reorders them) and the flag is on, nothing is written.
2. **Reservation.** Before the first write the push makes sure it can finish: :data:`RESERVED_CALLS` calls must
   be left under every limit of the call counter (``[foxess] max_calls_per_run``, ``daily_budget``, and the
   cloud's own remaining count, which the caller reconciles first with ``user/getAccessCount``). They cover
   the protocol's nine calls (two writes and the read-back; the read after a failure; writing back the previous
   groups and flag and reading them back; switching the flag off and reading it back) and four retries. If
   they are not there nothing is written (:class:`~optimizer.errors.QuotaBudgetError`, exit 6).
3. **Journal.** The previous schedule (the flag and every stored group, disabled ones included), the new one
   and the state ``writing`` go to the push journal (:mod:`optimizer.pipeline.journal`) before the first
   write, so that a run killed half-way can be verified or undone by the next one.
4. **Write and verify.** ``scheduler/enable`` with the new groups, ``scheduler/set/flag enable=1`` (the real
   server turns the flag on with ``enable``; peers still set it, so do we), ``scheduler/get``: the read-back
   must hold exactly the groups sent (``maxSoc`` compared only where the device takes it) and the flag on.
5. **On any failure** (a refused write, an errno, HTTP 5xx, a timeout, a read-back that differs, the budget)
   the inverter is **read before anything else is written**:

   * it holds the new schedule with the flag on: the push is verified after all (e.g. the answer to a write
     that went through was lost);
   * it behaves as before (same flag, and with the flag on the same enabled groups): the cloud changed
     nothing, nothing more is written, the push failed and says so;
   * anything else: the previous schedule is written back exactly (every stored group, disabled ones
     included, ``maxSoc`` left out where the device does not take it, then the previous flag) and read back;
   * only if the inverter is then *known* to hold something other than the previous or the new schedule is
     the scheduler flag switched off and read back (the **safe state**: the inverter runs its own work mode,
     SelfUse with its own minimum SoC, instead of a half-written schedule). A schedule that was fine is never
     switched off.

   When the inverter cannot be read at all, nothing is written blind: the journal entry stays pending and the
   error says so; the next push reads the inverter first (:func:`recover_interrupted`).
6. **Journal final state**: ``verified``, ``kept``, ``restored`` or ``safe``; ``unknown`` stays pending.

A failed push raises the error that made it fail (so its exit code: 4 refused, 5 unreachable, 6 quota, 8
read-back), re-worded to say what failed, what the inverter holds now and what to do, with the
:class:`PushReport` attached (:func:`push_report_of`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from optimizer.errors import (
    ApiError,
    AuthError,
    ConfigError,
    FoxEssError,
    OptimizerError,
    QuotaBudgetError,
    QuotaExhaustedError,
    ReadbackMismatchError,
    TransportError,
)
from optimizer.foxess.retry import DEFAULT_MAX_RETRIES
from optimizer.pipeline.journal import JournalEntry, JournalState, PushJournal, Schedule
from optimizer.scheduler import INVALID_MODE, SchedulerGroup, active_groups

log = logging.getLogger(__name__)

PROTOCOL_CALLS = 9
"""The most calls one push makes without retries: enable, set/flag, get; get; enable, set/flag, get; set/flag, get."""
RESERVED_CALLS = PROTOCOL_CALLS + DEFAULT_MAX_RETRIES
"""Calls that must be left before the first write: the protocol's, and the retries of one of them."""
RECOVERY_CALLS = PROTOCOL_CALLS - 3 + DEFAULT_MAX_RETRIES
"""Calls the check of an interrupted push may need: get; enable, set/flag, get; set/flag, get; and retries."""

Holds = Literal["new", "previous", "base_mode", "unknown"]
"""What the inverter holds after a push: the new schedule (read back), the previous one (same flag and enabled
groups as before), the safe state (flag off, read back), or not known (it could not be read)."""


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


Budget = Callable[[int], None]
"""``budget(n)`` raises :class:`QuotaBudgetError` when ``n`` more calls would break a limit; its message is a
clause ("a push needs 14 more API calls ..., and this run has made ...") that the push's error ends with."""


@dataclass
class PushReport:
    """What a push did and what the inverter holds afterwards.

    ``pushed``/``verified``: the new schedule is in force, read back. ``writes`` counts write calls made.
    ``restored``: ``None`` when nothing went wrong, else whether the previous schedule is in force (kept or
    written back, read back). ``fallback``: the safe state used when neither schedule could be had, or why
    the state is not known. ``holds``: see :data:`Holds`. ``found``: what an interrupted earlier push had left.
    """

    sn: str
    pushed: bool = False
    writes: int = 0
    verified: bool = False
    unchanged: bool = False
    restored: bool | None = None
    fallback: str | None = None
    holds: Holds | None = None
    found: str | None = None
    notes: list[str] = field(default_factory=list)
    left: str = ""  # what the inverter was left holding, as a clause of the error message


def failed(cause: OptimizerError, message: str, hint: str | None, report: PushReport) -> OptimizerError:
    """``cause`` re-worded to tell the whole story of a failed push, keeping its class (and so its exit code:
    4 refused, 5 unreachable, 6 quota, 8 read-back); ``push_report`` carries the :class:`PushReport`."""
    cause.message = message
    cause.args = (message,)
    cause.hint = hint
    cause.push_report = report  # type: ignore[attr-defined]
    return cause


def not_written(exc: OptimizerError, sn: str | None = None) -> OptimizerError:
    """``exc`` (a Fox ESS or budget error before a push wrote anything) re-worded to say that nothing was
    written; other errors (a tariff, the plan) are returned as they are, their own messages say more."""
    if push_report_of(exc) is not None or not isinstance(exc, FoxEssError | QuotaBudgetError):
        return exc
    message = f"{sn + ': ' if sn else ''}nothing was written, because {reason(exc)}"
    exc.message, exc.args, exc.hint = message, (message,), advice(exc)
    return exc


def push_report_of(exc: BaseException) -> PushReport | None:
    """The :class:`PushReport` a failed push attached to its error, if any."""
    report = getattr(exc, "push_report", None)
    return report if isinstance(report, PushReport) else None


# ----- comparing schedules ---------------------------------------------------------------------------------


def stored_groups(groups: Sequence[SchedulerGroup]) -> tuple[SchedulerGroup, ...]:
    """The groups a scheduler really holds, enabled or not (``Invalid`` placeholders left out), by start."""
    return tuple(sorted((g for g in groups if g.workMode != INVALID_MODE), key=SchedulerGroup.sort_key))


def _keys(groups: Sequence[SchedulerGroup], max_soc: bool) -> list[dict[str, object]]:
    """Groups as compared: wire form, ``maxSoc`` dropped where the device does not take it."""
    found = []
    for group in groups:
        wire = group.wire()
        if not max_soc:
            wire.pop("maxSoc", None)
        found.append(wire)
    return found


def same_groups(a: Sequence[SchedulerGroup], b: Sequence[SchedulerGroup], *, max_soc: bool = True) -> bool:
    """The same enabled groups, whatever their order (``maxSoc`` ignored where the device lacks it)."""
    return _keys(active_groups(list(a)), max_soc) == _keys(active_groups(list(b)), max_soc)


def same_effect(
    state: SchedulerState | Schedule, enable: bool, groups: Sequence[SchedulerGroup], max_soc: bool
) -> bool:
    """The inverter does the same: the same flag and, with the flag on, the same enabled groups."""
    if bool(state.enable) != bool(enable):
        return False
    return not enable or same_groups(list(state.groups), groups, max_soc=max_soc)


def schedule_differs(current: SchedulerState, new_groups: list[SchedulerGroup], *, max_soc: bool = True) -> bool:
    """True when writing is needed: different enabled groups, or the flag off."""
    return not (bool(current.enable) and same_groups(current.groups, new_groups, max_soc=max_soc))


def restorable(groups: Sequence[SchedulerGroup], max_soc: bool) -> list[SchedulerGroup]:
    """The groups to write back: every stored group, ``maxSoc`` left out where the device does not take it."""
    found = []
    for group in groups:
        if not max_soc and group.maxSoc is not None:
            group = group.model_copy(update={"maxSoc": None})
        found.append(group)
    return found


# ----- honest reasons --------------------------------------------------------------------------------------


def reason(exc: OptimizerError) -> str:
    """What went wrong, as a clause: the cloud refused, did not answer, the quota, or the local budget."""
    if isinstance(exc, QuotaBudgetError):
        limit, _, tail = exc.message.rpartition(";")
        return f"the local API call budget stopped the calls: {limit if 'would exceed' in tail else exc.message}"
    if isinstance(exc, QuotaExhaustedError):
        return f"the Fox ESS daily API quota is used up (errno {exc.errno} on {_short(exc.path)})"
    if isinstance(exc, AuthError):
        return f"Fox ESS refused the credentials or the timestamp (errno {exc.errno} on {_short(exc.path)})"
    if isinstance(exc, ApiError):
        label = f"{exc.errno} {exc.name}".strip()
        return f"Fox ESS refused {_short(exc.path)} (errno {label})"
    if isinstance(exc, TransportError):
        text = exc.message
        if text.startswith("cannot reach "):
            return "the Fox ESS cloud could not be reached" + text.removeprefix("cannot reach the Fox ESS cloud")
        match = re.match(r"^Fox ESS (/\S+): (.*)$", text)
        if match:
            return f"the call to {_short(match[1])} failed: {match[2]}"
        return text
    return exc.message


def _short(path: str) -> str:
    return path.replace("/op/v1/device/", "").replace("/op/v0/device/", "").replace("/op/v0/", "")


_RETRY_LATER = "Run again later; if it keeps failing, check in the Fox ESS app that the inverter is online."
_RETRY_ERRNOS = frozenset({40400, 41200, 41201, 41202, 41203, 41935, 44098})
_BODY_ERRNOS = frozenset({40257, 42023})


def advice(exc: OptimizerError) -> str:
    """What to do about a push that ``exc`` made fail, in one sentence."""
    if isinstance(exc, QuotaBudgetError):
        return exc.hint or "Raise [foxess] max_calls_per_run or daily_budget, or run again later."
    if isinstance(exc, QuotaExhaustedError):
        return "Wait for the daily quota to reset (every tool using this key draws from it), then run again."
    if isinstance(exc, ReadbackMismatchError):
        return "Run again later; if it happens again, check the schedule in the Fox ESS app."
    if isinstance(exc, AuthError):
        return exc.hint or "Check FOXESS_API_KEY and that this computer's clock is right."
    if isinstance(exc, ApiError):
        if exc.errno in _RETRY_ERRNOS:
            return _RETRY_LATER
        if exc.errno in _BODY_ERRNOS:
            return (
                "The cloud refused groups that passed the optimizer's own checks: please report it with the "
                "output of `optimizer plan --json`."
            )
        return exc.hint or _RETRY_LATER
    if isinstance(exc, TransportError) and exc.hint:
        return exc.hint
    return _RETRY_LATER


# ----- the protocol ----------------------------------------------------------------------------------------


class _Push:
    """One push (or one check of an interrupted push) of ``intended`` over ``previous`` on inverter ``sn``."""

    def __init__(
        self,
        api: SchedulerApi,
        sn: str,
        previous: Schedule,
        intended: Sequence[SchedulerGroup],
        report: PushReport,
        *,
        max_soc: bool,
        journal: PushJournal | None,
        entry: JournalEntry | None,
    ) -> None:
        self.api = api
        self.sn = sn
        self.previous = previous
        self.intended = list(intended)
        self.report = report
        self.max_soc = max_soc
        self.journal = journal
        self.entry = entry
        self.last_error: OptimizerError | None = None

    # ----- journal --------------------------------------------------------------------------------------
    def mark(self, state: JournalState, detail: str | None = None) -> None:
        if self.journal is None or self.entry is None:
            return
        try:
            self.journal.mark(self.entry, state, detail)
        except ConfigError as exc:  # the inverter matters more than the journal: go on, and say so
            log.warning("%s: %s", self.sn, exc.explain())
            self.report.notes.append(f"the push journal could not be updated: {exc.message}")

    # ----- classification -------------------------------------------------------------------------------
    def holds_new(self, state: SchedulerState) -> bool:
        return bool(state.enable) and same_groups(state.groups, self.intended, max_soc=self.max_soc)

    def holds_previous(self, state: SchedulerState) -> bool:
        return same_effect(state, self.previous.enable, self.previous.groups, self.max_soc)

    def restored_exactly(self, state: SchedulerState) -> bool:
        if not self.holds_previous(state):
            return False
        if not self.previous.groups:  # nothing was stored: only the flag can be put back
            return True
        stored = stored_groups(state.groups)
        return _keys(stored, self.max_soc) == _keys(self.previous.groups, self.max_soc)

    # ----- steps ----------------------------------------------------------------------------------------
    def write_groups(self, groups: list[SchedulerGroup]) -> None:
        self.report.writes += 1
        self.api.scheduler_enable(self.sn, groups)

    def write_flag(self, enable: bool) -> None:
        self.report.writes += 1
        self.api.scheduler_set_flag(self.sn, enable)

    def forward(self) -> None:
        """Write the new groups and the flag, and read them back (raises on any failure)."""
        self.write_groups(self.intended)
        self.write_flag(True)
        state = self.api.scheduler_get(self.sn)
        if not self.holds_new(state):
            raise ReadbackMismatchError(_mismatch(state, self.intended, self.max_soc))

    def settle(self, state: SchedulerState | None, failure: OptimizerError | None) -> Holds:
        """After a failure (or for an interrupted push): read, then keep, restore or switch off (module doc)."""
        report = self.report
        if state is None:
            try:
                state = self.api.scheduler_get(self.sn)
            except OptimizerError as exc:
                return self.unknown(exc, failure)
        if self.holds_new(state):
            report.pushed = report.verified = True
            report.notes.append("the read-back shows the new schedule in force with the scheduler flag on")
            self.mark("verified")
            return self.done("new")
        if self.holds_previous(state):
            report.restored = True
            report.left = "the inverter still holds its previous schedule (read back)"
            report.notes.append(f"the cloud changed nothing: {report.left}")
            self.mark("kept")
            return self.done("previous")
        self.mark("restoring")
        state = self.restore()
        if state is None:
            return self.unknown(None, failure)
        if self.restored_exactly(state) or self.holds_previous(state):
            report.restored = True
            report.left = "the previous schedule was written back and read back"
            report.notes.append(report.left)
            self.mark("restored")
            return self.done("previous")
        if self.holds_new(state):  # the failed write went through after all
            report.pushed = report.verified = True
            report.notes.append("the read-back shows the new schedule in force with the scheduler flag on")
            self.mark("verified")
            return self.done("new")
        return self.switch_off(state, failure)

    def restore(self) -> SchedulerState | None:
        """Write back the previous groups and flag; the state read afterwards (``None``: unreadable)."""
        report = self.report
        try:
            if self.previous.groups:
                self.write_groups(restorable(self.previous.groups, self.max_soc))
            self.write_flag(self.previous.enable)
            return self.api.scheduler_get(self.sn)
        except OptimizerError as exc:
            log.warning("%s: writing back the previous schedule failed: %s", self.sn, exc)
            report.notes.append(f"writing back the previous schedule failed: {reason(exc)}")
        try:  # read again before any fallback: the failed write may or may not have changed something
            return self.api.scheduler_get(self.sn)
        except OptimizerError as exc:
            self.last_error = exc
            return None

    def switch_off(self, state: SchedulerState, failure: OptimizerError | None) -> Holds:
        """The inverter is known to hold neither schedule: the flag off (the safe state), read back."""
        report = self.report
        report.restored = False
        if state.enable:
            try:
                self.write_flag(False)
                state = self.api.scheduler_get(self.sn)
            except OptimizerError as exc:
                return self.unknown(exc, failure, partial=True)
            if state.enable:
                return self.unknown(None, failure, partial=True)
        if self.holds_previous(state):  # the flag was off before: off again is the previous schedule
            report.restored = True
            report.left = "the scheduler flag is off again, as before (read back)"
            report.notes.append(report.left)
            self.mark("restored")
            return self.done("previous")
        report.fallback = "scheduler flag switched off (read back): the inverter runs its own work mode"
        report.left = (
            "neither schedule could be put back, so the scheduler flag was switched off and read back: the "
            "inverter runs its own work mode"
        )
        report.notes.append(report.fallback)
        self.mark("safe", report.fallback)
        return self.done("base_mode")

    def unknown(self, exc: OptimizerError | None, failure: OptimizerError | None, *, partial: bool = False) -> Holds:
        """The inverter could not be read (or put in a known state): leave the journal pending, say why."""
        exc = exc or self.last_error or failure
        why = reason(exc) if exc is not None else "the read-back differed"
        report = self.report
        report.restored = False
        if partial:
            report.fallback = (
                f"unknown: the inverter holds part of a schedule and the flag could not be switched off ({why})"
            )
            report.left = f"the inverter runs part of a schedule and the flag could not be switched off: {why}"
        else:
            report.fallback = f"unknown: the inverter could not be read back ({why})"
            same = failure is not None and exc is not None and reason(failure) == why
            report.left = (
                "the inverter could not be read back afterwards either"
                if same
                else f"the inverter could not be read back afterwards: {why}"
            )
        report.left += ", so nothing more was written and the next push checks it first"
        report.notes.append(report.fallback)
        self.mark("unknown", report.fallback)
        return self.done("unknown")

    def done(self, holds: Holds) -> Holds:
        self.report.holds = holds
        return holds


def _mismatch(state: SchedulerState, sent: list[SchedulerGroup], max_soc: bool) -> str:
    if not state.enable and same_groups(state.groups, sent, max_soc=max_soc):
        return "the read-back shows the groups just written but the scheduler flag off"
    got = len(active_groups(list(state.groups)))
    return f"the read-back shows {got} enabled group(s) that differ from the {len(active_groups(sent))} just written"


def push_schedule(
    api: SchedulerApi,
    sn: str,
    new_groups: list[SchedulerGroup],
    current: SchedulerState,
    *,
    max_soc: bool = True,
    budget: Budget | None = None,
    journal: PushJournal | None = None,
    command: str = "push",
) -> PushReport:
    """Write ``new_groups`` (already validated) if they differ from ``current``; verify; settle a failure.

    ``max_soc``: whether the device takes ``maxSoc`` (its properties list ``maxsoc``). ``budget`` is asked for
    :data:`RESERVED_CALLS` before the first write; ``journal`` records the push (see the module docstring).
    Raises the error that made it fail, re-worded (:func:`failed`), when the new schedule is not in force.
    """
    report = PushReport(sn=sn)
    if not schedule_differs(current, new_groups, max_soc=max_soc):
        report.unchanged = report.verified = True
        report.holds = "new"
        report.notes.append("the inverter already holds this schedule: nothing written")
        return report
    previous = Schedule(enable=bool(current.enable), groups=stored_groups(current.groups))
    if budget is not None:
        try:
            budget(RESERVED_CALLS)
        except QuotaExhaustedError as exc:
            report.holds, report.restored = "previous", True
            message = f"{sn}: nothing was written and the inverter keeps its previous schedule, because {reason(exc)}"
            raise failed(exc, message, advice(exc), report) from None
        except QuotaBudgetError as exc:
            report.holds, report.restored = "previous", True
            message = f"{sn}: nothing was written and the inverter keeps its previous schedule, because {exc.message}"
            raise failed(exc, message, exc.hint, report) from None
    entry = None
    if journal is not None:
        try:
            entry = journal.begin(sn, previous, new_groups, command)
        except ConfigError as exc:
            raise ConfigError(
                f"{sn}: nothing was written, because the push journal could not be written first: {exc.message}",
                hint=exc.hint,
            ) from None
    push = _Push(api, sn, previous, new_groups, report, max_soc=max_soc, journal=journal, entry=entry)
    try:
        push.forward()
    except OptimizerError as exc:
        log.warning("%s: push failed: %s", sn, exc.explain())
        holds = push.settle(None, exc)
        if holds != "new":
            raise _failure(sn, exc, report) from exc
        report.notes.insert(0, f"{reason(exc)}, but the read-back settled it")
        return report
    report.pushed = report.verified = True
    report.holds = "new"
    push.mark("verified")
    return report


def _failure(sn: str, cause: OptimizerError, report: PushReport) -> OptimizerError:
    """The one error of a failed push: what failed and what the inverter holds now; the hint says what to do."""
    message = f"{sn}: the push failed because {reason(cause)}; {report.left or 'its state is not known'}"
    return failed(cause, message, advice(cause), report)


# ----- an interrupted push ---------------------------------------------------------------------------------


def recover_interrupted(
    api: SchedulerApi,
    entry: JournalEntry,
    journal: PushJournal,
    *,
    max_soc: bool = True,
    budget: Budget | None = None,
) -> PushReport:
    """Check what a push that did not finish (killed, power cut, cloud lost) left on the inverter, and settle it.

    Reads the inverter; if it holds the intended schedule the entry is verified; if it behaves as before, kept;
    otherwise the previous schedule is written back (and, failing that, the flag switched off), as after a
    failed push. ``report.found`` says what was found, in a sentence. Raises (see :func:`failed`) when the
    inverter could not be read or put in a known state.
    """
    sn = entry.sn
    report = PushReport(sn=sn)
    if budget is not None:
        try:
            budget(RECOVERY_CALLS)
        except QuotaBudgetError as exc:
            message = (
                f"{sn}: the push of {entry.started_at} did not finish, and it was left as it is because {exc.message}"
            )
            raise failed(exc, message, exc.hint, report) from None
    try:
        state = api.scheduler_get(sn)
    except OptimizerError as exc:
        push = _Push(api, sn, entry.previous, entry.intended, report, max_soc=max_soc, journal=journal, entry=entry)
        push.unknown(exc, exc)
        message = (
            f"{sn}: the push of {entry.started_at} ({entry.command or 'push'}) did not finish, and the inverter "
            f"could not be read to check it: {reason(exc)}"
        )
        raise failed(
            exc, message, f"{advice(exc)} Nothing was written; the next push checks it again.", report
        ) from None
    properties = getattr(state, "properties", None)
    if properties is not None and getattr(properties, "fields", None):
        max_soc = bool(properties.supports_max_soc)  # what the device says beats the caller's guess
    push = _Push(api, sn, entry.previous, entry.intended, report, max_soc=max_soc, journal=journal, entry=entry)
    before = f"the push of {entry.started_at} ({entry.command or 'push'}) did not finish"
    holds = push.settle(state, None)
    if holds == "new":
        report.found = f"{before}, but its schedule had gone through: the inverter holds it (read back now)"
    elif holds == "previous" and report.writes == 0:
        report.found = f"{before} and had changed nothing: the inverter holds the schedule from before it (read back)"
    elif holds == "previous":
        report.found = (
            f"{before} and had left part of its schedule: the schedule from before it was written back and read back"
        )
    elif holds == "base_mode":
        report.found = f"{before} and had left part of its schedule; {report.fallback}"
    else:
        cause = push.last_error or ReadbackMismatchError(f"{sn}: the state could not be settled")
        message = f"{sn}: {before} and had left part of its schedule, which could not be undone ({report.fallback})"
        hint = "Check the inverter in the Fox ESS app or with `optimizer status`; the next push tries again."
        raise failed(cause, message, hint, report) from None
    report.notes.insert(0, report.found)
    return report
