"""The project's own client (:mod:`optimizer.foxess`) end to end against the simulated cloud.

The client's clock is tied to the cloud's simulated clock: its throttle waits and retry back-offs advance
simulated time instead of sleeping, and the cloud's throttle (on, as on the real server) runs on that same
simulated clock. Only timeouts and slow answers take real (sub-second) time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from optimizer.errors import (
    ApiError,
    AuthError,
    QuotaExhaustedError,
    ReadbackMismatchError,
    TransientApiError,
    TransportError,
)
from optimizer.fakecloud import FakeCloud
from optimizer.foxess import (
    ApiKeyAuth,
    FoxEssClient,
    OAuthAuth,
    RetryPolicy,
    authorization_url,
    exchange_code,
)
from optimizer.pipeline.push import push_schedule
from optimizer.scheduler import SchedulerGroup, same_schedule
from tests.fakecloud.conftest import START, make_cloud

ENABLE = "/op/v1/device/scheduler/enable"
GET = "/op/v1/device/scheduler/get"


class CloudClock:
    """The client's clock on the cloud's simulated time; the wall clock stays real for signatures."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.cloud.now().timestamp()

    def time_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.cloud.advance(timedelta(seconds=seconds))


def connect(cloud: FakeCloud, *, timeout_s: float = 5.0, retries: int = 3, key: str | None = None) -> FoxEssClient:
    return FoxEssClient(
        cloud.base_url,
        ApiKeyAuth(key or cloud.api_key),
        clock=CloudClock(cloud),
        timeout_s=timeout_s,
        retry=RetryPolicy(max_retries=retries),
    )


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    """The strict throttle (every path limited): the project's client must pace even where the real server
    is known to be lenient."""
    with make_cloud(throttle="strict") as running:
        yield running


@pytest.fixture
def client(cloud: FakeCloud) -> Iterator[FoxEssClient]:
    with connect(cloud) as connected:
        yield connected


def schedule(cloud: FakeCloud, client: FoxEssClient) -> list[SchedulerGroup]:
    """A charge and a discharge group within the device's properties (maxSoc where supported)."""
    props = client.scheduler_get(cloud.hybrid_sn).properties
    assert props.supports_max_soc
    return [
        SchedulerGroup(
            startHour=1, startMinute=0, endHour=3, endMinute=59, workMode="ForceCharge",
            minSocOnGrid=10, fdSoc=95, fdPwr=3000, maxSoc=95,
        ),
        SchedulerGroup(
            startHour=17, startMinute=0, endHour=18, endMinute=59, workMode="ForceDischarge",
            minSocOnGrid=10, fdSoc=20, fdPwr=2500, maxSoc=100,
        ),
    ]  # fmt: skip


def test_inventory_and_real_time(cloud: FakeCloud, client: FoxEssClient) -> None:
    devices = client.list_devices()
    assert {d.deviceSN for d in devices} == {cloud.hybrid_sn, cloud.plain_sn}
    assert client.device_detail(cloud.hybrid_sn).function.scheduler is True
    assert client.device_detail(cloud.plain_sn).function.scheduler is False
    real = client.real_time([cloud.hybrid_sn, cloud.plain_sn], ["SoC", "pvPower"])
    assert [r.deviceSN for r in real] == [cloud.hybrid_sn, cloud.plain_sn]
    assert real[0].time == START.replace(minute=0, second=0)
    count = client.access_count()
    assert int(count.total) == 2880


def test_history_over_more_than_a_day_in_windows(cloud: FakeCloud, client: FoxEssClient) -> None:
    cloud.advance(timedelta(days=1))
    begin, end = START - timedelta(hours=6), START + timedelta(hours=22)
    history = client.history(cloud.hybrid_sn, begin, end, ["SoC", "loadsPower"])
    points = history["loadsPower"]
    assert len(points) == 12 * 28
    assert points[0].time == START.replace(minute=5, second=0) - timedelta(hours=6)
    frame = cloud.history_df(cloud.hybrid_sn, begin, end)
    assert [p.value for p in points] == pytest.approx(frame["load_kw"].tolist(), abs=6e-4)
    assert len(cloud.requests.to("/op/v0/device/history/query")) == 2


def test_schedule_push_reads_back_despite_reordering(cloud: FakeCloud, client: FoxEssClient) -> None:
    groups = schedule(cloud, client)
    report = push_schedule(client, cloud.hybrid_sn, groups, client.scheduler_get(cloud.hybrid_sn))
    assert report.pushed and report.verified
    state = client.scheduler_get(cloud.hybrid_sn)
    assert state.enable and len(state.groups) == 8
    assert same_schedule(state.groups, groups)
    assert [g.startHour for g in state.groups if g.is_active] != [1, 17]  # stored in another order
    cloud.advance(timedelta(hours=16))  # through 01:00-03:59 BST
    frame = cloud.history_df(cloud.hybrid_sn, START + timedelta(hours=14), START + timedelta(hours=16))
    assert (frame["work_mode"] == "ForceCharge").any()


@pytest.mark.parametrize("errno", [41200, 41203, 41935])
def test_transient_errnos_are_retried_and_recover(cloud: FakeCloud, client: FoxEssClient, errno: int) -> None:
    cloud.faults.errno(GET, errno, count=2)
    state = client.scheduler_get(cloud.hybrid_sn)
    assert len(state.groups) == 8
    assert [r.errno for r in cloud.requests.to(GET)] == [errno, errno, 0]
    assert len(client.clock.sleeps) >= 2  # type: ignore[attr-defined]


def test_transient_errno_that_never_clears(cloud: FakeCloud, client: FoxEssClient) -> None:
    client.set_scheduler_version(cloud.hybrid_sn, 1)  # known to be a v1 device: no v3 fallback
    cloud.faults.errno(GET, 41203, count=None)
    with pytest.raises(TransientApiError) as caught:
        client.scheduler_get(cloud.hybrid_sn)
    assert caught.value.errno == 41203 and caught.value.exit_code == 5
    assert len(cloud.requests.to(GET)) == 4  # the first try and three retries


def test_v1_that_keeps_answering_41200_falls_back_to_v3(cloud: FakeCloud, client: FoxEssClient) -> None:
    """A device of unknown product type whose v1 scheduler fails for good (as EVO's does) but answers v3."""
    cloud.faults.errno(GET, 41200, count=None)
    state = client.scheduler_get(cloud.hybrid_sn)
    assert state.version == 3 and client.known_scheduler_version(cloud.hybrid_sn) == 3
    assert len(cloud.requests.to(GET)) == 4  # a single 41200 never reroutes: the retries ran first
    client.scheduler_get(cloud.hybrid_sn)
    assert len(cloud.requests.to(GET)) == 4 and len(cloud.requests.to("/op/v3/device/scheduler/get")) == 2


def test_http_5xx_is_retried(cloud: FakeCloud, client: FoxEssClient) -> None:
    cloud.faults.http(GET, 503, count=1)
    assert len(client.scheduler_get(cloud.hybrid_sn).groups) == 8
    cloud.faults.http(GET, 502, count=None)
    with pytest.raises(TransportError, match="HTTP 502"):
        client.scheduler_get(cloud.hybrid_sn)


def test_timeout_is_retried(cloud: FakeCloud) -> None:
    with connect(cloud, timeout_s=0.3) as client:
        cloud.faults.timeout(GET, count=1)
        started = time.monotonic()
        assert len(client.scheduler_get(cloud.hybrid_sn).groups) == 8
        assert time.monotonic() - started < 3
        assert [r.status for r in cloud.requests.to(GET)] == [0, 200]


def test_slow_answers(cloud: FakeCloud) -> None:
    with connect(cloud, timeout_s=0.5) as client:
        cloud.faults.slow(GET, 0.2)
        assert len(client.scheduler_get(cloud.hybrid_sn).groups) == 8  # slow but in time: no retry
        assert len(cloud.requests.to(GET)) == 1
        cloud.faults.slow(GET, 0.8)  # slower than the client waits: a timeout, then a retry
        assert len(client.scheduler_get(cloud.hybrid_sn).groups) == 8
        assert len(cloud.requests.to(GET)) == 3


def test_malformed_json_is_a_transport_error(cloud: FakeCloud, client: FoxEssClient) -> None:
    cloud.faults.malformed("/op/v0/device/list")
    with pytest.raises(TransportError, match="not JSON"):
        client.list_devices()
    assert len(client.list_devices()) == 2


def test_malformed_answer_to_a_push_is_settled_by_reading_the_inverter(cloud: FakeCloud, client: FoxEssClient) -> None:
    groups = schedule(cloud, client)
    cloud.faults.malformed(ENABLE)
    report = push_schedule(client, cloud.hybrid_sn, groups, client.scheduler_get(cloud.hybrid_sn))
    state = cloud.scheduler_state(cloud.hybrid_sn)
    assert same_schedule(state.groups, groups)  # the write itself went through before the answer broke
    assert state.enable and report.verified  # the read after the broken answer shows the new schedule in force


def test_write_not_applied_is_caught_by_the_read_back(cloud: FakeCloud, client: FoxEssClient) -> None:
    groups = schedule(cloud, client)
    cloud.faults.write_not_applied(ENABLE)
    with pytest.raises(ReadbackMismatchError) as caught:
        push_schedule(client, cloud.hybrid_sn, groups, client.scheduler_get(cloud.hybrid_sn))
    assert caught.value.exit_code == 8
    assert not same_schedule(cloud.scheduler_state(cloud.hybrid_sn).groups, groups)


def test_server_throttle_is_honoured(cloud: FakeCloud) -> None:
    client = FoxEssClient(
        cloud.base_url, ApiKeyAuth(cloud.api_key), clock=CloudClock(cloud), throttle=False, timeout_s=5
    )
    with client:
        client.scheduler_get(cloud.hybrid_sn)
        client.scheduler_get(cloud.hybrid_sn)  # 40400 at once from the cloud, then a retry after a back-off
    assert [r.errno for r in cloud.requests.to(GET)] == [0, 40400, 0]


def test_quota_and_auth_errors_are_not_retried() -> None:
    with make_cloud(daily_quota_per_inverter=1) as cloud:
        with connect(cloud) as client:
            client.list_devices()
            client.list_devices()
            with pytest.raises(QuotaExhaustedError) as quota:
                client.list_devices()
            assert quota.value.exit_code == 6
        with connect(cloud, key="wrong-key") as stranger, pytest.raises(AuthError) as auth:
            stranger.list_devices()
        assert auth.value.errno == 40256 and "wrong-key" not in auth.value.explain()
        assert auth.value.exit_code == 4
        assert (
            str(auth.value) == "Fox ESS refused the API key on /op/v0/device/list (HTTP 401 unauthorized, errno 40256)."
        )
        assert auth.value.hint is not None and "FOXESS_API_KEY" in auth.value.hint
        assert len(cloud.requests) == 4


def test_model_without_scheduler(cloud: FakeCloud, client: FoxEssClient) -> None:
    flag = client.scheduler_get_flag(cloud.plain_sn)
    assert (flag.support, flag.enable) == (False, False)
    with pytest.raises(ApiError) as caught:
        client.scheduler_enable(cloud.plain_sn, schedule(cloud, client))
    assert caught.value.errno == 44098


def test_oauth_login_and_calls(cloud: FakeCloud) -> None:
    redirect = "http://127.0.0.1:9/callback"
    url = authorization_url(cloud.base_url, "fakecloud-client", redirect, state="s1")
    with connect(cloud) as plain:
        page = plain.http.get(url)
        code = parse_qs(urlsplit(page.headers["location"]).query)["code"][0]
        tokens = exchange_code(
            plain.http,
            cloud.base_url,
            client_id="fakecloud-client",
            client_secret="fakecloud-secret",
            code=code,
            redirect_uri=redirect,
            now_ms=time.time_ns() // 1_000_000,
        )
    with FoxEssClient(cloud.base_url, OAuthAuth(tokens), clock=CloudClock(cloud)) as client:
        assert len(client.list_devices()) == 2
        cloud.advance(timedelta(days=1, minutes=1))  # the cloud expires the access token: HTTP 401
        assert len(client.list_devices()) == 2  # the client refreshes once and retries
    assert cloud.requests.to("/oauth2/refresh")
