"""Input selection and display for ``optimizer backtest``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from optimizer.backtest import BacktestResult
from optimizer.config import Config
from optimizer.errors import HistoryError, UsageError
from optimizer.timegrid import local_midnight, parse_duration, parse_time_arg

DEFAULT_DAYS = 7


def load_backtest_history(config: Config, history: Path | None, device: str | None) -> pd.DataFrame:
    """The measured history: a CSV (``--history``) or the local store of ``--device``."""
    if history is not None:
        from optimizer.history import read_history_csv

        return read_history_csv(history)
    if device is None:
        raise UsageError("backtest needs --history FILE, or --device SN to use the local history store")
    from optimizer.store import HistoryStore

    with HistoryStore(config.history_db) as store:
        frame = store.series(device, pd.Timestamp("2000-01-01", tz="UTC"), pd.Timestamp.now(tz="UTC"))
    if frame.empty:
        raise HistoryError(f"no history stored for {device}: run `optimizer history sync` first")
    return frame


def backtest_range(
    history: pd.DataFrame, timezone: str, start: str | None, to: str | None, horizon: str | None
) -> tuple[date, date]:
    """First and last local day: explicit, or the last complete days of the history."""
    last_sample = pd.Timestamp(history.index.max()).tz_convert(timezone)
    last_complete = last_sample.date() - timedelta(days=1)
    if local_midnight(last_sample.date() + timedelta(days=1), timezone) <= pd.Timestamp(history.index.max()):
        last_complete = last_sample.date()
    first = parse_time_arg(start, timezone).tz_convert(timezone).date() if start else None
    last = parse_time_arg(to, timezone).tz_convert(timezone).date() if to else None
    days = max(1, round(parse_duration(horizon).total_seconds() / 86400)) if horizon else None
    if first is None and last is None:
        last = last_complete
    if first is None:
        assert last is not None
        first = last - timedelta(days=(days or DEFAULT_DAYS) - 1)
    if last is None:
        last = min(first + timedelta(days=(days or DEFAULT_DAYS) - 1), last_complete)
    return first, last


def print_backtest(result: BacktestResult, console: Console) -> None:
    table = Table(title="Backtest (cost per day; currency of the tariff)", title_justify="left")
    for col in ("day", "no battery", "self-use", "planner", "perfect"):
        table.add_column(col, justify="right")
    for d in result.days:
        table.add_row(
            d.day.isoformat(),
            f"{d.no_battery:.2f}",
            f"{d.self_use:.2f}",
            f"{d.planner:.2f}",
            f"{d.perfect:.2f}",
        )
    t = result.totals()
    table.add_row(
        "total",
        f"{t['no_battery']:.2f}",
        f"{t['self_use']:.2f}",
        f"{t['planner']:.2f}",
        f"{t['perfect']:.2f}",
    )
    console.print(table)
    captured = result.captured_pct
    share = "n/a (no saving possible)" if captured is None else f"{captured:.1f} %"
    console.print(
        f"{len(result.days)} days; planner saves {t['self_use'] - t['planner']:.2f} vs self-use; "
        f"captured {share} of perfect foresight's saving; {result.total_s:.1f} s",
        markup=False,
    )
