"""A widely used third-party client, ``foxesscloud`` (TonyM1958), against the simulated cloud with its
default settings: the throttle and the quota on, on the real clock, exactly as ``optimizer fakecloud serve``
runs it. Two releases, unchanged but for their base URL and key, through their public functions:

* **2.9.19**, the current release (scheduler v3, ``device/detail`` v1): the ``test`` extra,
  ``import foxesscloud.openapi``;
* **2.9.1**, the last release on scheduler v1: installed by the editable build as ``foxesscloud_2_9_1``
  (``tools/editable_backend.py``: pip cannot hold two versions of one distribution). Its cloud is dated
  June 2025, because 2.9.1 needs ``device/variable/get``, which the real cloud stopped answering on
  2026-04-08 (the simulated one answers HTTP 405 from that date, as the real one does).

foxesscloud paces itself (1 s between calls to a ``query`` path, 2 s before each setting write): those real
sleeps are what the cloud's throttle must accept, so they are left as they are. foxesscloud keeps its state
in module globals: each test reloads the module.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.scheduler import SchedulerGroup


@dataclass(frozen=True)
class Release:
    module: str
    version: str
    start: datetime
    scheduler: str  # the scheduler API version it uses


V1 = Release("foxesscloud_2_9_1.openapi", "2.9.1", datetime(2025, 6, 10, 10, 2, 30, tzinfo=UTC), "v1")
V3 = Release("foxesscloud.openapi", "2.9.19", datetime(2026, 11, 24, 10, 2, 30, tzinfo=UTC), "v3")


def _import(release: Release) -> ModuleType:
    try:
        module = importlib.import_module(release.module)
    except ImportError:
        pytest.skip(
            f"foxesscloud {release.version} is not installed as {release.module}: install the project with "
            "`pip install -e '.[test]'` (the editable build adds it)"
        )
    return importlib.reload(module)


@pytest.fixture(params=[V1, V3], ids=["foxesscloud-2.9.1", "foxesscloud-2.9.19"])
def release(request: pytest.FixtureRequest) -> Release:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def cloud(release: Release) -> Iterator[FakeCloud]:
    config = FakeCloudConfig(start=release.start, history_days=2, evo_inverter=release is V3)
    assert config.throttle_mode == "evidence" and config.limits_clock == "real"  # the serve defaults
    with FakeCloud(config) as running:
        yield running


@pytest.fixture
def fox(
    release: Release,
    cloud: FakeCloud,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Iterator[ModuleType]:
    monkeypatch.chdir(tmp_path)  # foxesscloud saves files (charge_needed's data) in the working directory
    module = _import(release)
    monkeypatch.setattr(module, "storage", f"{tmp_path}/")
    assert module.version == release.version
    monkeypatch.setattr(module, "fox_domain", cloud.base_url)  # the only change: the base URL ...
    monkeypatch.setattr(module, "api_key", cloud.api_key)  # ... and the key
    monkeypatch.setattr(module, "http_timeout", 10)
    capsys.readouterr()
    yield module
    refused = [(r.path, r.status, r.errno) for r in cloud.requests if r.status != 200 or r.errno not in (0, None)]
    expected = [r for r in refused if r[2] in EXPECTED_ERRNOS]
    assert refused == expected, "the cloud refused calls of a correctly paced client"
    assert all(errno != 40400 for _, _, errno in refused)


EXPECTED_ERRNOS = {40257, 44096}  # peak shaving on a model without it; a setting while the schedule is on


def yesterday(cloud: FakeCloud) -> str:
    return (cloud.now() - timedelta(days=1)).strftime("%Y-%m-%d")


def test_device_site_and_access_count(fox: ModuleType, cloud: FakeCloud, release: Release) -> None:
    count = fox.get_access_count()
    assert int(count["total"]) == 1440 * len(cloud.state.devices)
    assert fox.get_site() is None  # several plants: foxesscloud asks for a name
    site = fox.get_site(name="Fake Home")
    assert site["stationName"] == "Fake Home" and site["ianaTimezone"] == "Europe/London"
    device = fox.get_device(sn=cloud.hybrid_sn)
    assert device["deviceSN"] == cloud.hybrid_sn
    assert (device["model"], device["power"]) == ("H1", 5.0)  # parsed from deviceType H1-5.0-E-G2
    assert device["generationTotal"] > 6000
    assert fox.schedule["support"] == 1 and not fox.schedule["enable"]
    detail = "/op/v1/device/detail" if release is V3 else "/op/v0/device/detail"
    assert cloud.requests.to(detail)


def test_battery_and_real_time(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    battery = fox.get_battery()
    assert battery["soc"] == round(cloud.soc_pct(cloud.hybrid_sn))
    assert battery["capacity"] == pytest.approx(10.36, rel=0.03)
    real = fox.get_real(["pvPower", "loadsPower", "SoC"])
    assert [v["variable"] for v in real] == ["pvPower", "loadsPower", "SoC"]


def test_history_and_report_of_a_day(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    day = yesterday(cloud)
    history = fox.get_history("day", d=day, v=["loadsPower", "pvPower"], summary=1)
    loads = next(v for v in history if v["variable"] == "loadsPower")
    assert 250 <= loads["count"] <= 288
    report = fox.get_report("day", d=day, v=["loads", "feedin"])
    loads_report = next(r for r in report if r["variable"] == "loads")
    assert len(loads_report["values"]) == 24
    assert loads_report["total"] == pytest.approx(sum(loads_report["values"]), abs=0.01)
    assert loads["kwh"] == pytest.approx(loads_report["total"], rel=0.1)


def test_schedule_round_trip(fox: ModuleType, cloud: FakeCloud, release: Release) -> None:
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
    assert len(periods) == 2 and fox.schedule["maxsoc"] is True
    enable = f"/op/{release.scheduler}/device/scheduler/enable"
    writes = [r for r in cloud.requests if r.is_write]
    assert [r.path for r in writes] == [enable, "/op/v1/device/scheduler/set/flag"]
    if release is V3:
        assert writes[0].body["isDefault"] is False and "extraParam" in writes[0].body["groups"][0]
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn)
    assert (frame["work_mode"] == "ForceCharge").any() and (frame["charge_kw"] > 2.9).any()


def test_settings_while_the_schedule_is_on(fox: ModuleType, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    fox.get_device(sn=sn)
    assert fox.get_settings()["minSocOnGrid"] == 10
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


def test_charge_needed_offline(fox: ModuleType, cloud: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """The daily charge calculation with the forecast and consumption given (no Solcast, no Octopus)."""
    fox.get_device(sn=cloud.hybrid_sn)
    before = len(cloud.requests.writes())
    fox.charge_needed(forecast=12, consumption=15, update_settings=0, show_plot=0)
    out = capsys.readouterr().out
    assert "Consumption: 15.0kWh" in out and "Forecast: 12.0kWh" in out
    assert "Charge needed" in out or "No charging needed" in out
    assert len(cloud.requests.writes()) == before  # update_settings=0 writes nothing
    assert list(Path.cwd().glob("charge_needed *.txt"))  # its data file, in the test's own directory


def test_written_groups_are_valid_for_the_project_too(fox: ModuleType, cloud: FakeCloud) -> None:
    fox.get_device(sn=cloud.hybrid_sn)
    period = fox.set_period(start="00:00", end="24:00", mode="Feedin", min_soc=10)
    fox.set_schedule([period])
    groups = cloud.scheduler_state(cloud.hybrid_sn).groups
    assert [g.model_copy(update={"maxSoc": None, "fdPwr": 0}) for g in groups] == [
        SchedulerGroup(
            enable=1, startHour=0, startMinute=0, endHour=23, endMinute=59, workMode="Feedin",
            minSocOnGrid=10, fdSoc=10, fdPwr=0,
        )
    ]  # fmt: skip


@pytest.mark.parametrize("release", [V3], ids=["foxesscloud-2.9.19"])
def test_current_release_on_the_evo_like_inverter(fox: ModuleType, cloud: FakeCloud) -> None:
    """2.9.1 has no scheduler v3, so an EVO fails it for good (41200), as on the real cloud."""
    sn = cloud.evo_sn
    device = fox.get_device(sn=sn)
    assert device["model"] == "EVO" and device["power"] == 10.0
    assert fox.max_periods == 10 and "ForceCharge(BAT)" in fox.work_modes
    assert fox.get_schedule()["periods"] == []  # the Remain Time group is filtered out by foxesscloud
    charge = fox.set_period(start="01:00", end="04:00", mode="ForceCharge(BAT)", fdsoc=80, min_soc=10, fdpwr=4000)
    assert fox.set_schedule([charge]) is not None
    stored = cloud.scheduler_state(sn)
    assert stored.enable and [g.workMode for g in stored.groups] == ["ForceCharge(BAT)"]
    assert stored.extras[next(i for i, g in enumerate(stored.slots) if g)]["pvLimit"] == 15000.0  # 1.5 × rating
    assert not cloud.requests.to("/op/v1/device/scheduler/get")
