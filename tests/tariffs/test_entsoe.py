"""The ENTSO-E day-ahead export: CET/CEST interval strings, '-' rows, both DST days, mixed resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import TariffError
from optimizer.tariffs import read_price_file, read_tariff
from optimizer.tariffs.problems import TariffFileError
from tests.tariffs.conftest import DATA, day, utc

RAW_DE = DATA / "entsoe-day-ahead-DE-LU-2024.csv"


def test_reads_the_real_export_in_eur_per_kwh() -> None:
    tariff = read_tariff(RAW_DE)
    assert (tariff.format, tariff.currency, tariff.timezone) == ("entsoe-csv", "EUR", "Europe/Berlin")
    assert tariff.name == "ENTSO-E day-ahead DE-LU" and not tariff.warnings
    prices = tariff.import_prices(day("2024-01-01", "Europe/Berlin", 60))
    assert len(prices) == 24
    assert prices.iloc[0] == pytest.approx(0.0001)  # 0.10 EUR/MWh for 00:00-01:00 CET = 2023-12-31T23:00Z
    assert prices.index[0] == utc("2023-12-31T23:00Z")


def test_spring_day_has_23_hours_and_skips_the_empty_missing_hour() -> None:
    prices = read_tariff(RAW_DE).import_prices(day("2024-03-31", "Europe/Berlin", 60))
    assert len(prices) == 23
    # 01:00-02:00 CET = 00:00Z; the listed 02:00-03:00 does not exist; 03:00-04:00 CEST = 01:00Z
    assert prices[utc("2024-03-31T00:00Z")] == pytest.approx(0.06671)
    assert prices[utc("2024-03-31T01:00Z")] == pytest.approx(0.06498)
    # matches the tidy UTC copy of the same prices
    tidy = pd.read_csv(Path(__file__).resolve().parents[2] / "tariffs" / "prices" / "entsoe-DE-LU-2024.csv")
    tidy.index = pd.to_datetime(tidy["time"], utc=True)
    assert np.allclose(prices.to_numpy(), tidy.loc[prices.index, "eur_per_mwh"].to_numpy() / 1000)


def test_autumn_day_places_the_repeated_hour_twice_and_refuses_unpublished_prices() -> None:
    intervals = read_price_file(RAW_DE).series["import"]
    starts = pd.to_datetime(intervals.start_ns, utc=True)
    # both "27.10.2024 02:00 - 03:00" rows: CEST (00:00Z) then CET (01:00Z), each one hour long
    for when in ("2024-10-27T00:00Z", "2024-10-27T01:00Z"):
        i = int(np.flatnonzero(starts == utc(when))[0])
        assert intervals.end_ns[i] - intervals.start_ns[i] == 3_600_000_000_000
        assert np.isnan(intervals.price[i])  # '-': not yet published
    with pytest.raises(TariffError) as caught:
        read_tariff(RAW_DE).prices(day("2024-10-27", "Europe/Berlin", 60))
    message = str(caught.value)
    assert "no import price for the slot starting 2024-10-26T22:00Z (2024-10-27 00:00 CEST Europe/Berlin)" in message
    assert "25 of 25 slots" in message
    assert "has prices from 2023-12-31T23:00Z to 2024-10-03T22:00Z" in message


def test_the_first_unpublished_slot_is_named() -> None:
    tariff = read_tariff(RAW_DE)
    index = pd.date_range("2024-10-03T20:00Z", "2024-10-04T02:00Z", freq="15min", inclusive="left")
    with pytest.raises(TariffError, match=r"slot starting 2024-10-03T22:00Z \(2024-10-04 00:00 CEST"):
        tariff.prices(index)


def test_real_autumn_prices_in_the_export_layout() -> None:
    tariff = read_tariff(DATA / "entsoe-day-ahead-FR-2023-autumn.csv")
    assert tariff.timezone == "Europe/Paris"
    prices = tariff.import_prices(day("2023-10-29", "Europe/Paris", 60))
    assert len(prices) == 25
    assert prices[utc("2023-10-29T00:00Z")] == pytest.approx(0.00002)  # 02:00 CEST
    assert prices[utc("2023-10-29T01:00Z")] == pytest.approx(0.0)  # 02:00 CET
    assert prices[utc("2023-10-28T23:00Z")] == pytest.approx(0.00138)  # 01:00 CEST
    half_hours = tariff.import_prices(day("2023-10-29", "Europe/Paris", 30))
    assert len(half_hours) == 50


def test_mixed_60_and_15_minute_rows() -> None:
    tariff = read_tariff(DATA / "entsoe-day-ahead-DE-LU-mixed-resolution.csv")
    index = pd.date_range("2024-09-30T20:00Z", "2024-10-01T04:00Z", freq="15min", inclusive="left")
    prices = tariff.import_prices(index)
    assert prices[utc("2024-09-30T21:45Z")] == pytest.approx(0.00984)  # inside the hourly 23:00-00:00 CEST row
    assert prices[utc("2024-09-30T22:00Z")] == pytest.approx(0.00321)  # the first 15-minute row
    hourly = tariff.import_prices(pd.date_range("2024-09-30T22:00Z", periods=4, freq="60min"))
    assert hourly.iloc[0] == pytest.approx(0.00321)
    with pytest.raises(TariffError, match="2024-10-01T04:00Z"):
        tariff.import_prices(pd.date_range("2024-10-01T03:00Z", periods=2, freq="60min"))


def test_explicit_zone_marks_and_utc_exports(tmp_path: Path) -> None:
    path = tmp_path / "marked.csv"
    path.write_text(
        '"MTU (CET/CEST)","Day-ahead Price [EUR/MWh]","Currency","BZN|NL"\n'
        '"27.10.2024 02:00 (CEST) - 27.10.2024 03:00 (CEST)","10.00","EUR"\n'
        '"27.10.2024 02:00 (CET) - 27.10.2024 03:00 (CET)","20.00","EUR"\n',
        encoding="utf-8",
    )
    tariff = read_tariff(path)
    assert tariff.timezone == "Europe/Amsterdam"
    prices = tariff.import_prices(pd.date_range("2024-10-27T00:00Z", periods=2, freq="60min"))
    assert prices.tolist() == pytest.approx([0.01, 0.02])
    path.write_text(
        '"MTU (UTC)","Day-ahead Price [EUR/MWh]","Currency","BZN|DE-LU"\n'
        '"27.10.2024 00:00 - 27.10.2024 01:00","30.00","EUR"\n',
        encoding="utf-8",
    )
    assert read_tariff(path).import_prices(pd.date_range("2024-10-27T00:00Z", periods=1, freq="60min")).iloc[
        0
    ] == pytest.approx(0.03)


def test_bad_rows_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        '"MTU (CET/CEST)","Day-ahead Price [EUR/MWh]","Currency","BZN|DE-LU"\n'
        '"01.01.2024 00:00 - 01.01.2024 01:00","1.0","EUR"\n'
        '"01.01.2024 01:00 - 01.01.2024 02:00","1,5","EUR"\n',
        encoding="utf-8",
    )
    with pytest.raises(TariffFileError, match=r"bad.csv:3: Day-ahead Price \[EUR/MWh\]: cannot read '1,5'"):
        read_tariff(path)
    path.write_text('"MTU (Mars time)","Day-ahead Price [EUR/MWh]"\n"x","1"\n', encoding="utf-8")
    with pytest.raises(TariffFileError, match="unknown MTU time zone"):
        read_tariff(path)
