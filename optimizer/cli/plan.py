"""``optimizer plan`` (dry-run) and ``optimizer push`` (write, read back, verify): one command body."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optimizer.cli.common import console, emit_json, get_config, info, reporter
from optimizer.cli.options import (
    ConfigOption,
    DeviceOpt,
    EndSocOpt,
    ExportTariffOpt,
    ForecastOpt,
    HistoryOpt,
    HorizonOpt,
    JsonOption,
    PlotOpt,
    PvForecastOpt,
    SlotOpt,
    SlotsOpt,
    SocOpt,
    StartOpt,
    TariffOpt,
    TerminalOpt,
    plan_options,
)

if TYPE_CHECKING:
    from optimizer.pipeline.plan import PlanOutcome
    from optimizer.pipeline.push import PushReport


def _run(
    push: bool,
    config_path: Path | None,
    as_json: bool,
    plot: Path | None,
    show_slots: bool,
    wait: float = 300.0,
    **values: Any,
) -> None:
    from optimizer.pipeline import api

    config = get_config(config_path)
    options = plan_options(**values)
    if push:
        from optimizer.pipeline.nightly import close_run_log, setup_run_log

        handler = setup_run_log(config.log_file)  # a push writes: it is logged like `run --push`
        try:
            done = api.push(config, options, reporter=reporter, wait_s=wait)
        finally:
            close_run_log(handler)
        outcome, report = done.outcome, done.push
    else:
        outcome, report = api.plan(config, options, reporter=reporter), None
    _show(outcome, report, as_json=as_json, plot=plot, show_slots=show_slots)


def _show(
    outcome: PlanOutcome, report: PushReport | None, *, as_json: bool, plot: Path | None, show_slots: bool
) -> None:
    from optimizer.render import plot_plan, print_plan

    if plot is not None:
        plot_plan(outcome, plot)
        info(f"plot written to {plot}")
    if as_json:
        doc = outcome.to_json()
        if report is not None:
            doc.update(
                {
                    "pushed": report.pushed,
                    "writes": report.writes,
                    "verified": report.verified,
                    "unchanged": report.unchanged,
                    "restored": report.restored,
                    "fallback": report.fallback,
                    "holds": report.holds,
                    "found": report.found,
                }
            )
        emit_json(doc)
        return
    print_plan(outcome, console, show_slots=show_slots)
    if report is not None:
        if report.unchanged:
            console.print("Nothing written: the inverter already holds this schedule.", markup=False)
        else:
            console.print(f"Pushed and verified ({report.writes} write calls).", markup=False)


def plan(
    config_path: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    history: Path | None = HistoryOpt,
    tariff: str | None = TariffOpt,
    export_tariff: str | None = ExportTariffOpt,
    start: str | None = StartOpt,
    horizon: str | None = HorizonOpt,
    slot: str | None = SlotOpt,
    soc: float | None = SocOpt,
    end_soc: float | None = EndSocOpt,
    terminal_value: float | None = TerminalOpt,
    forecast: str = ForecastOpt,
    device: str | None = DeviceOpt,
    plot: Path | None = PlotOpt,
    pv_forecast: Path | None = PvForecastOpt,
    show_slots: bool = SlotsOpt,
) -> None:
    """Dry-run: plan, compile and validate the groups, and show them. Writes nothing to any inverter."""
    _run(
        False, config_path, as_json, plot, show_slots, history=history, tariff=tariff, export_tariff=export_tariff,
        start=start, horizon=horizon, slot=slot, soc=soc, end_soc=end_soc, terminal_value=terminal_value,
        forecast=forecast, device=device, pv_forecast=pv_forecast,
    )  # fmt: skip


def push(
    config_path: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    history: Path | None = HistoryOpt,
    tariff: str | None = TariffOpt,
    export_tariff: str | None = ExportTariffOpt,
    start: str | None = StartOpt,
    horizon: str | None = HorizonOpt,
    slot: str | None = SlotOpt,
    soc: float | None = SocOpt,
    end_soc: float | None = EndSocOpt,
    terminal_value: float | None = TerminalOpt,
    forecast: str = ForecastOpt,
    device: str | None = DeviceOpt,
    plot: Path | None = PlotOpt,
    pv_forecast: Path | None = PvForecastOpt,
    show_slots: bool = SlotsOpt,
    wait: float = typer.Option(
        300.0, "--wait", metavar="SECONDS", help="Seconds to wait for another run's lock before giving up."
    ),
) -> None:
    """As plan, then write the groups and the flag (only if they differ), read back and verify."""
    _run(
        True, config_path, as_json, plot, show_slots, wait, history=history, tariff=tariff, export_tariff=export_tariff,
        start=start, horizon=horizon, slot=slot, soc=soc, end_soc=end_soc, terminal_value=terminal_value,
        forecast=forecast, device=device, pv_forecast=pv_forecast,
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("push")(push)
