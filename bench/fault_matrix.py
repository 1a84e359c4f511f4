"""The push fault matrix: every way a push can go wrong, driven through the real CLI against the simulated cloud.

Each case starts a fresh simulated Fox ESS cloud on 127.0.0.1 with its limits on (the per-path throttle and
the daily quota; simulated time moves only when the client waits, so throttle waits and back-offs cost no real
time), installs a previous schedule on the inverter, syncs the history with a dry run, then runs
``optimizer run --push --json`` or ``optimizer push --json`` with one fault of the case armed: an errno, an HTTP
error, a timeout, a write the cloud reports done but does not apply, a broken answer, at one step of the push
(the first write, the flag, the read-back, the access count, the restore...); a call budget that runs out;
``kill -9`` of a CLI subprocess at a step of the push; another command or another tool at the same time. Then
a clean ``run --push`` shows what the next run finds and does.

For every case it records the exit code, what the inverter holds afterwards (read from the simulated cloud
itself, compared with the previous schedule and the new one), the calls the cloud received, the write calls
and the one error sentence, and checks the promises of issue 12:

* the inverter holds the previous schedule or the new one, read back (or, where a case says so, the stated
  safe state: the scheduler flag off, read back);
* exit 0 only with the new schedule verified; every failure exits non-zero with an error of one or two
  sentences ending in a full stop, that never blames connectivity when the cloud did answer;
* the API key appears in no output, log, journal or other file of the data folder;
* after an interrupted push the next run says what it found, and ends with the new schedule verified.

Run: ``.venv/bin/python bench/fault_matrix.py [--only SUBSTRING] [--out docs/fault-matrix.md] [--list]``. It
exits 1 when any case breaks a promise. ``tests/pipeline/test_fault_matrix.py`` runs a representative subset.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.fakecloud import AccountSpec, FakeCloud, FakeCloudConfig, default_account  # noqa: E402
from optimizer.fakecloud.faults import Fault, parse_fault_spec  # noqa: E402
from optimizer.fakecloud.state import RequestRecord  # noqa: E402
from optimizer.foxess import ApiKeyAuth, FoxEssClient  # noqa: E402
from optimizer.scheduler import SchedulerGroup  # noqa: E402

KEY = "matrix-key-5f1e9c3a7b2d4e6f0a1b"
SCHED = "/op/v1/device/scheduler"
ENABLE, FLAG, GET, GETFLAG = f"{SCHED}/enable", f"{SCHED}/set/flag", f"{SCHED}/get", f"{SCHED}/get/flag"
COUNT = "/op/v0/user/getAccessCount"
CLIENT_TIMEOUT_S = 0.5
HELD_TIMEOUT_S = 1.0  # how long an injected timeout holds the connection (the client gives up at 0.5 s)

PREVIOUS = SchedulerGroup(
    startHour=3, startMinute=0, endHour=4, endMinute=59, workMode="ForceCharge",
    minSocOnGrid=10, fdSoc=60, fdPwr=2000, maxSoc=60,
)  # fmt: skip
DISABLED = SchedulerGroup(
    enable=0, startHour=20, startMinute=0, endHour=21, endMinute=59, workMode="ForceDischarge",
    minSocOnGrid=10, fdSoc=20, fdPwr=2500, maxSoc=100,
)  # fmt: skip
OTHER_TOOL = SchedulerGroup(
    startHour=12, startMinute=0, endHour=13, endMinute=59, workMode="Feedin", minSocOnGrid=10, fdSoc=10, fdPwr=3000,
    maxSoc=100,
)  # fmt: skip


# ----- cases ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """A fault: ``what`` as in ``--fault`` (errno, HTTP status, timeout, notapplied, malformed) on ``path``,
    ``count`` times (``None``: always), armed from the start or once the ``nth`` request to ``after`` is answered."""

    what: str
    path: str
    count: int | None = 1
    after: str | None = None
    nth: int = 1

    def fault(self) -> Fault:
        count = "*" if self.count is None else str(self.count)
        fault = parse_fault_spec(f"{self.path}={self.what}:{count}")
        if fault.kind == "timeout":
            fault = dataclasses.replace(fault, seconds=HELD_TIMEOUT_S)
        return fault

    def describe(self) -> str:
        times = "always" if self.count is None else ("once" if self.count == 1 else f"{self.count}×")
        where = _STEP_NAMES.get((self.path, self.after, self.nth))
        if where is None:
            ordinal = {1: "first", 2: "second", 3: "third"}.get(self.nth, f"{self.nth}th")
            where = f"{_short(self.path)}, once the {ordinal} {_short(self.after or '')} is answered"
        return f"{self.what} {times} on {where}"


_STEP_NAMES = {
    (ENABLE, None, 1): "the first write (scheduler/enable)",
    (FLAG, None, 1): "the flag (scheduler/set/flag)",
    (GET, FLAG, 1): "the read-back (scheduler/get)",
    (COUNT, None, 1): "the access count before writing",
    (GET, None, 1): "the read before planning (scheduler/get)",
}


def _short(path: str) -> str:
    return path.replace("/op/v1/device/", "").replace("/op/v0/device/", "").replace("/op/v0/", "")


@dataclass(frozen=True)
class Case:
    """One row of the matrix (see the module docstring)."""

    name: str
    family: str
    command: str = "run"  # "run" (run --push) or "push"
    previous: str = "on"  # on: groups + flag on; off: groups + flag off; empty: nothing; disabled: + a disabled group
    arms: tuple[Arm, ...] = ()
    budget: tuple[str, int] | None = None  # ("run" | "day" | "cloud", calls left at the push) or ("config", limit)
    kill: tuple[str, int, str] | None = None  # (path, nth request, "before" | "after" it is processed)
    other: str | None = None  # another tool, once our first flag write is answered: "write" | "flag_off"
    concurrent: tuple[tuple[str, ...], ...] = ()  # commands started together (subprocesses)
    device: str = "default"  # default | props_no_maxsoc | no_maxsoc | negative_fdpwr
    tariff: str = "uk/octopus-go.toml"
    stated: str | None = None  # a stated outcome this case may end in instead: "flag off" | "unknown"
    note: str = ""

    @property
    def subprocess(self) -> bool:
        return self.kill is not None or bool(self.concurrent)

    def fault_text(self) -> str:
        parts = [a.describe() for a in self.arms]
        if self.other == "write":
            parts.append("another tool writes its own schedule after our flag write")
        if self.other == "flag_off":
            parts.append("another tool switches the flag off after our flag write")
        if self.device != "default":
            parts.append(
                {
                    "props_no_maxsoc": "properties lack maxsoc (the read-back still shows maxSoc)",
                    "no_maxsoc": "a model without maxSoc",
                    "negative_fdpwr": "properties allow a negative fdPwr",
                }[self.device]
            )
        return "; ".join(parts) or "none"


def _fault_cases() -> list[Case]:
    kinds: list[tuple[str, int | None, str]] = [
        ("44098", 1, "write failed"),
        ("40257", 1, "body invalid"),
        ("42023", 1, "overlap"),
        ("41200", 1, "transient once"),
        ("41200", None, "transient always"),
        ("41935", None, "device offline"),
        ("40256", 1, "auth"),
        ("40402", 1, "quota errno"),
        ("503", 1, "HTTP 503 once"),
        ("503", None, "HTTP 503 always"),
        ("timeout", 1, "timeout once"),
        ("timeout", None, "timeout always"),
        ("notapplied", 1, "not applied"),
        ("malformed", 1, "broken answer"),
    ]
    steps = [
        ("enable", Arm("", ENABLE)),
        ("flag", Arm("", FLAG)),
        ("readback", Arm("", GET, after=FLAG)),
    ]
    cases = []
    for step, template in steps:
        for what, count, label in kinds:
            if step == "readback" and what == "notapplied":
                continue  # a read has nothing to apply
            arm = dataclasses.replace(template, what=what, count=count)
            # a read-back that always fails cannot verify anything: the push says so, the next run verifies
            stated = "unknown" if step == "readback" and count is None else None
            cases.append(Case(f"{step}/{label.replace(' ', '-')}", "fault", arms=(arm,), stated=stated))
    for what, count, label in [
        ("41200", None, "transient-always"),
        ("40402", 1, "quota-errno"),
        ("503", None, "503-always"),
    ]:
        cases.append(Case(f"count/{label}", "fault", arms=(Arm(what, COUNT, count),)))
    for what, count, label in [("41200", None, "transient-always"), ("40402", 1, "quota-errno")]:
        cases.append(Case(f"before-planning/{label}", "fault", arms=(Arm(what, GET, count),)))
    # everything written is refused, every time: nothing changed, nothing may be switched off
    cases += [
        Case("all-writes/44098", "fault", arms=(Arm("44098", ENABLE, None), Arm("44098", FLAG, None))),
        Case("all-writes/41200", "fault", arms=(Arm("41200", ENABLE, None), Arm("41200", FLAG, None))),
        Case("all-writes/40256", "fault", arms=(Arm("40256", ENABLE, None), Arm("40256", FLAG, None))),
        Case("all-writes/503", "fault", arms=(Arm("503", ENABLE, None), Arm("503", FLAG, None))),
        Case("all-writes/timeout", "fault", arms=(Arm("timeout", ENABLE, None), Arm("timeout", FLAG, None))),
        Case(
            "all-writes/44098/flag-off",
            "fault",
            previous="off",
            arms=(Arm("44098", ENABLE, None), Arm("44098", FLAG, None)),
        ),
    ]
    # the settle read after a failure fails too
    cases += [
        Case(
            "settle-read/503-always",
            "fault",
            arms=(Arm("44098", ENABLE), Arm("503", GET, None, after=ENABLE)),
            stated="unknown",
        ),
        Case("settle-read/40402", "fault", arms=(Arm("44098", ENABLE), Arm("40402", GET, 1, after=ENABLE))),
        Case("readback+settle/40402", "fault", arms=(Arm("40402", GET, 2, after=FLAG),), stated="unknown"),
        Case(
            "readback+settle/timeout-always", "fault", arms=(Arm("timeout", GET, None, after=FLAG),), stated="unknown"
        ),
    ]
    return cases


def _restore_cases() -> list[Case]:
    """Cases that reach the restore: with the flag off before, a write the cloud does not apply leaves the
    old groups running (the flag on); with another tool writing meanwhile, the inverter holds neither."""
    not_applied = Arm("notapplied", ENABLE, None)
    return [
        Case("restore/not-applied-flag-off", "restore", previous="off", arms=(not_applied,)),
        Case("restore/not-applied-disabled-group", "restore", previous="off+disabled", arms=(not_applied,)),
        Case("restore/other-tool-writes", "restore", other="write"),
        Case("restore/other-tool-flag-off", "restore", other="flag_off"),
        Case("restore/other-tool-disabled-group", "restore", previous="disabled", other="write"),
        Case(
            "restore/refused/flag-off-fallback",
            "restore",
            other="write",
            arms=(Arm("44098", ENABLE, None, after=ENABLE, nth=2),),
            stated="flag off",
        ),
        Case(
            "restore/timeout/flag-off-fallback",
            "restore",
            other="write",
            arms=(Arm("timeout", ENABLE, None, after=ENABLE, nth=2),),
            stated="flag off",
        ),
        Case(
            "restore/refused+fallback-refused",
            "restore",
            other="write",
            arms=(Arm("44098", ENABLE, None, after=ENABLE, nth=2), Arm("44098", FLAG, None, after=FLAG)),
            stated="unknown",
        ),
        Case(
            "restore/flag-refused",
            "restore",
            previous="off",
            arms=(not_applied, Arm("44098", FLAG, None, after=FLAG)),
            stated="unknown",
            note="every flag write refused: the old groups run with the flag on, and nothing can switch it off",
        ),
        Case("restore/readback-503", "restore", other="write", arms=(Arm("503", GET, 1, after=ENABLE, nth=2),)),
    ]


def _previous_cases() -> list[Case]:
    faults: list[tuple[str, tuple[Arm, ...]]] = [
        ("clean", ()),
        ("enable-44098", (Arm("44098", ENABLE),)),
        ("enable-not-applied", (Arm("notapplied", ENABLE, None),)),
        ("flag-timeout-always", (Arm("timeout", FLAG, None),)),
        ("readback-503-always", (Arm("503", GET, None, after=FLAG),)),
    ]
    cases = []
    for previous in ("off", "empty", "disabled"):
        for label, arms in faults:
            stated = "unknown" if label == "readback-503-always" else None
            cases.append(Case(f"previous-{previous}/{label}", "previous", previous=previous, arms=arms, stated=stated))
    return cases


def _budget_cases() -> list[Case]:
    """A push needs 14 calls when it starts: the access count, then the 13 of the reserve."""
    cases = []
    for k in (0, 1, 3, 8, 13, 14, 20):
        cases.append(Case(f"budget/run-left-{k}", "budget", budget=("run", k)))
    for k in (0, 13, 14):
        cases.append(Case(f"budget/day-left-{k}", "budget", budget=("day", k)))
    for k in (0, 5, 13, 14):
        cases.append(Case(f"budget/cloud-left-{k}", "budget", budget=("cloud", k)))
    retried = Arm("41200", FLAG, 4)
    cases += [
        Case(
            "budget/issue-repro-flux-7",
            "budget",
            budget=("config", 7),
            tariff="uk/octopus-flux.toml",
            note="issue 12 item 1: max_calls_per_run leaves no reserve after planning",
        ),
        Case("budget/run-left-14+one-retried", "budget", budget=("run", 14), arms=(retried,)),
        Case(
            "budget/run-left-14+two-retried",
            "budget",
            budget=("run", 14),
            arms=(retried, Arm("41200", GET, 4, after=FLAG)),
        ),
        Case(
            "budget/run-left-14+three-retried",
            "budget",
            budget=("run", 14),
            arms=(Arm("41200", ENABLE, 4), retried, Arm("41200", GET, 4, after=FLAG)),
            stated="unknown",
            note="more retries than the reserve holds: the budget stops the read-back, and the push says so",
        ),
        Case("budget/push-left-3", "budget", command="push", budget=("run", 3)),
        Case("budget/push-left-14", "budget", command="push", budget=("run", 14)),
    ]
    return cases


def _kill_cases() -> list[Case]:
    points = [
        ("kill/before-first-write", (ENABLE, 1, "before")),
        ("kill/after-first-write", (ENABLE, 1, "after")),
        ("kill/after-flag", (FLAG, 1, "after")),
        ("kill/after-readback", (GET, 2, "after")),
    ]
    cases = []
    for previous in ("on", "off"):
        for name, point in points:
            cases.append(Case(f"{name}/previous-{previous}", "kill", previous=previous, kill=point))
    # a kill in the middle of the restore (the flag was off, the write not applied: the old groups ran)
    not_applied = (Arm("notapplied", ENABLE, 1),)
    cases += [
        Case("kill/in-restore-after-enable", "kill", previous="off", arms=not_applied, kill=(ENABLE, 2, "after")),
        Case("kill/in-restore-after-flag", "kill", previous="off", arms=not_applied, kill=(FLAG, 2, "after")),
        Case("kill/push-after-first-write", "kill", command="push", kill=(ENABLE, 1, "after")),
        Case("kill/push-after-flag", "kill", command="push", previous="disabled", kill=(FLAG, 1, "after")),
    ]
    return cases


def _concurrency_cases() -> list[Case]:
    run = ("run", "--push", "--json")
    push = ("push", "--json")
    flux = ("--tariff", "uk/octopus-flux.toml")
    return [
        Case("concurrent/push+run", "concurrency", concurrent=(push, run)),
        Case("concurrent/run+run", "concurrency", concurrent=(run, run)),
        Case("concurrent/push+push", "concurrency", concurrent=(push, push)),
        Case("concurrent/push-flux+run-go", "concurrency", concurrent=((*push, *flux), run)),
        Case("concurrent/run+push-wait-0", "concurrency", concurrent=(run, (*push, "--wait", "0"))),
        Case("concurrent/dry-run+push", "concurrency", concurrent=(("run", "--json"), push)),
    ]


def _device_cases() -> list[Case]:
    return [
        Case("device/props-lack-maxsoc", "device", device="props_no_maxsoc"),
        Case("device/props-lack-maxsoc+restore", "device", device="props_no_maxsoc", other="write"),
        Case("device/props-lack-maxsoc/push", "device", command="push", device="props_no_maxsoc"),
        Case("device/model-without-maxsoc", "device", device="no_maxsoc"),
        Case(
            "device/model-without-maxsoc+not-applied",
            "device",
            device="no_maxsoc",
            previous="off",
            arms=(Arm("notapplied", ENABLE, None),),
        ),
        Case("device/negative-fdpwr-allowed", "device", device="negative_fdpwr"),
    ]


def all_cases() -> list[Case]:
    return [
        *_fault_cases(),
        *_restore_cases(),
        *_previous_cases(),
        *_budget_cases(),
        *_kill_cases(),
        *_concurrency_cases(),
        *_device_cases(),
    ]


# ----- the world of one case -------------------------------------------------------------------------------


class LinkedClock:
    """The client's clock on the cloud's simulated time: a wait moves the cloud on instead of sleeping (the
    signature's wall clock stays real)."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def monotonic(self) -> float:
        return self.cloud.now().timestamp()

    def time_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.cloud.advance(timedelta(seconds=seconds))


class RewriteProperties(httpx.BaseTransport):
    """What a device of another firmware answers: ``scheduler/get`` with its ``properties`` rewritten."""

    def __init__(self, rewrite: Callable[[dict[str, Any]], None]) -> None:
        self.inner = httpx.HTTPTransport()
        self.rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != GET:
            return response
        response.read()
        doc = json.loads(response.content)
        if isinstance(doc.get("result"), dict):
            self.rewrite(doc["result"].setdefault("properties", {}))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(doc).encode())

    def close(self) -> None:
        self.inner.close()


def _drop_maxsoc(props: dict[str, Any]) -> None:
    props.pop("maxsoc", None)


def _negative_fdpwr(props: dict[str, Any]) -> None:
    props["fdpwr"] = {"unit": "W", "precision": 1.0, "range": {"min": -5000, "max": 5000}}


def _account(device: str) -> AccountSpec:
    """The default account with its scheduler inverter only (so that the quota is that inverter's)."""
    spec = default_account()
    hybrid = spec.devices[0]
    if device == "no_maxsoc":
        hybrid = dataclasses.replace(hybrid, model=dataclasses.replace(hybrid.model, max_soc=False))
    return dataclasses.replace(spec, devices=(hybrid,), loggers=spec.loggers[:1])


def _case_start() -> datetime:
    """Simulated time for a case: now, at 30 s into its 5-min step, so that the history the cloud offers does not
    grow during the case (a dry run and the run under test make the same calls)."""
    now = datetime.now(UTC)
    return now.replace(minute=now.minute - now.minute % 5, second=30, microsecond=0)


class World:
    """A simulated cloud, a data folder and a config for one case."""

    def __init__(self, case: Case, folder: Path) -> None:
        self.case = case
        self.folder = folder
        self.real_limits = case.subprocess
        config = FakeCloudConfig(
            api_key=KEY,
            speed=0,
            start=_case_start(),
            history_days=3,
            account=_account(case.device),
            limits_clock="real" if self.real_limits else "simulated",
        )
        self.cloud = FakeCloud(config)
        self.cloud.start()
        self.sn = self.cloud.hybrid_sn
        self.max_soc = case.device not in ("props_no_maxsoc", "no_maxsoc")
        self.config_path = folder / "config.toml"
        self.data_dir = folder / "data"
        self.log_file = folder / "log" / "optimizer.log"
        self.write_config()
        self.env = {"FOXESS_API_KEY": KEY, "FOXESS_BASE_URL": self.cloud.base_url}
        self.problems: list[str] = []
        self.budget: tuple[str, int] | None = None  # armed for the command under test only

    def close(self) -> None:
        self.cloud.stop()

    def write_config(self, **foxess: int) -> None:
        extra = "".join(f"{k} = {v}\n" for k, v in foxess.items())
        self.config_path.write_text(
            f"""[foxess]
timeout_s = {CLIENT_TIMEOUT_S}
devices = ["{self.sn}"]
{extra}[history]
sync_days = 2
forecast_days = 2
[paths]
data_dir = "{self.data_dir}"
log_file = "{self.log_file}"
""",
            encoding="utf-8",
        )

    def tick(self, seconds: float = 5.0) -> None:
        """Let time pass between two commands (the throttle windows of the previous one close)."""
        if self.real_limits:
            time.sleep(1.2)
        else:
            self.cloud.advance(timedelta(seconds=seconds))

    # ----- clients --------------------------------------------------------------------------------------
    def clock(self) -> Any:
        return None if self.real_limits else LinkedClock(self.cloud)

    def transport(self) -> httpx.BaseTransport | None:
        if self.case.device == "props_no_maxsoc":
            return RewriteProperties(_drop_maxsoc)
        if self.case.device == "negative_fdpwr":
            return RewriteProperties(_negative_fdpwr)
        return None

    def tool(self) -> FoxEssClient:
        """Another client of the same account (the installer of the previous schedule, another tool)."""
        return FoxEssClient(self.cloud.base_url, ApiKeyAuth(KEY), clock=self.clock(), timeout_s=5.0)

    def install_previous(self) -> None:
        previous = self.case.previous
        if previous == "empty":
            return
        groups = self.previous_groups()[1]
        with self.tool() as client:
            client.scheduler_enable(self.sn, groups)
            client.scheduler_set_flag(self.sn, not previous.startswith("off"))

    # ----- commands -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """The CLI in this process talks to this world's cloud, on its clock, through its transport."""
        from optimizer.foxess import client_from_config
        from optimizer.pipeline import account as account_module

        original = account_module.client_from_config
        clock, transport = self.clock(), self.transport()

        def make(config: Any, **_: Any) -> FoxEssClient:
            client = client_from_config(config, transport=transport, clock=clock)
            if self.budget is not None:
                _leave_at_push(self, client, self.budget)
            return client

        saved = {k: os.environ.get(k) for k in (*self.env, "OPTIMIZER_CONFIG")}
        os.environ.update(self.env)
        os.environ.pop("OPTIMIZER_CONFIG", None)
        account_module.client_from_config = make  # type: ignore[assignment]
        try:
            yield
        finally:
            account_module.client_from_config = original
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def invoke(self, *args: str) -> Outcome:
        from typer.testing import CliRunner

        from optimizer.cli import app

        before = len(self.cloud.requests)
        with self.patched():
            result = CliRunner().invoke(app, [*args, "--config", str(self.config_path)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise RuntimeError(f"{args}: {result.exception!r}") from result.exception
        return Outcome(args, result.exit_code, result.stdout, result.stderr, len(self.cloud.requests) - before)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, **self.env}
        env.pop("OPTIMIZER_CONFIG", None)
        command = [sys.executable, "-m", "optimizer", *args, "--config", str(self.config_path)]
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    # ----- what the inverter holds ----------------------------------------------------------------------
    def previous_groups(self) -> tuple[bool, list[SchedulerGroup]]:
        """The flag and the groups installed before the case (``maxSoc`` left out on a model without it)."""
        previous = self.case.previous
        if previous == "empty":
            return False, []
        groups = [PREVIOUS, DISABLED] if "disabled" in previous else [PREVIOUS]
        if self.case.device == "no_maxsoc":
            groups = [g.model_copy(update={"maxSoc": None}) for g in groups]
        return not previous.startswith("off"), groups

    def holds(self, *candidates: list[SchedulerGroup] | None) -> str:
        """``new`` (one of the ``candidates``), ``previous``, ``flag off`` (the safe state, when the previous
        flag was on) or ``OTHER``."""
        state = self.cloud.scheduler_state(self.sn)
        enabled = _active(state.groups, self.max_soc)
        for new in candidates:
            if state.enable and new is not None and enabled == _active(new, self.max_soc):
                return "new"
        previous_on, previous = self.previous_groups()
        if state.enable == previous_on and (not previous_on or enabled == _active(previous, self.max_soc)):
            if "disabled" in self.case.previous:
                stored = _stored(state.groups, self.max_soc)
                if stored != _stored(previous, self.max_soc):
                    return "previous (disabled group lost)"
            return "previous"
        if not state.enable:
            return "flag off"
        return "OTHER"

    def files_text(self) -> str:
        texts = []
        for path in self.folder.rglob("*"):
            if path.is_file():
                with contextlib.suppress(OSError):
                    texts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(texts)

    def journal(self) -> dict[str, Any]:
        path = self.data_dir / "push-journal.json"
        if not path.exists():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")).get("devices", {}).get(self.sn, {}))


def _active(groups: list[SchedulerGroup], max_soc: bool) -> list[tuple[Any, ...]]:
    return sorted(_key(g, max_soc) for g in groups if g.enable == 1 and g.workMode != "Invalid")


def _stored(groups: list[SchedulerGroup], max_soc: bool) -> list[tuple[Any, ...]]:
    return sorted(_key(g, max_soc) for g in groups if g.workMode != "Invalid")


def _key(group: SchedulerGroup, max_soc: bool) -> tuple[Any, ...]:
    wire = group.wire()
    if not max_soc:
        wire.pop("maxSoc", None)
    return tuple(sorted(wire.items()))


@dataclass
class Outcome:
    """One command's run: exit code, outputs, requests the cloud received."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    calls: int

    def doc(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.stdout)
        except ValueError:
            return {}
        return doc if isinstance(doc, dict) else {}

    def line(self, sn: str) -> dict[str, Any]:
        """The device's line of ``run --json``, or the ``push --json`` document."""
        doc = self.doc()
        if "devices" in doc:
            return next((d for d in doc["devices"] if d.get("sn") == sn), {})
        return doc

    def error(self, sn: str) -> str:
        line = self.line(sn)
        if line.get("error"):
            return str(line["error"])
        errors = [ln.removeprefix("error: ") for ln in self.stderr.splitlines() if ln.startswith("error: ")]
        return " ".join(errors)

    def groups(self, sn: str) -> list[SchedulerGroup] | None:
        raw = self.line(sn).get("groups")
        return [SchedulerGroup.model_validate(g) for g in raw] if raw else None


# ----- running a case ---------------------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    code: int | None = None
    holds: str = ""
    verified: bool | None = None
    calls: int = 0
    writes: int = 0
    message: str = ""
    next_code: int | None = None
    next_holds: str = ""
    found: str | None = None
    detail: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_case(case: Case) -> Result:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fault-matrix-", dir="/tmp" if Path("/tmp").is_dir() else None) as tmp:
        world = World(case, Path(tmp))
        try:
            result = _run(world)
        finally:
            world.close()
    result.seconds = time.perf_counter() - started
    return result


def _run(world: World) -> Result:
    case = world.case
    result = Result(case)
    _warm_up(world)
    outputs = _under_test(world)
    world.cloud.faults.clear()
    main = outputs[-1] if case.concurrent else outputs[0]
    candidates = (
        [o.groups(world.sn) for o in outputs if o.code == 0] if case.concurrent else [_new_groups(world, outputs)]
    )
    result.code = main.code
    result.calls = sum(o.calls for o in outputs)
    result.holds = world.holds(*candidates)
    line = main.line(world.sn)
    result.verified = line.get("verified") if line else None
    result.writes = sum(int(o.line(world.sn).get("writes") or 0) for o in outputs)
    result.message = " | ".join(filter(None, (o.error(world.sn) for o in outputs)))
    world.budget = None
    journal = world.journal()
    pending = journal.get("state") in ("writing", "restoring", "unknown")
    _check(world, result, outputs, pending)
    result.problems[:0] = world.problems
    _check_next_run(world, result, pending)
    return result


def _warm_up(world: World) -> None:
    """The previous schedule in place, a dry run to sync the history, and the case's budget set."""
    case = world.case
    world.install_previous()
    world.tick()
    warm = world.invoke("run", "--json")  # syncs the history: the run under test plans in steady state
    if warm.code != 0:
        raise RuntimeError(f"{case.name}: the warm-up dry run failed: {warm.stderr or warm.stdout}")
    world.tick()
    if case.budget is not None and case.budget[0] == "config":
        world.write_config(max_calls_per_run=case.budget[1])
    elif case.budget is not None:
        world.budget = case.budget


def _under_test(world: World) -> list[Outcome]:
    """The outcomes of the run (or push, or concurrent runs) under test, with the case's faults armed."""
    case = world.case
    if case.concurrent:
        return _concurrent(world, case)
    if case.kill is not None:
        return [_killed(world, case)]
    _arm(world, case)
    args = (
        ("push", "--json", "--tariff", case.tariff)
        if case.command == "push"
        else ("run", "--push", "--json", "--tariff", case.tariff)
    )
    return [world.invoke(*args)]


def _check_next_run(world: World, result: Result, pending: bool) -> None:
    """The next run, clean: what it finds and where it leaves the inverter; no key in outputs or files."""
    case = world.case
    if case.budget is not None:  # the next run comes after the daily reset: the budgets are back
        world.write_config()
        world.cloud.state.quota.per_inverter = 1440
        _forget_reconciliation(world)
    world.tick()
    if world.real_limits:
        time.sleep(1.2)
    after = world.invoke("run", "--push", "--json")
    result.next_code = after.code
    result.found = after.line(world.sn).get("found")
    result.next_holds = world.holds(after.groups(world.sn))
    if pending and not result.found:
        result.problems.append("an unfinished push was left in the journal, but the next run did not say what it found")
    if after.code != 0 or result.next_holds != "new":
        result.problems.append(f"the next clean run ended with exit {after.code}, holding {result.next_holds}")
    for text in (after.stdout, after.stderr):
        if KEY in text:
            result.problems.append("the API key appears in the next run's output")
    if KEY in world.files_text():
        result.problems.append("the API key appears in a file of the data or log folder")
    if case.device == "negative_fdpwr":
        negative = [r for r in world.cloud.requests if r.path == ENABLE and _negative(r.body)]
        if negative:
            result.problems.append("a negative fdPwr was sent")


def _negative(body: Any) -> bool:
    groups = body.get("groups", []) if isinstance(body, dict) else []
    return any(isinstance(g, dict) and isinstance(g.get("fdPwr"), int) and g["fdPwr"] < 0 for g in groups)


def _new_groups(world: World, outputs: list[Outcome]) -> list[SchedulerGroup] | None:
    for outcome in reversed(outputs):
        groups = outcome.groups(world.sn)
        if groups and outcome.code == 0:
            return groups
    for outcome in reversed(outputs):
        groups = outcome.groups(world.sn)
        if groups:
            return groups
    intended = world.journal().get("intended")
    return [SchedulerGroup.model_validate(g) for g in intended] if intended else None


def _check(world: World, result: Result, outputs: list[Outcome], pending: bool) -> None:
    case, problems = world.case, result.problems
    allowed = {"new", "previous"} | ({case.stated} if case.stated else set())
    holds = result.holds
    if case.kill is not None:
        result.detail = f"killed: the inverter held {holds} until the next run"
    elif (
        case.stated == "unknown"
        and pending
        and result.code != 0
        and not result.verified
        and holds in ("new", "previous", "flag off", "OTHER")
    ):
        result.detail = f"{holds}, not read back: stated as unknown, settled by the next run"
    elif holds not in allowed and not (holds == "flag off" and world.previous_groups()[0] is False):
        problems.append(f"the inverter holds {holds}")
    if case.kill is not None:
        pass
    elif (
        holds == "new" and result.code != 0 and not result.verified and case.stated != "unknown" and not case.concurrent
    ):
        problems.append("the new schedule is in force but was not verified")
    elif result.code == 0 and holds != "new":
        problems.append(f"exit 0 while the inverter holds {holds}")
    if result.code == 0 and holds == "new" and result.verified is False:
        problems.append("exit 0 with the new schedule not verified")
    problems.extend(_output_problems(world, outputs))


def _output_problems(world: World, outputs: list[Outcome]) -> list[str]:
    """The key in an output, a failure without an error message, and what is wrong with each message."""
    problems: list[str] = []
    for outcome in outputs:
        message = outcome.error(world.sn)
        if KEY in outcome.stdout or KEY in outcome.stderr:
            problems.append(f"the API key appears in the output of {' '.join(outcome.args)}")
        if outcome.code == 0:
            continue
        if outcome.code is None or outcome.code < 0:
            continue  # killed on purpose
        if not message:
            problems.append(f"{' '.join(outcome.args)} failed (exit {outcome.code}) without an error message")
            continue
        problems.extend(_message_problems(message))
        if "could not be reached" in message:
            problems.append("the message blames connectivity, but the simulated cloud always answered or timed out")
    return problems


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`])", text.strip()) if s]


def _message_problems(message: str) -> list[str]:
    found = []
    if not message.rstrip().endswith((".", "!", "?")):
        found.append(f"the error does not end with a full stop: {message!r}")
    if re.search(r"[a-z0-9)]\s+[A-Z][a-z]+ [a-z]+ ", message) and re.search(
        r"[a-z)] (The|Try|Run|Check|Wait) ", message
    ):
        found.append(f"two sentences run together without a full stop: {message!r}")
    if ". ." in message or ".." in message.replace("...", ""):
        found.append(f"doubled full stop: {message!r}")
    return found


def _leave_at_push(world: World, client: FoxEssClient, budget: tuple[str, int]) -> None:
    """Make the budget of ``kind`` leave exactly ``k`` calls when the push starts: the moment the push asks for
    its reserve (its first budget check of more than a few calls), the limit is set ``k`` above what is used."""
    kind, k = budget
    original = client.check_budget
    done: list[bool] = []

    def check_budget(n: int, sn: str | None = None) -> None:
        if n >= 10 and not done:
            done.append(True)
            counter = client.counter
            if kind == "run":
                counter.max_calls_per_run = counter.run_calls + k
            elif kind == "day":
                counter.daily_budget = counter.used_today() + k  # the account pool: one inverter
            elif kind == "cloud":
                quota = world.cloud.state.quota
                quota.per_inverter = quota.used() + k
            else:  # pragma: no cover
                raise ValueError(kind)
        original(n, sn)

    client.check_budget = check_budget  # type: ignore[method-assign]


def _forget_reconciliation(world: World) -> None:
    path = world.data_dir / "api-calls.json"
    if path.exists():
        counter = json.loads(path.read_text(encoding="utf-8"))
        for day in counter.get("days", {}).values():
            day.pop("reconciled", None)
        path.write_text(json.dumps(counter), encoding="utf-8")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _arm(world: World, case: Case) -> None:
    """Add the case's faults now, or once the request they wait for has been answered; another tool too."""
    counts: Counter[str] = Counter()
    armed: set[int] = set()
    tool = world.tool() if case.other else None
    other_done: list[bool] = []

    def listener(record: RequestRecord) -> None:
        counts[record.path] += 1
        for i, arm in enumerate(case.arms):
            if arm.after == record.path and counts[record.path] == arm.nth and i not in armed:
                armed.add(i)
                world.cloud.faults.add(arm.fault())
        if tool is not None and record.path == FLAG and counts[FLAG] == 1 and not other_done:
            other_done.append(True)
            world.cloud.advance(timedelta(seconds=3))  # past the write throttle of our own write
            try:
                if case.other == "write":
                    tool.scheduler_enable(world.sn, [OTHER_TOOL])
                else:
                    tool.scheduler_set_flag(world.sn, False)
            except Exception as exc:  # the harness's own failure: report it, never break the server thread
                world.problems.append(f"the other tool's write failed: {exc}")

    for arm in case.arms:
        if arm.after is None:
            world.cloud.faults.add(arm.fault())
    world.cloud.requests.subscribe(listener)


def _killed(world: World, case: Case) -> Outcome:
    """Run the command in a subprocess and ``kill -9`` it at the case's step."""
    assert case.kill is not None
    path, nth, when = case.kill
    _arm(world, case)
    if when == "before":  # the request arrives but is not processed: held, and the process dies waiting
        world.cloud.faults.add(Fault(path, "timeout", seconds=HELD_TIMEOUT_S * 5, count=None))
    args = ("push", "--json") if case.command == "push" else ("run", "--push", "--json")
    before = len(world.cloud.requests)
    holder: dict[str, subprocess.Popen[str]] = {}
    seen: Counter[str] = Counter()

    def killer(record: RequestRecord) -> None:
        seen[record.path] += 1
        if record.path == path and seen[path] == nth and "proc" in holder:
            os.kill(holder["proc"].pid, signal.SIGKILL)

    world.cloud.requests.subscribe(killer)
    proc = world.spawn(*args)
    holder["proc"] = proc
    stdout, stderr = proc.communicate(timeout=120)
    world.cloud.faults.clear()
    return Outcome(args, proc.returncode, stdout, stderr, len(world.cloud.requests) - before)


def _concurrent(world: World, case: Case) -> list[Outcome]:
    """Start the case's commands together (the first one slowed down inside the lock so that they meet)."""
    world.cloud.faults.add(Fault("/op/v0/device/list", "slow", seconds=1.5, count=1))
    before = len(world.cloud.requests)
    procs = []
    for i, args in enumerate(case.concurrent):
        procs.append((args, world.spawn(*args)))
        if i == 0:
            time.sleep(0.8 if "--wait" in case.concurrent[-1] else 0.2)
    outputs = []
    for args, proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        outputs.append(Outcome(args, proc.returncode, stdout, stderr, 0))
    outputs[-1].calls = len(world.cloud.requests) - before
    log = world.log_file.read_text(encoding="utf-8") if world.log_file.exists() else ""
    marks = re.findall(r"optimizer\.run: (run start|run end|push start|push end)", log)
    starts = [m for m in marks if m.endswith("start")]
    pairs = all(
        marks[i].split()[0] == marks[i + 1].split()[0] and marks[i + 1].endswith("end")
        for i in range(0, len(marks) - 1, 2)
    )
    if not pairs or len(marks) % 2:
        world.problems.append(f"the commands interleaved: {marks}")
    if len(starts) < sum(1 for o in outputs if o.code == 0):
        world.problems.append("a command succeeded without taking the lock")
    for outcome in outputs:
        pushes = outcome.args[0] == "push" or "--push" in outcome.args
        if outcome.code == 0 and pushes and not outcome.line(world.sn).get("verified"):
            world.problems.append(f"{' '.join(outcome.args)} succeeded without verifying")
    return outputs


# ----- the document -----------------------------------------------------------------------------------------


def _budget_text(result: Result) -> str:
    if result.case.budget is None:
        return "-"
    kind, k = result.case.budget
    if kind == "config":
        return f"max_calls_per_run = {k}"
    label = {"run": "max_calls_per_run", "day": "daily_budget", "cloud": "cloud quota"}[kind]
    return f"{label}: {k} left at the push"


def _kill_text(case: Case) -> str:
    if case.kill is None:
        return "-"
    path, nth, when = case.kill
    ordinal = {1: "", 2: "2nd "}[nth]
    return f"{when} {ordinal}{_short(path)}"


def _holds_text(result: Result) -> str:
    """What the inverter holds after the command, as the table says it."""
    holds = {"new": "new", "previous": "previous", "flag off": "safe: flag off", "OTHER": "neither"}.get(
        result.holds, result.holds
    )
    if result.case.kill is not None:
        return f"killed: {holds}"
    if result.case.concurrent and result.holds == "new":
        return "new, verified"  # by the command that wrote it (each successful one is checked)
    if result.holds == "new" and (result.code == 0 or result.verified):
        return "new, verified"
    if result.detail:  # a stated unknown: the command said it could not read the inverter
        return f"{holds}, not read back (stated)"
    return holds


def _family_table(results: list[Result], outcomes: list[str]) -> list[str]:
    lines = [
        "| family | cases | " + " | ".join(f"`{k}`" for k in outcomes) + " |",
        "|---|---|" + "---|" * len(outcomes),
    ]
    for family in dict.fromkeys(r.case.family for r in results):
        members = [r for r in results if r.case.family == family]
        counts = [str(sum(1 for r in members if _holds_text(r) == k) or "") for k in outcomes]
        lines.append(f"| {family} | {len(members)} | " + " | ".join(counts) + " |")
    return lines


def render(results: list[Result]) -> str:
    bad = [r for r in results if r.problems]
    outcomes = Counter(_holds_text(r) for r in results)
    lines = [
        "# Push fault matrix",
        "",
        "Generated by `bench/fault_matrix.py` (do not edit by hand): every case drives the real CLI",
        "(`optimizer run --push --json`, or `optimizer push --json`) against a fresh simulated Fox ESS cloud on",
        "127.0.0.1 with its limits on (per-path throttle, daily quota), after a previous schedule was installed",
        "and the history synced by a dry run. `kill` and `concurrency` cases run the CLI as subprocesses.",
        "See `docs/push.md` for the protocol these cases check.",
        "",
        "Columns: **exit** the command's exit code; **inverter after** what the simulated inverter holds when the",
        "command has ended (`previous`: the same flag and enabled groups as before; `new, verified`: the new",
        "schedule with the flag on, read back by the run; `safe: flag off`: the stated safe state, neither",
        "schedule could be put back and the run switched the flag off and read it back); **calls** the requests",
        "the cloud received during the command; **writes** the write calls the command reports; **next run** the",
        "exit code of a clean `run --push` afterwards and what the inverter then holds (`found`: it reported what",
        "an unfinished push had left).",
        "",
        f"**{len(results)} cases; {len(results) - len(bad)} keep every promise; {len(bad)} break one.** What the "
        "inverter held after the command, by family of cases:",
        "",
        *_family_table(results, sorted(outcomes)),
        "",
        "How to read the outcomes: `killed: ...` is the state a `kill -9` left (the next run settles it, see",
        "*next run*); `..., not read back (stated)` is a command that could not read the inverter afterwards (every",
        "read refused or timed out, or every flag write refused) and said so, leaving its journal entry pending for",
        "the next run; `safe: flag off` is the stated safe state. The simulated cloud switches the scheduler flag",
        "on with `scheduler/enable`, as the real one did for Predbat (#4073; an H3-G2 was measured not to): that is",
        "why a refused `set/flag` still leaves the new schedule in force, verified by the read that follows the",
        "failure. Where the flag stays as it was, the same read finds neither schedule and the previous one is",
        "written back (the `restore` family).",
        "",
        "| # | case | fault | budget | kill | exit | inverter after | calls | writes | next run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(results, 1):
        c = r.case
        fault = c.fault_text()
        if c.concurrent:
            fault = " ‖ ".join("`" + " ".join(a) + "`" for a in c.concurrent)
        if c.previous != "on":
            fault += f" (previous: {c.previous})"
        nxt = f"{r.next_code}, {r.next_holds}" + (", found" if r.found else "")
        holds = _holds_text(r) + (" ⚠" if r.problems else "")
        lines.append(
            f"| {i} | `{c.name}` | {fault} | {_budget_text(r)} | {_kill_text(c)} | {r.code} | {holds} | {r.calls} "
            f"| {r.writes} | {nxt} |"
        )
    lines += [
        "",
        "## Messages",
        "",
        "The error each failing case printed (one per command), and what the next run found.",
        "",
    ]
    for i, r in enumerate(results, 1):
        if not r.message and not r.found and not r.detail:
            continue
        lines.append(f"{i}. `{r.case.name}` (exit {r.code})" + (f": {r.message}" if r.message else ""))
        if r.detail:
            lines.append(f"   - {r.detail}")
        if r.found:
            lines.append(f"   - next run found: {r.found}.")
    if bad:
        lines += ["", "## Broken promises", ""]
        for r in bad:
            lines.append(f"- `{r.case.name}`: " + "; ".join(r.problems))
    return _stable("\n".join(lines) + "\n")


def _stable(text: str) -> str:
    """The document without what changes from one generation to the next: case folders, times of day."""
    text = re.sub(r"/tmp/fault-matrix-[^/\s]+", "<case folder>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", text)
    return text


def _quiet_resets() -> None:
    """A ``kill -9`` resets the connection the server was reading: not worth a traceback on stderr."""
    import socketserver

    original = socketserver.BaseServer.handle_error

    def handle_error(self: socketserver.BaseServer, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        original(self, request, client_address)

    socketserver.BaseServer.handle_error = handle_error  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="run the cases whose name contains this")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "fault-matrix.md", help="the document to write")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--verbose", action="store_true", help="print each case's messages")
    args = parser.parse_args(argv)
    _quiet_resets()
    cases = [c for c in all_cases() if not args.only or any(s in c.name for s in args.only)]
    if args.list:
        for case in cases:
            print(case.name)
        return 0
    results = []
    started = time.perf_counter()
    for i, case in enumerate(cases, 1):
        result = run_case(case)
        results.append(result)
        flag = "OK " if not result.problems else "BAD"
        print(
            f"{flag} {i:3d}/{len(cases)} {case.name:45s} exit {result.code} {result.holds:10s} "
            f"calls {result.calls:3d} next {result.next_code} {result.seconds:5.1f} s",
            flush=True,
        )
        for problem in result.problems:
            print(f"      {problem}", flush=True)
        if args.verbose:
            for text in (result.message, result.detail, result.found and f"next run found: {result.found}"):
                if text:
                    print(f"      > {text}", flush=True)
    if not args.only:
        args.out.write_text(render(results), encoding="utf-8")
        print(f"wrote {args.out}")
    bad = sum(1 for r in results if r.problems)
    print(f"{len(results)} cases, {bad} broken, {time.perf_counter() - started:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
