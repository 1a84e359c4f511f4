"""The project's client on a v1 and a v3 inverter, side by side: version detection, the version-independent
read and write, push / verify / restore through :func:`optimizer.push.push_schedule`, and every fault kind of
the injector on the v3 paths. The cloud's throttle is on in its strict mode (every path), on the simulated
clock the client's own clock advances.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from optimizer.errors import ApiError, ReadbackMismatchError, TransientApiError, TransportError
from optimizer.fakecloud import FakeCloud
from optimizer.foxess import FoxEssClient
from optimizer.pipeline.push import push_schedule
from optimizer.scheduler import GroupValidationError, SchedulerGroup, same_schedule, validate_groups
from tests.fakecloud.conftest import make_cloud
from tests.fakecloud.test_client_e2e import connect

V1_GET = "/op/v1/device/scheduler/get"
V3_GET = "/op/v3/device/scheduler/get"
V3_ENABLE = "/op/v3/device/scheduler/enable"
FLAG_SET = "/op/v1/device/scheduler/set/flag"


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    with make_cloud(throttle="strict", evo_inverter=True) as running:
        yield running


@pytest.fixture
def client(cloud: FakeCloud) -> Iterator[FoxEssClient]:
    with connect(cloud) as connected:
        connected.list_devices()  # as the pipeline does first: product types route the EVO to v3
        yield connected


def plan(reserve: int) -> list[SchedulerGroup]:
    """A plan's groups in the project's v1 form: a night charge, an evening discharge, SelfUse between."""
    return [
        SchedulerGroup(
            startHour=0, startMinute=0, endHour=1, endMinute=59, workMode="SelfUse",
            minSocOnGrid=reserve, fdSoc=reserve, fdPwr=5000, maxSoc=100,
        ),
        SchedulerGroup(
            startHour=2, startMinute=0, endHour=4, endMinute=59, workMode="ForceCharge",
            minSocOnGrid=reserve, fdSoc=90, fdPwr=4000, maxSoc=90,
        ),
        SchedulerGroup(
            startHour=17, startMinute=0, endHour=18, endMinute=59, workMode="ForceDischarge",
            minSocOnGrid=reserve, fdSoc=25, fdPwr=3000, maxSoc=100,
        ),
    ]  # fmt: skip


def test_versions_are_picked_per_device_without_extra_calls(cloud: FakeCloud, client: FoxEssClient) -> None:
    assert client.known_scheduler_version(cloud.evo_sn) == 3  # productType 812, from the device list
    assert client.known_scheduler_version(cloud.hybrid_sn) is None
    evo = client.scheduler_get(cloud.evo_sn)
    hybrid = client.scheduler_get(cloud.hybrid_sn)
    assert (evo.version, hybrid.version) == (3, 1)
    assert client.scheduler_version(cloud.hybrid_sn) == 1
    assert cloud.requests.to(V1_GET)[0].body == {"deviceSN": cloud.hybrid_sn}
    assert all(r.body["deviceSN"] != cloud.evo_sn for r in cloud.requests.to(V1_GET))  # never tried on v1
    assert (evo.max_group_count, hybrid.max_group_count) == (10, 8)
    assert "ForceDischarge(BAT)" in evo.work_modes and "ForceDischarge(BAT)" not in hybrid.work_modes
    assert evo.properties.rule("fdSoc").min == 5 and hybrid.properties.rule("fdSoc").min == 10
    assert evo.properties.second_work_modes == ("SelfUse", "Feedin", "Backup")


def test_unknown_product_type_falls_back_to_v3_after_the_v1_retries(cloud: FakeCloud) -> None:
    with connect(cloud) as client:  # no device list: the product type is not known
        state = client.scheduler_get(cloud.evo_sn)
        assert state.version == 3 and client.known_scheduler_version(cloud.evo_sn) == 3
        assert [r.errno for r in cloud.requests.to(V1_GET)] == [41200] * 4
        client.scheduler_get(cloud.evo_sn)
        assert len(cloud.requests.to(V1_GET)) == 4  # cached: straight to v3


def test_fresh_evo_reads_its_remain_time_group_as_its_schedule(cloud: FakeCloud, client: FoxEssClient) -> None:
    state = client.scheduler_get(cloud.evo_sn)
    assert not state.enable and state.remain_group is None
    assert [(g.startHour, g.endHour, g.endMinute, g.workMode) for g in state.groups] == [(0, 23, 59, "SelfUse")]


@pytest.mark.parametrize("which", ["hybrid", "evo"])
def test_a_plan_is_written_read_back_and_compared_alike_on_v1_and_v3(
    cloud: FakeCloud, client: FoxEssClient, which: str
) -> None:
    sn = cloud.hybrid_sn if which == "hybrid" else cloud.evo_sn
    current = client.scheduler_get(sn)
    reserve = int(current.properties.rule("minSocOnGrid").min)  # 10 on the H1, 5 on the EVO
    groups = validate_groups(plan(reserve), current.properties)
    report = push_schedule(client, sn, groups, current)
    assert report.pushed and report.verified and report.writes == 2
    state = client.scheduler_get(sn)
    assert state.enable and same_schedule(state.groups, groups)
    again = push_schedule(client, sn, groups, state)
    assert again.unchanged and again.writes == 0
    if which == "evo":
        assert state.remain_group is not None  # the Remain Time group underlies the plan, kept out of groups
        sent = cloud.requests.to(V3_ENABLE)[0].body
        assert sent["isDefault"] is False and len(sent["groups"]) == 3
        charge = next(g for g in sent["groups"] if g["workMode"] == "ForceCharge")
        assert charge["extraParam"] == {"minSocOnGrid": 5.0, "fdSoc": 90.0, "fdPwr": 4000.0, "maxSoc": 90.0}
        assert "enable" not in charge and "fdSoc" not in charge
        assert cloud.requests.to(FLAG_SET)[-1].body == {"deviceSN": sn, "enable": 1}
        assert not cloud.requests.to(V1_GET) or all(r.body["deviceSN"] != sn for r in cloud.requests.to(V1_GET))
    else:
        assert cloud.requests.to(V3_ENABLE) == []


def test_restore_on_the_evo_puts_back_the_previous_schedule(cloud: FakeCloud, client: FoxEssClient) -> None:
    sn = cloud.evo_sn
    first = validate_groups(plan(5), client.scheduler_get(sn).properties)
    push_schedule(client, sn, first, client.scheduler_get(sn))
    previous = client.scheduler_get(sn)
    second = [g.model_copy(update={"fdSoc": 80, "maxSoc": 80}) if g.workMode == "ForceCharge" else g for g in first]
    cloud.faults.write_not_applied(V3_ENABLE)
    with pytest.raises(ReadbackMismatchError) as caught:
        push_schedule(client, sn, second, previous)
    report = caught.value.push_report  # type: ignore[attr-defined]
    assert report.restored is True
    state = client.scheduler_get(sn)
    assert state.enable and same_schedule(state.groups, first)


@pytest.mark.parametrize("errno", [41200, 41203, 41935])
def test_transient_errnos_on_v3_are_retried(cloud: FakeCloud, client: FoxEssClient, errno: int) -> None:
    cloud.faults.errno(V3_GET, errno, count=2)
    assert client.scheduler_get(cloud.evo_sn).version == 3
    assert [r.errno for r in cloud.requests.to(V3_GET)] == [errno, errno, 0]


def test_http_5xx_timeouts_and_slow_answers_on_v3(cloud: FakeCloud) -> None:
    with connect(cloud, timeout_s=0.4) as client:
        client.list_devices()
        cloud.faults.http(V3_GET, 503)
        assert client.scheduler_get(cloud.evo_sn).version == 3
        cloud.faults.timeout(V3_GET)
        started = time.monotonic()
        client.scheduler_get(cloud.evo_sn)
        assert time.monotonic() - started < 3
        cloud.faults.slow(V3_GET, 0.1)
        client.scheduler_get(cloud.evo_sn)
        assert [r.status for r in cloud.requests.to(V3_GET)] == [503, 200, 0, 200, 200]
        cloud.faults.http(V3_GET, 502, count=None)
        with pytest.raises(TransportError, match="HTTP 502"):
            client.scheduler_get(cloud.evo_sn)


def test_refused_v3_write_leaves_the_evo_as_it_was(cloud: FakeCloud, client: FoxEssClient) -> None:
    sn = cloud.evo_sn
    current = client.scheduler_get(sn)
    cloud.faults.errno(V3_ENABLE, 44098)
    with pytest.raises(ApiError) as caught:
        push_schedule(client, sn, validate_groups(plan(5), current.properties), current)
    assert caught.value.errno == 44098
    state = cloud.scheduler_state(sn)
    assert not state.enable  # it was off before the push


def test_malformed_answer_to_a_v3_write_rolls_back(cloud: FakeCloud, client: FoxEssClient) -> None:
    sn = cloud.evo_sn
    current = client.scheduler_get(sn)
    cloud.faults.malformed(V3_ENABLE)
    with pytest.raises(TransportError, match="not JSON"):
        push_schedule(client, sn, validate_groups(plan(5), current.properties), current)
    assert not cloud.scheduler_state(sn).enable


def test_v3_failing_for_good_after_the_fallback(cloud: FakeCloud) -> None:
    with connect(cloud, retries=1) as client:
        cloud.faults.errno(V3_GET, 41200, count=None)
        with pytest.raises(TransientApiError):
            client.scheduler_get(cloud.evo_sn)


def test_validation_follows_the_v3_properties(cloud: FakeCloud, client: FoxEssClient) -> None:
    evo = client.scheduler_get(cloud.evo_sn).properties
    hybrid = client.scheduler_get(cloud.hybrid_sn).properties
    bat = SchedulerGroup(
        startHour=2, startMinute=0, endHour=3, endMinute=59, workMode="ForceCharge(BAT)",
        minSocOnGrid=5, fdSoc=5, fdPwr=12000, maxSoc=100,
    )  # fmt: skip
    assert validate_groups([bat], evo) == [bat]
    with pytest.raises(GroupValidationError) as caught:
        validate_groups([bat], hybrid)
    assert {v.field for v in caught.value.violations} == {"workMode", "minSocOnGrid", "fdSoc", "fdPwr"}
    ten = [
        bat.model_copy(update={"startHour": h, "endHour": h, "endMinute": 59, "workMode": "SelfUse"}) for h in range(10)
    ]
    assert len(validate_groups(ten, evo)) == 10  # maxGroupCount 10 instead of 8
    with pytest.raises(GroupValidationError, match="at most 8 groups"):
        validate_groups(ten, evo, max_groups=8)
    with pytest.raises(GroupValidationError, match="at most 8 groups"):
        validate_groups(ten, hybrid)
    wire = {
        "startHour": 1, "startMinute": 0, "endHour": 1, "endMinute": 59, "workMode": "SelfUse",
        "extraParam": {"minSocOnGrid": 5.0, "fdSoc": 5.0, "pvLimit": 7500.0, "secondWorkMode": "Backup"},
    }  # fmt: skip
    assert validate_groups([wire], evo)[0].minSocOnGrid == 5
    with pytest.raises(GroupValidationError) as v1_device:
        validate_groups([wire], hybrid)
    fields = {v.field for v in v1_device.value.violations}
    assert {"extraParam.pvLimit", "extraParam.secondWorkMode", "minSocOnGrid"} <= fields
    with pytest.raises(GroupValidationError, match="whole number"):
        validate_groups([{**wire, "extraParam": {"minSocOnGrid": 5.5}}], evo)
