"""The nightly run for cron: every configured inverter, one lock, a rotating log, a per-device report.

A device that fails does not stop the others; the process exit code is the worst device's
(:attr:`RunReport.exit_code`). Without ``push`` the run is a dry-run and writes nothing. With ``push``, a push
of an inverter that an earlier run left unfinished (killed, power cut: see :mod:`optimizer.pipeline.journal`)
is settled first, and its line says what was found.
"""

from __future__ import annotations

import logging
import logging.handlers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.config import Config
from optimizer.errors import ConfigError, OptimizerError, SchedulerUnsupportedError
from optimizer.history.store import HistoryStore
from optimizer.pipeline.account import Account, open_account
from optimizer.pipeline.device import (
    account_now,
    pending_note,
    plan_device,
    push_outcome,
    recover_device,
    scheduler_devices,
)
from optimizer.pipeline.journal import PushJournal
from optimizer.pipeline.lock import run_lock
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.paths import ensure_data_dir, ensure_writable_file
from optimizer.pipeline.plan import PlanOutcome
from optimizer.pipeline.push import PushReport, not_written
from optimizer.pipeline.replan import rewrite_gain
from optimizer.pipeline.reporting import SILENT, ProgressCallback, Reporter
from optimizer.pipeline.runstate import DayFacts, RunState
from optimizer.scheduler import same_schedule

__all__ = ["DeviceRun", "RunReport", "close_run_log", "run_device", "run_lock", "run_nightly", "setup_run_log"]

log = logging.getLogger("optimizer.run")


@dataclass
class DeviceRun:
    """One device's line of the ``run --json`` report."""

    sn: str
    pushed: bool = False
    writes: int = 0
    verified: bool = False
    api_calls: int = 0
    expected_savings: float | None = None
    error: str | None = None
    exit_code: int = 0
    outcome: PlanOutcome | None = None
    push: PushReport | None = None
    skipped: str | None = None
    found: str | None = None  # what an unfinished earlier push had left, when this run settled it
    kept: str | None = None  # why the new groups were not written over those in force (not worth a write)
    calls_today: int | None = None  # the inverter's API calls today, this run's included
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The line of ``run --json``: ``restored``, ``fallback``, ``holds`` and ``found`` are always present
        (``null`` when there was no push, nothing went wrong or nothing was found)."""
        doc: dict[str, Any] = {
            "sn": self.sn,
            "pushed": self.pushed,
            "writes": self.writes,
            "verified": self.verified,
            "api_calls": self.api_calls,
            "expected_savings": None if self.expected_savings is None else round(self.expected_savings, 4),
            "error": self.error,
            "exit_code": self.exit_code,
        }
        if self.skipped:
            doc["skipped"] = self.skipped
        if self.outcome is not None:
            doc["cost"] = self.outcome.costs
            doc["groups"] = [g.wire() for g in self.outcome.groups]
        push = self.push
        doc["unchanged"] = push.unchanged if push is not None else False
        doc["restored"] = push.restored if push is not None else None
        doc["fallback"] = push.fallback if push is not None else None
        doc["holds"] = push.holds if push is not None else None
        doc["found"] = self.found
        doc["kept"] = self.kept
        doc["api_calls_today"] = self.calls_today
        if self.notes:
            doc["notes"] = self.notes
        return doc


@dataclass
class RunReport:
    devices: list[DeviceRun] = field(default_factory=list)
    simulated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"devices": [d.to_json() for d in self.devices], "simulated_cloud": self.simulated}

    @property
    def exit_code(self) -> int:
        codes = [d.exit_code for d in self.devices if d.exit_code]
        return max(codes) if codes else 0


def setup_run_log(path: Path, *, max_bytes: int = 1_000_000, backups: int = 5) -> logging.Handler:
    """Attach a rotating log file to the ``optimizer`` logger (never secrets: nothing logs the key).

    A path that cannot be written is a :class:`~optimizer.errors.ConfigError` naming it (exit 3).
    """
    ensure_writable_file(path, "the log file", "--log-file or [paths] log_file")
    try:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot open the log file ({exc.strerror or exc}).",
            hint="Set --log-file or [paths] log_file to a file this user can write.",
        ) from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("optimizer")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


def close_run_log(handler: logging.Handler) -> None:
    """Detach and close a handler of :func:`setup_run_log` (a later command in the same process, a notebook
    cell or a test, must not keep writing to this file)."""
    logging.getLogger("optimizer").removeHandler(handler)
    handler.close()


def run_device(
    config: Config,
    options: PlanOptions,
    account: Account,
    sn: str,
    store: HistoryStore,
    *,
    push: bool,
    skip_unsupported: bool = False,
    progress: ProgressCallback | None = None,
    journal: PushJournal | None = None,
    state: RunState | None = None,
) -> DeviceRun:
    """Plan (and push) one device; every package error is caught and reported in the returned line.

    With ``push`` and a ``journal``, a push of this inverter that an earlier run left unfinished is settled
    first (``found`` says what it had left); without ``push`` it is only mentioned (a dry run writes nothing).
    ``state`` keeps what the day's first run learnt (scheduler support, the work mode) for the later runs.
    """
    client = account.client
    calls_before = client.calls_made
    line = DeviceRun(sn=sn)
    today = account_now(account).tz_convert(config.site.timezone).date()
    try:
        _settle_earlier_push(account, sn, journal, line, push=push)
        facts = state.facts(sn, today) if state is not None else None
        outcome = plan_device(config, options, account, sn, store=store, progress=progress, facts=facts)
        if state is not None:
            base_mode = outcome.device.base_mode or (facts.base_mode if facts is not None else None)
            state.record(sn, DayFacts(today, True, base_mode))
        line.outcome = outcome
        line.expected_savings = outcome.expected_savings
        log.info(
            "%s: planned %d groups, cost planned %.3f compiled %.3f self-use %.3f",
            sn, len(outcome.groups), outcome.result.cost, outcome.compiled.simulated.cost, outcome.self_use.cost,
        )  # fmt: skip
        if push:
            _push_if_worth_it(config, account, outcome, journal, line, first_of_day=facts is None)
    except SchedulerUnsupportedError as exc:
        if state is not None:
            state.record(sn, DayFacts(today, False, None))
        if not skip_unsupported:
            line.error, line.exit_code = exc.explain(), exc.exit_code
        else:
            line.skipped = "no scheduler support"
    except OptimizerError as exc:
        _record_failure(line, not_written(exc, sn) if push else exc)
    line.api_calls = client.calls_made - calls_before
    line.calls_today = client.counter.used_today(sn)
    log.info(
        "%s: %d API calls this run, %d today (daily budget %d)",
        sn, line.api_calls, line.calls_today, config.foxess.daily_budget,
    )  # fmt: skip
    return line


def _settle_earlier_push(
    account: Account, sn: str, journal: PushJournal | None, line: DeviceRun, *, push: bool
) -> None:
    """Settle (with ``push``) or mention (a dry run) a push of ``sn`` an earlier run left unfinished."""
    if journal is None:
        return
    if push:
        recovered = recover_device(account, sn, journal)
        if recovered is not None:
            line.found = recovered.found
            log.info("%s: %s", sn, recovered.found)
    elif (pending := journal.pending(sn)) is not None:
        line.notes.append(pending_note(pending))


def _push_if_worth_it(
    config: Config,
    account: Account,
    outcome: PlanOutcome,
    journal: PushJournal | None,
    line: DeviceRun,
    *,
    first_of_day: bool,
) -> None:
    """Write ``outcome``'s groups unless keeping those in force is as good (:func:`not_worth_a_write`)."""
    sn = line.sn
    kept = not_worth_a_write(config, outcome, first_of_day=first_of_day)
    if kept is not None:
        line.kept = kept
        log.info("%s: %s", sn, kept)
        return
    report = push_outcome(account, outcome, journal=journal, command="run --push")
    line.push = report
    line.pushed, line.writes, line.verified = report.pushed, report.writes, report.verified
    log.info("%s: %s", sn, "; ".join(report.notes) or ("pushed and verified" if report.pushed else "-"))


def _record_failure(line: DeviceRun, exc: OptimizerError) -> None:
    """The failure of a device's run in its line (with what a failed push left) and in the log."""
    line.error = exc.explain()
    line.exit_code = exc.exit_code
    push_report = getattr(exc, "push_report", None)
    if isinstance(push_report, PushReport):
        line.push = push_report
        line.pushed, line.writes, line.verified = push_report.pushed, push_report.writes, push_report.verified
        if push_report.found and not line.found:
            line.found = push_report.found
    log.error("%s", line.error if line.error.startswith(line.sn) else f"{line.sn}: {line.error}")


def not_worth_a_write(config: Config, outcome: PlanOutcome, *, first_of_day: bool) -> str | None:
    """Why ``outcome``'s groups should not replace those in force (an intraday run whose change is expected to
    save no more than ``[schedule] min_rewrite_gain``), or ``None`` when the push should go ahead."""
    device = outcome.device
    if first_of_day or not device.current_enable or same_schedule(device.current_groups, outcome.groups):
        return None
    gain = rewrite_gain(config, device.current_groups, outcome)
    if gain > config.schedule.min_rewrite_gain:
        return None
    return (
        f"kept the schedule in force: the new groups would save {gain:.4f} more, not over "
        f"[schedule] min_rewrite_gain ({config.schedule.min_rewrite_gain:g})"
    )


def run_nightly(
    config: Config,
    options: PlanOptions,
    *,
    push: bool,
    wait_s: float = 300.0,
    reporter: Reporter = SILENT,
) -> RunReport:
    """Plan (and with ``push`` write) every configured inverter under the run lock."""
    report = RunReport()
    ensure_data_dir(config)
    journal = PushJournal.in_dir(config.data_dir)
    state = RunState.in_dir(config.data_dir)
    with run_lock(config.lock_file, wait_s, waiting=reporter.info), open_account(config) as account:
        report.simulated = account.simulated
        log.info("run start: %s, push=%s", "simulated cloud" if account.simulated else account.base_url, push)
        devices = scheduler_devices(account.client, config)
        with HistoryStore(config.history_db) as store:
            for summary in devices:
                sn = summary.deviceSN
                if options.device and sn != options.device:
                    continue
                progress = reporter.progress(f"history {sn}")
                line = run_device(
                    config,
                    options,
                    account,
                    sn,
                    store,
                    push=push,
                    skip_unsupported=not config.foxess.devices,  # discovered, not configured: skip
                    progress=progress,
                    journal=journal,
                    state=state,
                )
                if line.found:
                    reporter.info(f"{sn}: {line.found}.")
                report.devices.append(line)
        log.info("run end: exit %d", report.exit_code)
    return report
