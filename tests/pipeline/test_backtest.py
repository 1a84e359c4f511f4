"""`optimizer backtest` re-plans real days and compares with self-use and perfect foresight."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"


def test_backtest_json_on_real_days(tmp_path: Path) -> None:
    config = tmp_path / "fr.toml"
    config.write_text('[site]\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["backtest", "--config", str(config), "--history", str(HISTORY), "--from", "2024-06-10", "--to", "2024-06-13",
         "--tariff", "fr/dynamic-day-ahead.toml", "--export-tariff", "fr/dynamic-day-ahead.toml", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["days"] == 4 and len(doc["per_day"]) == 4
    assert set(doc["cost"]) == {"no_battery", "self_use", "planner", "perfect"}
    cost = doc["cost"]
    # perfect foresight is never worse than self-use; totals are the sums of the days
    assert cost["perfect"] <= cost["self_use"] + 1e-6
    assert abs(sum(d["planner"] for d in doc["per_day"]) - cost["planner"]) < 1e-3
    saving = cost["self_use"] - cost["perfect"]
    if saving > 1e-6:
        expected = 100 * (cost["self_use"] - cost["planner"]) / saving
        assert abs(doc["captured_pct"] - expected) < 0.1


def test_backtest_needs_history_or_device() -> None:
    result = CliRunner().invoke(app, ["backtest"])
    assert result.exit_code == 2 and "--history" in result.stderr
