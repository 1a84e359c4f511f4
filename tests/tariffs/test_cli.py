"""``optimizer prices`` and ``optimizer tariffs list / show / check`` end to end through ``main()``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from optimizer.cli import main
from tests.conftest import shared_file
from tests.tariffs.conftest import DATA


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["optimizer", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # error lines are wrapped to the terminal width


Run = tuple[pytest.MonkeyPatch, pytest.CaptureFixture[str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    return monkeypatch, capsys


def test_prices_json_for_the_default_config_on_the_autumn_day(cli: Run) -> None:
    code, out, _ = run(*cli, "prices", "--from", "2024-10-27", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["tariff"]["name"] == "Octopus Go"
    assert document["export_tariff"]["name"] == "Outgoing Octopus Fixed"
    assert document["start"] == "2024-10-26T23:00:00Z" and document["end"] == "2024-10-28T00:00:00Z"
    slots = document["slots"]
    assert len(slots) == 50 and document["slot_minutes"] == 30
    assert slots[0] == {"start": "2024-10-26T23:00:00Z", "import_price": 0.27, "export_price": 0.15}
    assert slots[1]["import_price"] == 0.085


def test_prices_csv_round_trips_through_the_plain_reader(cli: Run, tmp_path: Path) -> None:
    code, out, _ = run(
        *cli, "prices", "--tariff", "uk/octopus-flux.toml", "--from", "2024-03-31", "--slot", "60min", "--csv"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "time,import_price,export_price"
    assert len(lines) == 1 + 23
    assert lines[1] == "2024-03-31T00:00:00Z,0.282,0.16"
    saved = tmp_path / "flux.csv"
    saved.write_text(out, encoding="utf-8")
    code, again, _ = run(
        *cli,
        "prices",
        "--tariff",
        str(saved),
        "--from",
        "2024-03-31",
        "--slot",
        "60min",
        "--csv",
        "--timezone",
        "Europe/London",
    )
    assert code == 0 and again == out


def test_prices_table_shows_local_and_utc_times(cli: Run) -> None:
    code, out, _ = run(
        *cli, "prices", "--tariff", "uk/economy-7.toml", "--from", "2024-07-01T00:00", "--to", "2024-07-01T03:00"
    )
    assert code == 0
    assert "2024-07-01 01:00 BST" in out and "00:00Z" in out
    assert "0.3150" in out and "0.1350" in out


def test_prices_hole_exits_3_naming_the_slot(cli: Run) -> None:
    code, out, err = run(
        *cli, "prices", "--tariff", "de/dynamic-day-ahead.toml", "--from", "2024-10-03", "--to", "2024-10-05"
    )
    assert code == 3 and out == ""
    assert "no import price for the slot starting 2024-10-03T22:00Z (2024-10-04 00:00 CEST Europe/Berlin)" in err


def test_prices_on_the_real_agile_download(cli: Run) -> None:
    raw = shared_file("raw", "octopus-agile-import-export-2022-2023.csv")
    code, out, err = run(*cli, "prices", "--tariff", str(raw), "--from", "2023-03-26", "--json")
    assert code == 0
    slots = json.loads(out)["slots"]
    assert len(slots) == 46 and slots[1] == {
        "start": "2023-03-26T00:30:00Z",
        "import_price": 0.3003,
        "export_price": 0.1387,
    }
    assert "repeated autumn hour" in err  # the file's warning is shown, not hidden


def test_prices_usage_errors(cli: Run) -> None:
    code, _, err = run(*cli, "prices", "--slot", "7min")
    assert code == 2 and "slot length 7 min is not supported" in err
    code, _, err = run(*cli, "prices", "--timezone", "Mars/Olympus")
    assert code == 2 and "unknown time zone" in err
    code, _, err = run(*cli, "prices", "--tariff", "nowhere.toml")
    assert code == 3 and "tariff file 'nowhere.toml' not found" in err


def test_tariffs_list(cli: Run) -> None:
    code, out, _ = run(*cli, "tariffs", "list", "--json")
    assert code == 0
    listing = {t["tariff"]: t for t in json.loads(out)}
    assert listing["uk/octopus-go.toml"]["import"] == "banded"
    assert listing["uk/outgoing-fixed.toml"]["import"] is None
    assert listing["us/aps-et2.toml"]["currency"] == "USD"
    assert all(t["last_checked"] and t["source"] for t in listing.values())
    code, out, _ = run(*cli, "tariffs", "list", "--region", "de")
    assert code == 0 and "de/dynamic-day-ahead.toml" in out and "uk/" not in out


def test_tariffs_show_table_json_and_plot(cli: Run, tmp_path: Path) -> None:
    code, out, _ = run(*cli, "tariffs", "show", "uk/cosy-octopus.toml", "--date", "2024-03-31")
    assert code == 0
    assert "Cosy Octopus: 2024-03-31 in Europe/London (46 slots)" in out
    assert "04:00 BST" in out and "0.1330" in out and "0.4010" in out
    assert "time-weighted mean" in out
    png = tmp_path / "flux.png"
    code, out, err = run(
        *cli, "tariffs", "show", "uk/octopus-flux.toml", "--date", "2024-10-27", "--plot", str(png), "--json"
    )
    assert code == 0 and f"wrote {png}" in err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads(out)
    assert document["date"] == "2024-10-27" and document["plot"] == str(png)
    runs = document["runs"]
    assert runs[0]["local_start"] == "2024-10-27T00:00:00+01:00"
    night = next(r for r in runs if r["import_price"] == 0.169)
    assert (night["start"], night["end"]) == ("2024-10-27T02:00:00Z", "2024-10-27T05:00:00Z")
    assert document["summary"]["export"]["max"] == 0.3


def test_tariffs_show_refuses_today_on_a_historical_price_file(cli: Run) -> None:
    code, _, err = run(*cli, "tariffs", "show", "fr/dynamic-day-ahead.toml", "--date", "2026-11-24")
    assert code == 3
    assert "no import price for the slot starting 2026-11-23T23:00Z (2026-11-24 00:00 CET Europe/Paris)" in err
    assert "entsoe-FR-2024.csv has prices from 2023-12-31T23:00Z to 2024-09-20T22:00Z" in err
    assert "Getting current prices" in err
    code, _, err = run(*cli, "tariffs", "show", "uk/octopus-go.toml", "--date", "24/11/2026")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run(*cli, "tariffs", "show", "uk/octopus-go.toml", "--date", "2026-11-24", "--plot", "x.jpg")
    assert code == 2 and "PNG" in err


def test_tariffs_check_all_shipped_and_bad_files(cli: Run, tmp_path: Path) -> None:
    code, out, err = run(*cli, "tariffs", "check")
    assert code == 0, err
    assert out.count("ok ") == 13 and "13 of 13 file(s) valid" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "Bad"\ncurrency = "GBP"\ntimezone = "Europe/London"\n[import]\nkind = "banded"\nbands = [\n'
        '  { start = "00:00", end = "07:00", price_per_kwh = 0.1 },\n'
        '  { start = "06:00", end = "24:00", price_per_kwh = 0.2 },\n]\n',
        encoding="utf-8",
    )
    code, out, err = run(*cli, "tariffs", "check", "uk/octopus-go.toml", str(bad))
    assert code == 3
    assert "ok       uk/octopus-go.toml" in out and f"invalid  {bad}" in out
    assert f"{bad}:8: import.bands[1]: bands[0] 00:00–07:00 and bands[1] 06:00–24:00 overlap at 06:00–07:00" in err
    assert "error: 1 of 2 file(s) invalid" in err
    code, out, _ = run(
        *cli,
        "tariffs",
        "check",
        str(bad),
        str(DATA / "urdb-aps-et2-2016.json"),
        "--timezone",
        "America/Phoenix",
        "--json",
    )
    assert code == 3
    results = json.loads(out)
    assert results[0]["problems"][0] == {
        "file": str(bad),
        "line": 8,
        "field": "import.bands[1]",
        "message": "bands[0] 00:00–07:00 and bands[1] 06:00–24:00 overlap at 06:00–07:00; "
        "every minute of the day needs exactly one band",
    }
    assert results[1]["ok"] and any("enddate" in w for w in results[1]["warnings"])
