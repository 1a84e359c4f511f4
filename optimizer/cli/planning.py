"""CLI commands: plan, push, run, status, doctor, backtest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optimizer.cli.common import ConfigOption, JsonOption, console, emit_json, get_config, info, progress_for
from optimizer.config import Config
from optimizer.errors import UsageError
from optimizer.timegrid import parse_duration, parse_slot

if TYPE_CHECKING:  # the pipeline is imported when a command runs, keeping `--help` fast
    from optimizer.account import Account
    from optimizer.pipeline import PlanOptions, PlanOutcome
    from optimizer.store import HistoryStore

HistoryOpt = typer.Option(None, "--history", help="Plan offline from a history CSV (time,load_kw,pv_kw[,soc_pct]).")
TariffOpt = typer.Option(None, "--tariff", help="Import tariff or price file (overrides [tariff] import).")
ExportTariffOpt = typer.Option(None, "--export-tariff", help="Export tariff or price file (overrides [tariff] export).")
StartOpt = typer.Option(None, "--start", help="Horizon start: ISO datetime or date (= local midnight). Default: now.")
HorizonOpt = typer.Option("24h", "--horizon", help="Horizon length, e.g. 24h, 48h.")
SlotOpt = typer.Option(None, "--slot", help="Slot length: 5min … 60min (default [planner] slot_minutes, 30min).")
SocOpt = typer.Option(None, "--soc", help="Initial SoC %% (default: from the inverter or the history).")
EndSocOpt = typer.Option(None, "--end-soc", help="The plan ends at or above this SoC %%.")
TerminalOpt = typer.Option(
    None,
    "--terminal-value",
    help="Value per kWh left in the battery at the end (default: the planner's estimate).",
)
ForecastOpt = typer.Option(
    "history",
    "--forecast",
    help="history: forecast from past data; perfect: use the history file's actual values.",
)
DeviceOpt = typer.Option(None, "--device", help="Inverter serial (default: every configured / the first one).")
PlotOpt = typer.Option(None, "--plot", help="Also draw the plan into this PNG file.")
PvForecastOpt = typer.Option(None, "--pv-forecast", help="External PV forecast file (Solcast or forecast.solar).")
SlotsOpt = typer.Option(True, "--slots/--no-slots", help="Show the per-slot table.")


def _options(
    history: Path | None,
    tariff: str | None,
    export_tariff: str | None,
    start: str | None,
    horizon: str,
    slot: str | None,
    soc: float | None,
    end_soc: float | None,
    terminal_value: float | None,
    forecast: str,
    device: str | None,
    pv_forecast: Path | None,
) -> PlanOptions:
    from optimizer.pipeline import PlanOptions, check_options

    if forecast not in ("history", "perfect"):
        raise UsageError(f"--forecast must be 'history' or 'perfect', not {forecast!r}")
    options = PlanOptions(
        history=history,
        tariff=tariff,
        export_tariff=export_tariff,
        start=start,
        horizon=parse_duration(horizon),
        slot_minutes=parse_slot(slot) if slot else None,
        soc_pct=soc,
        end_soc_pct=end_soc,
        terminal_value=terminal_value,
        forecast=forecast,  # type: ignore[arg-type]
        device=device,
        pv_forecast=pv_forecast,
    )
    check_options(options)
    return options


def _show(outcome: PlanOutcome, as_json: bool, plot: Path | None, show_slots: bool, extra: dict | None = None) -> None:
    from optimizer.render import plot_plan, print_plan

    if plot is not None:
        plot_plan(outcome, plot)
        info(f"plot written to {plot}")
    if as_json:
        doc = outcome.to_json()
        if extra:
            doc.update(extra)
        emit_json(doc)
    else:
        print_plan(outcome, console, show_slots=show_slots)


def _plan_account(config: Config, options: PlanOptions, *, push: bool) -> tuple[PlanOutcome, dict | None]:
    """Plan for one device of the account (the simulated cloud when no credentials); push if asked."""
    from optimizer.account import open_account
    from optimizer.push import ScheduleSnapshot, push_schedule
    from optimizer.store import HistoryStore

    with open_account(config) as account:
        if account.simulated:
            info("No Fox ESS credentials: using the built-in simulated Fox ESS cloud (set FOXESS_API_KEY for yours).")
        with HistoryStore(config.history_db) as store:
            outcome = _plan_first_capable(config, options, account, store)
        extra = None
        if push:
            sn = str(outcome.device.sn)
            current = ScheduleSnapshot(enable=outcome.device.current_enable, groups=outcome.device.current_groups)
            before = account.client.calls_made
            report = push_schedule(account.client, sn, outcome.groups, current)
            outcome.api_calls += account.client.calls_made - before
            extra = {"pushed": report.pushed, "writes": report.writes, "verified": report.verified}
            outcome.notes.extend(report.notes)
        return outcome, extra


def _plan_first_capable(config: Config, options: PlanOptions, account: Account, store: HistoryStore) -> PlanOutcome:
    """Plan for ``--device``, else for the first inverter with scheduler support (the support check is the
    first call of :func:`~optimizer.device.plan_device`, so an unsupported one costs that call only)."""
    from optimizer.device import plan_device, scheduler_devices
    from optimizer.errors import SchedulerUnsupportedError

    listed = [] if options.device else scheduler_devices(account.client, config)
    serials = [options.device] if options.device else [d.deviceSN for d in listed]
    for sn in serials:
        try:
            return plan_device(config, options, account, sn, store=store, progress=progress_for(f"history {sn}"))
        except SchedulerUnsupportedError:
            if options.device:
                raise
    raise SchedulerUnsupportedError(
        f"no inverter in this account supports the scheduler ({', '.join(serials) or 'no inverters'})"
    )


def register(app: typer.Typer) -> None:
    """Add plan, push, run, status, doctor and backtest to ``app``."""

    def plan_or_push(push: bool) -> Callable[..., None]:
        """One command body for ``plan`` (dry-run) and ``push`` (write, read back, verify)."""

        def command(
            config_path: Path | None = ConfigOption,
            as_json: bool = JsonOption,
            history: Path | None = HistoryOpt,
            tariff: str | None = TariffOpt,
            export_tariff: str | None = ExportTariffOpt,
            start: str | None = StartOpt,
            horizon: str = HorizonOpt,
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
            config = get_config(config_path)
            options = _options(
                history, tariff, export_tariff, start, horizon, slot, soc, end_soc, terminal_value, forecast,
                device, pv_forecast,
            )  # fmt: skip
            if options.history is not None and not push:
                from optimizer.pipeline import plan_offline

                outcome, extra = plan_offline(config, options), None
            else:
                outcome, extra = _plan_account(config, options, push=push)
            _show(outcome, as_json, plot, show_slots, extra)
            if push and not as_json and extra is not None:
                if extra["writes"] == 0:
                    console.print("Nothing written: the inverter already holds this schedule.", markup=False)
                else:
                    console.print(f"Pushed and verified ({extra['writes']} write calls).", markup=False)

        return command

    app.command(
        "plan",
        help="Dry-run: plan, compile and validate the groups, and show them. Writes nothing to any inverter.",
    )(plan_or_push(push=False))
    app.command(
        "push", help="As plan, then write the groups and the flag (only if they differ), read back and verify."
    )(plan_or_push(push=True))

    @app.command("backtest")
    def backtest_cmd(
        config_path: Path | None = ConfigOption,
        as_json: bool = JsonOption,
        history: Path | None = HistoryOpt,
        tariff: str | None = TariffOpt,
        export_tariff: str | None = ExportTariffOpt,
        start: str | None = typer.Option(None, "--start", "--from", help="First day (default: 7 days before the end)."),
        to: str | None = typer.Option(None, "--to", help="Last day, inclusive (default: the last complete day)."),
        horizon: str | None = typer.Option(None, "--horizon", help="Length instead of --to, e.g. 7d, 30d."),
        slot: str | None = SlotOpt,
        soc: float | None = SocOpt,
        device: str | None = typer.Option(None, "--device", help="Use this inverter's stored history (no --history)."),
    ) -> None:
        """Re-plan day by day over history, replay the groups, compare with self-use and perfect foresight."""
        from optimizer.backtest import run_backtest
        from optimizer.cli.backtest_view import backtest_range, load_backtest_history, print_backtest
        from optimizer.pipeline import default_properties

        config = get_config(config_path)
        frame = load_backtest_history(config, history, device)
        first, last = backtest_range(frame, config.site.timezone, start, to, horizon)
        slot_minutes = parse_slot(slot) if slot else config.planner.slot_minutes
        result = run_backtest(
            config,
            frame,
            first,
            last,
            properties=default_properties(config),
            slot_minutes=slot_minutes,
            tariff=tariff,
            export_tariff=export_tariff,
            initial_soc_pct=soc,
            progress=progress_for("backtest"),
        )
        if as_json:
            emit_json(result.to_json())
        else:
            print_backtest(result, console)

    from optimizer.cli.nightly import register_nightly

    register_nightly(app)
