"""The per-inverter daily call counter: file format, limits, reconciliation, day boundary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from optimizer.errors import ConfigError, QuotaBudgetError
from optimizer.foxess import ACCOUNT_BUCKET, ApiKeyAuth, CallCounter, FoxEssClient, ManualClock
from tests.foxess.conftest import API_KEY, BASE_URL, MockCloud, ok

# 2023-11-14 22:13:20 UTC: 1 h 46 min 40 s before the UTC day ends.
START_MS = 1_700_000_000_000
TO_MIDNIGHT_S = 6400.0


@pytest.fixture
def counter_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "api-calls.json"


def test_records_per_inverter_and_account_bucket(counter_path: Path, clock: ManualClock) -> None:
    counter = CallCounter(counter_path, clock=clock)
    counter.record("SN1")
    counter.record("SN1")
    counter.record(None)
    counter.record("SN2", n=3)
    doc = json.loads(counter_path.read_text())
    assert doc["version"] == 1 and doc["day_boundary"] == "UTC"
    assert doc["inverters"] == ["SN1", "SN2"]
    assert doc["days"] == {"2023-11-14": {"calls": {"SN1": 2, ACCOUNT_BUCKET: 1, "SN2": 3}}}
    assert counter.used_today() == 6 and counter.used_today("SN1") == 2
    assert counter.run_calls == 6


def test_counts_survive_between_runs(counter_path: Path, clock: ManualClock) -> None:
    CallCounter(counter_path, clock=clock).record("SN1", n=5)
    again = CallCounter(counter_path, clock=clock)
    assert again.used_today("SN1") == 5 and again.run_calls == 0


def test_two_counters_on_one_file_add_up(counter_path: Path, clock: ManualClock) -> None:
    a, b = CallCounter(counter_path, clock=clock), CallCounter(counter_path, clock=clock)
    for _ in range(3):
        a.record("SN1")
        b.record("SN1")
    assert CallCounter(counter_path, clock=clock).used_today("SN1") == 6


def test_file_is_replaced_atomically(counter_path: Path, clock: ManualClock) -> None:
    counter = CallCounter(counter_path, clock=clock)
    counter.record("SN1")
    inode = os.stat(counter_path).st_ino
    counter.record("SN1")
    assert os.stat(counter_path).st_ino != inode  # a new file renamed over the old one
    leftovers = [p.name for p in counter_path.parent.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_run_budget_refuses_before_calling(clock: ManualClock) -> None:
    counter = CallCounter(max_calls_per_run=3, clock=clock)
    counter.check(3)
    counter.record(None, n=3)
    with pytest.raises(QuotaBudgetError, match=r"3 of its 3 allowed .*max_calls_per_run") as caught:
        counter.check()
    assert caught.value.exit_code == 6 and "max_calls_per_run" in (caught.value.hint or "")


def test_per_inverter_daily_budget(clock: ManualClock) -> None:
    counter = CallCounter(daily_budget=10, clock=clock)
    counter.note_inverters(["SN1", "SN2"])
    counter.record("SN1", n=10)
    with pytest.raises(QuotaBudgetError, match=r"inverter SN1 has used 10 of its 10 .*UTC date 2023-11-14"):
        counter.check(1, "SN1")
    counter.check(1, "SN2")
    counter.check(1)  # account-level: the pool of 2 x 10 still has room
    assert counter.headroom("SN2") == 10 and counter.headroom() == 10


def test_account_pool_is_budget_times_inverters(clock: ManualClock) -> None:
    counter = CallCounter(daily_budget=4, clock=clock)
    counter.record(None, n=4)  # no inverter known yet: pool of one inverter
    with pytest.raises(QuotaBudgetError, match="used 4 of its 4"):
        counter.check()
    counter.note_inverters(["A", "B"])
    counter.check(4)
    with pytest.raises(QuotaBudgetError, match=r"used 4 of its 8 .* 5 more"):
        counter.check(5)


def test_day_boundary_is_the_utc_date(clock: ManualClock) -> None:
    counter = CallCounter(daily_budget=2, clock=clock)
    counter.record("SN1", n=2)
    with pytest.raises(QuotaBudgetError):
        counter.check(1, "SN1")
    clock.advance(TO_MIDNIGHT_S - 1)
    assert counter.today() == "2023-11-14"
    with pytest.raises(QuotaBudgetError):
        counter.check(1, "SN1")
    clock.advance(1)
    assert counter.today() == "2023-11-15"
    counter.check(2, "SN1")
    assert counter.used_today("SN1") == 0


def test_old_days_are_pruned(counter_path: Path, clock: ManualClock) -> None:
    counter = CallCounter(counter_path, clock=clock)
    counter.record("SN1")
    clock.advance(10 * 86400)
    counter.record("SN1")
    days = json.loads(counter_path.read_text())["days"]
    assert list(days) == ["2023-11-24"]


def test_reconcile_anchors_to_the_clouds_remaining(counter_path: Path, clock: ManualClock) -> None:
    counter = CallCounter(counter_path, clock=clock)
    counter.record(None, n=3)
    counter.reconcile(remaining=2, total=1440)  # other tools used most of today's quota
    day = json.loads(counter_path.read_text())["days"]["2023-11-14"]
    assert day["reconciled"] == {"remaining": 2, "total": 1440, "local_calls": 3, "at": "2023-11-14T22:13:20Z"}
    counter.check(2)
    counter.record("SN1")
    counter.record("SN1")
    with pytest.raises(QuotaBudgetError, match=r"cloud reported 2 API calls left .* 2 were made since"):
        counter.check()
    clock.advance(TO_MIDNIGHT_S)  # a new day: the anchor no longer applies
    counter.check()


def test_access_count_reconciles_the_counter(cloud: MockCloud, clock: ManualClock, counter_path: Path) -> None:
    cloud.reply("/op/v0/user/getAccessCount", ok({"total": "2880", "remaining": "1"}))
    counter = CallCounter(counter_path, clock=clock)
    with FoxEssClient(BASE_URL, ApiKeyAuth(API_KEY), transport=cloud.transport, clock=clock, counter=counter) as c:
        count = c.access_count()
        assert (count.total, count.remaining) == (2880, 1)
        c.scheduler_get_flag("SN1")  # the one call left
        with pytest.raises(QuotaBudgetError):
            c.scheduler_get("SN1")
    assert len(cloud.seen) == 2  # the refused call never left the machine


def test_client_charges_buckets(cloud: MockCloud, clock: ManualClock, counter_path: Path) -> None:
    cloud.reply("/op/v0/device/list", ok({"total": 1, "data": [{"deviceSN": "SN1"}]}))
    counter = CallCounter(counter_path, clock=clock)
    with FoxEssClient(BASE_URL, ApiKeyAuth(API_KEY), transport=cloud.transport, clock=clock, counter=counter) as c:
        c.list_devices()
        c.scheduler_get_flag("SN1")
        c.real_time(["SN1", "SN2"])
        c.real_time(["SN1"])
    assert counter.inverters == ["SN1"]
    assert counter.used_today("SN1") == 2 and counter.used_today(ACCOUNT_BUCKET) == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "missing the 'days' object"),
        ('{"version": 7, "days": {}}', "unknown version 7"),
        ('{"version": 1, "days": {}, "inverters": "SN1"}', "'inverters' is not a list"),
    ],
)
def test_corrupt_file_is_a_config_error_naming_it(
    counter_path: Path, text: str, problem: str, clock: ManualClock
) -> None:
    counter_path.parent.mkdir(parents=True)
    counter_path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        CallCounter(counter_path, clock=clock).check()
    assert str(counter_path) in str(caught.value) and problem in str(caught.value)
    assert "Delete the file" in (caught.value.hint or "")


@pytest.mark.parametrize("bad", [{"daily_budget": 0}, {"max_calls_per_run": 0}])
def test_counter_rejects_nonsense_budgets(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        CallCounter(**bad)  # type: ignore[arg-type]
