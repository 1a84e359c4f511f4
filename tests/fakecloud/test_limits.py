"""Per-path throttling (40400) as the evidence supports it, the strict mode, and the daily quota (40402)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from optimizer.errors import ConfigError
from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from tests.fakecloud.conftest import Api, make_cloud

LIST = "/op/v0/device/list"
PLANTS = "/op/v0/plant/list"
PAGE = {"currentPage": 1, "pageSize": 10}
SET = "/op/v0/device/setting/set"
REAL = "/op/v1/device/real/query"
HISTORY = "/op/v0/device/history/query"


def real(*sns: str) -> dict[str, Any]:
    return {"sns": list(sns), "variables": ["SoC"]}


def export_limit(sn: str, watts: int) -> dict[str, str]:
    return {"sn": sn, "key": "ExportLimit", "value": str(watts)}


def test_throttle_is_on_by_default_on_the_real_clock() -> None:
    """Defaults (as `optimizer fakecloud serve`): a query path called twice within ms is refused."""
    with FakeCloud() as cloud:
        api = Api(cloud)
        assert cloud.config.throttle_mode == "evidence"
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 0
        answer = api.call("POST", REAL, real(cloud.hybrid_sn))
        assert answer == {"errno": 40400, "msg": "The number of requests is too frequent", "result": None}
        assert api.errno("POST", HISTORY, {"sn": cloud.hybrid_sn}) == 0  # each path is counted separately
        api.close()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", LIST, "page"),
        ("GET", "/op/v1/device/detail", "sn"),
        ("POST", "/op/v1/device/scheduler/get/flag", "deviceSN"),
        ("POST", "/op/v1/device/scheduler/get", "deviceSN"),
        ("POST", "/op/v3/device/scheduler/get", "deviceSN"),
        ("GET", "/op/v0/device/generation", "sn"),
        ("GET", "/op/v0/device/battery/soc/get", "sn"),
        ("GET", "/op/v0/device/battery/forceChargeTime/get", "sn"),
        ("POST", "/op/v0/device/setting/get", "setting"),
    ],
)
def test_paths_without_query_are_not_throttled(method: str, path: str, payload: str) -> None:
    """foxesscloud calls these back to back, milliseconds apart, every day (field notes §8)."""
    with make_cloud(throttle=True) as cloud:
        sn = cloud.hybrid_sn
        bodies = {
            "page": PAGE,
            "sn": {"sn": sn},
            "deviceSN": {"deviceSN": sn},
            "setting": {"sn": sn, "key": "WorkMode"},
        }
        body = bodies[payload]
        api = Api(cloud)
        assert [api.errno(method, path, body) for _ in range(3)] == [0, 0, 0]
        api.close()


def test_query_paths_once_per_second_with_a_jitter_tolerance() -> None:
    with make_cloud(throttle=True) as cloud:
        api = Api(cloud)
        body = real(cloud.hybrid_sn)
        assert api.errno("POST", REAL, body) == 0
        cloud.advance(timedelta(milliseconds=996))  # a paced client, its call a few ms early: accepted
        assert api.errno("POST", REAL, body) == 0
        cloud.advance(timedelta(milliseconds=905))
        assert api.errno("POST", REAL, body) == 0  # within the 0.1 s tolerance
        cloud.advance(timedelta(milliseconds=500))  # genuinely too frequent
        assert api.errno("POST", REAL, body) == 40400
        cloud.advance(timedelta(milliseconds=400))  # a refused call does not restart the window
        assert api.errno("POST", REAL, body) == 0
        api.close()


def test_query_throttle_is_per_inverter() -> None:
    """foxessprom asks `real/query` for two inverters 9 ms apart every cycle: both are answered."""
    with make_cloud(throttle=True) as cloud:
        api = Api(cloud)
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 0
        assert api.errno("POST", REAL, real(cloud.plain_sn)) == 0
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 40400  # the same inverter again
        assert api.errno("POST", REAL, real(cloud.hybrid_sn, cloud.plain_sn)) == 40400  # a batch counts for each
        cloud.advance(timedelta(seconds=1))
        assert api.errno("POST", REAL, real(cloud.hybrid_sn, cloud.plain_sn)) == 0
        assert api.errno("POST", REAL, real(cloud.plain_sn)) == 40400
        api.close()


def test_strict_mode_limits_every_query_path_per_account() -> None:
    with make_cloud(throttle="strict") as cloud:
        api = Api(cloud)
        assert api.errno("POST", LIST, PAGE) == 0
        cloud.advance(timedelta(milliseconds=999))
        assert api.errno("POST", LIST, PAGE) == 40400  # no tolerance
        cloud.advance(timedelta(milliseconds=1))
        assert api.errno("POST", LIST, PAGE) == 0
        assert api.errno("POST", PLANTS, PAGE) == 0  # each path is counted separately
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 0
        assert api.errno("POST", REAL, real(cloud.plain_sn)) == 40400  # per account, not per inverter
        api.close()


def test_throttle_modes_are_checked() -> None:
    with pytest.raises(ConfigError, match="throttle must be"):
        FakeCloudConfig(throttle="sometimes")
    assert FakeCloudConfig(throttle=False).throttle_mode == "off"
    assert FakeCloudConfig().throttle_mode == "evidence"


@pytest.mark.parametrize("mode", ["evidence", "strict"])
def test_write_paths_once_per_two_seconds_per_inverter(mode: str) -> None:
    with make_cloud(throttle=mode) as cloud:
        api = Api(cloud)
        assert api.errno("POST", SET, export_limit(cloud.hybrid_sn, 4000)) == 0
        assert api.errno("POST", "/op/v1/device/scheduler/set/flag", {"deviceSN": cloud.hybrid_sn, "enable": 0}) == 0
        cloud.advance(timedelta(seconds=1.5))
        assert api.errno("POST", SET, export_limit(cloud.hybrid_sn, 3000)) == 40400
        assert api.errno("POST", SET, export_limit(cloud.plain_sn, 3000)) == 0  # another inverter
        cloud.advance(timedelta(seconds=0.5))
        assert api.errno("POST", SET, export_limit(cloud.hybrid_sn, 3000)) == 0
        assert cloud.device(cloud.hybrid_sn).settings.export_limit_w == 3000
        api.close()


def test_daily_quota_per_inverter() -> None:
    with make_cloud(daily_quota_per_inverter=3) as cloud:  # two inverters: 6 calls a day
        api = Api(cloud)
        counts = [api.ok("GET", "/op/v0/user/getAccessCount") for _ in range(3)]
        assert [c["remaining"] for c in counts] == ["5", "4", "3"]
        assert counts[0]["total"] == "6"
        for _ in range(3):
            assert api.errno("POST", LIST, PAGE) == 0
        answer = api.call("POST", LIST, PAGE)
        assert answer["errno"] == 40402
        assert answer["msg"] == "Your request exceeds the limit. Please try again later"
        assert api.post(LIST, PAGE, key="wrong").status_code == 401  # the signature is checked first
        cloud.advance(timedelta(days=1))  # a new (UTC) day on the simulated clock
        assert api.errno("POST", LIST, PAGE) == 0
        api.close()


def test_throttled_calls_do_not_use_the_quota() -> None:
    with make_cloud(throttle=True, daily_quota_per_inverter=1) as cloud:
        api = Api(cloud)
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 0
        assert api.errno("POST", REAL, real(cloud.hybrid_sn)) == 40400
        assert cloud.state.quota.used() == 1
        api.close()
