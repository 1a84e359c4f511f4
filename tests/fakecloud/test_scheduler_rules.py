"""Scheduler v1 (and v0) as the real server enforces it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.fakecloud import FakeCloud
from optimizer.fakecloud.account import H1_G2, default_account
from optimizer.fakecloud.replies import Refusal
from optimizer.fakecloud.scheduler import SchedulerStore, validate_groups
from optimizer.scheduler import SchedulerGroup, same_schedule
from tests.fakecloud.conftest import Api, make_cloud

GET = "/op/v1/device/scheduler/get"
ENABLE = "/op/v1/device/scheduler/enable"
GET_FLAG = "/op/v1/device/scheduler/get/flag"
SET_FLAG = "/op/v1/device/scheduler/set/flag"


def group(start: str, end: str, mode: str = "SelfUse", **fields: Any) -> dict[str, Any]:
    sh, sm = (int(x) for x in start.split(":"))
    eh, em = (int(x) for x in end.split(":"))
    g = {
        "enable": 1,
        "startHour": sh,
        "startMinute": sm,
        "endHour": eh,
        "endMinute": em,
        "workMode": mode,
        "minSocOnGrid": 10,
        "fdSoc": 10,
        "fdPwr": 0,
        "maxSoc": 100,
    }
    g.update(fields)
    return g


def enable(api: Api, sn: str, groups: list[dict[str, Any]], path: str = ENABLE) -> int:
    return api.errno("POST", path, {"deviceSN": sn, "groups": groups})


def test_read_has_eight_groups_with_invalid_placeholders(api: Api, cloud: FakeCloud) -> None:
    result = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})
    assert result["enable"] == 0
    assert len(result["groups"]) == 8
    assert all(g["workMode"] == "Invalid" and g["enable"] == 0 for g in result["groups"])
    assert result["groups"][0] == {
        "enable": 0,
        "startHour": 0,
        "startMinute": 0,
        "endHour": 0,
        "endMinute": 0,
        "workMode": "Invalid",
        "minSocOnGrid": 10,
        "fdSoc": 10,
        "fdPwr": 0,
        "maxSoc": 100,
    }


def test_properties_are_lowercase_with_model_ranges(api: Api, cloud: FakeCloud) -> None:
    props = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["properties"]
    assert set(props) == {
        "starthour",
        "startminute",
        "endhour",
        "endminute",
        "workmode",
        "minsocongrid",
        "fdsoc",
        "fdpwr",
        "maxsoc",
    }
    assert props["fdpwr"] == {"unit": "W", "precision": 1.0, "range": {"min": 0, "max": 5000}}
    assert props["fdsoc"]["range"] == {"min": 10, "max": 100} and props["fdsoc"]["unit"] == "%"
    assert props["minsocongrid"]["range"] == {"min": 10, "max": 100}
    assert set(props["workmode"]["enumList"]) == {"SelfUse", "Feedin", "Backup", "ForceCharge", "ForceDischarge"}


def test_enable_switches_the_flag_on_and_reads_back(api: Api, cloud: FakeCloud) -> None:
    groups = [
        group("02:00", "04:59", "ForceCharge", fdSoc=90, maxSoc=90, fdPwr=3000),
        group("17:00", "18:59", "ForceDischarge", fdSoc=20, fdPwr=2500),
    ]
    assert enable(api, cloud.hybrid_sn, groups) == 0
    assert api.ok("POST", GET_FLAG, {"deviceSN": cloud.hybrid_sn}) == {"enable": 1, "support": 1}
    result = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})
    assert result["enable"] == 1
    enabled = [g for g in result["groups"] if g["workMode"] != "Invalid"]
    assert sorted(enabled, key=lambda g: g["startHour"]) == groups
    read = [SchedulerGroup.model_validate(g) for g in result["groups"]]
    assert same_schedule(read, [SchedulerGroup.model_validate(g) for g in groups])


def test_groups_are_reordered_on_read_back(api: Api, cloud: FakeCloud) -> None:
    groups = [group(f"{h:02d}:00", f"{h:02d}:59") for h in (1, 5, 9, 13)]
    assert enable(api, cloud.hybrid_sn, groups) == 0
    slots = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["groups"]
    enabled = [g for g in slots if g["workMode"] != "Invalid"]
    assert enabled != groups
    assert sorted(enabled, key=lambda g: g["startHour"]) == groups
    single = [group("03:00", "03:59")]
    assert enable(api, cloud.hybrid_sn, single) == 0
    slots = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["groups"]
    assert slots[0]["workMode"] == "Invalid"
    assert [g for g in slots if g["workMode"] != "Invalid"] == single


def test_a_write_replaces_the_whole_schedule(api: Api, cloud: FakeCloud) -> None:
    enable(api, cloud.hybrid_sn, [group("01:00", "01:59"), group("03:00", "03:59")])
    enable(api, cloud.hybrid_sn, [group("05:00", "05:59")])
    state = cloud.scheduler_state(cloud.hybrid_sn)
    assert [g.startHour for g in state.groups] == [5]


@pytest.mark.parametrize(
    ("groups", "errno"),
    [
        ([group("01:00", "02:00"), group("02:00", "03:00")], 42023),  # 02:00 is in both (end inclusive)
        ([group("01:00", "05:00"), group("02:00", "03:00")], 42023),
        ([group("01:00", "01:00"), group("01:00", "01:00")], 42023),
        ([group("02:00", "01:00")], 40257),  # crosses midnight
        ([group("23:30", "00:29")], 40257),
        ([group("01:00", "02:00", fdSoc=15, minSocOnGrid=20)], 40257),
        ([group("01:00", "02:00", fdPwr=5001)], 40257),
        ([group("01:00", "02:00", fdPwr=-1)], 40257),
        ([group("01:00", "02:00", fdSoc=9, minSocOnGrid=9)], 40257),
        ([group("01:00", "02:00", maxSoc=101)], 40257),
        ([group("01:00", "24:00")], 40257),
        ([group("01:00", "02:60")], 40257),
        ([group("01:00", "02:00", mode="Invalid")], 40257),
        ([group("01:00", "02:00", mode="PeakShaving")], 40257),
        ([group("01:00", "02:00", mode="selfuse")], 40257),
        ([group("01:00", "02:00", id=3)], 40257),  # echoed read-only key
        ([group("01:00", "02:00", properties={})], 40257),
        ([group("01:00", "02:00", fdPwr=1000.5)], 40257),
        ([group("01:00", "02:00", fdSoc="20")], 40257),
        ([group("01:00", "02:00", enable=True)], 40257),
        ([group("01:00", "02:00", enable=2)], 40257),
        ([{k: v for k, v in group("01:00", "02:00").items() if k != "fdPwr"}], 40257),
        ([group(f"{h:02d}:00", f"{h:02d}:59") for h in range(9)], 40257),  # nine groups
    ],
)
def test_refused_writes(api: Api, cloud: FakeCloud, groups: list[dict[str, Any]], errno: int) -> None:
    before = cloud.scheduler_state(cloud.hybrid_sn)
    assert enable(api, cloud.hybrid_sn, groups) == errno
    after = cloud.scheduler_state(cloud.hybrid_sn)
    assert (after.enable, after.slots) == (before.enable, before.slots)


def test_disabled_padding_may_overlap_and_is_stored(api: Api, cloud: FakeCloud) -> None:
    padding = group("00:00", "00:00", enable=0)
    groups = [group("01:00", "01:59", "ForceCharge", fdSoc=80, maxSoc=80, fdPwr=2000), padding, padding]
    assert enable(api, cloud.hybrid_sn, groups) == 0
    slots = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["groups"]
    assert sum(1 for g in slots if g["workMode"] == "SelfUse" and g["enable"] == 0) == 2


def test_integral_float_power_is_accepted(api: Api, cloud: FakeCloud) -> None:
    assert enable(api, cloud.hybrid_sn, [group("01:00", "01:59", fdPwr=3000.0)]) == 0
    assert cloud.scheduler_state(cloud.hybrid_sn).groups[0].fdPwr == 3000


def test_body_shape_is_checked(api: Api, cloud: FakeCloud) -> None:
    assert api.errno("POST", ENABLE, {"deviceSN": cloud.hybrid_sn}) == 40257
    assert api.errno("POST", ENABLE, {"deviceSN": cloud.hybrid_sn, "groups": {}}) == 40257
    assert api.errno("POST", ENABLE, {"deviceSN": cloud.hybrid_sn, "groups": [], "enable": 1}) == 40257
    assert api.errno("POST", ENABLE, {"deviceSN": "NOPE", "groups": []}) == 40261


def test_empty_group_list_clears_and_switches_on(api: Api, cloud: FakeCloud) -> None:
    enable(api, cloud.hybrid_sn, [group("01:00", "01:59")])
    assert enable(api, cloud.hybrid_sn, []) == 0
    state = cloud.scheduler_state(cloud.hybrid_sn)
    assert state.enable and state.groups == []


def test_set_flag(api: Api, cloud: FakeCloud) -> None:
    enable(api, cloud.hybrid_sn, [group("01:00", "01:59")])
    assert api.errno("POST", SET_FLAG, {"deviceSN": cloud.hybrid_sn, "enable": 0}) == 0
    assert api.ok("POST", GET_FLAG, {"deviceSN": cloud.hybrid_sn})["enable"] == 0
    assert len(cloud.scheduler_state(cloud.hybrid_sn).groups) == 1  # groups stay stored
    assert api.errno("POST", SET_FLAG, {"deviceSN": cloud.hybrid_sn, "enable": 2}) == 40257
    assert api.errno("POST", SET_FLAG, {"deviceSN": cloud.hybrid_sn, "enable": 1}) == 0
    assert cloud.scheduler_state(cloud.hybrid_sn).enable


@pytest.mark.parametrize(
    ("path", "body", "errno"),
    [
        ("/op/v0/device/setting/set", {"key": "WorkMode", "value": "Feedin"}, 44096),
        ("/op/v0/device/setting/set", {"key": "MinSocOnGrid", "value": "20"}, 44098),  # Predbat #3011
        ("/op/v0/device/setting/set", {"key": "MinSoc", "value": "20"}, 44098),
        ("/op/v0/device/setting/set", {"key": "MaxSoc", "value": "90"}, 44098),
        ("/op/v0/device/battery/soc/set", {"minSoc": 15, "minSocOnGrid": 15}, 44096),
    ],
)
def test_settings_refused_while_scheduler_on(
    api: Api, cloud: FakeCloud, path: str, body: dict[str, Any], errno: int
) -> None:
    sn = cloud.hybrid_sn
    assert api.errno("POST", path, {"sn": sn, **body}) == 0  # allowed while off
    enable(api, sn, [group("01:00", "01:59")])
    assert api.errno("POST", path, {"sn": sn, **body}) == errno
    api.ok("POST", SET_FLAG, {"deviceSN": sn, "enable": 0})
    assert api.errno("POST", path, {"sn": sn, **body}) == 0


def test_export_limit_stays_writable_while_scheduler_on(api: Api, cloud: FakeCloud) -> None:
    enable(api, cloud.hybrid_sn, [group("01:00", "01:59")])
    body = {"sn": cloud.hybrid_sn, "key": "ExportLimit", "value": "3000"}
    assert api.errno("POST", "/op/v0/device/setting/set", body) == 0


def test_force_charge_time_refused_while_scheduler_on(api: Api, cloud: FakeCloud) -> None:
    enable(api, cloud.hybrid_sn, [group("01:00", "01:59")])
    body = {
        "sn": cloud.hybrid_sn,
        "enable1": True,
        "enable2": False,
        "startTime1": {"hour": 2, "minute": 0},
        "endTime1": {"hour": 4, "minute": 0},
        "startTime2": {"hour": 0, "minute": 0},
        "endTime2": {"hour": 0, "minute": 0},
    }
    assert api.errno("POST", "/op/v0/device/battery/forceChargeTime/set", body) == 44096


def test_model_without_scheduler(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.plain_sn
    assert api.ok("POST", GET_FLAG, {"deviceSN": sn}) == {"enable": 0, "support": 0}
    assert api.errno("POST", GET, {"deviceSN": sn}) == 44096
    assert enable(api, sn, [group("01:00", "01:59")]) == 44098
    assert api.errno("POST", SET_FLAG, {"deviceSN": sn, "enable": 1}) == 44098
    detail = api.ok("GET", "/op/v0/device/detail", {"sn": sn})
    assert detail["function"] == {"scheduler": False}
    # without a scheduler, the work mode and SoC settings stay writable
    assert api.errno("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "WorkMode", "value": "Feedin"}) == 0


def test_max_soc_refused_on_a_model_configured_without_it() -> None:
    account = default_account()
    no_max = dataclasses.replace(account.devices[0], model=dataclasses.replace(H1_G2, max_soc=False))
    account = dataclasses.replace(account, devices=(no_max, account.devices[1]))
    with make_cloud(account=account) as cloud:
        api = Api(cloud)
        props = api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["properties"]
        assert "maxsoc" not in props
        assert "maxSoc" not in api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["groups"][0]
        assert enable(api, cloud.hybrid_sn, [group("01:00", "01:59")]) == 40257
        without = {k: v for k, v in group("01:00", "01:59").items() if k != "maxSoc"}
        assert enable(api, cloud.hybrid_sn, [without]) == 0
        assert api.errno("POST", "/op/v0/device/setting/get", {"sn": cloud.hybrid_sn, "key": "MaxSoc"}) == 42015
        api.close()


def test_v0_scheduler_rules(api: Api, cloud: FakeCloud) -> None:
    path = "/op/v0/device/scheduler/enable"
    v0 = {k: v for k, v in group("01:00", "01:59", fdSoc=20, fdPwr=3000).items() if k != "maxSoc"}
    assert enable(api, cloud.hybrid_sn, [v0 | {"maxSoc": 100}], path) == 40257  # no maxSoc on v0
    assert enable(api, cloud.hybrid_sn, [v0 | {"fdSoc": 10}], path) == 40257  # fdSoc >= 11 on v0
    assert enable(api, cloud.hybrid_sn, [v0 | {"fdPwr": 0}], path) == 40257  # fdPwr 0 refused on v0
    assert enable(api, cloud.hybrid_sn, [v0], path) == 0
    read = api.ok("POST", "/op/v0/device/scheduler/get", {"deviceSN": cloud.hybrid_sn})
    assert len(read["groups"]) == 8 and all("maxSoc" not in g for g in read["groups"])
    # the v1 read of the same store shows maxSoc at its default
    v1 = [g for g in api.ok("POST", GET, {"deviceSN": cloud.hybrid_sn})["groups"] if g["enable"]]
    assert v1 == [v0 | {"maxSoc": 100}]


# ----- property tests of the validator and the store ---------------------------------------------------


@st.composite
def valid_schedules(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to 8 non-overlapping enabled groups inside one day, with valid fields."""
    count = draw(st.integers(0, 8))
    cuts = sorted(draw(st.lists(st.integers(0, 1439), min_size=2 * count, max_size=2 * count, unique=True)))
    groups = []
    for i in range(count):
        start, end = cuts[2 * i], cuts[2 * i + 1]
        floor = draw(st.integers(10, 100))
        groups.append(
            {
                "enable": 1,
                "startHour": start // 60,
                "startMinute": start % 60,
                "endHour": end // 60,
                "endMinute": end % 60,
                "workMode": draw(st.sampled_from(H1_G2.scheduler_modes)),
                "minSocOnGrid": floor,
                "fdSoc": draw(st.integers(floor, 100)),
                "fdPwr": draw(st.integers(0, 5000)),
                "maxSoc": draw(st.integers(10, 100)),
            }
        )
    return draw(st.permutations(groups))


@given(valid_schedules(), st.integers(0, 1000))
@settings(max_examples=150, deadline=None)
def test_valid_schedules_are_accepted_and_read_back_as_the_same_set(groups: list[dict[str, Any]], seed: int) -> None:
    accepted = validate_groups({"deviceSN": "x", "groups": groups}, H1_G2, "v1")
    store = SchedulerStore(seed=seed)
    store.store(accepted)
    read = store.read(H1_G2, "v1")
    assert store.enable and read["enable"] == 1 and len(read["groups"]) == 8
    stored = [g for g in read["groups"] if g["workMode"] != "Invalid"]
    key = lambda g: (g["startHour"], g["startMinute"])  # noqa: E731
    assert sorted(stored, key=key) == sorted(groups, key=key)
    if len(groups) >= 2:
        assert stored != groups
    if groups:
        assert read["groups"][0] != groups[0]


_any_value = st.one_of(st.integers(-5, 6000), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans())


@given(st.lists(st.dictionaries(st.sampled_from([*group("0:00", "0:00"), "id"]), _any_value), max_size=9))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_validator_never_crashes(groups: list[dict[str, Any]]) -> None:
    try:
        validate_groups({"deviceSN": "x", "groups": groups}, H1_G2, "v1")
    except Refusal as refusal:
        assert refusal.errno in (40257, 42023)
