"""Real days end to end: measured load and PV, real prices, the real planner, the compiled groups.

The groups must pass validation against a real v1 device's properties, never beat the plan on equal terms
(compile loss ≥ 0 with the terminal credit included) and keep at least 97 % of the plan's savings over plain
self-use (perfect forecasts; the full-year figures are in bench/compile_bench.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from optimizer.compile import CompileOptions
from optimizer.scheduler import validate_groups
from optimizer.timegrid import local_day_index
from tests.compile.plans import V1_PROPERTIES
from tests.compile.realdays import (
    TIMEZONE,
    DayOutcome,
    agile_day,
    agile_prices,
    captured_pct,
    fr_prices,
    household,
    run_day,
)
from tests.conftest import shared_file

FR_DAYS = [date(2024, 3, 4) + timedelta(days=25 * k) for k in range(8)]  # March .. August, every 25 days
AGILE_DAYS = [date(2024, 3, 8) + timedelta(days=47 * k) for k in range(8)]  # a year, every 47 days


def _check(outcome: DayOutcome) -> None:
    groups = outcome.compiled.groups
    assert validate_groups(groups, V1_PROPERTIES, max_groups=8) == groups
    assert len(outcome.compiled.slot_modes) == len(outcome.plan.slots)
    # on equal terms (terminal credit included) the groups never beat the exact plan
    assert outcome.compiled.loss >= -1e-6
    assert outcome.compiled.keeps_plan


@pytest.fixture(scope="module")
def homes() -> pd.DataFrame:
    return household()


def test_fr_day_ahead_days_validate_and_capture_97_pct(homes: pd.DataFrame) -> None:
    prices = fr_prices()
    outcomes = []
    for day in FR_DAYS:
        index = local_day_index(day, TIMEZONE, 30)
        hourly = pd.Series(prices.reindex(index.floor("h")).to_numpy(), index)
        outcome = run_day(day, homes, hourly, hourly, V1_PROPERTIES)
        _check(outcome)
        outcomes.append(outcome)
    assert captured_pct(outcomes) >= 97.0


@pytest.mark.parametrize("gap_fill", ["base", "auto"])
def test_agile_days_validate_and_capture_97_pct(homes: pd.DataFrame, gap_fill: str) -> None:
    agile = agile_prices(shared_file("prices", "agile-import-export-2022-2023.csv"))
    outcomes = []
    for day in AGILE_DAYS:
        index = local_day_index(day, TIMEZONE, 30)
        imp, exp = agile_day(index, agile)
        outcome = run_day(day, homes, imp, exp, V1_PROPERTIES, options=CompileOptions(gap_fill=gap_fill))  # type: ignore[arg-type]
        _check(outcome)
        outcomes.append(outcome)
    assert captured_pct(outcomes) >= 97.0
