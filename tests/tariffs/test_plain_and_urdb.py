"""Plain time,price CSVs (and the project's tidy files) and OpenEI URDB records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import TariffError
from optimizer.tariffs import read_tariff
from optimizer.tariffs.detect import detect_format
from optimizer.tariffs.problems import TariffFileError
from tests.conftest import shared_file
from tests.tariffs.conftest import DATA, day, utc

LIBRARY = Path(__file__).resolve().parents[2] / "tariffs"
URDB = DATA / "urdb-aps-et2-2016.json"


def test_time_price_csv_with_offsets(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "time,price\n2024-03-31T00:00:00+01:00,0.10\n2024-03-31T00:30:00+01:00,0.20\n"
        "2024-03-31T02:00:00+02:00,0.30\n2024-03-31T02:30+02:00,0.40\n",
        encoding="utf-8",
    )
    tariff = read_tariff(path)
    assert tariff.format == "plain-csv" and tariff.currency == ""
    prices = tariff.import_prices(pd.date_range("2024-03-30T23:00Z", periods=4, freq="30min"))
    assert prices.tolist() == pytest.approx([0.10, 0.20, 0.30, 0.40])
    hourly = tariff.import_prices(pd.date_range("2024-03-30T23:00Z", periods=2, freq="60min"))
    assert hourly.tolist() == pytest.approx([0.15, 0.35])  # time-weighted


def test_naive_times_need_a_zone_and_follow_its_dst(tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    rows = [f"2024-10-27 {h:02d}:00,{p}" for h, p in ((0, 1), (1, 2), (2, 3), (2, 4), (3, 5))]
    path.write_text("time,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(TariffFileError, match="no offset and no time zone"):
        read_tariff(path)
    tariff = read_tariff(path, timezone="Europe/Berlin")
    prices = tariff.import_prices(pd.date_range("2024-10-26T22:00Z", periods=5, freq="60min"))
    assert prices.tolist() == [1, 2, 3, 4, 5]  # 02:00 listed twice: CEST then CET


def test_holes_irregular_rows_and_bad_cells(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "time,price\n2024-01-01T00:00Z,0.1\n2024-01-01T00:30Z,\n2024-01-01T01:00Z,0.3\n2024-01-01T02:00Z,0.4\n",
        encoding="utf-8",
    )
    tariff = read_tariff(path)
    with pytest.raises(TariffError, match=r"slot starting 2024-01-01T00:30Z \(2024-01-01 00:30 UTC"):
        tariff.import_prices(pd.date_range("2024-01-01T00:00Z", periods=2, freq="30min"))
    with pytest.raises(TariffError, match="2024-01-01T01:30Z"):  # the missing row is a hole, not carried forward
        tariff.import_prices(pd.date_range("2024-01-01T01:00Z", periods=3, freq="30min"))
    path.write_text(
        "time,price\n2024-01-01T00:00Z,0.1\n2024-01-01T00:30Z,0.2\n2024-01-01T01:00Z,0.3\n2024-01-01T01:20Z,0.4\n",
        encoding="utf-8",
    )
    with pytest.raises(TariffFileError, match=r"p.csv:5: time: row is not on the file's 30-minute step"):
        read_tariff(path)
    path.write_text("time,price\n2024-01-01T00:00Z,0.1\nyesterday,0.2\n", encoding="utf-8")
    with pytest.raises(TariffFileError, match=r"p.csv:3: time: cannot read 'yesterday'"):
        read_tariff(path)
    path.write_text("when,cost\n2024-01-01T00:00Z,0.1\n", encoding="utf-8")
    with pytest.raises(TariffFileError, match="cannot tell the file's format"):
        read_tariff(path)


def test_round_trip_of_the_prices_csv_output(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text(
        "time,import_price,export_price\n2024-01-01T00:00:00Z,0.27,0.15\n2024-01-01T00:30:00Z,0.085,0.15\n",
        encoding="utf-8",
    )
    tariff = read_tariff(path)
    assert tariff.has_import() and tariff.has_export()
    prices = tariff.prices(pd.date_range("2024-01-01T00:00Z", periods=2, freq="30min"))
    assert prices.import_price.tolist() == [0.27, 0.085]
    assert prices.export_price is not None and prices.export_price.tolist() == [0.15, 0.15]


def test_tidy_unit_named_files() -> None:
    de = read_tariff(LIBRARY / "prices" / "entsoe-DE-LU-2024.csv")
    assert de.currency == "EUR"
    assert de.import_prices(pd.date_range("2023-12-31T23:00Z", periods=1, freq="60min")).iloc[0] == pytest.approx(
        0.0001
    )
    agile = read_tariff(shared_file("prices", "agile-import-export-2022-2023.csv"), timezone="Europe/London")
    assert agile.currency == "GBP" and agile.has_export()
    prices = agile.prices(day("2023-03-26", "Europe/London"))
    assert prices.import_price[utc("2023-03-26T00:30Z")] == pytest.approx(0.3003)
    # this tidy copy dropped the two ambiguous autumn rows: a 2-hour hole, refused by name
    with pytest.raises(TariffError, match=r"2023-10-29T00:00Z \(2023-10-29 01:00 BST"):
        agile.prices(day("2023-10-29", "Europe/London"))


# ----- URDB ------------------------------------------------------------------------------------------------


def test_urdb_record_becomes_a_banded_tariff_with_its_quirks_reported() -> None:
    with pytest.raises(TariffFileError, match="carries no time zone"):
        read_tariff(URDB)
    tariff = read_tariff(URDB, timezone="America/Phoenix")
    assert tariff.format == "urdb-json" and tariff.currency == "USD" and not tariff.has_export()
    assert tariff.name == "Arizona Public Service Co Residential Service TOU Time Advantage 7PM-Noon (ET-2)"
    assert tariff.valid_from is not None and tariff.valid_from.isoformat() == "2016-05-03"
    assert tariff.valid_to is None
    assert any("enddate 2016-05-02 is before startdate 2016-05-03" in w for w in tariff.warnings)
    assert any("read in America/Phoenix" in w for w in tariff.warnings)
    assert tariff.standing_charge_per_day == pytest.approx(16.91 * 12 / 365, abs=1e-6)
    summer = tariff.import_prices(day("2016-07-06", "America/Phoenix", 60))  # a Wednesday
    assert summer.iloc[11] == pytest.approx(0.06118 + 0.02138383)
    assert summer.iloc[12] == pytest.approx(0.24477 + 0.02824917)  # 12:00-19:00 on-peak
    assert summer.iloc[18] == pytest.approx(0.24477 + 0.02824917)
    assert summer.iloc[19] == pytest.approx(0.06118 + 0.02138383)
    winter_weekend = tariff.import_prices(day("2016-12-03", "America/Phoenix", 60))
    assert np.allclose(winter_weekend.to_numpy(), 0.06116 + 0.02138308)
    with pytest.raises(TariffError, match="valid from 2016-05-03"):
        tariff.import_prices(day("2016-05-01", "America/Phoenix"))


def test_shipped_aps_tariff_matches_the_urdb_record_all_year() -> None:
    urdb = read_tariff(URDB, timezone="America/Phoenix")
    shipped = read_tariff(LIBRARY / "us" / "aps-et2.toml")
    index = pd.date_range("2017-01-01T07:00Z", "2018-01-01T07:00Z", freq="60min", inclusive="left")
    assert np.allclose(urdb.import_prices(index).to_numpy(), shipped.import_prices(index).to_numpy())


def _record() -> dict[str, Any]:
    document = json.loads(URDB.read_text(encoding="utf-8"))
    return dict(document["items"][0])


def test_tiers_are_flattened_with_a_warning_and_sell_rates_become_export(tmp_path: Path) -> None:
    record = _record()
    record["energyratestructure"] = [
        [{"rate": 0.10, "adj": 0.01, "max": 500, "unit": "kWh", "sell": 0.03}, {"rate": 0.20, "unit": "kWh"}],
        *record["energyratestructure"][1:],
    ]
    record["enddate"] = record["startdate"] + 365 * 86400
    path = tmp_path / "tiered.json"
    path.write_text(json.dumps({"items": [record]}), encoding="utf-8")
    tariff = read_tariff(path, timezone="America/Phoenix")
    assert any("energyratestructure[0] has 2 tiers (the first up to 500 kWh)" in w for w in tariff.warnings)
    assert tariff.has_export()
    assert tariff.valid_to is not None and tariff.valid_to.isoformat() == "2017-05-02"
    peak = tariff.prices(pd.date_range("2016-07-06T19:00Z", periods=1, freq="60min"))  # 12:00 MST
    assert peak.import_price.iloc[0] == pytest.approx(0.11)
    assert peak.export_price is not None and peak.export_price.iloc[0] == pytest.approx(0.03)


def test_bad_urdb_records_are_named(tmp_path: Path) -> None:
    record = _record()
    record["energyweekdayschedule"][3][5] = 7
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"items": [record]}), encoding="utf-8")
    with pytest.raises(TariffFileError, match=r"items\[0\]\.energyweekdayschedule\[3\]\[5\]: period 7 at Apr 05:00"):
        read_tariff(path, timezone="America/Phoenix")
    path.write_text(json.dumps({"items": [record, record]}), encoding="utf-8")
    with pytest.raises(TariffFileError, match="holds 2 rate records"):
        read_tariff(path, timezone="America/Phoenix")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("entsoe-day-ahead-DE-LU-2024.csv", "entsoe-csv"),
        ("agile-A-download-2021-03-28.csv", "agile-csv"),
        ("octopus-agile-A-2021-03-27-page1.json", "octopus-json"),
        ("urdb-aps-et2-2016.json", "urdb-json"),
    ],
)
def test_format_is_detected_from_content_not_name(tmp_path: Path, name: str, expected: str) -> None:
    renamed = tmp_path / "prices.dat"
    renamed.write_bytes((DATA / name).read_bytes())
    assert detect_format(renamed, renamed.read_text(encoding="utf-8"))[0] == expected
    toml = tmp_path / "tariff.txt"
    toml.write_text((LIBRARY / "uk" / "octopus-go.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert detect_format(toml, toml.read_text(encoding="utf-8"))[0] == "tariff-toml"
