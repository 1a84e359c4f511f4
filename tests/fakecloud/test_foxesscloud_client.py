"""A widely used third-party client, ``foxesscloud`` 2.9.1 (TonyM1958, scheduler v1), unchanged but for its
base URL and key, against the simulated cloud.

foxesscloud keeps its state in module globals, so each test reloads the module. Its own pacing (1 s between
calls to a ``.../query`` path, 2 s between setting writes) is silenced (``query_delay = update_delay = 0``),
so the cloud's per-path throttle is switched off here; the throttle itself is tested with raw requests
(test_limits.py) and with the project's client (test_client_e2e.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType

import pytest

from optimizer.fakecloud import FakeCloud
from optimizer.scheduler import SchedulerGroup
from tests.fakecloud.conftest import make_cloud


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    with make_cloud(history_days=2) as running:
        yield running


@pytest.fixture
def fox(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    import foxesscloud.openapi as openapi

    module = importlib.reload(openapi)
    monkeypatch.setattr(module, "fox_domain", cloud.base_url)  # the only change: the base URL ...
    monkeypatch.setattr(module, "api_key", cloud.api_key)  # ... and the key
    monkeypatch.setattr(module, "http_timeout", 10)
    monkeypatch.setattr(module, "query_delay", 0)
    monkeypatch.setattr(module, "update_delay", 0)
    capsys.readouterr()
    return module


def test_device_site_and_access_count(fox: ModuleType, cloud: FakeCloud) -> None:
    count = fox.get_access_count()
    assert count["total"] == "2880"
    assert fox.get_site() is None  # two plants: foxesscloud asks for a name
    site = fox.get_site(name="Fake Home")
    assert site["stationName"] == "Fake Home" and site["ianaTimezone"] == "Europe/London"
    device = fox.get_device(sn=cloud.hybrid_sn)
    assert device["deviceSN"] == cloud.hybrid_sn
    assert (device["model"], device["power"]) == ("H1", 5.0)  # parsed from deviceType H1-5.0-E-G2
    assert device["generationTotal"] > 6000
    assert fox.schedule["support"] == 1 and fox.schedule["enable"] == 0


def test_battery_and_real_time(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    battery = fox.get_battery()
    assert battery["soc"] == round(cloud.soc_pct(cloud.hybrid_sn))
    stored_kwh = cloud.device(cloud.hybrid_sn).inverter.soc_kwh
    assert battery["residual"] == pytest.approx(stored_kwh, abs=0.01)  # ResidualEnergy × 0.01
    assert battery["capacity"] == pytest.approx(10.36, rel=0.02)
    real = fox.get_real(["pvPower", "loadsPower", "SoC"])
    assert [v["variable"] for v in real] == ["pvPower", "loadsPower", "SoC"]


def test_history_and_report_of_a_day(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    history = fox.get_history("day", d="2025-06-09", v=["loadsPower", "pvPower"], summary=1)
    loads = next(v for v in history if v["variable"] == "loadsPower")
    assert 250 <= loads["count"] <= 288
    frame = cloud.history_df(cloud.hybrid_sn)
    day = frame.loc["2025-06-09 00:00":"2025-06-09 22:55"]  # the part foxesscloud keeps (dated 06-09 BST)
    assert loads["kwh"] == pytest.approx(day["load_kw"].sum() / 12, rel=0.02)
    report = fox.get_report("day", d="2025-06-09", v=["loads", "feedin"])
    loads_report = next(r for r in report if r["variable"] == "loads")
    assert len(loads_report["values"]) == 24
    assert loads_report["total"] == pytest.approx(sum(loads_report["values"]), abs=0.01)


def test_schedule_round_trip(fox: ModuleType, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    fox.get_device(sn=sn)
    assert fox.get_schedule()["periods"] == []
    charge = fox.set_period(start="02:00", end="05:00", mode="ForceCharge", min_soc=10, fdsoc=90, fdpwr=3000)
    discharge = fox.set_period(start="17:30", end="19:00", mode="ForceDischarge", min_soc=10, fdsoc=25)
    assert fox.set_schedule([charge, discharge]) is not None
    state = cloud.scheduler_state(sn)
    assert state.enable
    assert sorted((g.startHour, g.startMinute, g.endHour, g.endMinute, g.workMode) for g in state.groups) == [
        (2, 0, 4, 59, "ForceCharge"),
        (17, 30, 18, 59, "ForceDischarge"),
    ]
    assert next(g for g in state.groups if g.workMode == "ForceDischarge").fdPwr == 5000  # the rating
    periods = fox.get_schedule()["periods"]
    assert len(periods) == 2 and fox.schedule["maxsoc"] is True  # detected from the read-back
    writes = [r for r in cloud.requests if r.is_write]
    assert [r.path for r in writes] == ["/op/v1/device/scheduler/enable", "/op/v1/device/scheduler/set/flag"]
    assert all(r.errno == 0 for r in writes)
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn)
    assert (frame["work_mode"] == "ForceCharge").any() and (frame["charge_kw"] > 2.9).any()


def test_settings_while_the_schedule_is_on(fox: ModuleType, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    fox.get_device(sn=sn)
    period = fox.set_period(start="01:00", end="02:00", mode="SelfUse", min_soc=15)
    fox.set_schedule([period])
    assert fox.set_min(minSocOnGrid=20, minSoc=15) is None  # foxesscloud refuses while a schedule is on
    assert fox.set_min(minSocOnGrid=20, minSoc=15, force=1) is not None  # switches it off first
    assert not cloud.scheduler_state(sn).enable
    assert fox.get_min()["minSocOnGrid"] == 20
    assert fox.set_work_mode("Feedin") == "Feedin"
    assert cloud.device(sn).settings.work_mode == "Feedin"


def test_inverter_without_scheduler(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.plain_sn)
    assert fox.schedule["support"] == 0
    assert fox.get_schedule() is None
    assert fox.get_peakshaving() is None  # 40257: "Peak Shaving is not available"
    assert fox.get_charge()["times"]["enable1"] is False


def test_written_groups_are_valid_for_the_project_too(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    period = fox.set_period(start="00:00", end="24:00", mode="Feedin", min_soc=10)
    fox.set_schedule([period])
    groups = cloud.scheduler_state(cloud.hybrid_sn).groups
    assert groups == [
        SchedulerGroup(
            enable=1, startHour=0, startMinute=0, endHour=23, endMinute=59, workMode="Feedin",
            minSocOnGrid=10, fdSoc=10, fdPwr=0,
        )
    ]  # fmt: skip
