"""A parallel backtest equals the sequential one exactly: segments re-converge on the SoC chain."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from optimizer.config import parse_config
from optimizer.history import read_history_csv
from optimizer.pipeline.backtest import (
    STRATEGIES,
    BacktestContext,
    Segment,
    reconverge,
    run_backtest,
    run_segment,
)
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.plan import default_properties

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
CONFIG = parse_config(
    {
        "site": {"timezone": "Europe/Paris"},
        "tariff": {"import": "fr/dynamic-day-ahead.toml", "export": "fr/dynamic-day-ahead.toml"},
    }
)


def test_parallel_backtest_is_the_sequential_one() -> None:
    history = read_history_csv(HISTORY)
    first, last = date(2024, 6, 1), date(2024, 6, 28)
    seen: list[tuple[int, int]] = []
    sequential = run_backtest(CONFIG, history, first, last, PlanOptions(soc_pct=60), workers=1)
    parallel = run_backtest(
        CONFIG, history, first, last, PlanOptions(soc_pct=60), workers=2, progress=lambda d, t: seen.append((d, t))
    )
    assert parallel.workers == 2 and sequential.workers == 1
    assert [d.to_json() for d in parallel.days] == [d.to_json() for d in sequential.days]
    assert seen[0] == (0, 28) and seen[-1] == (28, 28)


def test_a_segment_started_from_a_wrong_soc_reconverges_to_the_true_chain() -> None:
    history = read_history_csv(HISTORY)
    days = [date(2024, 7, 1) + timedelta(days=i) for i in range(6)]
    context = BacktestContext(CONFIG, history, days[0], days[-1], PlanOptions(), default_properties(CONFIG))
    truth = run_segment(context, Segment(days, dict.fromkeys(STRATEGIES, 80.0)))
    guessed = run_segment(context, Segment(days, dict.fromkeys(STRATEGIES, 10.0)))
    assert guessed.results[0]["self_use"] != truth.results[0]["self_use"]  # the guess mattered on day one
    rerun = reconverge(context, guessed, dict.fromkeys(STRATEGIES, 80.0))
    assert 0 < rerun < len(days) * len(STRATEGIES)  # converged before the segment's end
    assert guessed.results == truth.results
