"""Fault injection: every kind, per path and counted, from the API and from CLI specs."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from optimizer.errors import UsageError
from optimizer.fakecloud import FakeCloud, Fault, parse_fault_spec
from tests.fakecloud.conftest import Api
from tests.fakecloud.test_scheduler_rules import group

LIST = "/op/v0/device/list"
PAGE = {"currentPage": 1, "pageSize": 10}
ENABLE = "/op/v1/device/scheduler/enable"
GET = "/op/v1/device/scheduler/get"


@pytest.mark.parametrize("errno", [41200, 41203, 41935, 44098])
def test_errno_fault_strikes_count_times(api: Api, cloud: FakeCloud, errno: int) -> None:
    cloud.faults.errno(LIST, errno, count=2)
    assert [api.errno("POST", LIST, PAGE) for _ in range(3)] == [errno, errno, 0]
    assert cloud.faults.pending() == []
    assert [r.fault is not None for r in cloud.requests.to(LIST)] == [True, True, False]


def test_errno_fault_needs_a_valid_request_first(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.errno(LIST, 41200)
    assert api.post(LIST, PAGE, key="wrong").status_code == 401
    assert api.errno("POST", LIST, PAGE) == 41200


def test_errno_fault_on_a_write_stores_nothing(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.errno(ENABLE, 41200)
    body = {"deviceSN": cloud.hybrid_sn, "groups": [group("01:00", "01:59")]}
    assert api.errno("POST", ENABLE, body) == 41200
    assert cloud.scheduler_state(cloud.hybrid_sn).groups == []


def test_http_5xx(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.http(LIST, 502)
    response = api.post(LIST, PAGE)
    assert response.status_code == 502 and "text/html" in response.headers["content-type"]
    assert api.errno("POST", LIST, PAGE) == 0


def test_timeout_answers_nothing_and_processes_nothing(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.timeout(ENABLE)
    quick = Api(cloud, timeout_s=0.3)
    body = {"deviceSN": cloud.hybrid_sn, "groups": [group("01:00", "01:59")]}
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        quick.post(ENABLE, body)
    assert time.monotonic() - started < 2
    assert cloud.scheduler_state(cloud.hybrid_sn).groups == []
    assert cloud.requests.to(ENABLE)[0].status == 0
    assert api.errno("POST", ENABLE, body) == 0  # the next try goes through
    quick.close()


def test_timeout_is_cut_short_when_the_server_stops(cloud: FakeCloud) -> None:
    cloud.faults.timeout(LIST, seconds=30)
    api = Api(cloud, timeout_s=10)
    started = time.monotonic()
    threading.Timer(0.3, cloud.stop).start()
    with pytest.raises(httpx.TransportError):
        api.post(LIST, PAGE)
    assert time.monotonic() - started < 5
    api.close()


def test_slow_answer(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.slow(LIST, 0.4)
    started = time.monotonic()
    assert api.errno("POST", LIST, PAGE) == 0
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert api.errno("POST", LIST, PAGE) == 0
    assert time.monotonic() - started < 0.4


def test_malformed_json_after_processing(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.malformed(ENABLE)
    response = api.post(ENABLE, {"deviceSN": cloud.hybrid_sn, "groups": [group("01:00", "01:59")]})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert len(cloud.scheduler_state(cloud.hybrid_sn).groups) == 1  # the write itself went through


def test_write_not_applied(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    api.ok("POST", ENABLE, {"deviceSN": sn, "groups": [group("01:00", "01:59")]})
    cloud.faults.write_not_applied(ENABLE)
    assert api.call("POST", ENABLE, {"deviceSN": sn, "groups": [group("05:00", "05:59")]}) == {
        "errno": 0,
        "msg": "success",
        "result": None,
    }
    read = [g for g in api.ok("POST", GET, {"deviceSN": sn})["groups"] if g["enable"]]
    assert [g["startHour"] for g in read] == [1]  # the read-back shows the old schedule
    assert api.errno("POST", ENABLE, {"deviceSN": sn, "groups": [group("05:00", "05:59")]}) == 0
    assert [g.startHour for g in cloud.scheduler_state(sn).groups] == [5]
    method, path, body = cloud.requests[-1]  # the log unpacks as (method, path, body)
    assert (method, path, body["groups"][0]["startHour"]) == ("POST", ENABLE, 5)
    assert [r.fault for r in cloud.requests.writes()] == [
        None,
        "/op/v1/device/scheduler/enable: write not applied, 1×",
        None,
    ]


def test_write_not_applied_is_not_used_up_by_a_refused_write(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    cloud.faults.write_not_applied(ENABLE)
    assert api.errno("POST", ENABLE, {"deviceSN": sn, "groups": [group("02:00", "01:00")]}) == 40257
    assert api.errno("POST", ENABLE, {"deviceSN": sn, "groups": [group("01:00", "01:59")]}) == 0
    assert cloud.scheduler_state(sn).groups == []


def test_any_path_and_always(api: Api, cloud: FakeCloud) -> None:
    cloud.faults.add_spec("*=41935:*")
    assert api.errno("POST", LIST, PAGE) == 41935
    assert api.errno("POST", "/op/v0/plant/list", PAGE) == 41935
    cloud.faults.clear()
    assert api.errno("POST", LIST, PAGE) == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "/op/v1/device/scheduler/enable=44098:2",
            Fault("/op/v1/device/scheduler/enable", "errno", errno=44098, count=2),
        ),
        ("/op/v0/device/list=41200", Fault("/op/v0/device/list", "errno", errno=41200, count=1)),
        ("*=503:*", Fault("*", "http", status=503, count=None)),
        ("/a=timeout:3", Fault("/a", "timeout", seconds=60.0, count=3)),
        ("/a=slow2.5", Fault("/a", "slow", seconds=2.5, count=1)),
        ("/a=malformed", Fault("/a", "malformed", count=1)),
        ("/a=notapplied:2", Fault("/a", "not_applied", count=2)),
    ],
)
def test_fault_specs(spec: str, expected: Fault) -> None:
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "op/v0/list=41200", "/a=", "/a=teapot", "/a=418000", "/a=41200:0", "/a=41200:x"])
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_fault_spec(spec)
