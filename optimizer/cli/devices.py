"""CLI command: ``optimizer devices``: the account's inverters (serial, model, station, status, battery,
scheduler support). Also registers the ``optimizer oauth`` commands (:mod:`optimizer.cli.oauth`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from optimizer.cli import oauth as oauth_cli
from optimizer.cli.common import ConfigOption, JsonOption, console, emit_json, get_config, info
from optimizer.config import Config
from optimizer.foxess import FoxEssClient, client_from_config
from optimizer.foxess.inventory import InverterInfo, inventory

#: How the command gets its client; tests swap in one with a mock transport and a manual clock.
client_factory: Callable[[Config], FoxEssClient] = client_from_config

_YES_NO = {True: "yes", False: "no", None: "?"}


def register(app: typer.Typer) -> None:
    """Add ``devices`` and the ``oauth`` group to ``app``."""
    app.command("devices")(devices)
    oauth_cli.register(app)


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
    cfg = get_config(config)
    with client_factory(cfg) as client:
        rows = inventory(client, detail=detail)
        calls = client.calls_made
    if json_out:
        emit_json([row.to_json() for row in rows])
    else:
        console.print(_table(rows))
    info(f"{len(rows)} inverter(s); {calls} API call(s)")


def _table(rows: list[InverterInfo]) -> Table:
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
