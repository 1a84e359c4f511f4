"""`plan` and the backtest plan the same problem: one path (tariff_specs → build_horizon → plan_inputs) builds
the planner's inputs for both, so every option (end SoC, terminal value, export tariff) reaches both alike."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.config import load_config
from optimizer.history import read_history_csv
from optimizer.pipeline import PlanOptions
from optimizer.pipeline.api import plan
from optimizer.pipeline.backtest import day_inputs

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
DAY = date(2024, 6, 12)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "fr.toml"
    path.write_text(
        """
[site]
timezone = "Europe/Paris"
[tariff]
import = "fr/dynamic-day-ahead.toml"
export = "fr/dynamic-day-ahead.toml"
[planner]
end_soc_pct = 50
terminal_value_per_kwh = 0.07
""",
        encoding="utf-8",
    )
    return path


def test_plan_and_backtest_build_the_same_planner_inputs(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    history = read_history_csv(HISTORY)
    options = PlanOptions(history=HISTORY, start=DAY.isoformat(), soc_pct=37.0)
    planned = plan(config, options).inputs
    backtested = day_inputs(config, history, DAY, options, soc_pct=37.0)

    assert planned.index.equals(backtested.index) and len(planned.index) == 48
    for name in ("import_price", "export_price", "load_kw", "pv_kw"):
        np.testing.assert_allclose(getattr(planned, name), getattr(backtested, name), err_msg=name)
    assert planned.end_soc_pct == backtested.end_soc_pct == 50
    assert planned.terminal_value_per_kwh == backtested.terminal_value_per_kwh == 0.07
    assert planned.initial_soc_pct == backtested.initial_soc_pct == 37.0
    assert planned.battery == backtested.battery and planned.grid == backtested.grid
    assert (planned.export_price > 0).any()  # the configured export tariff is in force in both


def test_plan_json_shows_the_backtests_inputs(tmp_path: Path) -> None:
    config_path = _config(tmp_path)
    result = CliRunner().invoke(
        app,
        ["plan", "--config", str(config_path), "--history", str(HISTORY), "--start", DAY.isoformat(),
         "--soc", "37", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    backtested = day_inputs(load_config(config_path), read_history_csv(HISTORY), DAY, PlanOptions(), soc_pct=37.0)
    slots = pd.DataFrame(doc["slots"])
    assert list(pd.to_datetime(slots["start"], utc=True)) == list(backtested.index)
    for column, series in (
        ("import_price", backtested.import_price),
        ("export_price", backtested.export_price),
        ("load_kw", backtested.load_kw),
        ("pv_kw", backtested.pv_kw),
    ):
        np.testing.assert_allclose(slots[column], series.round(4), atol=1e-4, err_msg=column)
    assert doc["initial_soc_pct"] == 37.0
    assert doc["end_soc_pct"] >= 50 - 1e-6  # the configured floor held in the plan the backtest also plans
    assert doc["terminal_value_per_kwh"] == 0.07
