"""The SQLite history store: samples, coverage, daily totals, CSV import, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import HistoryError
from optimizer.history.csvimport import import_history_csv
from optimizer.history.store import HistoryStore

T0 = pd.Timestamp("2024-05-01T00:00Z")


def frame(**columns: list[float]) -> pd.DataFrame:
    length = len(next(iter(columns.values())))
    index = pd.date_range(T0, periods=length, freq="5min", name="time")
    return pd.DataFrame(columns, index=index)


def test_creates_folder_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "history.sqlite"
    with HistoryStore(path) as store:
        assert store.devices() == []
        assert store.latest_soc_pct("x") is None
        assert store.series("x").empty
    assert path.exists()


def test_samples_round_trip_and_no_duplicates(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        data = frame(load_kw=[0.5, 0.6, np.nan], pv_kw=[0.0, 1.0, 2.0], soc_pct=[40.0, 41.0, 42.0])
        assert store.write_samples("SN1", data) == 8
        assert store.write_samples("SN1", data) == 0
        data.loc[data.index[0], "load_kw"] = 0.9
        assert store.write_samples("SN1", data) == 0
        got = store.series("SN1")
        assert list(got.columns) == ["load_kw", "pv_kw", "soc_pct"]
        assert got["load_kw"].iloc[0] == 0.9 and np.isnan(got["load_kw"].iloc[2])
        assert str(got.index.tz) == "UTC" and got.index.name == "time"
        window = store.series("SN1", T0 + pd.Timedelta("5min"), T0 + pd.Timedelta("10min"))
        assert len(window) == 1
        assert store.latest_soc_pct("SN1") == 42.0
        assert store.devices() == ["SN1"]
        only = store.series("SN1", columns=["pv_kw", "meter_kw"])
        assert list(only.columns) == ["pv_kw", "meter_kw"] and only["meter_kw"].isna().all()


def test_naive_index_is_refused(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        naive = pd.DataFrame({"load_kw": [1.0]}, index=pd.DatetimeIndex(["2024-01-01T00:00"]))
        with pytest.raises(HistoryError, match="aware"):
            store.write_samples("SN1", naive)


def test_coverage_merges_and_missing_subtracts(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        h = pd.Timedelta(hours=1)
        store.add_coverage("A", T0, T0 + 2 * h)
        store.add_coverage("A", T0 + 4 * h, T0 + 5 * h)
        store.add_coverage("A", T0 + 2 * h, T0 + 3 * h)  # touches the first: merged
        assert store.coverage("A") == [(T0, T0 + 3 * h), (T0 + 4 * h, T0 + 5 * h)]
        assert store.missing("A", T0 - h, T0 + 6 * h) == [
            (T0 - h, T0),
            (T0 + 3 * h, T0 + 4 * h),
            (T0 + 5 * h, T0 + 6 * h),
        ]
        assert store.missing("A", T0, T0 + 3 * h) == []
        assert store.missing("B", T0, T0 + h) == [(T0, T0 + h)]
        store.add_coverage("A", T0 - h, T0 + 10 * h)
        assert store.coverage("A") == [(T0 - h, T0 + 10 * h)]


def test_transaction_rolls_back_everything(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.write_samples("A", frame(load_kw=[1.0, 2.0]))
            store.add_coverage("A", T0, T0 + pd.Timedelta("1h"))
            raise RuntimeError("interrupted")
        assert store.series("A").empty and store.coverage("A") == []


def test_daily_totals_and_report_months(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        days = [date(2024, 5, 1), date(2024, 5, 2)]
        totals = pd.DataFrame({"load_kwh": [10.5, np.nan], "pv_kwh": [20.0, 21.0]}, index=days)
        assert store.write_daily_totals("A", totals) == 3
        got = store.daily_totals("A")
        assert got.loc[date(2024, 5, 1), "load_kwh"] == 10.5 and np.isnan(got.loc[date(2024, 5, 2), "load_kwh"])
        assert list(store.daily_totals("A", first=date(2024, 5, 2)).index) == [date(2024, 5, 2)]
        store.mark_report_month("A", "2024-05", T0)
        assert store.report_months("A") == {"2024-05"}
        assert store.summary("A").report_days == 2


def test_import_csv_is_idempotent(tmp_path: Path, fr_csv: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = import_history_csv(store, fr_csv)
        assert report.sn == "csv" and report.rows == 17524 and report.step_minutes == 30
        assert report.samples_written == (17524 - 336) + (17524 - 8781)
        assert report.gap_cells == {"load_kw": 336, "pv_kw": 8781}
        assert import_history_csv(store, fr_csv).samples_written == 0
        raw = store.series("csv")
        assert raw.index[0] == pd.Timestamp("2024-02-28T21:00Z")
        assert raw["load_kw"].sum() == pytest.approx(pd.read_csv(fr_csv)["load_kw"].sum())
        summary = store.summary("csv")
        assert summary.samples == report.samples_written and summary.variables == ("load_kw", "pv_kw")


def test_bad_csv_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,x,0\n", encoding="utf-8")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        with pytest.raises(HistoryError, match="line 3: load_kw = 'x'"):
            import_history_csv(store, bad)
        assert store.devices() == []


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(HistoryError, match=r"junk.sqlite: history store failed"):
        HistoryStore(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with HistoryStore(path) as store:
        store._db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(HistoryError, match="schema 99 is newer"):
        HistoryStore(path)
