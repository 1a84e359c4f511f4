"""The nightly run end to end against the simulated cloud: push, idempotence, faults, lock, secrecy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.fakecloud import FakeCloud
from optimizer.scheduler import SchedulerGroup, same_schedule

from .conftest import API_KEY

ENABLE = "/op/v1/device/scheduler/enable"
SET_FLAG = "/op/v1/device/scheduler/set/flag"
PREVIOUS = [
    SchedulerGroup(
        startHour=3, startMinute=0, endHour=4, endMinute=59, workMode="ForceCharge",
        minSocOnGrid=10, fdSoc=60, fdPwr=2000, maxSoc=60,
    )
]  # fmt: skip


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    return result.exit_code, result.stdout, result.stderr


def install_previous(cloud: FakeCloud) -> None:
    from optimizer.foxess import ApiKeyAuth, FoxEssClient

    with FoxEssClient(cloud.base_url, ApiKeyAuth(cloud.api_key), throttle=False) as client:
        client.scheduler_enable(cloud.hybrid_sn, PREVIOUS)
        client.scheduler_set_flag(cloud.hybrid_sn, True)


def writes(cloud: FakeCloud) -> list[str]:
    return [r.path for r in cloud.requests if r.path in (ENABLE, SET_FLAG)]


def test_run_push_twice_second_writes_nothing(cloud: FakeCloud, site_config: Path) -> None:
    code, out, err = run(site_config, "run", "--push", "--json")
    assert code == 0, err
    report = json.loads(out)
    hybrid = next(d for d in report["devices"] if d["sn"] == cloud.hybrid_sn)
    assert hybrid["pushed"] and hybrid["verified"] and hybrid["writes"] == 2 and hybrid["error"] is None
    assert hybrid["expected_savings"] is not None
    stored = cloud.scheduler_state(cloud.hybrid_sn)
    assert stored.enable and same_schedule(stored.groups, [SchedulerGroup(**g) for g in hybrid["groups"]])
    # the device without scheduler support is reported as skipped, not as an error
    plain = next(d for d in report["devices"] if d["sn"] == cloud.plain_sn)
    assert plain["skipped"] == "no scheduler support" and plain["writes"] == 0

    before = len(writes(cloud))
    code, out, err = run(site_config, "run", "--push", "--json")
    assert code == 0, err
    again = next(d for d in json.loads(out)["devices"] if d["sn"] == cloud.hybrid_sn)
    assert again["writes"] == 0 and again["verified"] and not again["pushed"]
    assert len(writes(cloud)) == before


def test_dry_run_writes_nothing(cloud: FakeCloud, site_config: Path) -> None:
    install_previous(cloud)
    before = len(writes(cloud))
    code, out, err = run(site_config, "run")
    assert code == 0, err
    assert "dry-run" in out
    assert len(writes(cloud)) == before
    assert same_schedule(cloud.scheduler_state(cloud.hybrid_sn).groups, PREVIOUS)


@pytest.mark.parametrize(
    ("inject", "exit_code"),
    [
        (lambda c: c.faults.errno(ENABLE, 44098, count=1), 4),  # the cloud refuses the write
        (lambda c: c.faults.write_not_applied(ENABLE, count=1), 8),  # success reported, nothing stored
        (lambda c: c.faults.timeout(ENABLE, count=5, seconds=1.5), 5),  # every try times out, retries exhausted
    ],
    ids=["refused", "not-applied", "timeout"],
)
def test_failed_push_keeps_previous_schedule(cloud: FakeCloud, site_config: Path, inject, exit_code: int) -> None:  # type: ignore[no-untyped-def]
    install_previous(cloud)
    inject(cloud)
    code, out, err = run(site_config, "run", "--push", "--json")
    assert code == exit_code, (out, err)
    line = next(d for d in json.loads(out)["devices"] if d["sn"] == cloud.hybrid_sn)
    assert line["error"] and not line["verified"]
    state = cloud.scheduler_state(cloud.hybrid_sn)
    assert state.enable and same_schedule(state.groups, PREVIOUS)
    assert "previous schedule" in line["error"]


def test_lock_held_by_another_run_exits_cleanly(cloud: FakeCloud, site_config: Path, tmp_path: Path) -> None:
    with FileLock(str(tmp_path / "data" / "run.lock")):
        code, _out, err = run(site_config, "run", "--wait", "0")
    assert code == 1
    assert "another optimizer run holds the lock" in err
    assert writes(cloud) == []


def test_concurrent_runs_do_not_interleave(cloud: FakeCloud, site_config: Path, tmp_path: Path) -> None:
    """Two cron runs started together (separate processes): the second waits for the lock, then finds nothing to do."""
    env = {**os.environ, "FOXESS_API_KEY": cloud.api_key, "FOXESS_BASE_URL": cloud.base_url}
    command = [
        sys.executable,
        "-m",
        "optimizer",
        "run",
        "--push",
        "--json",
        "--wait",
        "120",
        "--config",
        str(site_config),
    ]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    log = (tmp_path / "log" / "optimizer.log").read_text(encoding="utf-8").splitlines()
    marks = [line.split("optimizer.run: ", 1)[1].split(":")[0] for line in log if "optimizer.run: run " in line]
    assert marks == ["run start", "run end", "run start", "run end"]
    assert len([p for p in writes(cloud) if p == ENABLE]) == 1  # the second run found the schedule in place


def test_key_never_appears_in_output_or_log(cloud: FakeCloud, site_config: Path, tmp_path: Path) -> None:
    cloud.faults.errno(ENABLE, 44098, count=1)
    for args in (("run", "--push"), ("run", "--push", "--json"), ("status", "--json"), ("doctor",)):
        _code, out, err = run(site_config, "--verbose", *args)
        assert API_KEY not in out and API_KEY not in err
    log = (tmp_path / "log" / "optimizer.log").read_text(encoding="utf-8")
    assert API_KEY not in log
    assert "errno 44098" in log


def test_status_and_doctor(cloud: FakeCloud, site_config: Path) -> None:
    install_previous(cloud)
    code, out, err = run(site_config, "status", "--json")
    assert code == 0, err
    doc = json.loads(out)
    hybrid = next(d for d in doc["devices"] if d["sn"] == cloud.hybrid_sn)
    assert hybrid["enable"] and same_schedule([SchedulerGroup(**g) for g in hybrid["groups"]], PREVIOUS)
    assert 0 <= hybrid["soc_pct"] <= 100
    code, out, err = run(site_config, "doctor", "--json")
    assert code == 0, (out, err)
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["auth"]["ok"] and checks["clock"]["ok"] and checks["solver"]["ok"]
    assert checks[f"device {cloud.plain_sn}"]["warning"]


def test_base_mode_other_than_selfuse_makes_groups_cover_the_day(cloud: FakeCloud, site_config: Path) -> None:
    from optimizer.foxess import ApiKeyAuth, FoxEssClient

    with FoxEssClient(cloud.base_url, ApiKeyAuth(cloud.api_key), throttle=False) as client:
        client.setting_set(cloud.hybrid_sn, "WorkMode", "Feedin")
    code, out, err = run(site_config, "plan", "--json", "--device", cloud.hybrid_sn)
    assert code == 0, err
    doc = json.loads(out)
    assert any("own work mode is Feedin" in note for note in doc["notes"])
    covered = sum(
        (g["endHour"] * 60 + g["endMinute"] + 1) - (g["startHour"] * 60 + g["startMinute"]) for g in doc["groups"]
    )
    assert covered == 24 * 60
