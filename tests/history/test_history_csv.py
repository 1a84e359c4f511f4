"""The history CSV reader on real files and on every documented error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import HistoryError
from optimizer.history import load_history_csv, read_history_csv


def write(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_real_year_reads_with_gaps(fr_csv: Path) -> None:
    loaded = load_history_csv(fr_csv)
    frame = loaded.frame
    assert loaded.rows == 17524 and loaded.step_minutes == 30 and loaded.duplicates == 0
    assert list(frame.columns) == ["load_kw", "pv_kw"]
    assert str(frame.index.tz) == "UTC" and frame.index.freq == pd.Timedelta(minutes=30)
    assert frame.index[0] == pd.Timestamp("2024-02-28T21:00Z")
    assert int(frame["load_kw"].isna().sum()) == 336
    assert int(frame["pv_kw"].isna().sum()) == 8781


def test_local_offsets_across_both_dst_changes(dst_csv: Path) -> None:
    frame = read_history_csv(dst_csv)
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    paris = frame.index.tz_convert("Europe/Paris")
    spring = frame[(paris.date == pd.Timestamp("2024-03-31").date())]
    autumn = frame[(paris.date == pd.Timestamp("2024-10-27").date())]
    assert len(spring) == 46 and len(autumn) == 50
    # 01:30+01:00 is followed by 03:00+02:00: one UTC half-hour apart, no missing row.
    assert pd.Timestamp("2024-03-31T00:30Z") in frame.index and pd.Timestamp("2024-03-31T01:00Z") in frame.index
    # The 7-month hole between the two parts is laid out as empty rows.
    assert frame.loc["2024-06-01", "load_kw"].isna().all()


def test_hourly_file_with_extra_columns_and_a_negative_reading(de_csv: Path) -> None:
    loaded = load_history_csv(de_csv)
    assert loaded.step_minutes == 60
    assert loaded.ignored_columns == ("ev_kw", "heat_pump_kw")
    assert loaded.frame.loc[pd.Timestamp("2016-04-12T10:00Z"), "load_kw"] == pytest.approx(-0.129)


def test_duplicated_samples_are_merged_and_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "time,load_kw,pv_kw\n2024-01-01T00:00:00Z,1.0,0\n2024-01-01T00:30:00Z,2.0,0\n"
        "2024-01-01T00:30:00Z,4.0,0\n2024-01-01T01:00:00Z,1.0,0\n",
    )
    loaded = load_history_csv(path)
    assert loaded.duplicates == 1
    assert loaded.frame.loc[pd.Timestamp("2024-01-01T00:30Z"), "load_kw"] == 3.0


def test_fox_style_times_soc_and_gap_tokens(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Time,Load_kW,PV_kW,SoC_pct\n"
        "2025-09-14 18:40:00 BST+0100,0.5,0.1,55\n"
        "2025-09-14 18:45:00 BST+0100,nan,,56\n"
        "2025-09-14 18:50:00 BST+0100,0.7,0.0,57\n",
    )
    frame = read_history_csv(path)
    assert frame.index[0] == pd.Timestamp("2025-09-14T17:40Z")
    assert list(frame.columns) == ["load_kw", "pv_kw", "soc_pct"]
    assert np.isnan(frame["load_kw"].iloc[1]) and frame["soc_pct"].iloc[2] == 57


def test_missing_rows_become_gaps(tmp_path: Path) -> None:
    path = write(tmp_path, "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,1,0\n2024-01-01T02:00Z,1,0\n")
    frame = read_history_csv(path)
    assert len(frame) == 5 and int(frame["load_kw"].isna().sum()) == 2


def test_naive_times_need_the_site_zone(tmp_path: Path) -> None:
    text = "time,load_kw,pv_kw\n2024-10-27 01:30,1,0\n2024-10-27 02:00,2,0\n2024-10-27 02:30,3,0\n"
    text += "2024-10-27 02:00,4,0\n2024-10-27 02:30,5,0\n2024-10-27 03:00,6,0\n"
    path = write(tmp_path, text)
    with pytest.raises(HistoryError, match=r"line 2: time '2024-10-27 01:30' has no UTC offset"):
        read_history_csv(path)
    frame = read_history_csv(path, timezone="Europe/Paris")
    # The repeated hour is resolved by file order: six consecutive UTC half-hours.
    assert list(frame["load_kw"]) == [1, 2, 3, 4, 5, 6]
    assert frame.index[0] == pd.Timestamp("2024-10-26T23:30Z")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,load_kw\n2024-01-01T00:00Z,1\n", r"line 1: missing column\(s\) pv_kw; the header is 'time,load_kw'"),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,abc,0\n",
            r"line 3: load_kw = 'abc' is not a number",
        ),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,1,inf\n",
            r"line 3: pv_kw = 'inf' is not a finite",
        ),
        ("time,load_kw,pv_kw\nyesterday,1,0\n2024-01-01T00:30Z,1,0\n", r"line 2: time 'yesterday' is not an ISO-8601"),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30,1,0\n",
            r"line 3: time '2024-01-01T00:30' has no UTC offset while",
        ),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,1\n",
            r"line 3: 2 fields where the header has 3",
        ),
        ("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:01Z,1,0\n", r"1 min apart"),
        ("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T02:00Z,1,0\n", r"120 min apart"),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,1,0\n2024-01-01T00:40Z,1,0\n"
            "2024-01-01T01:00Z,1,0\n2024-01-01T01:30Z,1,0\n2024-01-01T02:00Z,1,0\n",
            r"line 4: time 2024-01-01T00:40:00\+00:00 is off the file's 30-min grid",
        ),
        (
            "time,load_kw,pv_kw\n2024-01-01T00:00Z,-1,0\n2024-01-01T00:30Z,-2,0\n",
            r"load_kw is out of range \(kW ≥ 0\) in 2 of 2 rows, first at line 2: -1",
        ),
        ("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n", r"at least two rows"),
        ("time,load_kw,pv_kw\n", r"no data rows"),
        ("", r"the file is empty\."),
        ("time,load_kw,pv_kw,load_kw\n2024-01-01T00:00Z,1,0,1\n", r"column 'load_kw' appears twice"),
    ],
)
def test_bad_files_name_file_line_field_and_value(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HistoryError, match=message) as caught:
        read_history_csv(path)
    assert str(caught.value).startswith(str(path))
    assert caught.value.exit_code == 3
    # Full sentences: the message and the hint each end with a full stop.
    assert caught.value.message.endswith(".") and (caught.value.hint is None or caught.value.hint.endswith("."))
    assert "CONTRACT.md" not in caught.value.explain().replace("docs/CONTRACT.md", "")


@pytest.mark.parametrize(
    ("stamp", "year"),
    [("9999-01-01T00:00:00Z", 9999), ("3024-01-01T00:00:00Z", 3024), ("1970-01-01T00:00:00Z", 1970)],
)
def test_dates_far_out_of_range_are_one_sentence(fr_csv: Path, tmp_path: Path, stamp: str, year: int) -> None:
    lines = fr_csv.read_text(encoding="utf-8").splitlines()[:50]
    lines[40] = stamp + lines[40][lines[40].index(",") :]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(HistoryError) as caught:
        read_history_csv(path)
    assert caught.value.message == (f"{path}, line 41: time {stamp!r} is in the year {year}, outside 2000 to 2099.")
    assert caught.value.exit_code == 3


def test_a_history_dated_9999_exits_3_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from optimizer.cli import main

    path = write(tmp_path, "time,load_kw,pv_kw\n9999-01-01T00:00Z,1,0\n9999-01-01T00:30Z,1,0\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\nhistory_db = "{tmp_path / "h.sqlite"}"\n', encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["optimizer", "history", "import", str(path), "-c", str(config)])
    with pytest.raises(SystemExit) as caught:
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert caught.value.code == 3
    assert f"error: {path}, line 2: time '9999-01-01T00:00Z' is in the year 9999, outside 2000 to 2099." in err
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"nope\.csv: history file not found\.$"):
        read_history_csv(tmp_path / "nope.csv")


def test_missing_columns_point_to_the_contract_in_docs(tmp_path: Path) -> None:
    path = write(tmp_path, "time,consumption_kw\n2024-01-01T00:00Z,1\n")
    with pytest.raises(HistoryError) as caught:
        read_history_csv(path)
    assert caught.value.message == (
        f"{path}, line 1: missing column(s) pv_kw; the header is 'time,consumption_kw' (comma-separated)."
    )
    assert caught.value.hint is not None and "docs/CONTRACT.md" in caught.value.hint


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\xe9\n".encode("latin-1"))
    with pytest.raises(HistoryError, match="not a UTF-8"):
        read_history_csv(path)
