"""A dynamic tariff whose next prices are not published yet: the plan runs to the last known price and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from optimizer.cli import app

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "tests" / "data" / "household-fr-2024.csv"
PRICES = ROOT / "tariffs" / "prices" / "entsoe-FR-2024.csv"


def _published_until(tmp_path: Path, end: str) -> Path:
    """The real French day-ahead prices as they stood when the day ending at ``end`` (UTC) was the last known."""
    prices = pd.read_csv(PRICES)
    kept = prices[pd.to_datetime(prices["time"], utc=True) < pd.Timestamp(end)]
    path = tmp_path / "fr-published.csv"
    kept.to_csv(path, index=False)
    config = tmp_path / "fr.toml"
    config.write_text(
        f'[site]\ntimezone = "Europe/Paris"\n[tariff]\nimport = "{path}"\nexport = "{path}"\n', encoding="utf-8"
    )
    return config


def test_a_plan_made_before_the_next_prices_runs_to_the_last_known_price(tmp_path: Path) -> None:
    config = _published_until(tmp_path, "2024-06-12T22:00Z")  # prices up to midnight Paris time
    result = CliRunner().invoke(
        app,
        ["plan", "--config", str(config), "--history", str(HISTORY), "--start", "2024-06-12T13:00+02:00",
         "--soc", "40", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["slots"]) == 22 and doc["end"] == "2024-06-12T22:00:00Z"  # 13:00 to midnight local
    assert any("prices are known only until 2024-06-13 00:00 CEST" in note for note in doc["notes"])


def test_too_few_known_prices_is_an_error_naming_the_first_unpriced_slot(tmp_path: Path) -> None:
    config = _published_until(tmp_path, "2024-06-12T13:00Z")
    result = CliRunner().invoke(
        app,
        ["plan", "--config", str(config), "--history", str(HISTORY), "--start", "2024-06-12T13:00+02:00",
         "--soc", "40"],
    )  # fmt: skip
    assert result.exit_code == 3
    assert "no import price for the slot starting 2024-06-12T13:00Z" in result.stderr
