"""Plan options: the config's [planner] defaults, the overrides, and bad values named by option."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from optimizer.config import parse_config
from optimizer.errors import ConfigError, UsageError
from optimizer.pipeline import PlanOptions
from optimizer.pipeline.api import plan

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"


def test_horizon_hours_of_the_config_is_the_default_horizon() -> None:
    config = parse_config({"planner": {"horizon_hours": 12, "slot_minutes": 15}})
    outcome = plan(config, PlanOptions(history=HISTORY, start="2024-06-12", soc_pct=50))
    assert len(outcome.horizon.index) == 48  # 12 h of 15-min slots
    longer = plan(config, PlanOptions(history=HISTORY, start="2024-06-12", soc_pct=50, horizon=timedelta(hours=24)))
    assert len(longer.horizon.index) == 96


def test_end_soc_and_terminal_value_fall_back_to_the_config() -> None:
    config = parse_config({"planner": {"end_soc_pct": 40, "terminal_value_per_kwh": 0.05}})
    assert PlanOptions().end_soc_for(config) == 40 and PlanOptions().terminal_value_for(config) == 0.05
    assert PlanOptions(end_soc_pct=60, terminal_value=0.1).end_soc_for(config) == 60
    assert PlanOptions(end_soc_pct=60, terminal_value=0.1).terminal_value_for(config) == 0.1


@pytest.mark.parametrize(
    ("options", "option"),
    [
        (PlanOptions(horizon=timedelta(days=5)), "horizon"),
        (PlanOptions(soc_pct=101), "soc_pct"),
        (PlanOptions(end_soc_pct=-1), "end_soc_pct"),
        (PlanOptions(terminal_value=math.inf), "terminal_value"),
        (PlanOptions(forecast="magic"), "forecast"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_name_their_option(options: PlanOptions, option: str) -> None:
    with pytest.raises(UsageError) as caught:
        options.validate()
    assert caught.value.option == option and caught.value.message.endswith(".")


def test_a_missing_history_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="history file not found") as caught:
        PlanOptions(history=tmp_path / "nope.csv").validate()
    assert caught.value.option == "history"
