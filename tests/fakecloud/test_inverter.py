"""The simulated inverter obeys the pushed groups and settings, and the history shows it afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optimizer.fakecloud import FakeCloud
from tests.fakecloud.conftest import START, Api, make_cloud
from tests.fakecloud.test_scheduler_rules import group

ENABLE = "/op/v1/device/scheduler/enable"
HISTORY = "/op/v0/device/history/query"


def history(api: Api, sn: str, begin: datetime, end: datetime, variables: list[str]) -> dict[str, list[float]]:
    """Values per variable from the history endpoint."""
    body = {
        "sn": sn,
        "variables": variables,
        "begin": int(begin.timestamp() * 1000),
        "end": int(end.timestamp() * 1000),
    }
    datas = api.ok("POST", HISTORY, body)[0]["datas"]
    return {d["variable"]: [p["value"] for p in d["data"]] for d in datas}


def night_window() -> tuple[datetime, datetime]:
    """01:00-03:59 BST on the night after START, in UTC."""
    begin = datetime(2025, 6, 11, 0, 0, tzinfo=UTC)
    return begin, begin + timedelta(hours=3) - timedelta(minutes=5)


DRAIN = group("21:00", "23:59", "ForceDischarge", fdSoc=20, fdPwr=5000)  # evening: down to 20 %


def test_force_charge_group_charges_from_the_grid(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    charge = group("01:00", "03:59", "ForceCharge", fdSoc=95, maxSoc=95, fdPwr=3000)
    assert api.errno("POST", ENABLE, {"deviceSN": sn, "groups": [charge, DRAIN]}) == 0
    cloud.advance(timedelta(hours=20))
    begin, end = night_window()
    values = history(api, sn, begin, end, ["batChargePower", "gridConsumptionPower", "SoC", "invBatPower"])
    assert len(values["SoC"]) == 36
    assert values["SoC"][0] < 25
    assert values["SoC"][-1] > 60
    charging = [v for v in values["batChargePower"] if v > 0]
    assert len(charging) >= 20 and max(charging) == pytest.approx(3.0, abs=1e-3)
    assert min(values["gridConsumptionPower"][:20]) > 3.0  # the night load comes on top of the charge
    assert all(v <= 0 for v in values["invBatPower"])  # negative while charging
    frame = cloud.history_df(sn, begin, end + timedelta(minutes=5))
    assert set(frame["work_mode"]) == {"ForceCharge"}
    before = cloud.history_df(sn, begin - timedelta(hours=1), begin)
    assert set(before["work_mode"]) == {"SelfUse"}


def test_force_charge_stops_at_fd_soc(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    charge = group("01:00", "03:59", "ForceCharge", fdSoc=60, maxSoc=60, fdPwr=5000)
    api.ok("POST", ENABLE, {"deviceSN": sn, "groups": [charge, DRAIN]})
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn, *night_window())
    assert frame["soc_pct"].iloc[0] < 30
    assert frame["soc_pct"].max() == pytest.approx(60.0, abs=0.01)
    assert frame["charge_kw"].iloc[-1] == 0.0


def test_force_discharge_group_exports(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    charge = group("01:00", "03:59", "ForceCharge", fdSoc=100, maxSoc=100, fdPwr=5000)
    discharge = group("04:00", "05:59", "ForceDischarge", fdSoc=30, fdPwr=2500)
    api.ok("POST", ENABLE, {"deviceSN": sn, "groups": [charge, discharge]})
    cloud.advance(timedelta(hours=22))
    begin = datetime(2025, 6, 11, 3, 0, tzinfo=UTC)  # 04:00 BST
    values = history(api, sn, begin, begin + timedelta(minutes=115), ["batDischargePower", "feedinPower", "SoC"])
    assert values["batDischargePower"][0] == pytest.approx(2.5, abs=1e-3)
    assert min(values["feedinPower"][:12]) > 1.5
    assert values["SoC"][-1] < values["SoC"][0] - 30


def test_a_pushed_schedule_changes_the_history(api: Api, cloud: FakeCloud) -> None:
    with make_cloud() as control:
        charge = group("01:00", "03:59", "ForceCharge", fdSoc=95, maxSoc=95, fdPwr=3000)
        api.ok("POST", ENABLE, {"deviceSN": cloud.hybrid_sn, "groups": [charge]})
        cloud.advance(timedelta(hours=20))
        control.advance(timedelta(hours=20))
        pushed = cloud.history_df(cloud.hybrid_sn, *night_window())
        plain = control.history_df(control.hybrid_sn, *night_window())
    assert pushed["grid_import_kw"].sum() > plain["grid_import_kw"].sum() + 30
    assert plain["charge_kw"].sum() == 0.0
    # the same measured house behind both: the load does not depend on the schedule
    np.testing.assert_allclose(pushed["load_kw"], plain["load_kw"])


def test_groups_are_ignored_while_the_flag_is_off(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    charge = group("01:00", "03:59", "ForceCharge", fdSoc=95, maxSoc=95, fdPwr=3000)
    api.ok("POST", ENABLE, {"deviceSN": sn, "groups": [charge]})
    api.ok("POST", "/op/v1/device/scheduler/set/flag", {"deviceSN": sn, "enable": 0})
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn, *night_window())
    assert set(frame["work_mode"]) == {"SelfUse"} and frame["charge_kw"].sum() == 0.0


def test_energy_balance_and_soc_bounds(cloud: FakeCloud) -> None:
    cloud.advance(timedelta(days=1))
    for sn in (cloud.hybrid_sn, cloud.plain_sn):
        frame = cloud.history_df(sn)
        supply = frame["pv_used_kw"] + frame["grid_import_kw"] + frame["discharge_kw"]
        demand = frame["load_kw"] + frame["charge_kw"] + frame["grid_export_kw"]
        np.testing.assert_allclose(supply, demand, atol=1e-9)
        floor = cloud.device(sn).settings.min_soc_on_grid_pct
        assert frame["soc_pct"].min() >= floor - 1e-6 and frame["soc_pct"].max() <= 100 + 1e-6


def test_export_limit_setting_clips_pv(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    api.ok("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "ExportLimit", "value": "0"})
    cloud.advance(timedelta(days=1))
    frame = cloud.history_df(sn, START + timedelta(minutes=5))
    assert frame["grid_export_kw"].max() == 0.0
    assert (frame["pv_kw"] - frame["pv_used_kw"]).max() > 0.5  # a sunny June day: PV was clipped


def test_work_mode_backup_keeps_the_battery(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.plain_sn
    api.ok("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "WorkMode", "value": "Backup"})
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn, START + timedelta(minutes=5))
    assert frame["discharge_kw"].sum() == 0.0
    assert set(frame["work_mode"]) == {"Backup"}


def test_force_charge_time_on_the_model_without_scheduler(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.plain_sn  # Europe/Paris: 02:00-03:59 CEST is 00:00-01:59 UTC
    body: dict[str, Any] = {
        "sn": sn,
        "enable1": True,
        "enable2": False,
        "startTime1": {"hour": 2, "minute": 0},
        "endTime1": {"hour": 3, "minute": 59},
        "startTime2": {"hour": 0, "minute": 0},
        "endTime2": {"hour": 0, "minute": 0},
    }
    api.ok("POST", "/op/v0/device/battery/forceChargeTime/set", body)
    assert api.ok("GET", "/op/v0/device/battery/forceChargeTime/get", {"sn": sn}) == {
        k: v for k, v in body.items() if k != "sn"
    }
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn, datetime(2025, 6, 11, 0, 0, tzinfo=UTC), datetime(2025, 6, 11, 2, 0, tzinfo=UTC))
    assert set(frame["work_mode"]) == {"ForceCharge"}
    assert frame["charge_kw"].iloc[0] == pytest.approx(3.0)


def test_device_clock_skew_shifts_the_groups(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    local_now = cloud.now().astimezone(cloud.device(sn).tz)
    skewed = local_now + timedelta(hours=1)
    fields = {k: str(getattr(skewed, k)) for k in ("year", "month", "day", "hour", "minute", "second")}
    api.ok("POST", "/op/v0/device/time/set", {"sn": sn, **fields})
    read = api.ok("POST", "/op/v0/device/time/get", {"sn": sn})
    assert (int(read["hour"]), int(read["minute"])) == (skewed.hour, skewed.minute)
    charge = group("01:00", "03:59", "ForceCharge", fdSoc=95, maxSoc=95, fdPwr=3000)
    api.ok("POST", ENABLE, {"deviceSN": sn, "groups": [charge]})
    cloud.advance(timedelta(hours=20))
    frame = cloud.history_df(sn, datetime(2025, 6, 10, 23, 0, tzinfo=UTC), datetime(2025, 6, 11, 3, 0, tzinfo=UTC))
    modes = frame["work_mode"]
    # the inverter thinks it is 01:00 one hour earlier: ForceCharge runs 23:00-02:00 UTC
    assert modes.loc[pd.Timestamp("2025-06-10 23:00", tz="UTC")] == "ForceCharge"
    assert modes.loc[pd.Timestamp("2025-06-11 02:00", tz="UTC")] == "SelfUse"
