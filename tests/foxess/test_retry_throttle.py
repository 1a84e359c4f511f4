"""Throttle and retry timing, measured on a manual clock (nothing really sleeps)."""

from __future__ import annotations

import itertools
import random

import httpx
import pytest

from optimizer.errors import RateLimitError, TransientApiError, TransportError
from optimizer.foxess import ApiKeyAuth, FoxEssClient, ManualClock, RetryPolicy
from optimizer.foxess.throttle import Throttle
from optimizer.scheduler import SchedulerGroup
from tests.foxess.conftest import API_KEY, BASE_URL, MockCloud, fail, ok

FLAG = "/op/v1/device/scheduler/get/flag"
SET_FLAG = "/op/v1/device/scheduler/set/flag"


class FixedRandom(random.Random):
    """``uniform(a, b)`` always returns the upper bound: the longest possible jittered wait."""

    def uniform(self, a: float, b: float) -> float:
        return b


# ----- throttle ---------------------------------------------------------------------------------------


def test_queries_on_one_path_are_a_second_apart(client, cloud: MockCloud, clock: ManualClock) -> None:
    for _ in range(3):
        client.access_count()
    stamps = [s.at_ms for s in cloud.calls()]
    # the documented 1 s plus 0.1 s for arrival jitter
    assert [b - a for a, b in itertools.pairwise(stamps)] == [1100, 1100]
    assert clock.sleeps == [pytest.approx(1.1), pytest.approx(1.1)]


def test_different_query_paths_do_not_wait_for_each_other(client, cloud: MockCloud, clock: ManualClock) -> None:
    client.access_count()
    client.scheduler_get_flag("SN1")
    client.scheduler_get("SN1")
    assert clock.sleeps == []


def test_elapsed_time_counts_towards_the_spacing(client, clock: ManualClock) -> None:
    client.access_count()
    clock.advance(0.7)
    client.access_count()
    assert clock.sleeps == [pytest.approx(0.4)]


def test_writes_are_two_seconds_apart_per_path_and_device(client, cloud: MockCloud, clock: ManualClock) -> None:
    client.scheduler_set_flag("SN1", True)
    client.scheduler_set_flag("SN2", True)  # other device: no wait
    client.scheduler_set_flag("SN1", False)  # same path and device: 2 s after the first
    client.scheduler_enable("SN1", [])  # other write path: no wait
    at = [s.at_ms - cloud.seen[0].at_ms for s in cloud.seen]
    assert at == [0, 0, 2100, 2100]
    assert clock.sleeps == [pytest.approx(2.1)]
    assert client.write_calls_made == 4 and client.calls_made == 4


def test_throttle_can_be_switched_off(cloud: MockCloud, clock: ManualClock) -> None:
    with FoxEssClient(BASE_URL, ApiKeyAuth(API_KEY), transport=cloud.transport, clock=clock, throttle=False) as c:
        for _ in range(3):
            c.access_count()
    assert clock.sleeps == []


def test_throttle_keys() -> None:
    clock = ManualClock()
    throttle = Throttle(clock)
    assert throttle.wait("/a", write=False) == 0.0
    assert throttle.wait("/a", write=False) == pytest.approx(1.1)
    assert throttle.wait("/w", write=True, sn="X") == 0.0
    assert throttle.wait("/w", write=True, sn="Y") == 0.0
    assert throttle.wait("/w", write=True, sn="X") == pytest.approx(2.1)


# ----- back-off ---------------------------------------------------------------------------------------


def test_backoff_is_exponential_jittered_and_bounded() -> None:
    policy = RetryPolicy(max_retries=8, base_delay_s=2.0, max_delay_s=30.0, rng=random.Random(1))
    for attempt in range(8):
        step = min(30.0, 2.0 * 2**attempt)
        for _ in range(50):
            assert step / 2 <= policy.delay_s(attempt) <= step
    assert RetryPolicy(rng=FixedRandom()).delay_s(10) == 30.0
    assert RetryPolicy(rng=FixedRandom()).delay_s(0, at_least_s=100) == 30.0  # Retry-After is capped too


def test_jitter_comes_from_the_injected_random() -> None:
    a = [RetryPolicy(rng=random.Random(3)).delay_s(n) for n in range(4)]
    b = [RetryPolicy(rng=random.Random(3)).delay_s(n) for n in range(4)]
    c = [RetryPolicy(rng=random.Random(4)).delay_s(n) for n in range(4)]
    assert a == b and a != c


@pytest.mark.parametrize("bad", [{"max_retries": -1}, {"base_delay_s": 0}, {"base_delay_s": 40, "max_delay_s": 30}])
def test_policy_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def _client(cloud: MockCloud, clock: ManualClock, *, retries: int = 4, delay_s: float | None = None) -> FoxEssClient:
    """A client whose jitter always takes the longest wait; ``delay_s`` fixes every back-off."""
    bounds = {} if delay_s is None else {"base_delay_s": delay_s, "max_delay_s": delay_s}
    return FoxEssClient(
        BASE_URL,
        ApiKeyAuth(API_KEY),
        transport=cloud.transport,
        clock=clock,
        retry=RetryPolicy(max_retries=retries, rng=FixedRandom(), **bounds),
    )


def test_40400_waits_2_4_8_16_then_gives_up(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, fail(40400, "The number of requests is too frequent"))
    with _client(cloud, clock) as c, pytest.raises(RateLimitError) as caught:
        c.scheduler_get_flag("SN1")
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0]
    assert len(cloud.calls(FLAG)) == 5 and caught.value.errno == 40400
    gaps = [b.at_ms - a.at_ms for a, b in itertools.pairwise(cloud.seen)]
    assert gaps == [2000, 4000, 8000, 16000]


def test_backoff_never_undercuts_the_throttle(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, fail(40400), ok({"enable": 0, "support": 1}))
    with _client(cloud, clock, delay_s=0.1) as c:
        c.scheduler_get_flag("SN1")
    assert cloud.seen[1].at_ms - cloud.seen[0].at_ms == 1100  # 0.1 s back-off, then 1.0 s of throttle


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_then_a_transport_error(status: int, cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, httpx.Response(status, text="<html>Bad gateway</html>"))
    with _client(cloud, clock, retries=2) as c, pytest.raises(TransportError) as caught:
        c.scheduler_get_flag("SN1")
    assert caught.value.exit_code == 5 and f"HTTP {status}" in str(caught.value)
    assert len(cloud.calls(FLAG)) == 3 and clock.sleeps == [2.0, 4.0]


def test_5xx_then_success(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, httpx.Response(502), ok({"enable": 1, "support": 1}))
    with _client(cloud, clock) as c:
        assert c.scheduler_get_flag("SN1").support


def test_timeouts_are_retried_and_counted(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), ok({"enable": 0, "support": 1}))
    with _client(cloud, clock) as c:
        c.scheduler_get_flag("SN1")
        assert c.calls_made == 3 and c.counter.used_today("SN1") == 3
    assert clock.sleeps == [2.0, 4.0]


def test_connection_errors_are_retried_but_not_counted(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, httpx.ConnectError("refused"))
    with _client(cloud, clock, retries=3) as c, pytest.raises(TransportError, match="cannot reach") as caught:
        c.scheduler_get_flag("SN1")
    assert caught.value.exit_code == 5
    assert len(cloud.calls(FLAG)) == 4 and clock.sleeps == [2.0, 4.0, 8.0]


def test_http_429_honours_retry_after(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, httpx.Response(429, headers={"Retry-After": "7"}), ok({"enable": 0, "support": 1}))
    with _client(cloud, clock) as c:
        c.scheduler_get_flag("SN1")
    assert clock.sleeps == [7.0]


def test_transient_errno_exhausted(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(FLAG, fail(41200, "Query data failed"))
    with _client(cloud, clock, retries=1) as c, pytest.raises(TransientApiError) as caught:
        c.scheduler_get_flag("SN1")
    assert caught.value.exit_code == 5 and len(cloud.calls(FLAG)) == 2


@pytest.mark.parametrize("errno", [40256, 40257, 40261, 41930, 42015, 42023, 44096, 44098, 40402, 99999])
def test_never_retried(errno: int, cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply(SET_FLAG, fail(errno))
    with _client(cloud, clock) as c, pytest.raises(Exception) as caught:
        c.scheduler_set_flag("SN1", True)
    assert getattr(caught.value, "errno", None) == errno
    assert len(cloud.calls(SET_FLAG)) == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (httpx.Response(200, text="<html>maintenance</html>"), "not JSON"),
        (httpx.Response(200, json=[1, 2]), "no errno"),
        (httpx.Response(200, json={"result": {}}), "no errno"),
        (httpx.Response(200, json={"errno": "x"}), "not a number"),
        (httpx.Response(405), "unexpected HTTP 405"),
    ],
)
def test_malformed_answers_fail_at_once(
    answer: httpx.Response, match: str, cloud: MockCloud, clock: ManualClock
) -> None:
    cloud.reply(FLAG, answer)
    with _client(cloud, clock) as c, pytest.raises(TransportError, match=match):
        c.scheduler_get_flag("SN1")
    assert len(cloud.calls(FLAG)) == 1


def test_unexpected_result_shape_names_the_field(client, cloud: MockCloud) -> None:
    cloud.reply(FLAG, ok({"enable": 1, "support": {"nested": True}}))
    with pytest.raises(TransportError, match=r"scheduler/get/flag: unexpected answer: support"):
        client.scheduler_get_flag("SN1")


def test_write_retries_are_spaced_by_the_write_throttle(cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply("/op/v1/device/scheduler/enable", fail(41203), ok())
    group = SchedulerGroup(
        startHour=0, startMinute=0, endHour=5, endMinute=59, workMode="SelfUse", minSocOnGrid=10, fdSoc=10, fdPwr=0
    )
    with _client(cloud, clock, delay_s=0.5) as c:
        c.scheduler_enable("SN1", [group])
        assert c.write_calls_made == 2
    assert cloud.seen[1].at_ms - cloud.seen[0].at_ms == 2100
