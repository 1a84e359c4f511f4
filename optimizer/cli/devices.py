"""``optimizer devices``: the account's inverters (serial, model, station, status, battery, scheduler support)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optimizer.cli.common import console, emit_json, get_config, info
from optimizer.cli.options import ConfigOption, JsonOption

if TYPE_CHECKING:
    from rich.table import Table

    from optimizer.config import Config
    from optimizer.foxess import FoxEssClient
    from optimizer.foxess.inventory import InverterInfo

#: How the command gets its client (``None``: from the config); tests swap in one with a mock transport.
client_factory: Callable[[Config], FoxEssClient] | None = None

_YES_NO = {True: "yes", False: "no", None: "?"}


def register(app: typer.Typer) -> None:
    """Add ``devices`` to ``app``."""
    app.command("devices")(devices)


def devices(
    config: Path | None = ConfigOption,
    json_out: bool = JsonOption,
    detail: bool = typer.Option(
        True,
        "--detail/--no-detail",
        help="Fetch each inverter's detail (scheduler support, battery): one more API call per inverter.",
    ),
) -> None:
    """List the account's inverters: serial, model, station, status, battery and scheduler support."""
    from optimizer.foxess.inventory import inventory
    from optimizer.pipeline.account import open_account

    cfg = get_config(config)
    if client_factory is not None:
        with client_factory(cfg) as client:
            rows = inventory(client, detail=detail)
            calls = client.calls_made
    else:
        with open_account(cfg) as account:
            if account.simulated:
                info("No Fox ESS credentials: showing the built-in simulated Fox ESS cloud.")
            rows = inventory(account.client, detail=detail)
            calls = account.client.calls_made
    if json_out:
        emit_json([row.to_json() for row in rows])
    else:
        console.print(_table(rows))
    info(f"{len(rows)} inverter(s); {calls} API call(s)")


def _table(rows: list[InverterInfo]) -> Table:
    from rich.table import Table

    table = Table(title="Fox ESS inverters", title_justify="left")
    for column in ("Serial", "Model", "Station", "Status", "Battery", "Scheduler"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.sn,
            row.model or "?",
            row.station or "?",
            row.status,
            row.battery_text,
            _YES_NO[row.scheduler_support],
        )
    return table
