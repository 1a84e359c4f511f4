"""The command-line options several commands share, and their translation into library options.

Only typer is imported at module level; :func:`plan_options` imports the pipeline when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from optimizer.pipeline.options import PlanOptions

ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    metavar="FILE",
    help="Config TOML (default: $OPTIMIZER_CONFIG, then the user config dir).",
)
JsonOption = typer.Option(False, "--json", help="Print the result as JSON on stdout.")

HistoryOpt = typer.Option(
    None, "--history", metavar="FILE", help="Plan offline from a history CSV (time,load_kw,pv_kw[,soc_pct])."
)
TariffOpt = typer.Option(
    None,
    "--tariff",
    metavar="FILE",
    help="Import tariff or price file, replacing [tariff] import (a file with its own export side replaces both).",
)
ExportTariffOpt = typer.Option(
    None, "--export-tariff", metavar="FILE", help="Export tariff or price file, replacing [tariff] export."
)
StartOpt = typer.Option(
    None, "--start", metavar="TIME", help="Horizon start: ISO datetime or date (= local midnight). Default: now."
)
HorizonOpt = typer.Option(
    None, "--horizon", metavar="DURATION", help="Horizon length, e.g. 24h, 48h (default [planner] horizon_hours)."
)
SlotOpt = typer.Option(
    None, "--slot", metavar="DURATION", help="Slot length, 5min to 60min (default [planner] slot_minutes)."
)
SocOpt = typer.Option(None, "--soc", metavar="PCT", help="Initial SoC in % (default: the inverter's or the history's).")
EndSocOpt = typer.Option(
    None, "--end-soc", metavar="PCT", help="The plan ends at or above this SoC in % (default [planner] end_soc_pct)."
)
TerminalOpt = typer.Option(
    None,
    "--terminal-value",
    metavar="PRICE",
    help="Value per kWh left in the battery at the end (default: the planner's estimate).",
)
ForecastOpt = typer.Option(
    "history",
    "--forecast",
    metavar="KIND",
    help="history: forecast from past data; perfect: use the history file's measured values.",
)
DeviceOpt = typer.Option(
    None, "--device", metavar="SN", help="Inverter serial (default: the first one with scheduler support)."
)
PlotOpt = typer.Option(None, "--plot", metavar="FILE.png", help="Also draw the plan into this PNG file.")
PvForecastOpt = typer.Option(
    None, "--pv-forecast", metavar="FILE", help="External PV forecast file (Solcast or forecast.solar)."
)
SlotsOpt = typer.Option(True, "--slots/--no-slots", help="Show the per-slot table.")


def plan_options(
    *,
    history: Path | None = None,
    tariff: str | None = None,
    export_tariff: str | None = None,
    start: str | None = None,
    horizon: str | None = None,
    slot: str | None = None,
    soc: float | None = None,
    end_soc: float | None = None,
    terminal_value: float | None = None,
    forecast: str = "history",
    device: str | None = None,
    pv_forecast: Path | None = None,
) -> PlanOptions:
    """The library's :class:`~optimizer.pipeline.options.PlanOptions` from the command-line values, checked."""
    from optimizer.pipeline.options import PlanOptions
    from optimizer.timegrid import parse_duration, parse_slot

    return PlanOptions(
        history=history,
        tariff=tariff,
        export_tariff=export_tariff,
        start=start,
        horizon=parse_duration(horizon) if horizon else None,
        slot_minutes=parse_slot(slot) if slot else None,
        soc_pct=soc,
        end_soc_pct=end_soc,
        terminal_value=terminal_value,
        forecast=forecast,  # type: ignore[arg-type]  # checked by validate()
        device=device,
        pv_forecast=pv_forecast,
    ).validate()
