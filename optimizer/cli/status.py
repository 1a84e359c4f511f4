"""``optimizer status``: the groups in force (in time order), the flag, the SoC and the quota, per inverter."""

from __future__ import annotations

from pathlib import Path

import typer

from optimizer.cli.common import console, emit_json, get_config, info
from optimizer.cli.options import ConfigOption, JsonOption


def status(
    config_path: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    device: str | None = typer.Option(None, "--device", metavar="SN", help="Only this inverter serial."),
) -> None:
    """Current scheduler groups and flag, battery SoC and API quota left, per inverter."""
    from optimizer.pipeline.status import read_status
    from optimizer.render import groups_table

    report = read_status(get_config(config_path), device)
    if as_json:
        emit_json(report.to_json())
        return
    if report.simulated:
        info("No Fox ESS credentials: showing the built-in simulated Fox ESS cloud.")
    for d in report.devices:
        soc = "?" if d.soc_pct is None else f"{d.soc_pct:.0f} %"
        support = ("scheduler on" if d.enable else "scheduler off") if d.scheduler_support else "no scheduler support"
        console.print(f"{d.sn}: SoC {soc}, {support}", markup=False)
        if d.scheduler_support:
            console.print(groups_table(d.groups, title=f"Groups on {d.sn}"))
    if report.quota:
        console.print(
            f"API quota: {report.quota.get('remaining')} of {report.quota.get('total')} calls left today", markup=False
        )
    console.print(f"API calls used: {report.api_calls}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
