"""Scheduler v3 through the pipeline: an EVO-like inverter is planned, pushed, verified and restored exactly as a
v1 one, and `run --push` handles all three inverters of the simulated account."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.foxess import ApiKeyAuth, FoxEssClient
from optimizer.foxess.clock import ManualClock
from optimizer.pipeline import account as account_module
from optimizer.scheduler import SchedulerGroup, same_schedule

from .conftest import API_KEY

V3_ENABLE = "/op/v3/device/scheduler/enable"
PREVIOUS = [
    SchedulerGroup(
        startHour=2, startMinute=0, endHour=4, endMinute=59, workMode="ForceCharge",
        minSocOnGrid=10, fdSoc=70, fdPwr=3000, maxSoc=70,
    )
]  # fmt: skip


@pytest.fixture
def evo_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCloud]:
    # throttle off: this test is about the v3 protocol, not pacing (the client tests cover the throttle)
    config = FakeCloudConfig(api_key=API_KEY, throttle=False, history_days=10, speed=0, evo_inverter=True)
    with FakeCloud(config) as fake:
        yield fake


@pytest.fixture
def evo_config(tmp_path: Path, evo_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Path:
    def make(config, *, transport=None, clock=None):  # type: ignore[no-untyped-def]
        from optimizer.foxess import client_from_config

        return client_from_config(config, transport=transport, clock=ManualClock(start_ms=round(time.time() * 1000)))

    monkeypatch.setattr(account_module, "client_from_config", make)
    monkeypatch.setenv("FOXESS_API_KEY", evo_cloud.api_key)
    monkeypatch.setenv("FOXESS_BASE_URL", evo_cloud.base_url)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[foxess]\ntimeout_s = 1.0\n[history]\nsync_days = 3\nforecast_days = 3\n[paths]\ndata_dir = "{tmp_path}"\n',
        encoding="utf-8",
    )
    return path


def _run(config: Path, *args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(app, ["run", "--push", "--json", "--config", str(config), *args])
    return result.exit_code, json.loads(result.stdout or "{}"), result.stderr


def test_run_push_handles_all_three_inverters(evo_cloud: FakeCloud, evo_config: Path) -> None:
    code, report, err = _run(evo_config)
    assert code == 0, err
    lines = {d["sn"]: d for d in report["devices"]}
    assert set(lines) == {evo_cloud.hybrid_sn, evo_cloud.plain_sn, evo_cloud.evo_sn}
    for sn in (evo_cloud.hybrid_sn, evo_cloud.evo_sn):
        assert lines[sn]["pushed"] and lines[sn]["verified"] and lines[sn]["error"] is None, lines[sn]
        held = evo_cloud.scheduler_state(sn)
        assert held.enable and same_schedule(held.groups, [SchedulerGroup(**g) for g in lines[sn]["groups"]])
    assert any(r.path == V3_ENABLE for r in evo_cloud.requests)  # the EVO was written through v3
    assert lines[evo_cloud.plain_sn]["skipped"] == "no scheduler support"
    code, again, _ = _run(evo_config)  # idempotent on v3 too
    assert code == 0 and all(d["writes"] == 0 for d in again["devices"])


def test_a_v3_write_not_applied_is_restored_as_on_v1(evo_cloud: FakeCloud, evo_config: Path) -> None:
    with FoxEssClient(evo_cloud.base_url, ApiKeyAuth(evo_cloud.api_key), throttle=False) as client:
        client.list_devices()
        client.scheduler_enable(evo_cloud.evo_sn, PREVIOUS)
        client.scheduler_set_flag(evo_cloud.evo_sn, True)
    evo_cloud.faults.write_not_applied(V3_ENABLE, count=1)
    code, report, err = _run(evo_config, "--device", evo_cloud.evo_sn)
    assert code == 8, err
    line = report["devices"][0]
    assert not line["verified"] and line["holds"] == "previous"
    assert "still holds its previous schedule" in line["error"]
    held = evo_cloud.scheduler_state(evo_cloud.evo_sn)
    assert held.enable and same_schedule(held.groups, PREVIOUS)
