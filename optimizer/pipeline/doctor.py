"""``optimizer doctor``: every precondition of a good nightly run, checked in order, each with what to fix.

Checks: the config file; the tariffs price the next 24 h; a solver is available; the account answers (auth);
the clock agrees with the server's ``Date`` header (the signature's timestamp is checked against it); the
daily quota; scheduler support of each inverter, and its own work mode where the schedule leaves gaps to
it (``gap_fill`` auto or base). API calls: at most 3 + two per inverter.
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
    try:
        with open_account(config) as account:
            where = "the built-in simulated cloud" if account.simulated else account.base_url
            client = account.client
            count = client.access_count()
            checks.append(Check("auth", True, f"signed requests accepted by {where}"))
            checks.append(_clock_check(getattr(client, "last_server_date", None)))
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
        checks.append(_fail("account", exc))
    return checks


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


def _clock_check(server_date: str | None) -> Check:
    if not server_date:
        return Check("clock", True, "the server sent no Date header; cannot measure skew", warning=True)
    try:
        server = pd.Timestamp(parsedate_to_datetime(server_date))
    except (TypeError, ValueError):
        return Check("clock", True, f"unreadable Date header {server_date!r}", warning=True)
    skew = (pd.Timestamp.now(tz="UTC") - server.tz_convert("UTC")).total_seconds()
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
    checks = [Check("config", True, source), check_tariffs(config), check_solver()]
    checks.extend(check_account(config))
    return checks
