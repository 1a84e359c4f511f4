"""History CSVs as users have them: separators, decimal commas, units in the header, and columns that are
wrong as a whole (W under a kW header, meter readings under kWh), each on the real French household."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import HistoryError
from optimizer.history import load_history_csv, read_history_csv
from tests.history.conftest import DATA

SEMICOLON = DATA / "fr-2024-06-semicolon-decimal-comma.csv"
KWH = DATA / "fr-2024-11-kwh-per-interval.csv"
WATTS = DATA / "fr-2025-01-watts-under-kw-header.csv"


@pytest.fixture(scope="module")
def household() -> pd.DataFrame:
    return read_history_csv(DATA / "household-fr-2024.csv")


def rewrite(tmp_path: Path, source: Path, header: str | None = None, name: str = "h.csv", **replace: str) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()
    if header is not None:
        lines[0] = header
    text = "\n".join(lines) + "\n"
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, **options: str) -> HistoryError:
    with pytest.raises(HistoryError) as caught:
        load_history_csv(path, **options)  # type: ignore[arg-type]
    error = caught.value
    assert error.exit_code == 3 and error.message.startswith(str(path)) and error.message.endswith(".")
    assert error.hint is None or error.hint.endswith(".")
    return error


def same_as_household(frame: pd.DataFrame, household: pd.DataFrame, tolerance: float = 1e-9) -> None:
    expected = household.reindex(frame.index)
    for column in ("load_kw", "pv_kw"):
        assert (frame[column].isna() == expected[column].isna()).all()
        assert np.nanmax(np.abs(frame[column] - expected[column])) <= tolerance


# ----- separators and decimal marks ---------------------------------------------------------------------


def test_the_semicolon_file_of_issue_18_reads_with_its_decimal_commas(household: pd.DataFrame) -> None:
    assert SEMICOLON.read_text(encoding="utf-8").startswith("time;load_kw;pv_kw\n2024-06-10T00:00:00+02:00;0,2517;")
    loaded = load_history_csv(SEMICOLON)
    assert loaded.rows == 96 and loaded.step_minutes == 30 and loaded.format == "history-csv"
    assert loaded.frame.index[0] == pd.Timestamp("2024-06-09T22:00Z")
    assert loaded.notes == ("semicolon-separated, decimal comma accepted",)
    same_as_household(loaded.frame, household)


def test_a_tab_separated_copy_reads_the_same(tmp_path: Path, household: pd.DataFrame) -> None:
    path = rewrite(tmp_path, SEMICOLON, "time\tload_kw\tpv_kw", **{";": "\t"})
    loaded = load_history_csv(path)
    assert loaded.notes == ("tab-separated, decimal comma accepted",)
    same_as_household(loaded.frame, household)


def test_a_decimal_comma_in_a_comma_separated_file_is_named(tmp_path: Path) -> None:
    path = rewrite(tmp_path, SEMICOLON, "time,load_kw,pv_kw", **{";0,2517;": ',"0,2517",', ";": ","})
    error = refused(path)
    assert error.message == f"{path}, line 2: load_kw = '0,2517' is not a number."


def test_thousands_separators_are_refused_not_guessed(tmp_path: Path) -> None:
    path = rewrite(tmp_path, SEMICOLON, "time;load_w;pv_w", **{";0,2517;": ";1.251,7;"})
    error = refused(path)
    assert error.message == (
        f"{path}, line 2: load_w = '1.251,7' has a thousands separator; write the number without one."
    )


def test_a_row_with_the_wrong_separator_count_names_the_separator(tmp_path: Path) -> None:
    path = rewrite(tmp_path, SEMICOLON, **{"2024-06-10T00:30:00+02:00;0,2541;": "2024-06-10T00:30:00+02:00;0,2541"})
    error = refused(path)
    assert error.message == f"{path}, line 3: 2 fields where the header has 3."
    assert error.hint == "The file is semicolon-separated (told from its header): every row needs 3 fields."


# ----- units in the header ------------------------------------------------------------------------------


def test_kwh_per_interval_becomes_mean_kw(household: pd.DataFrame) -> None:
    loaded = load_history_csv(KWH)
    assert loaded.units == {"load_kw": "kWh", "pv_kw": "kWh"}
    assert loaded.sources == {"load_kw": "load_kwh", "pv_kw": "pv_kwh"}
    assert int(loaded.frame["load_kw"].isna().sum()) == 38  # the real gap of 2024-11-25, kept as a gap
    same_as_household(loaded.frame, household)


@pytest.mark.parametrize(
    ("header", "factor"),
    [
        ("Time,Load (kWh),PV (kWh)", 1.0),
        ("time,load [Wh],pv [Wh]", 1000.0),
        ("timestamp,consumption_wh,solar_wh", 1000.0),
    ],
)
def test_energy_headers_in_other_spellings(tmp_path: Path, household: pd.DataFrame, header: str, factor: float) -> None:
    lines = KWH.read_text(encoding="utf-8").splitlines()
    rows = [header]
    for line in lines[1:]:
        time, *cells = line.split(",")
        rows.append(",".join([time, *(f"{float(c) * factor:.5f}" if c else "" for c in cells)]))
    path = tmp_path / "energy.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    same_as_household(read_history_csv(path), household, tolerance=1e-8)


def test_watts_under_a_kw_header_are_refused_at_read_time() -> None:
    error = refused(WATTS)
    assert error.message == (
        f"{WATTS}: column load_kw looks like watts, not kilowatts: its median is 1500 kW (line 2 reads 1190.7), "
        "far above the 50 kW of any household."
    )
    assert error.hint == "Rename the column load_w (or 'load [W]') and import the file again."


@pytest.mark.parametrize("header", ["time,load_w,pv_w", "time,Load [W],PV [W]", "Time,Load power (W),PV power (W)"])
def test_the_same_file_with_its_unit_named_reads(tmp_path: Path, household: pd.DataFrame, header: str) -> None:
    loaded = load_history_csv(rewrite(tmp_path, WATTS, header))
    assert loaded.units == {"load_kw": "W", "pv_kw": "W"}
    same_as_household(loaded.frame, household, tolerance=1e-9)


def test_history_import_refuses_the_watts_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    code, _, err = cli(["history", "import", str(WATTS), "-c", str(config)], monkeypatch, capsys)
    assert code == 3 and f"error: {WATTS}: column load_kw looks like watts, not kilowatts" in err
    code, out, _ = cli(["history", "status", "-c", str(config), "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["devices"] == []


def test_kilowatts_under_a_w_header_are_refused(tmp_path: Path) -> None:
    path = rewrite(tmp_path, DATA / "household-fr-2024.csv", "time,load_w,pv_w")
    error = refused(path)
    assert error.message.startswith(f"{path}: column load_w looks like kilowatts, not watts: its median is ")
    assert error.hint == "Rename the column load_kw (or 'load [kW]') and import the file again."


def test_a_meter_reading_under_a_kwh_header_is_refused(tmp_path: Path) -> None:
    frame = pd.read_csv(KWH)
    frame["load_kwh"] = frame["load_kwh"].cumsum().round(5) + 10234.5  # what the meter display shows
    path = tmp_path / "meter.csv"
    frame.to_csv(path, index=False)
    error = refused(path)
    assert error.message.startswith(f"{path}: column load_kwh only ever grows (from 10234.6 to ")
    assert error.message.endswith("): it looks like a meter reading, not the energy of each interval.")
    assert "30-min interval" in (error.hint or "")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("time,load (kVA),pv_kw", "line 1: column 'load (kVA)' is in 'kva', which is not a unit of the history"),
        ("time,load,pv_kw", "line 1: column 'load' states no unit."),
        ("time,load_kw,pv_pct", "line 1: column 'pv_pct': pv is a power (kW or W) or an energy (kWh or Wh), not %."),
        ("time,load_kw,pv_kw,soc_kwh", "line 1: column 'soc_kwh': the state of charge is in %, not kWh."),
        ("time,load_kw,pv_kw,Load [W]", "line 1: columns 'load_kw' and 'Load [W]' both give load_kw."),
    ],
)
def test_units_that_cannot_be_read_name_the_column(tmp_path: Path, header: str, expected: str) -> None:
    path = rewrite(tmp_path, DATA / "household-fr-2024.csv", header)
    error = refused(path)
    assert error.message.startswith(f"{path}, {expected}")


def test_a_soc_written_as_a_fraction_is_refused(tmp_path: Path) -> None:
    rows = ["time,load_kw,pv_kw,soc_pct"]
    start = pd.Timestamp("2024-06-01T00:00Z")
    for i in range(48):
        rows.append(f"{start + pd.Timedelta(minutes=30 * i):%Y-%m-%dT%H:%MZ},0.4,0,{0.5 + i / 200:.3f}")
    path = tmp_path / "soc.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    error = refused(path)
    assert error.message == f"{path}: soc_pct never exceeds 0.735: it looks like a fraction of 1, not a percentage."


def test_options_for_home_assistant_exports_do_not_apply_to_a_csv(fr_csv: Path) -> None:
    error = refused(fr_csv, load_entity="sensor.house")
    assert error.message == (
        f"{fr_csv}: load_entity applies to Home Assistant exports only, and this file is a history CSV with the "
        "header 'time,load_kw,pv_kw'."
    )


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[site]\ntimezone = "Europe/Paris"\n[paths]\nhistory_db = "{tmp_path / "h.sqlite"}"\n')
    return config


def cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from optimizer.cli import main

    monkeypatch.setattr(sys, "argv", ["optimizer", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def test_history_import_of_the_semicolon_file_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    code, out, _ = cli(["history", "import", str(SEMICOLON), "-c", str(config), "--json"], monkeypatch, capsys)
    report = json.loads(out)
    assert code == 0 and report["rows"] == 96 and report["step_minutes"] == 30
    assert report["first"] == "2024-06-09T22:00:00Z" and report["samples_written"] == 96 + 62
