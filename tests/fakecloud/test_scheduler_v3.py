"""Scheduler v2/v3, device/detail v1, the EVO-like inverter and endpoint churn, as raw signed requests.

The rules are those of fox-api-field-notes.md §3 and §8: v3 nests the SoC and power fields in ``extraParam``
(floats), reports ``maxGroupCount``, drops disabled groups, refuses parameters the device's properties do
not list, knows a "Remain Time" 00:00–23:59 group, and EVO (productType 812) fails v1 with 41200 for good.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from tests.fakecloud.conftest import START, Api, make_cloud

V1_GET = "/op/v1/device/scheduler/get"
V1_ENABLE = "/op/v1/device/scheduler/enable"
V2_GET = "/op/v2/device/scheduler/get"
V3_GET = "/op/v3/device/scheduler/get"
V3_ENABLE = "/op/v3/device/scheduler/enable"
FLAG_GET = "/op/v1/device/scheduler/get/flag"
FLAG_SET = "/op/v1/device/scheduler/set/flag"


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    with make_cloud(evo_inverter=True) as running:
        yield running


@pytest.fixture
def api(cloud: FakeCloud) -> Iterator[Api]:
    caller = Api(cloud)
    yield caller
    caller.close()


def v3(start: str, end: str, mode: str = "SelfUse", **params: Any) -> dict[str, Any]:
    """A v3 group as foxesscloud 2.9.19 sends it (no ``enable``; end minute inclusive)."""
    (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
    return {
        "startHour": sh,
        "startMinute": sm,
        "endHour": eh,
        "endMinute": em,
        "workMode": mode,
        "extraParam": {"minSocOnGrid": 10, **params},
    }


def write(api: Api, sn: str, groups: list[dict[str, Any]], **body: Any) -> int:
    return api.errno("POST", V3_ENABLE, {"deviceSN": sn, "groups": groups, **body})


def test_evo_is_in_the_embedded_account_and_optional_elsewhere() -> None:
    assert FakeCloudConfig().evo_inverter is False
    assert FakeCloudConfig.for_embedded().evo_inverter is True  # the account new users see has all three
    with make_cloud() as plain:
        assert len(plain.state.devices) == 2


def test_evo_lists_with_product_type_812_and_detail_v1(api: Api, cloud: FakeCloud) -> None:
    listed = api.ok("POST", "/op/v0/device/list", {"currentPage": 1, "pageSize": 10})["data"]
    evo = next(d for d in listed if d["deviceSN"] == cloud.evo_sn)
    assert (evo["productType"], evo["deviceType"]) == ("812", "EVO 10-5-H")
    detail = api.ok("GET", "/op/v1/device/detail", {"sn": cloud.evo_sn})
    old = api.ok("GET", "/op/v0/device/detail", {"sn": cloud.evo_sn})  # deprecated, still answering
    assert {k: v for k, v in detail.items() if k != "batteryList"} == {
        k: v for k, v in old.items() if k != "batteryList"
    }
    assert detail["function"] == {"scheduler": True} and detail["productType"] == "812"
    parts = detail["batteryList"]  # the BMS, then each pack with its rated capacity [Wh] as a number
    assert [p["type"] for p in parts] == ["bcu", "bmu", "bmu", "bmu"]
    assert sum(p.get("capacity", 0) for p in parts) == 14400
    assert [p["capicty"] for p in old["batteryList"]] == ["4800"] * 3  # v0: the vendor document's spelling


def test_evo_fails_v1_with_41200_for_good_but_the_flag_paths_work(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    for _ in range(3):
        assert api.errno("POST", V1_GET, {"deviceSN": sn}) == 41200
    group = {
        "enable": 1, "startHour": 1, "startMinute": 0, "endHour": 1, "endMinute": 59, "workMode": "SelfUse",
        "minSocOnGrid": 10, "fdSoc": 10, "fdPwr": 0, "maxSoc": 100,
    }  # fmt: skip
    assert api.errno("POST", V1_ENABLE, {"deviceSN": sn, "groups": [group]}) == 41200
    assert api.errno("POST", "/op/v0/device/scheduler/get", {"deviceSN": sn}) == 41200
    assert api.ok("POST", FLAG_GET, {"deviceSN": sn}) == {"enable": 0, "support": 1}
    assert api.errno("POST", FLAG_SET, {"deviceSN": sn, "enable": 1}) == 0


def test_v3_properties_of_the_evo(api: Api, cloud: FakeCloud) -> None:
    result = api.ok("POST", V3_GET, {"deviceSN": cloud.evo_sn})
    props = result["properties"]
    assert result["maxGroupCount"] == 10
    assert props["fdsoc"]["range"] == {"min": 5.0, "max": 100.0} and props["minsocongrid"]["range"]["min"] == 5.0
    assert props["fdpwr"]["range"] == {"min": 0.0, "max": 12000.0}
    assert props["pvlimit"]["range"]["max"] == 24000.0 and props["reactivepower"]["range"]["min"] == -6000.0
    assert "ForceCharge(BAT)" in props["workmode"]["enumList"] and "Backup" in props["workmode"]["enumList"]
    assert props["secondworkmode"]["enumlist"] == ["SelfUse", "Feedin", "Backup"]
    hybrid = api.ok("POST", V3_GET, {"deviceSN": cloud.hybrid_sn})
    assert hybrid["maxGroupCount"] == 8 and "pvlimit" not in hybrid["properties"]


def test_a_fresh_evo_reports_its_remain_time_group(api: Api, cloud: FakeCloud) -> None:
    groups = api.ok("POST", V3_GET, {"deviceSN": cloud.evo_sn})["groups"]
    assert len(groups) == 1
    remain = groups[0]
    assert (remain["startHour"], remain["endHour"], remain["endMinute"], remain["workMode"]) == (0, 23, 59, "SelfUse")
    assert remain["extraParam"]["minSocOnGrid"] == 10.0 and isinstance(remain["extraParam"]["fdPwr"], float)
    assert api.ok("POST", V3_GET, {"deviceSN": cloud.hybrid_sn})["groups"] == []  # the H1 reports none


def test_v3_write_stores_floats_keeps_the_flag_and_reads_back(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    groups = [
        v3("02:00", "04:59", "ForceCharge(BAT)", fdSoc=90.0, fdPwr=6000.0, maxSoc=90, pvLimit=15000),
        v3("17:00", "18:59", "ForceDischarge", fdSoc=20, fdPwr=5000, secondWorkMode="SelfUse"),
    ]
    assert write(api, sn, groups, isDefault=False) == 0
    assert not cloud.scheduler_state(sn).enable  # writing groups does not switch the scheduler on (H3-G2)
    result = api.ok("POST", V3_GET, {"deviceSN": sn})
    by_start = {g["startHour"]: g for g in result["groups"]}
    assert set(by_start) == {0, 2, 17}  # the Remain Time group still shows (none was written)
    charge = by_start[2]["extraParam"]
    assert charge["fdSoc"] == 90.0 and charge["fdPwr"] == 6000.0 and charge["pvLimit"] == 15000.0
    assert charge["exportLimit"] == 100000.0 and charge["reactivePower"] == 0.0  # defaults, as floats
    assert by_start[17]["extraParam"]["secondWorkMode"] == "SelfUse"
    assert all(g["enable"] == 1 for g in result["groups"])
    assert api.errno("POST", FLAG_SET, {"deviceSN": sn, "enable": 1}) == 0
    assert api.ok("POST", V3_GET, {"deviceSN": sn})["enable"] == 1


def test_v3_drops_disabled_groups_and_v2_shows_every_slot(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn  # an H1 answers v3 too (foxesscloud 2.9.19 uses it for every model)
    groups = [v3("01:00", "01:59", fdPwr=3000), {**v3("03:00", "03:59"), "enable": 0}]
    assert write(api, sn, groups) == 0
    assert [g["startHour"] for g in api.ok("POST", V3_GET, {"deviceSN": sn})["groups"]] == [1]
    v2 = api.ok("POST", V2_GET, {"deviceSN": sn})
    assert len(v2["groups"]) == 8 and sum(g["enable"] for g in v2["groups"]) == 1
    assert "maxGroupCount" not in v2
    v1 = api.ok("POST", V1_GET, {"deviceSN": sn})["groups"]  # one store behind every version
    active = [g for g in v1 if g["enable"] == 1]
    assert active == [
        {
            "enable": 1, "startHour": 1, "startMinute": 0, "endHour": 1, "endMinute": 59, "workMode": "SelfUse",
            "minSocOnGrid": 10, "fdSoc": 10, "fdPwr": 3000, "maxSoc": 100,
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("group", "why"),
    [
        ({**v3("01:00", "01:59"), "fdSoc": 10}, "v1 keys at the top level"),
        (v3("01:00", "01:59", fdSoc=8), "fdSoc below minSocOnGrid"),
        (v3("01:00", "01:59", fdPwr=12500), "fdPwr above the range"),
        (v3("01:00", "01:59", fdPwr=2500.5), "not a whole number"),
        (v3("01:00", "01:59", "Standby"), "mode not in the list"),
        (v3("01:00", "01:59", "ForceCharge", secondWorkMode="ForceDischarge"), "second mode not in the list"),
        (v3("01:00", "01:59", importLimit="0"), "a string for a number"),
        (v3("23:00", "00:59"), "crosses midnight"),
        ({**v3("01:00", "01:59"), "id": 3}, "a read-only key"),
    ],
)
def test_v3_refuses_bad_groups(api: Api, cloud: FakeCloud, group: dict[str, Any], why: str) -> None:
    assert write(api, cloud.evo_sn, [group]) == 40257, why


def test_v3_rejects_parameters_the_device_does_not_list(api: Api, cloud: FakeCloud) -> None:
    assert write(api, cloud.hybrid_sn, [v3("01:00", "01:59", pvLimit=7500)]) == 40257  # the H1 lists no pvlimit
    assert write(api, cloud.hybrid_sn, [v3("01:00", "01:59", secondWorkMode="SelfUse")]) == 40257
    assert write(api, cloud.evo_sn, [v3("01:00", "01:59", pvLimit=7500)]) == 0


def test_v3_group_count_overlap_and_the_remain_group(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    ten = [v3(f"{h:02d}:00", f"{h:02d}:59") for h in range(10)]
    assert write(api, sn, ten) == 0  # maxGroupCount 10, not 8
    assert write(api, sn, [*ten, v3("12:00", "12:59")]) == 40257
    assert write(api, sn, [v3("01:00", "02:59"), v3("02:00", "03:59")]) == 42023
    remain = v3("00:00", "23:59", "Feedin")
    assert write(api, sn, [remain, v3("02:00", "03:59", "ForceCharge", fdSoc=80)]) == 0  # may underlie others
    groups = api.ok("POST", V3_GET, {"deviceSN": sn})["groups"]
    assert sorted((g["startHour"], g["workMode"]) for g in groups) == [(0, "Feedin"), (2, "ForceCharge")]
    assert write(api, sn, [remain, dict(remain), v3("02:00", "03:59")]) == 42023  # one Remain Time group only
    assert write(api, sn, [{**remain, "isRemainMode": True}]) == 0  # accepted, not processed
    bad_v1 = {
        "deviceSN": cloud.hybrid_sn,
        "groups": [
            {"enable": 1, "startHour": 0, "startMinute": 0, "endHour": 23, "endMinute": 59, "workMode": "SelfUse",
             "minSocOnGrid": 10, "fdSoc": 10, "fdPwr": 0},
            {"enable": 1, "startHour": 2, "startMinute": 0, "endHour": 3, "endMinute": 59, "workMode": "SelfUse",
             "minSocOnGrid": 10, "fdSoc": 10, "fdPwr": 0},
        ],
    }  # fmt: skip
    assert api.errno("POST", V1_ENABLE, bad_v1) == 42023  # v1 knows no Remain Time group


def test_is_default_restores_defaults_else_limits_are_kept(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    assert write(api, sn, [v3("01:00", "01:59", exportLimit=4000, importLimit=9000)]) == 0
    assert write(api, sn, [v3("05:00", "05:59")], isDefault=False) == 0
    kept = next(g for g in api.ok("POST", V3_GET, {"deviceSN": sn})["groups"] if g["startHour"] == 5)
    assert (kept["extraParam"]["exportLimit"], kept["extraParam"]["importLimit"]) == (4000.0, 9000.0)
    assert write(api, sn, [v3("05:00", "05:59")], isDefault=True) == 0
    reset = next(g for g in api.ok("POST", V3_GET, {"deviceSN": sn})["groups"] if g["startHour"] == 5)
    assert reset["extraParam"]["exportLimit"] == 100000.0
    assert write(api, sn, [v3("05:00", "05:59")], isDefault="no") == 40257


def _local(cloud: FakeCloud, sn: str) -> Any:
    return cloud.history_df(sn).tz_convert(cloud.device(sn).tz)


def test_evo_physics_follow_the_v3_groups(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    groups = [
        v3("01:00", "03:59", "ForceCharge(BAT)", fdSoc=100, fdPwr=3000, maxSoc=100),
        v3("04:00", "04:59", "ForceDischarge", fdSoc=30, fdPwr=6000, exportLimit=2000),
    ]
    assert write(api, sn, groups) == 0
    assert api.errno("POST", FLAG_SET, {"deviceSN": sn, "enable": 1}) == 0
    cloud.advance(timedelta(hours=20))
    frame = _local(cloud, sn)
    day = frame.index.date == (START + timedelta(days=1)).astimezone(cloud.device(sn).tz).date()
    charge = frame[day & (frame.index.hour >= 1) & (frame.index.hour < 4)]
    assert (charge["work_mode"] == "ForceCharge(BAT)").all()
    assert charge["charge_kw"].max() == pytest.approx(3.0, abs=1e-6)  # fdPwr caps the battery power
    discharge = frame[day & (frame.index.hour == 4)]
    assert (discharge["work_mode"] == "ForceDischarge").all()
    assert discharge["grid_export_kw"].max() <= 2.0 + 1e-6  # the group's exportLimit [W]
    assert discharge["discharge_kw"].max() > 0.5


def test_second_work_mode_takes_over_at_the_cut_off(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.evo_sn
    soc = cloud.soc_pct(sn)
    assert soc > 30
    target = round(soc) - 10
    group = v3("00:00", "23:59", "ForceDischarge", fdSoc=target, fdPwr=8000, secondWorkMode="Backup")
    assert write(api, sn, [group]) == 0
    assert api.errno("POST", FLAG_SET, {"deviceSN": sn, "enable": 1}) == 0
    cloud.advance(timedelta(hours=3))
    frame = cloud.history_df(sn, cloud.now() - timedelta(hours=3))
    modes = list(frame["work_mode"])
    assert modes[0] == "ForceDischarge" and modes[-1] == "Backup"
    switched = modes.index("Backup")
    assert set(modes[switched:]) == {"Backup"}  # cut off for the rest of the group: it does not flip back
    assert frame["soc_pct"].iloc[switched - 1] <= target + 1e-6
    assert frame["discharge_kw"].iloc[switched:].max() == 0.0  # Backup never discharges


def test_module_list_carries_plant_names(api: Api, cloud: FakeCloud) -> None:
    items = api.ok("POST", "/op/v0/module/list", {"currentPage": 1, "pageSize": 10})["data"]
    assert {i["plantName"] for i in items} == {"Fake Home", "Fake Cottage", "Fake Workshop"}


def test_removed_endpoints_answer_405_from_their_date() -> None:
    with make_cloud() as early:  # June 2025: variable/get still answered
        api = Api(early)
        assert api.errno("GET", "/op/v0/device/variable/get") == 0
        assert api.get("/op/v0/device/battery/real/query", {"sn": early.hybrid_sn}).status_code == 405
        api.close()
    with make_cloud(start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) as late:
        api = Api(late)
        response = api.get("/op/v0/device/variable/get")
        assert response.status_code == 405  # failing since 2026-04-08 (foxesscloud 2.9.10)
        assert api.post("/op/v0/device/variable/get", {}).status_code == 405
        api.close()
