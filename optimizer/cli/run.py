"""``optimizer run``: the cron entry point. Every configured inverter, one lock, a log, a per-device report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optimizer.cli.common import console, console_err, emit_json, get_config, info, reporter, state
from optimizer.cli.options import (
    ConfigOption,
    EndSocOpt,
    ExportTariffOpt,
    ForecastOpt,
    HorizonOpt,
    JsonOption,
    SlotOpt,
    TariffOpt,
    TerminalOpt,
    plan_options,
)

if TYPE_CHECKING:
    from rich.table import Table

    from optimizer.pipeline.nightly import DeviceRun, RunReport


def run(
    config_path: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    push: bool = typer.Option(False, "--push", help="Write the schedules (default: dry-run, nothing written)."),
    tariff: str | None = TariffOpt,
    export_tariff: str | None = ExportTariffOpt,
    horizon: str | None = HorizonOpt,
    slot: str | None = SlotOpt,
    end_soc: float | None = EndSocOpt,
    terminal_value: float | None = TerminalOpt,
    forecast: str = ForecastOpt,
    device: str | None = typer.Option(None, "--device", metavar="SN", help="Only this inverter serial."),
    wait: float = typer.Option(
        300.0, "--wait", metavar="SECONDS", help="Seconds to wait for another run's lock before giving up."
    ),
    log_file: Path | None = typer.Option(
        None, "--log-file", metavar="FILE", help="Rotating log file (default: the user log dir)."
    ),
) -> None:
    """The nightly entry point: plan (and with --push write and verify) every configured inverter."""
    from optimizer.pipeline import api
    from optimizer.pipeline.nightly import close_run_log, setup_run_log

    config = get_config(config_path)
    options = plan_options(
        tariff=tariff, export_tariff=export_tariff, horizon=horizon, slot=slot, end_soc=end_soc,
        terminal_value=terminal_value, forecast=forecast, device=device,
    )  # fmt: skip
    handler = setup_run_log(log_file or config.log_file)
    try:
        report = api.run(config, options, push=push, wait_s=wait, reporter=reporter)
    finally:
        close_run_log(handler)
    if report.simulated:
        info("No Fox ESS credentials: ran against the built-in simulated Fox ESS cloud.")
    if as_json:
        emit_json(report.to_json())
    elif state.quiet:
        _print_failures(report)
    else:
        _print_run(report, push)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print_failures(report: RunReport) -> None:
    """--quiet (cron): nothing on success; one line per failed inverter on stderr."""
    for d in report.devices:
        if d.error:
            console_err.print(d.error if d.error.startswith(d.sn) else f"{d.sn}: {d.error}", markup=False)


def _print_run(report: RunReport, push: bool) -> None:
    _print_outcomes(report)
    console.print(_run_table(report, push))
    _print_device_notes(report)
    if not report.devices:
        print("no inverters to plan for", file=sys.stderr)


def _print_outcomes(report: RunReport) -> None:
    """Each planned inverter's summary, groups and change against what it held before this run."""
    from optimizer.render import groups_table, schedule_diff, summary_lines

    for d in report.devices:
        if d.outcome is None:
            continue
        for line in summary_lines(d.outcome):
            console.print(line, markup=False)
        console.print(groups_table(d.outcome.groups, title=f"Groups for {d.sn}"))
        diff = schedule_diff(d.outcome.device.current_groups, d.outcome.groups)
        if diff:
            console.print("Change against what the inverter held before this run:", markup=False)
            for line in diff:
                console.print(f"  {line}", markup=False)
        console.print()


def _run_table(report: RunReport, push: bool) -> Table:
    """One row per inverter: groups, saving, pushed, writes, verified, calls and the result."""
    from rich.table import Table

    table = Table(title="optimizer run" + (" --push" if push else " (dry-run: nothing written)"), title_justify="left")
    table.add_column("inverter", no_wrap=True)
    for col in ("groups", "saving", "pushed", "writes", "verified", "calls"):
        table.add_column(col, justify="right")
    table.add_column("result")
    for d in report.devices:
        groups = "-" if d.outcome is None else str(len(d.outcome.groups))
        saving = "-" if d.expected_savings is None else f"{d.expected_savings:.2f}"
        result = d.skipped or (f"failed (exit {d.exit_code}){_holds(d)}" if d.error else "ok")
        yes_no = ("no", "yes")
        row = (d.sn, groups, saving, yes_no[d.pushed], str(d.writes), yes_no[d.verified], str(d.api_calls), result)
        table.add_row(*row)
    return table


def _print_device_notes(report: RunReport) -> None:
    """Per inverter: what the run found, its notes and its error (or that nothing needed writing)."""
    for d in report.devices:
        if d.found:
            console.print(f"{d.sn}: {d.found}.", markup=False)
        for note in d.notes:
            console.print(f"{d.sn}: {note}.", markup=False)
        if d.error:
            console.print(d.error if d.error.startswith(f"{d.sn}:") else f"{d.sn}: {d.error}", markup=False)
        elif d.push is not None and d.push.unchanged:
            console.print(f"{d.sn}: the inverter already holds this schedule; nothing written.", markup=False)


_HOLDS = {"previous": "previous schedule kept", "base_mode": "flag off (safe)", "unknown": "state unknown"}


def _holds(d: DeviceRun) -> str:
    holds = d.push.holds if d.push is not None else None
    return f", {_HOLDS[holds]}" if holds in _HOLDS else ""


def register(app: typer.Typer) -> None:
    app.command("run")(run)
