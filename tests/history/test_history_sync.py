"""Sync from the API: windows, one call per new day, resume without loss or duplicates, month reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import FoxEssError, HistoryError
from optimizer.history import plan_windows, reconcile, sync_history
from optimizer.history.store import HistoryStore
from optimizer.history.sync import complete_months, month_totals
from tests.history.conftest import FakeClient, ReportRow, load_at

NOW = datetime(2024, 6, 12, 13, 7, tzinfo=UTC)
SN = "60BH0000000001"
TZ = "Europe/London"


def test_first_sync_fills_days_plus_today_then_one_call_per_new_day(tmp_path: Path) -> None:
    client = FakeClient(now=NOW)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = sync_history(client, store, SN, now=NOW, days=3, timezone=TZ, reports=False)
        assert report.history_calls == 4 and report.calls == 4 and report.complete
        assert report.start == pd.Timestamp("2024-06-08T23:00Z")  # local midnight 3 days back (BST)
        assert all(end - begin <= timedelta(hours=24) for begin, end in report.windows)
        assert report.days_fetched == pytest.approx((NOW - report.start.to_pydatetime()).total_seconds() / 86400)
        stored = store.series(SN)
        assert len(stored) == len(pd.date_range(report.start, NOW, freq="5min", inclusive="left"))
        assert {"load_kw", "pv_kw", "soc_pct"} <= set(stored.columns)
        assert "grid_export_kw" not in stored.columns  # the all-None variable stores nothing

        again = sync_history(client, store, SN, now=NOW, days=3, timezone=TZ, reports=False)
        assert again.history_calls == 0 and again.planned_windows == 0 and again.samples_written == 0

        for advance in (timedelta(days=1), timedelta(days=2)):
            later = NOW + advance
            client.now = later
            before = client.calls_made
            step = sync_history(client, store, SN, now=later, days=3, timezone=TZ, reports=False)
            assert step.history_calls == 1 and client.calls_made - before == 1
        assert store.series(SN).index.is_unique
        assert len(store.series(SN, NOW, NOW + timedelta(days=2))) == 2 * 288


def test_two_days_later_makes_two_calls(tmp_path: Path) -> None:
    client = FakeClient(now=NOW)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        sync_history(client, store, SN, now=NOW, days=1, timezone=TZ, reports=False)
        client.now = NOW + timedelta(days=2)
        report = sync_history(client, store, SN, now=client.now, days=1, timezone=TZ, reports=False)
        assert report.history_calls == 2


def test_an_early_resync_refetches_a_free_overlap(tmp_path: Path) -> None:
    client = FakeClient(now=NOW)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        sync_history(client, store, SN, now=NOW, days=0, timezone=TZ, reports=False)
        client.now = NOW + timedelta(hours=6)
        report = sync_history(client, store, SN, now=client.now, days=0, timezone=TZ, reports=False)
        ((begin, end),) = report.windows
        assert begin == pd.Timestamp(NOW) - timedelta(minutes=15) and end == pd.Timestamp(client.now)


def test_interrupted_sync_resumes_with_nothing_lost_or_duplicated(tmp_path: Path) -> None:
    full = FakeClient(now=NOW)
    with HistoryStore(tmp_path / "full.sqlite") as store:
        sync_history(full, store, SN, now=NOW, days=5, timezone=TZ, reports=False)
        reference = store.series(SN)

    flaky = FakeClient(now=NOW, fail_on_call=3)
    with HistoryStore(tmp_path / "flaky.sqlite") as store:
        with pytest.raises(FoxEssError, match="simulated cloud outage"):
            sync_history(flaky, store, SN, now=NOW, days=5, timezone=TZ, reports=False)
        assert len(store.coverage(SN)) == 1  # the two finished windows, merged
        flaky.fail_on_call = None
        resumed = sync_history(flaky, store, SN, now=NOW, days=5, timezone=TZ, reports=False)
        assert resumed.history_calls == 4 and resumed.complete
        pd.testing.assert_frame_equal(store.series(SN), reference)


def test_error_can_be_returned_instead_of_raised(tmp_path: Path) -> None:
    client = FakeClient(now=NOW, fail_on_call=2)
    seen: list[tuple[int, int]] = []
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = sync_history(
            client,
            store,
            SN,
            now=NOW,
            days=2,
            timezone=TZ,
            reports=False,
            raise_on_error=False,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert isinstance(report.error, FoxEssError) and not report.complete
    assert len(report.windows) == 1 and report.calls == 2
    assert seen == [(0, 3), (1, 3)]
    assert report.as_dict()["error"] == "simulated cloud outage."


def test_month_reports_once_per_complete_month(tmp_path: Path) -> None:
    client = FakeClient(now=NOW)
    client.report_values["loads"] = [12.0, 0.39999999999963, 3.5e8, None] + [10.0] * 27
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = sync_history(client, store, SN, now=NOW, days=45, timezone=TZ)
        assert report.months_reported == ["2024-04", "2024-05"]
        assert report.report_calls == 2 and client.report_calls == [(2024, 4), (2024, 5)]
        assert report.calls == report.history_calls + 2
        assert report.report_values_removed == 2  # 3.5e8 in April and May
        totals = store.daily_totals(SN)
        assert totals.loc[date(2024, 5, 2), "load_kwh"] == 0.4
        assert pd.isna(totals.loc[date(2024, 5, 3), "load_kwh"])
        assert date(2024, 4, 31 - 1) in totals.index and date(2024, 5, 31) in totals.index
        assert not any(d.month == 6 for d in totals.index)  # the current month waits until it is complete

        client.now = NOW + timedelta(days=1)
        steady = sync_history(client, store, SN, now=client.now, days=45, timezone=TZ)
        assert steady.report_calls == 0 and steady.calls == 1

        client.now = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
        new_month = sync_history(client, store, SN, now=client.now, days=45, timezone=TZ)
        assert new_month.months_reported == ["2024-06"]


def test_reconcile_compares_samples_with_report_totals(tmp_path: Path) -> None:
    client = FakeClient(now=NOW)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        sync_history(client, store, SN, now=NOW, days=20, timezone=TZ)
        table = reconcile(store, SN, timezone=TZ, first=date(2024, 5, 24))
        assert list(table.index) == [date(2024, 5, d) for d in range(24, 32)]
        assert (table["coverage"] == 1.0).all()
        local_day = pd.date_range("2024-05-23T23:00Z", periods=288, freq="5min")
        day_load = sum(load_at(t.to_pydatetime()) for t in local_day) * 5 / 60
        assert table.loc[date(2024, 5, 24), "load_samples"] == pytest.approx(day_load)
        assert table.loc[date(2024, 5, 24), "load_ratio"] == pytest.approx(day_load / (10.0 + 0.1 * 23))


def test_plan_windows_splits_and_widens() -> None:
    t = pd.Timestamp("2024-01-01T00:00Z")
    day = timedelta(hours=24)
    windows = plan_windows([(t, t + 2 * day + timedelta(hours=1))])
    assert windows == [(t, t + day), (t + day, t + 2 * day), (t + 2 * day, t + 2 * day + timedelta(hours=1))]
    widened = plan_windows([(t, t + timedelta(hours=3))], covered_from=t - day)
    assert widened == [(t - timedelta(minutes=15), t + timedelta(hours=3))]
    exact = plan_windows([(t, t + day)], covered_from=t - day)
    assert exact == [(t, t + day)]


def test_helpers() -> None:
    start = pd.Timestamp("2024-03-31T23:00Z")
    assert complete_months(start, date(2024, 6, 1), TZ) == [(2024, 4), (2024, 5)]
    table, removed = month_totals([ReportRow("wrong", "kWh", [1.0, 2.0])], 2024, 2, ["loads"])
    assert list(table.columns) == ["load_kwh"] and len(table) == 29 and removed == 0
    assert table["load_kwh"].iloc[1] == 2.0 and pd.isna(table["load_kwh"].iloc[2])


def test_bad_arguments(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        with pytest.raises(HistoryError, match="aware"):
            sync_history(FakeClient(now=NOW), store, SN, now=NOW.replace(tzinfo=None), days=1)
        with pytest.raises(HistoryError, match="days must be"):
            sync_history(FakeClient(now=NOW), store, SN, now=NOW, days=-1)
