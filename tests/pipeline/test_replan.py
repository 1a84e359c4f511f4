"""The intraday re-planning loop replayed over real days: `backtest --replan`, its write rule and its budget."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.config import parse_config
from optimizer.errors import UsageError
from optimizer.history import read_history_csv
from optimizer.pipeline.api import plan
from optimizer.pipeline.backtest import run_backtest
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.replan import DAILY_CALLS, READ_CALLS, WRITE_CALLS, ReplanPolicy, should_write

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
FR = {
    "site": {"timezone": "Europe/Paris"},
    "tariff": {"import": "fr/dynamic-day-ahead.toml", "export": "fr/dynamic-day-ahead.toml"},
}


def test_backtest_replan_json_reports_writes_and_calls(tmp_path: Path) -> None:
    config = tmp_path / "fr.toml"
    config.write_text(
        '[site]\ntimezone = "Europe/Paris"\n[tariff]\nimport = "fr/dynamic-day-ahead.toml"\n'
        'export = "fr/dynamic-day-ahead.toml"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["backtest", "--config", str(config), "--history", str(HISTORY), "--from", "2024-05-02", "--to",
         "2024-05-03", "--replan", "60min", "--workers", "1", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["replan_minutes"] == 60 and doc["days"] == 2
    for day in doc["per_day"]:
        assert 1 <= day["writes"] <= 24
        assert day["api_calls"] == 24 * READ_CALLS + day["writes"] * WRITE_CALLS + DAILY_CALLS
    assert doc["api_calls_per_day"] <= 300 and doc["writes_per_day"] >= 1


def test_replanning_keeps_more_of_the_saving_on_real_may_days() -> None:
    """French day-ahead prices, the real home, 2024-05-01..05-06: the once-daily plan keeps little of what
    perfect foresight saves (its PV forecast misses cloudy days), the 30-minute loop far more."""
    config, history = parse_config(FR), read_history_csv(HISTORY)
    first, last = date(2024, 5, 1), date(2024, 5, 6)
    daily = run_backtest(config, history, first, last, PlanOptions(), workers=1)
    loop = run_backtest(config, history, first, last, PlanOptions(), workers=1, replan=timedelta(minutes=30))
    assert daily.captured_pct is not None and loop.captured_pct is not None
    assert loop.captured_pct > daily.captured_pct + 20
    assert [d.perfect for d in loop.days] == [d.perfect for d in daily.days]  # the same yardstick


@pytest.mark.parametrize("minutes", [10, 90])
def test_the_step_is_15_to_60_minutes(minutes: int) -> None:
    with pytest.raises(UsageError, match="15 to 60") as caught:
        ReplanPolicy.of(parse_config({}), timedelta(minutes=minutes))
    assert caught.value.option == "replan"


def test_the_write_rule() -> None:
    config = parse_config(FR)
    outcome = plan(config, PlanOptions(history=HISTORY, start="2024-05-12", soc_pct=50, forecast="perfect"))
    assert outcome.groups and not outcome.self_use_fallback
    assert should_write(config, None, outcome, first_of_day=False, min_gain=0.02)  # nothing in force yet
    assert not should_write(config, outcome.groups, outcome, first_of_day=True, min_gain=0.02)  # the same groups
    assert should_write(config, [], outcome, first_of_day=True, min_gain=1e9)  # the day's first run: any change
    assert not should_write(config, [], outcome, first_of_day=False, min_gain=1e9)  # not worth the write
    assert should_write(config, [], outcome, first_of_day=False, min_gain=0.0)
