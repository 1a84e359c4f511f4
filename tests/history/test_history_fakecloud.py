"""End to end against the simulated Fox ESS cloud: the issue's "Done when" for sync."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.foxess import ApiKeyAuth, FoxEssClient, ManualClock
from optimizer.history import history_frame, reconcile, sync_history
from optimizer.history.store import HistoryStore
from optimizer.timegrid import local_day_index

START = datetime(2025, 6, 10, 10, 2, 30, tzinfo=UTC)
TZ = "Europe/London"


def history_calls(cloud: FakeCloud) -> int:
    return sum(1 for record in cloud.requests if record.path.endswith("/device/history/query"))


@pytest.fixture
def cloud() -> FakeCloud:
    with FakeCloud(FakeCloudConfig(speed=0.0, start=START, throttle=False, history_days=14)) as running:
        yield running


def client_for(cloud: FakeCloud) -> FoxEssClient:
    # A manual clock near real time: the client's throttle advances it instead of sleeping.
    return FoxEssClient(cloud.base_url, ApiKeyAuth(cloud.api_key), clock=ManualClock(start_ms=int(time.time() * 1000)))


def test_sync_fills_the_store_once_then_one_call_per_new_day(cloud: FakeCloud, tmp_path: Path) -> None:
    sn = cloud.hybrid_sn
    with client_for(cloud) as client, HistoryStore(tmp_path / "h.sqlite") as store:
        first = sync_history(client, store, sn, now=cloud.now(), days=12, timezone=TZ)
        assert first.history_calls == 13 and history_calls(cloud) == 13
        assert first.report_calls == 1 and first.months_reported == ["2025-05"]
        assert first.calls == client.calls_made == 14
        assert len(store.daily_totals(sn)) == 31
        checked = reconcile(store, sn, timezone=TZ, first=date(2025, 5, 29)).dropna()
        assert len(checked) == 3 and (checked["coverage"] == 1.0).all()
        assert checked["load_ratio"].between(0.98, 1.02).all(), checked
        stored = store.series(sn)
        assert {"load_kw", "pv_kw", "soc_pct"} <= set(stored.columns)
        simulated = cloud.history_df(sn, first.start.to_pydatetime(), cloud.now())
        assert len(stored) >= len(simulated) - 1
        common = stored.index.intersection(simulated.index)
        pd.testing.assert_series_equal(
            stored.loc[common, "load_kw"], simulated.loc[common, "load_kw"], check_names=False, atol=1e-3
        )

        same = sync_history(client, store, sn, now=cloud.now(), days=12, timezone=TZ)
        assert same.calls == 0 and history_calls(cloud) == 13

        for new_days in (1, 2):
            cloud.advance(timedelta(days=new_days))
            before = history_calls(cloud)
            later = sync_history(client, store, sn, now=cloud.now(), days=12, timezone=TZ)
            assert history_calls(cloud) - before == new_days == later.history_calls
            assert later.report_calls == 0
        assert store.series(sn).index.is_unique
        assert store.latest_soc_pct(sn) == pytest.approx(cloud.soc_pct(sn), abs=1.0)

        day = (cloud.now() - timedelta(days=1)).astimezone(UTC).date()
        slots, report = history_frame(store, sn, local_day_index(day, TZ, 30), timezone=TZ)
        assert len(slots) == 48 and report.gap_slots()["load_kw"] == 0
