"""Pagination, 24 h history splitting and 50-serial real-time batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from optimizer.errors import QuotaBudgetError, TransportError, UsageError
from optimizer.foxess import ApiKeyAuth, CallCounter, FoxEssClient, HistoryWindowError, ManualClock, history_windows
from tests.foxess.conftest import API_KEY, BASE_URL, MockCloud, ok

DEVICE_LIST = "/op/v0/device/list"
HISTORY = "/op/v0/device/history/query"
REAL = "/op/v1/device/real/query"
T0 = datetime(2025, 2, 20, 6, 0, tzinfo=UTC)


def _device(n: int) -> dict[str, Any]:
    return {"deviceSN": f"SN{n:03d}", "deviceType": "KH10", "status": 1, "hasBattery": True}


def _pages(count: int, size: int) -> list[dict[str, Any]]:
    return [
        ok(
            {
                "currentPage": p + 1,
                "pageSize": size,
                "total": count,
                "data": [_device(n) for n in range(p * size, min(count, (p + 1) * size))],
            }
        )
        for p in range(max(1, -(-count // size)))
    ]


def test_device_list_reads_every_page(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(DEVICE_LIST, *_pages(25, 10))
    devices = client.list_devices()
    assert [d.deviceSN for d in devices] == [f"SN{n:03d}" for n in range(25)]
    assert [s.body for s in cloud.calls(DEVICE_LIST)] == [{"currentPage": p, "pageSize": 10} for p in (1, 2, 3)]
    assert client.counter.inverters == [f"SN{n:03d}" for n in range(25)]


def test_exact_multiple_of_the_page_size_stops_on_total(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(DEVICE_LIST, *_pages(20, 10))
    assert len(client.list_devices()) == 20 and len(cloud.calls(DEVICE_LIST)) == 2


def test_empty_account(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(DEVICE_LIST, ok({"currentPage": 1, "pageSize": 10, "total": 0, "data": None}))
    assert client.list_devices() == [] and len(cloud.calls(DEVICE_LIST)) == 1


def test_paging_that_never_ends_is_cut(client: FoxEssClient, cloud: MockCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("optimizer.foxess.client._MAX_PAGES", 5)
    cloud.reply(DEVICE_LIST, ok({"total": 10**9, "data": [_device(n) for n in range(10)]}))
    with pytest.raises(TransportError, match="more than 5 pages"):
        client.list_devices()
    assert len(cloud.calls(DEVICE_LIST)) == 5


# ----- history -----------------------------------------------------------------------------------------


def test_windows_are_at_most_24h_and_contiguous() -> None:
    windows = history_windows(T0, T0 + timedelta(hours=60))
    assert windows == [
        (T0, T0 + timedelta(hours=24)),
        (T0 + timedelta(hours=24), T0 + timedelta(hours=48)),
        (T0 + timedelta(hours=48), T0 + timedelta(hours=60)),
    ]
    assert history_windows(T0, T0 + timedelta(hours=24)) == [(T0, T0 + timedelta(hours=24))]
    assert len(history_windows(T0, T0 + timedelta(days=7))) == 7


@pytest.mark.parametrize(
    ("begin", "end", "match"),
    [
        (T0, T0, "not after"),
        (T0, T0 - timedelta(hours=1), "not after"),
        (T0.replace(tzinfo=None), T0 + timedelta(hours=1), "no time zone"),
    ],
)
def test_bad_ranges(begin: datetime, end: datetime, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        history_windows(begin, end)


def _history_answer(request: httpx.Request) -> httpx.Response:
    """Points every 5 min over [begin, end] inclusive, so windows share their boundary point."""
    import json

    body = json.loads(request.content)
    step = 5 * 60 * 1000
    stamps = range(body["begin"], body["end"] + 1, step)
    data = [
        {"time": datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S GMT+0000"), "value": ms % 7}
        for ms in stamps
    ]
    result = [
        {"deviceSN": body["sn"], "datas": [{"variable": v, "unit": "kW", "data": data} for v in body["variables"]]}
    ]
    return httpx.Response(200, json=ok(result))


def test_history_splits_merges_and_deduplicates(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(HISTORY, _history_answer)
    series = client.history("SN1", T0, T0 + timedelta(hours=60), ["pvPower", "loadsPower"])
    calls = cloud.calls(HISTORY)
    assert [(c.body["begin"], c.body["end"]) for c in calls] == [
        (1740031200000, 1740117600000),
        (1740117600000, 1740204000000),
        (1740204000000, 1740247200000),
    ]
    assert all(c.body["variables"] == ["pvPower", "loadsPower"] and c.body["sn"] == "SN1" for c in calls)
    points = series["pvPower"]
    assert len(points) == 60 * 12 + 1  # every 5 min, both ends included, boundary points once
    times = [p.time for p in points]
    assert times == sorted(set(times)) and times[0] == T0 and times[-1] == T0 + timedelta(hours=60)
    assert client.calls_made == 3


def test_history_checks_the_budget_before_the_first_call(cloud: MockCloud, clock: ManualClock) -> None:
    counter = CallCounter(max_calls_per_run=2, clock=clock)
    with (
        FoxEssClient(BASE_URL, ApiKeyAuth(API_KEY), transport=cloud.transport, clock=clock, counter=counter) as c,
        pytest.raises(QuotaBudgetError, match="3 more API call"),
    ):
        c.history("SN1", T0, T0 + timedelta(hours=49), ["pvPower"])
    assert cloud.seen == []


def test_one_window_may_not_exceed_24h(client: FoxEssClient, cloud: MockCloud) -> None:
    with pytest.raises(HistoryWindowError, match="at most 24 h") as caught:
        client.history_window("SN1", T0, T0 + timedelta(hours=24, seconds=1), ["pvPower"])
    assert isinstance(caught.value, UsageError) and isinstance(caught.value, ValueError)
    assert caught.value.exit_code == 2 and cloud.seen == []


# ----- real-time batches -------------------------------------------------------------------------------


def test_real_time_batches_of_fifty(client: FoxEssClient, cloud: MockCloud) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        import json

        sns = json.loads(request.content)["sns"]
        return httpx.Response(
            200, json=ok([{"deviceSN": sn, "datas": [{"variable": "SoC", "value": 50}]} for sn in sns])
        )

    cloud.reply(REAL, answer)
    sns = [f"SN{n:03d}" for n in range(120)]
    data = client.real_time(sns, ["SoC"])
    assert [len(c.body["sns"]) for c in cloud.calls(REAL)] == [50, 50, 20]
    assert [d.sn for d in data] == sns


def test_real_time_budget_checked_for_all_batches(cloud: MockCloud, clock: ManualClock) -> None:
    counter = CallCounter(max_calls_per_run=2, clock=clock)
    with (
        FoxEssClient(BASE_URL, ApiKeyAuth(API_KEY), transport=cloud.transport, clock=clock, counter=counter) as c,
        pytest.raises(QuotaBudgetError),
    ):
        c.real_time([f"SN{n}" for n in range(101)])
    assert cloud.seen == []
