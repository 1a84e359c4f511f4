"""``optimizer backtest``: re-plan day by day over history, replay the groups, compare with self-use and
perfect foresight; the input selection and the table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optimizer.cli.common import console, emit_json, get_config, reporter
from optimizer.cli.options import (
    ConfigOption,
    EndSocOpt,
    ExportTariffOpt,
    JsonOption,
    PvForecastOpt,
    SlotOpt,
    SocOpt,
    TariffOpt,
    TerminalOpt,
    plan_options,
)

if TYPE_CHECKING:
    from rich.console import Console

    from optimizer.pipeline.backtest import BacktestResult


def backtest(
    config_path: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    history: Path | None = typer.Option(
        None, "--history", metavar="FILE", help="Measured history CSV (time,load_kw,pv_kw[,soc_pct])."
    ),
    tariff: str | None = TariffOpt,
    export_tariff: str | None = ExportTariffOpt,
    start: str | None = typer.Option(
        None, "--start", "--from", metavar="DATE", help="First day (default: 7 days before the end)."
    ),
    to: str | None = typer.Option(
        None, "--to", metavar="DATE", help="Last day, inclusive (default: the last complete day)."
    ),
    horizon: str | None = typer.Option(
        None, "--horizon", metavar="DURATION", help="Length instead of --to, e.g. 7d, 30d."
    ),
    slot: str | None = SlotOpt,
    soc: float | None = SocOpt,
    end_soc: float | None = EndSocOpt,
    terminal_value: float | None = TerminalOpt,
    pv_forecast: Path | None = PvForecastOpt,
    device: str | None = typer.Option(
        None, "--device", metavar="SN", help="Use this inverter's stored history (instead of --history)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", min=1, help="Processes to run days in (default: every CPU)."
    ),
    replan: str | None = typer.Option(
        None,
        "--replan",
        metavar="STEP",
        help="Replay the intraday loop that re-plans every STEP (15min to 60min) instead of once a day.",
    ),
) -> None:
    """Re-plan day by day over history, replay the groups, compare with self-use and perfect foresight."""
    from optimizer.pipeline import api
    from optimizer.pipeline.backtest import backtest_history, backtest_range
    from optimizer.timegrid import parse_duration

    config = get_config(config_path)
    frame = backtest_history(config, history, device)
    length = parse_duration(horizon) if horizon else None
    first, last = backtest_range(frame, config.site.timezone, start, to, length)
    options = plan_options(
        tariff=tariff, export_tariff=export_tariff, slot=slot, soc=soc, end_soc=end_soc,
        terminal_value=terminal_value, pv_forecast=pv_forecast,
    )  # fmt: skip
    step = parse_duration(replan) if replan else None
    result = api.backtest(config, frame, first, last, options, reporter=reporter, workers=workers, replan=step)
    if as_json:
        emit_json(result.to_json())
    else:
        print_backtest(result, console)


def print_backtest(result: BacktestResult, console: Console) -> None:
    from rich.table import Table

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
    net = result.net_totals()
    credit = result.end_credit
    console.print(
        f"Left in the battery after the last day, at {result.end_value_per_kwh:.4f} per kWh: self-use "
        f"{credit.get('self_use', 0.0):.2f}, planner {credit.get('planner', 0.0):.2f}, perfect "
        f"{credit.get('perfect', 0.0):.2f} (savings below count it).",
        markup=False,
    )
    captured = result.captured_pct
    share = "n/a (no saving possible)" if captured is None else f"{captured:.1f} %"
    console.print(
        f"{len(result.days)} days; planner saves {net['self_use'] - net['planner']:.2f} vs self-use; "
        f"captured {share} of perfect foresight's saving; {result.total_s:.1f} s",
        markup=False,
    )
    loop = result.to_json()
    if "writes_per_day" in loop:
        console.print(
            f"Re-planned every {loop['replan_minutes']} min: {loop['writes_per_day']:.1f} schedule writes and "
            f"{loop['api_calls_per_day']:.0f} API calls per day (at most {loop['api_calls_max_day']} in a day).",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
