"""``optimizer doctor``: every precondition of a good nightly run, checked in order, each with what to fix.

Checks: the config file; the data folder and the log file can be written; the tariffs price the next 24 h; a
solver is available; the account answers (auth); the clock agrees with the server's ``Date`` header (the
signature's timestamp is checked against it; also when the server refused the signature, the usual sign of
a wrong clock); the daily quota; scheduler support of each inverter, and its own work mode where the
schedule leaves gaps to it (``gap_fill`` auto or base); a push that did not finish (the push journal). API
calls: at most 3 + two per inverter.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.config import Config, load_config
from optimizer.errors import OptimizerError

MAX_CLOCK_SKEW_S = 60.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False
    exit_code: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "warning": self.warning, "detail": self.detail}


def _fail(name: str, exc: OptimizerError) -> Check:
    return Check(name, False, exc.explain(), exit_code=exc.exit_code)


def check_tariffs(config: Config) -> Check:
    from optimizer.pipeline.inputs import tariff_specs
    from optimizer.timegrid import horizon_index

    try:
        start = pd.Timestamp.now(tz="UTC").floor("30min")
        index = horizon_index(start, pd.Timedelta(hours=24).to_pytimedelta(), 30)
        imp, exp = tariff_specs(config).prices(config, index)
    except OptimizerError as exc:
        return _fail("tariffs", exc)
    return Check(
        "tariffs",
        True,
        f"next 24 h: import {imp.min():.4f}–{imp.max():.4f}, export {exp.min():.4f}–{exp.max():.4f} per kWh",
    )


def check_solver() -> Check:
    from optimizer.solve import available_solvers

    solvers = available_solvers()
    if not solvers:
        return Check("solver", False, "neither HiGHS nor CBC is available: reinstall the package", exit_code=1)
    if "highs" not in solvers:
        return Check("solver", True, f"{', '.join(solvers)} (install highspy for speed)", warning=True)
    return Check("solver", True, ", ".join(solvers))


def check_account(config: Config) -> list[Check]:
    from optimizer.pipeline.account import open_account
    from optimizer.pipeline.device import scheduler_devices

    checks: list[Check] = []
    client: Any = None
    try:
        with open_account(config) as account:
            where = "the built-in simulated cloud" if account.simulated else account.base_url
            client = account.client
            count = client.access_count()
            checks.append(Check("auth", True, f"signed requests accepted by {where}"))
            checks.append(_clock_check(client.last_server_date, client.clock.time_ms()))
            remaining, total = getattr(count, "remaining", None), getattr(count, "total", None)
            low = remaining is not None and total and remaining < 0.1 * float(total)
            checks.append(
                Check(
                    "quota",
                    not low,
                    f"{remaining} of {total} calls left today",
                    warning=bool(low),
                    exit_code=6,
                )
            )
            for summary in scheduler_devices(client, config):
                flag = client.scheduler_get_flag(summary.deviceSN)
                detail = "scheduler v1 supported" + (", on" if flag.enable else ", off")
                checks.append(
                    Check(
                        f"device {summary.deviceSN}",
                        bool(flag.support),
                        detail if flag.support else "no scheduler support: will be skipped",
                        warning=not flag.support,
                    )
                )
                if flag.support and config.schedule.gap_fill != "selfuse":
                    checks.append(_base_mode_check(client, summary.deviceSN))
    except OptimizerError as exc:
        # the server answered (a refused signature is the usual sign of a wrong clock): its Date still tells
        if client is not None and client.last_server_date and not any(c.name == "clock" for c in checks):
            checks.append(_clock_check(client.last_server_date, client.clock.time_ms()))
        checks.append(_fail("account", exc))
    return checks


def check_paths(config: Config) -> Check:
    """The data folder (history, call counter, push journal, run lock) and the log file can be written."""
    from optimizer.pipeline.paths import ensure_data_dir, ensure_writable_file

    try:
        data_dir = ensure_data_dir(config)
        log_file = ensure_writable_file(config.log_file, "the log file", "[paths] log_file")
    except OptimizerError as exc:
        return _fail("paths", exc)
    return Check("paths", True, f"data in {data_dir}, log in {log_file}")


def check_journal(config: Config) -> Check | None:
    """A push that did not finish (killed, power cut, cloud lost): the next push checks it first."""
    from optimizer.pipeline.journal import PushJournal

    try:
        entries = PushJournal.in_dir(config.data_dir).entries()
    except OptimizerError as exc:
        return Check("push journal", False, exc.explain(), exit_code=exc.exit_code)
    pending = [e for e in entries.values() if e.pending]
    if not pending:
        return None
    detail = "; ".join(
        f"{e.sn}: the push of {e.started_at} ({e.command or 'push'}) did not finish ({e.state})" for e in pending
    )
    return Check("push journal", True, f"{detail}; the next push checks the inverter first", warning=True)


def _base_mode_check(client: Any, sn: str) -> Check:
    """``gap_fill`` auto/base leaves self-use time to the inverter's own work mode: it should be SelfUse."""
    name = f"work mode {sn}"
    try:
        mode = client.setting_get(sn, "WorkMode").value
    except OptimizerError as exc:
        return Check(name, True, f"could not read the WorkMode setting ({exc.message})", warning=True)
    if mode == "SelfUse":
        return Check(name, True, "SelfUse outside the groups, as the compiler assumes")
    return Check(
        name,
        True,
        f"the inverter's own work mode is {mode}: time between groups runs {mode}, not SelfUse; "
        'set it to SelfUse in the app, or [schedule] gap_fill = "selfuse"',
        warning=True,
    )


def _clock_check(server_date: str | None, now_ms: int | None = None) -> Check:
    """This machine's clock (the client's, which signs the requests) against the server's ``Date`` header."""
    if not server_date:
        return Check("clock", True, "the server sent no Date header; cannot measure skew", warning=True)
    try:
        server = pd.Timestamp(parsedate_to_datetime(server_date))
    except (TypeError, ValueError):
        return Check("clock", True, f"unreadable Date header {server_date!r}", warning=True)
    now = pd.Timestamp.now(tz="UTC") if now_ms is None else pd.Timestamp(now_ms, unit="ms", tz="UTC")
    skew = (now - server.tz_convert("UTC")).total_seconds()
    if abs(skew) > MAX_CLOCK_SKEW_S:
        return Check(
            "clock",
            False,
            f"this machine's clock is {skew:+.0f} s off the server's: signatures will fail (40256); enable NTP",
            exit_code=4,
        )
    return Check("clock", True, f"skew {skew:+.1f} s against the server's Date header")


def run_checks(config_path: Path | None) -> list[Check]:
    try:
        config = load_config(config_path)
    except OptimizerError as exc:
        return [_fail("config", exc)]
    source = str(config.source) if config.source else "built-in defaults (no config file)"
    checks = [Check("config", True, source), check_paths(config), check_tariffs(config), check_solver()]
    if not checks[1].ok:
        return checks  # the account check writes the call counter into the data folder
    journal = check_journal(config)
    checks.extend(check_account(config))
    if journal is not None:
        checks.append(journal)
    return checks
