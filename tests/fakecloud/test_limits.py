"""Per-path throttling (40400) and the per-inverter daily quota (40402)."""

from __future__ import annotations

from datetime import timedelta

from optimizer.fakecloud import FakeCloud
from tests.fakecloud.conftest import Api, make_cloud

LIST = "/op/v0/device/list"
PLANTS = "/op/v0/plant/list"
PAGE = {"currentPage": 1, "pageSize": 10}
SET = "/op/v0/device/setting/set"


def export_limit(sn: str, watts: int) -> dict[str, str]:
    return {"sn": sn, "key": "ExportLimit", "value": str(watts)}


def test_throttle_is_on_by_default_on_the_real_clock() -> None:
    with FakeCloud() as cloud:
        api = Api(cloud)
        assert api.errno("POST", LIST, PAGE) == 0
        answer = api.call("POST", LIST, PAGE)
        assert answer == {"errno": 40400, "msg": "The number of requests is too frequent", "result": None}
        assert api.errno("POST", PLANTS, PAGE) == 0  # each path is counted separately
        api.close()


def test_query_paths_once_per_second_on_the_simulated_clock() -> None:
    with make_cloud(throttle=True) as cloud:
        api = Api(cloud)
        assert api.errno("POST", LIST, PAGE) == 0
        cloud.advance(timedelta(milliseconds=900))
        assert api.errno("POST", LIST, PAGE) == 40400
        cloud.advance(timedelta(milliseconds=100))  # a refused call does not restart the window
        assert api.errno("POST", LIST, PAGE) == 0
        api.close()


def test_write_paths_once_per_two_seconds_per_inverter() -> None:
    with make_cloud(throttle=True) as cloud:
        api = Api(cloud)
        assert api.errno("POST", SET, export_limit(cloud.hybrid_sn, 4000)) == 0
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
        assert api.errno("POST", LIST, PAGE, key="wrong") == 40256  # the signature is checked first
        cloud.advance(timedelta(days=1))  # a new (UTC) day on the simulated clock
        assert api.errno("POST", LIST, PAGE) == 0
        api.close()


def test_throttled_calls_do_not_use_the_quota() -> None:
    with make_cloud(throttle=True, daily_quota_per_inverter=1) as cloud:
        api = Api(cloud)
        assert api.errno("POST", LIST, PAGE) == 0
        assert api.errno("POST", LIST, PAGE) == 40400
        assert cloud.state.quota.used() == 1
        api.close()
