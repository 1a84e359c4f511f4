"""The Agile CSV download: UK clock time, the 00:30 → 02:00 spring slot, the autumn hour listed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import TariffError
from optimizer.tariffs import read_tariff
from optimizer.tariffs.problems import TariffFileError
from tests.conftest import shared_file
from tests.tariffs.conftest import DATA, day, utc

RAW = ("raw", "octopus-agile-import-export-2022-2023.csv")  # may not be copied: used in place


def test_real_download_spring_day_has_46_priced_slots() -> None:
    tariff = read_tariff(shared_file(*RAW))
    assert tariff.format == "agile-csv" and tariff.currency == "GBP" and tariff.timezone == "Europe/London"
    assert tariff.has_import() and tariff.has_export()
    prices = tariff.prices(day("2023-03-26", "Europe/London"))
    assert len(prices.import_price) == 46
    # the row "26/03/2023 00:30 → 02:00" is the 30 minutes 00:30Z-01:00Z; 02:00 BST is 01:00Z
    assert prices.import_price[utc("2023-03-26T00:30Z")] == pytest.approx(0.3003)
    assert prices.import_price[utc("2023-03-26T01:00Z")] == pytest.approx(0.2703)
    assert prices.export_price is not None
    assert prices.export_price[utc("2023-03-26T00:30Z")] == pytest.approx(0.1387)
    # the whole day agrees with the project's tidy UTC copy of the same prices
    import pandas as pd

    tidy = pd.read_csv(shared_file("prices", "agile-import-export-2022-2023.csv"))
    tidy.index = pd.to_datetime(tidy["time"], utc=True)
    expected = tidy.loc[prices.import_price.index, "import_p_per_kwh"] / 100
    assert (prices.import_price - expected).abs().max() < 1e-9


def test_real_download_autumn_day_names_the_unknown_slot() -> None:
    tariff = read_tariff(shared_file(*RAW))
    assert any(
        "line 17378 (29/10/2023 01:00)" in w and "2023-10-29T00:00Z–2023-10-29T01:30Z" in w for w in tariff.warnings
    )
    with pytest.raises(TariffError) as caught:
        tariff.prices(day("2023-10-29", "Europe/London"))
    message = str(caught.value)
    assert "no import price for the slot starting 2023-10-29T00:00Z (2023-10-29 01:00 BST Europe/London)" in message
    assert "3 of 50 slots" in message
    # the row "01:30 → 02:00" can only be the second 01:30 (GMT): it ends at 02:00 GMT
    prices = tariff.import_prices(day("2023-10-29", "Europe/London")[5:])
    assert prices[utc("2023-10-29T01:30Z")] == pytest.approx(0.0739)
    assert prices[utc("2023-10-29T02:00Z")] == pytest.approx(0.0270)
    before = tariff.import_prices(day("2023-10-29", "Europe/London")[:2])
    assert before[utc("2023-10-28T23:30Z")] == pytest.approx(0.0277)  # 00:30 BST


def test_derived_download_spring_2021() -> None:
    tariff = read_tariff(DATA / "agile-A-download-2021-03-28.csv")
    assert not tariff.has_export() and not tariff.warnings
    prices = tariff.import_prices(day("2021-03-28", "Europe/London"))
    assert len(prices) == 46
    assert prices[utc("2021-03-28T00:30Z")] == pytest.approx(0.0551)
    assert prices[utc("2021-03-28T01:00Z")] == pytest.approx(0.0507)


def test_derived_download_autumn_2020_leaves_only_the_unknowable_slots_out() -> None:
    tariff = read_tariff(DATA / "agile-A-download-2020-10-25.csv")
    (warning,) = tariff.warnings
    assert "line 4 (25/10/2020 01:00)" in warning and "2020-10-25T00:00Z–2020-10-25T01:30Z" in warning
    with pytest.raises(TariffError, match=r"slot starting 2020-10-25T00:00Z \(2020-10-25 01:00 BST"):
        tariff.prices(day("2020-10-25", "Europe/London"))
    after = tariff.import_prices(day("2020-10-25", "Europe/London")[5:])
    assert after[utc("2020-10-25T01:30Z")] == pytest.approx(-0.0415)
    assert after[utc("2020-10-25T02:00Z")] == pytest.approx(-0.0166)


def test_bad_cells_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "agile.csv"
    path.write_text(
        "Period from,Period to,Agile Import price (p/kWh)\n"
        "01/01/2024 00:00,01/01/2024 00:30,12.5\n"
        "01/01/2024 00:30,01/01/2024 01:00,twelve\n",
        encoding="utf-8",
    )
    with pytest.raises(TariffFileError) as caught:
        read_tariff(path)
    assert str(caught.value) == f"{path}:3: Agile Import price (p/kWh): cannot read 'twelve' as a price."
    path.write_text(
        "Period from,Period to,Agile Import price (p/kWh)\n31/02/2024 00:00,01/03/2024 00:30,1\n", encoding="utf-8"
    )
    with pytest.raises(TariffFileError, match=r":2: Period from: cannot read '31/02/2024 00:00'"):
        read_tariff(path)
    path.write_text(
        "Period from,Period to,Agile Import price (p/kWh)\n31/03/2024 01:00,31/03/2024 01:30,1\n", encoding="utf-8"
    )
    with pytest.raises(TariffFileError, match="does not exist on the UK clock"):
        read_tariff(path)


def test_overlapping_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "agile.csv"
    path.write_text(
        "Period from,Period to,Agile Import price (p/kWh)\n"
        "01/01/2024 00:00,01/01/2024 01:00,12.5\n"
        "01/01/2024 00:30,01/01/2024 01:00,12.0\n",
        encoding="utf-8",
    )
    with pytest.raises(
        TariffFileError, match=r":3: interval 2024-01-01T00:30Z–2024-01-01T01:00Z overlaps the one at line 2"
    ):
        read_tariff(path)
