"""The nightly run for cron: every configured inverter, one lock, a rotating log, a per-device report.

A device that fails does not stop the others; the process exit code is the worst device's (see
:func:`run_exit_code`). Without ``push`` the run is a dry-run and writes nothing.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from optimizer.config import Config
from optimizer.errors import LockError, OptimizerError, SchedulerUnsupportedError
from optimizer.history.store import HistoryStore
from optimizer.pipeline.account import Account, open_account
from optimizer.pipeline.device import plan_device, push_outcome, scheduler_devices
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.plan import PlanOutcome
from optimizer.pipeline.push import PushReport
from optimizer.pipeline.reporting import SILENT, ProgressCallback, Reporter

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

    def to_json(self) -> dict[str, Any]:
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
        if self.push is not None:
            doc["unchanged"] = self.push.unchanged
            doc["restored"] = self.push.restored
            doc["fallback"] = self.push.fallback
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
    """Attach a rotating log file to the ``optimizer`` logger (never secrets: nothing logs the key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("optimizer")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


@contextmanager
def run_lock(path: Path, wait_s: float) -> Iterator[None]:
    """Hold the run lock; wait up to ``wait_s`` seconds for another run, then give up cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait_s)
    except Timeout:
        raise LockError(
            f"another optimizer run holds the lock {path} (waited {wait_s:.0f} s).",
            hint="Let it finish, or wait longer for it.",
            option="wait_s",
        ) from None
    try:
        yield
    finally:
        lock.release()


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
) -> DeviceRun:
    """Plan (and push) one device; every package error is caught and reported in the returned line."""
    client = account.client
    calls_before = client.calls_made
    line = DeviceRun(sn=sn)
    try:
        outcome = plan_device(config, options, account, sn, store=store, progress=progress)
        line.outcome = outcome
        line.expected_savings = outcome.expected_savings
        log.info(
            "%s: planned %d groups, cost planned %.3f compiled %.3f self-use %.3f",
            sn,
            len(outcome.groups),
            outcome.result.cost,
            outcome.compiled.simulated.cost,
            outcome.self_use.cost,
        )
        if push:
            report = push_outcome(account, outcome)
            line.push = report
            line.pushed, line.writes, line.verified = report.pushed, report.writes, report.verified
            log.info("%s: %s", sn, "; ".join(report.notes) or ("pushed and verified" if report.pushed else "-"))
    except SchedulerUnsupportedError as exc:
        if not skip_unsupported:
            line.error, line.exit_code = exc.explain(), exc.exit_code
        else:
            line.skipped = "no scheduler support"
    except OptimizerError as exc:
        line.error = exc.explain()
        line.exit_code = exc.exit_code
        push_report = getattr(exc, "push_report", None)
        if isinstance(push_report, PushReport):
            line.writes = push_report.writes
        log.error("%s: %s", sn, exc.explain())
    line.api_calls = client.calls_made - calls_before
    return line


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
    with run_lock(config.lock_file, wait_s), open_account(config) as account:
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
                )
                report.devices.append(line)
        log.info("run end: exit %d", report.exit_code)
    return report
