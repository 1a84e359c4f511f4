"""Tariff.prices on any slot grid across both DST changes; time weighting; holes; formula; load_prices."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import TariffError, UsageError
from optimizer.tariffs import load_prices, read_tariff
from tests.tariffs.conftest import day, utc

LIBRARY = Path(__file__).resolve().parents[2] / "tariffs"
GO = LIBRARY / "uk" / "octopus-go.toml"


@pytest.mark.parametrize("slot", [5, 15, 30, 60])
@pytest.mark.parametrize(
    ("on", "hours_in_day", "off_peak_hours"),
    [("2024-03-31", 23, 4), ("2024-10-27", 25, 6), ("2024-06-12", 24, 5), ("2024-01-10", 24, 5)],
)
def test_octopus_go_on_every_grid_and_both_dst_days(slot: int, on: str, hours_in_day: int, off_peak_hours: int) -> None:
    index = day(on, "Europe/London", slot)
    prices = read_tariff(GO).import_prices(index)
    assert len(prices) == hours_in_day * 60 // slot
    assert prices.index.equals(index) and str(pd.DatetimeIndex(prices.index).tz) == "UTC"
    # 00:30-05:30 on the wall clock: 4 real hours when the clock skips 01:00-02:00, 6 when it repeats it
    hours = pd.Timedelta(minutes=slot) / pd.Timedelta(hours=1)
    weighted = float(((0.27 - prices) / (0.27 - 0.085) * hours).sum())
    assert weighted == pytest.approx(off_peak_hours)
    local = prices.tz_convert("Europe/London")
    if slot <= 30:
        assert local.between_time("00:30", "05:29").eq(0.085).all()
        assert local.between_time("05:30", "23:59").eq(0.27).all()


def test_spring_and_autumn_in_utc_for_go() -> None:
    spring = read_tariff(GO).import_prices(day("2024-03-31", "Europe/London"))
    assert spring[utc("2024-03-31T00:30Z")] == 0.085  # 00:30 GMT
    assert spring[utc("2024-03-31T04:00Z")] == 0.085  # 05:00 BST
    assert spring[utc("2024-03-31T04:30Z")] == 0.27  # 05:30 BST
    autumn = read_tariff(GO).import_prices(day("2024-10-27", "Europe/London"))
    assert autumn[utc("2024-10-26T23:30Z")] == 0.085  # 00:30 BST
    assert autumn[utc("2024-10-27T05:00Z")] == 0.085  # 05:00 GMT
    assert autumn[utc("2024-10-27T05:30Z")] == 0.27
    assert (autumn == 0.085).sum() == 12  # 6 hours of instants: the wall clock passes 01:00-02:00 twice


def test_economy_7_stays_on_gmt_in_summer() -> None:
    e7 = read_tariff(LIBRARY / "uk" / "economy-7.toml")
    summer = e7.import_prices(day("2024-07-01", "Europe/London"))
    local = summer.tz_convert("Europe/London")
    assert local["2024-07-01 01:30":"2024-07-01 08:00"].eq(0.135).all()  # 00:30-07:30 GMT
    assert local["2024-07-01 01:00"] == 0.315 and local["2024-07-01 08:30"] == 0.315
    winter = e7.import_prices(day("2024-01-10", "Europe/London")).tz_convert("Europe/London")
    assert winter["2024-01-10 00:30":"2024-01-10 07:00"].eq(0.135).all()


def test_a_price_change_inside_a_slot_is_time_weighted() -> None:
    hourly = read_tariff(GO).import_prices(pd.date_range("2024-01-10T00:00Z", periods=6, freq="60min"))
    assert hourly.iloc[0] == pytest.approx((0.27 + 0.085) / 2)  # 00:00-00:30 peak, 00:30-01:00 off-peak
    assert hourly.iloc[5] == pytest.approx((0.085 + 0.27) / 2)  # 05:00-05:30 off-peak, then peak
    # an hourly ENTSO-E price on a 15-minute grid repeats; on a 2-hour span the mean is exact
    german = read_tariff(LIBRARY / "prices" / "entsoe-DE-LU-2024.csv")
    quarter = german.import_prices(pd.date_range("2024-01-01T00:00Z", periods=8, freq="15min"))
    assert quarter.iloc[:4].nunique() == 1 and quarter.iloc[4:].nunique() == 1


def test_seasons_weekdays_and_weekends() -> None:
    ausgrid = read_tariff(LIBRARY / "au" / "ausgrid-ea025-tou.toml")
    summer_weekday = ausgrid.import_prices(day("2025-01-15", "Australia/Sydney", 60))  # AEDT, a Wednesday
    assert summer_weekday.iloc[15:21].eq(0.55).all() and summer_weekday.iloc[14] == 0.30
    assert summer_weekday.iloc[21] == 0.22 and summer_weekday.iloc[6] == 0.22
    autumn_weekday = ausgrid.import_prices(day("2025-04-16", "Australia/Sydney", 60))
    assert autumn_weekday.max() == 0.30
    weekend = ausgrid.import_prices(day("2025-01-18", "Australia/Sydney", 60))
    assert weekend.max() == 0.30
    dst_end = ausgrid.import_prices(day("2025-04-06", "Australia/Sydney", 60))  # clocks go back: 25 hours
    assert len(dst_end) == 25
    spain = read_tariff(LIBRARY / "es" / "2.0td-three-period.toml")
    monday = spain.import_prices(day("2025-03-31", "Europe/Madrid", 60))
    assert monday.iloc[10] == 0.2417 and monday.iloc[8] == 0.1590 and monday.iloc[3] == 0.1081
    sunday = spain.import_prices(day("2025-03-30", "Europe/Madrid", 60))  # the spring DST Sunday: 23 h of P3
    assert len(sunday) == 23 and sunday.eq(0.1081).all()


def test_spot_formula_with_vat_adder_cap_and_floor(tmp_path: Path) -> None:
    prices = tmp_path / "spot.csv"
    prices.write_text(
        "time,eur_per_mwh\n2024-01-01T00:00Z,100\n2024-01-01T01:00Z,-200\n2024-01-01T02:00Z,3000\n", encoding="utf-8"
    )
    tariff_file = tmp_path / "t.toml"
    tariff_file.write_text(
        'name = "spot"\ncurrency = "EUR"\ntimezone = "Europe/Berlin"\n'
        '[import]\nkind = "dynamic"\nfile = "spot.csv"\n'
        "[import.formula]\nspot_factor = 1.1\nadder_per_kwh = 0.2\nvat_pct = 19\n"
        "cap_per_kwh = 1.0\nfloor_per_kwh = 0.05\n",
        encoding="utf-8",
    )
    tariff = read_tariff(tariff_file)
    values = tariff.import_prices(pd.date_range("2024-01-01T00:00Z", periods=3, freq="60min")).tolist()
    assert values[0] == pytest.approx((0.1 * 1.1 + 0.2) * 1.19)
    assert values[1] == pytest.approx(0.05)  # (-0.22 + 0.2) × 1.19 < floor
    assert values[2] == pytest.approx(1.0)  # capped


def test_shipped_german_tariff_on_both_dst_days() -> None:
    tariff = read_tariff(LIBRARY / "de" / "dynamic-day-ahead.toml")
    spring = tariff.prices(day("2024-03-31", "Europe/Berlin", 15))
    assert len(spring.import_price) == 23 * 4
    spot = pd.read_csv(LIBRARY / "prices" / "entsoe-DE-LU-2024.csv")
    spot.index = pd.to_datetime(spot["time"], utc=True)
    first = float(spot["eur_per_mwh"].loc[utc("2024-03-30T23:00Z")]) / 1000
    assert spring.import_price.iloc[0] == pytest.approx((first + 0.1786) * 1.19)
    assert spring.export_price is not None and (spring.export_price == 0.0794).all()
    with pytest.raises(TariffError) as caught:  # autumn 2024 lies beyond the shipped prices
        tariff.prices(day("2024-10-27", "Europe/Berlin"))
    assert "2024-10-26T22:00Z (2024-10-27 00:00 CEST Europe/Berlin)" in str(caught.value)
    assert "../prices/entsoe-DE-LU-2024.csv has prices from 2023-12-31T23:00Z to 2024-10-03T22:00Z" in str(caught.value)


def test_validity_window_is_enforced_in_local_days() -> None:
    archive = read_tariff(LIBRARY / "uk" / "octopus-agile-a-2020-2021.toml")
    prices = archive.import_prices(day("2021-03-28", "Europe/London"))
    assert len(prices) == 46 and not prices.isna().any()
    autumn = archive.import_prices(day("2020-10-25", "Europe/London"))
    assert len(autumn) == 50
    with pytest.raises(TariffError, match="The tariff is valid until 2021-03-31"):
        archive.import_prices(day("2021-04-01", "Europe/London"))


def test_the_index_must_be_aware_fixed_and_whole_minutes() -> None:
    go = read_tariff(GO)
    with pytest.raises(UsageError, match="tz-aware"):
        go.import_prices(pd.date_range("2024-01-01", periods=2, freq="30min"))
    with pytest.raises(UsageError, match="fixed step"):
        go.import_prices(pd.DatetimeIndex(["2024-01-01T00:00Z", "2024-01-01T00:30Z", "2024-01-01T02:00Z"]))
    with pytest.raises(UsageError, match="whole minutes"):
        go.import_prices(pd.date_range("2024-01-01T00:00:30Z", periods=2, freq="30min"))
    berlin = pd.date_range("2024-01-01T00:00", periods=2, freq="30min", tz="Europe/Berlin")
    assert go.import_prices(berlin).index[0] == utc("2023-12-31T23:00Z")
    assert go.import_prices(pd.DatetimeIndex([], tz="UTC")).empty


def test_export_only_tariff_has_no_import_side() -> None:
    fixed = read_tariff(LIBRARY / "uk" / "outgoing-fixed.toml")
    assert fixed.has_export() and not fixed.has_import()
    with pytest.raises(TariffError, match="has no import side"):
        fixed.prices(day("2024-01-10", "Europe/London"))


# ----- load_prices ----------------------------------------------------------------------------------------


def test_load_prices_default_config_pairing() -> None:
    index = day("2024-10-27", "Europe/London")
    imported, exported = load_prices("uk/octopus-go.toml", "tariffs/uk/outgoing-fixed.toml", index)
    assert imported.name == "import_price" and exported.name == "export_price"
    assert len(imported) == len(exported) == 50 and (exported == 0.15).all()


def test_load_prices_uses_the_import_files_export_side() -> None:
    index = day("2024-06-12", "Europe/London")
    _, exported = load_prices("uk/octopus-flux.toml", None, index)
    local = exported.tz_convert("Europe/London")
    assert local["2024-06-12 16:00"] == 0.30 and local["2024-06-12 02:00"] == 0.08


def test_load_prices_without_any_export_is_zero_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="optimizer.tariffs"):
        _, exported = load_prices("uk/octopus-go.toml", None, day("2024-06-12", "Europe/London"))
    assert (exported == 0.0).all()
    assert "no export tariff configured" in caplog.text


def test_load_prices_refusals(tmp_path: Path) -> None:
    index = day("2024-06-12", "Europe/London")
    with pytest.raises(TariffError, match="cannot be the export tariff"):
        load_prices("uk/octopus-go.toml", "uk/cosy-octopus.toml", index)
    with pytest.raises(TariffError, match="cannot be the import tariff"):
        load_prices("uk/outgoing-fixed.toml", None, index)
    with pytest.raises(TariffError, match=r"is in GBP but export tariff .* is in AUD"):
        load_prices("uk/octopus-go.toml", "au/ausgrid-ea025-tou.toml", index)
    (tmp_path / "export.csv").write_text(
        "time,price\n2024-06-11T23:00Z,0.05\n2024-06-11T23:30Z,0.05\n", encoding="utf-8"
    )
    with pytest.raises(TariffError, match=r"no export price for the slot starting 2024-06-12T00:00Z"):
        load_prices("uk/octopus-go.toml", "export.csv", index, base_dir=tmp_path)
    _, exported = load_prices("uk/octopus-go.toml", "export.csv", index[:2], base_dir=tmp_path)
    assert np.allclose(exported.to_numpy(), 0.05)  # a bare price file names the export price
