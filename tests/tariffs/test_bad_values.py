"""Values that must never become prices: NaN, infinity, booleans, text and made-up currencies.

Each case starts from a real file (a shipped tariff, a real ENTSO-E download, a saved Octopus API page, a
URDB record), changes one value, and checks the one-sentence problem naming file, line and field, and the
exit code 3 of ``optimizer tariffs check``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from optimizer.cli import main
from optimizer.tariffs import read_tariff
from optimizer.tariffs.currencies import ISO_4217, currency_problem
from optimizer.tariffs.library import shipped_root, shipped_tariffs
from optimizer.tariffs.problems import TariffFileError
from tests.tariffs.conftest import DATA

GO = shipped_root() / "uk" / "octopus-go.toml"


def problems_of(path: Path, *, timezone: str | None = None) -> list[str]:
    with pytest.raises(TariffFileError) as caught:
        read_tariff(path, timezone=timezone)
    assert caught.value.exit_code == 3
    return [str(p) for p in caught.value.problems]


def go_with(tmp_path: Path, old: str, new: str) -> Path:
    text = GO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "go.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "price_per_kwh = 0.0850",
            "price_per_kwh = nan",
            ":20: import.bands[0].price_per_kwh: must be a finite number, not NaN or infinity (got nan).",
        ),
        (
            "price_per_kwh = 0.2700",
            "price_per_kwh = inf",
            ":21: import.bands[1].price_per_kwh: must be a finite number, not NaN or infinity (got inf).",
        ),
        (
            "price_per_kwh = 0.2700",
            "price_per_kwh = -inf",
            ":21: import.bands[1].price_per_kwh: must be a finite number, not NaN or infinity (got -inf).",
        ),
        (
            "price_per_kwh = 0.0850",
            "price_per_kwh = true",
            ":20: import.bands[0].price_per_kwh: must be a number, not a boolean (got true).",
        ),
        (
            "standing_charge_per_day = 0.5000",
            "standing_charge_per_day = true",
            ":11: standing_charge_per_day: must be a number, not a boolean (got true).",
        ),
        (
            "standing_charge_per_day = 0.5000",
            "standing_charge_per_day = nan",
            ":11: standing_charge_per_day: must be a finite number, not NaN or infinity (got nan).",
        ),
        (
            'currency = "GBP"',
            'currency = "XYZ"',
            ":7: currency: 'XYZ' is not an ISO 4217 currency code (such as 'GBP', 'EUR', 'USD' or 'AUD').",
        ),
        (
            'currency = "GBP"',
            'currency = "GPB"',
            ":7: currency: 'GPB' is not an ISO 4217 currency code (such as 'GBP', 'EUR', 'USD' or 'AUD') "
            "(did you mean 'GBP'?).",
        ),
        (
            'currency = "GBP"',
            'currency = "XTS"',  # the ISO code reserved for testing: no supplier prices in it
            ":7: currency: 'XTS' is not an ISO 4217 currency code",
        ),
    ],
)
def test_a_shipped_tariff_with_one_bad_value(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = go_with(tmp_path, old, new)
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}{expected}")


def test_formula_fields_and_months_are_strict_too(tmp_path: Path) -> None:
    path = tmp_path / "spot.toml"
    path.write_text(
        'name = "Spot"\ncurrency = "EUR"\ntimezone = "Europe/Paris"\n'
        '[import]\nkind = "dynamic"\nfile = "prices.csv"\n'
        "[import.formula]\nspot_factor = true\nadder_per_kwh = nan\nvat_pct = 20\n"  # lines 8-10
        '[export]\nkind = "banded"\n[[export.schedules]]\nmonths = [true, 2]\n'  # line 14
        'bands = [{ start = "00:00", end = "24:00", price_per_kwh = 0.05 }]\n',
        encoding="utf-8",
    )
    problems = problems_of(path)
    assert f"{path}:8: import.formula.spot_factor: must be a number, not a boolean (got true)." in problems
    assert f"{path}:9: import.formula.adder_per_kwh: must be a finite number, not NaN or infinity (got nan)." in (
        problems
    )
    assert f"{path}:14: export.schedules[0].months[0]: must be a whole number, not a boolean (got true)." in problems


def test_every_shipped_tariff_uses_a_known_currency() -> None:
    currencies = {read_tariff(t.path).currency for t in shipped_tariffs()}
    assert {"GBP", "EUR", "USD", "AUD"} <= currencies <= ISO_4217


def test_currency_sentences() -> None:
    assert currency_problem("EUR") is None and currency_problem("NZD") is None
    assert currency_problem("eur") == "'eur' must be written in capitals: 'EUR'"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("nan", "price 'nan' is not a finite number; leave the cell empty where no price is known."),
        ("NaN", "price 'NaN' is not a finite number; leave the cell empty where no price is known."),
        ("inf", "price 'inf' is not a finite number"),
        ("-Infinity", "price '-Infinity' is not a finite number"),
        ("true", "'true' is a boolean, not a price in currency/kWh."),
        ("FALSE", "'FALSE' is a boolean, not a price in currency/kWh."),
        ("cheap", "cannot read 'cheap' as a price."),
    ],
)
def test_price_csv_cells(tmp_path: Path, cell: str, expected: str) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(
        f"time,price\n2024-01-01T00:00Z,0.10\n2024-01-01T00:30Z,{cell}\n2024-01-01T01:00Z,0.12\n", encoding="utf-8"
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: price: ") and problem.endswith(".")
    assert expected in problem


def test_an_empty_price_cell_is_still_a_hole_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("time,price\n2024-01-01T00:00Z,0.10\n2024-01-01T00:30Z,\n2024-01-01T01:00Z,-\n", encoding="utf-8")
    tariff = read_tariff(path)
    assert tariff.has_import()


def test_a_price_column_in_a_made_up_currency(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("time,xyz_per_kwh\n2024-01-01T00:00Z,0.10\n2024-01-01T00:30Z,0.11\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem == (
        f"{path}:1: xyz_per_kwh: the column names currency 'XYZ' is not an ISO 4217 currency code "
        "(such as 'GBP', 'EUR', 'USD' or 'AUD')."
    )


def test_a_real_entsoe_download_with_nan_and_a_made_up_currency(tmp_path: Path) -> None:
    lines = (DATA / "entsoe-day-ahead-FR-2023-autumn.csv").read_text(encoding="utf-8").splitlines()
    with_nan = tmp_path / "entsoe-nan.csv"
    with_nan.write_text("\n".join([*lines[:3], lines[3].replace(lines[3].split(",")[1], '"NaN"'), *lines[4:]]) + "\n")
    (problem,) = problems_of(with_nan)
    assert problem.startswith(f"{with_nan}:4: Day-ahead Price [EUR/MWh]: price 'NaN' is not a finite number")
    other = tmp_path / "entsoe-xyz.csv"
    other.write_text("\n".join([lines[0].replace("EUR/MWh", "XYZ/MWh"), *lines[1:]]) + "\n")
    (problem,) = problems_of(other)
    assert problem.startswith(f"{other}:1: Day-ahead Price [XYZ/MWh]: the price column names currency 'XYZ'")


@pytest.mark.parametrize(("literal", "shown"), [("NaN", "nan"), ("Infinity", "inf"), ("true", "True")])
def test_a_saved_octopus_page_with_a_value_that_is_no_price(tmp_path: Path, literal: str, shown: str) -> None:
    text = (DATA / "octopus-agile-A-2021-03-27-page1.json").read_text(encoding="utf-8")
    path = tmp_path / "agile.json"
    path.write_text(re.sub(r'"value_inc_vat": [0-9.]+', f'"value_inc_vat": {literal}', text, count=1))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: results[0].value_inc_vat: expected a")
    assert problem.endswith(f"got {shown}.")


def test_a_urdb_record_with_a_nan_rate(tmp_path: Path) -> None:
    document = json.loads((DATA / "urdb-aps-et2-2016.json").read_text(encoding="utf-8"))
    text = json.dumps(document).replace('"rate": 0.24477', '"rate": NaN', 1)
    assert "NaN" in text
    path = tmp_path / "urdb.json"
    path.write_text(text, encoding="utf-8")
    (problem,) = problems_of(path, timezone="America/Phoenix")
    assert "energyratestructure[0][0].rate: expected a finite number, got nan." in problem


def test_tariffs_check_exits_3_with_one_sentence_per_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = go_with(tmp_path, "price_per_kwh = 0.0850", "price_per_kwh = nan")
    prices = tmp_path / "prices.csv"
    prices.write_text("time,price\n2024-01-01T00:00Z,true\n2024-01-01T00:30Z,0.11\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["optimizer", "tariffs", "check", str(bad), str(prices), str(GO)])
    with pytest.raises(SystemExit) as caught:
        main()
    out, err = capsys.readouterr()
    assert caught.value.code == 3
    text = " ".join((out + err).split())
    assert f"{bad}:20: import.bands[0].price_per_kwh: must be a finite number, not NaN or infinity (got nan)." in text
    assert f"{prices}:2: price: 'true' is a boolean, not a price in currency/kWh." in text
    assert "2 of 3 file(s) invalid" in text
