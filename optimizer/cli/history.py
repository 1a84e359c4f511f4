"""CLI commands: ``optimizer history sync``, ``optimizer history import`` and ``optimizer history status``.

Each command is a thin shell over :mod:`optimizer.history` and :class:`optimizer.history.store.HistoryStore`: parse,
call, render. The store is ``[paths] history_db`` (default: ``history.sqlite`` in the user data dir).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optimizer.cli.common import console, emit_json, get_config, info, progress_for
from optimizer.cli.options import ConfigOption, JsonOption

if TYPE_CHECKING:
    from optimizer.config import Config
    from optimizer.history import SyncReport
    from optimizer.history.csvimport import ImportReport
    from optimizer.history.store import HistoryStore

CSV_DEVICE = "csv"


def _open_store(config: Config) -> HistoryStore:
    from optimizer.history.store import HistoryStore

    return HistoryStore(config.history_db)


def _devices(config: Config, given: list[str] | None, client: Any) -> list[str]:
    """``--device`` values, else ``[foxess] devices``, else every inverter of the account (one call)."""
    from optimizer.errors import UsageError

    if given:
        return list(dict.fromkeys(given))
    if config.foxess.devices:
        return list(config.foxess.devices)
    found = [d.deviceSN for d in client.list_devices()]
    if not found:
        raise UsageError("the Fox ESS account has no inverter; nothing to sync")
    return found


def _reconciliation(store: HistoryStore, sn: str, timezone: str, first: date) -> dict[str, Any]:
    from optimizer.history import reconcile

    table = reconcile(store, sn, timezone=timezone, first=first)
    if table.empty:
        return {"days": 0}
    result: dict[str, Any] = {"days": len(table)}
    for key in ("load", "pv"):
        ratio = table[f"{key}_ratio"].dropna()
        result[f"{key}_samples_kwh"] = round(float(table[f"{key}_samples"].sum()), 2)
        result[f"{key}_report_kwh"] = round(float(table[f"{key}_report"].sum()), 2)
        result[f"{key}_median_ratio"] = round(float(ratio.median()), 3) if len(ratio) else None
    low = table[table["coverage"] < 0.9]
    result["incomplete_days"] = [d.isoformat() for d in low.index]
    return result


def _print_sync(report: SyncReport, reconciliation: dict[str, Any]) -> None:
    from optimizer.timegrid import iso

    if report.planned_windows == 0:
        console.print(f"{report.sn}: already up to date to {iso(report.end)}", markup=False, soft_wrap=True)
    else:
        console.print(
            f"{report.sn}: fetched {len(report.windows)}/{report.planned_windows} windows "
            f"({report.days_fetched:.2f} days) {iso(report.start)} .. {iso(report.end)}: "
            f"{report.samples_written} new samples",
            markup=False,
            soft_wrap=True,
        )
    if report.deferred_windows:
        since = f" back to {iso(report.covered_from)}" if report.covered_from is not None else ""
        console.print(
            f"  the store now holds the newest days{since}; {report.deferred_windows} older window(s) did not "
            "fit this run's call budget: the next run fetches them",
            markup=False,
            soft_wrap=True,
        )
    months = ", ".join(report.months_reported) or "none new"
    console.print(
        f"  API calls: {report.calls} ({report.history_calls} history, {report.report_calls} month report: {months})",
        markup=False,
        soft_wrap=True,
    )
    if report.report_values_removed:
        console.print(f"  corrupt report values removed: {report.report_values_removed}", markup=False, soft_wrap=True)
    if reconciliation.get("days"):
        load = reconciliation.get("load_median_ratio")
        pv = reconciliation.get("pv_median_ratio")
        shown = ", ".join(
            f"{name} {100 * value:.1f} %" for name, value in (("load", load), ("PV", pv)) if value is not None
        )
        console.print(
            f"  samples vs month report over {reconciliation['days']} days (median): {shown or 'n/a'}; "
            f"{len(reconciliation['incomplete_days'])} days under 90 % sample coverage",
            markup=False,
            soft_wrap=True,
        )


def _print_import(report: ImportReport, db: Path) -> None:
    from optimizer.timegrid import iso

    span = f"{iso(report.first)} .. {iso(report.last)}" if report.first is not None and report.last else "no data"
    console.print(
        f"imported {report.rows} rows ({report.step_minutes}-min step) from {report.path} as device "
        f"{report.sn!r}: {report.samples_written} new samples, {span}",
        markup=False,
        soft_wrap=True,
    )
    gaps = ", ".join(f"{column} {count}" for column, count in report.gap_cells.items())
    console.print(f"  empty cells (gaps): {gaps}", markup=False, soft_wrap=True)
    if report.duplicates:
        console.print(f"  repeated timestamps merged: {report.duplicates}", markup=False, soft_wrap=True)
    if report.ignored_columns:
        console.print(f"  columns ignored: {', '.join(report.ignored_columns)}", markup=False, soft_wrap=True)
    console.print(f"  store: {db}", markup=False, soft_wrap=True)


def sync_command(
    config_path: Path | None = ConfigOption,
    device: list[str] | None = typer.Option(
        None,
        "--device",
        "-d",
        metavar="SN",
        help="Inverter serial number (repeatable; default: [foxess] devices, else all).",
    ),
    days: int | None = typer.Option(
        None,
        "--days",
        min=0,
        max=3650,
        metavar="N",
        help="Local days back from today to hold in the store (default [history] sync_days).",
    ),
    reports: bool = typer.Option(
        True, "--reports/--no-reports", help="Fetch month reports of complete months (daily totals)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Pull 5-minute history from the Fox ESS cloud into the local store: only what is missing, newest first,
    ≤ 24 h per call, within this run's call budget; what does not fit is fetched by the next run."""
    from optimizer.history import sync_history
    from optimizer.pipeline.account import open_account
    from optimizer.pipeline.device import account_now

    config = get_config(config_path)
    timezone = config.site.timezone
    documents: list[dict[str, Any]] = []
    failure: Exception | None = None
    with open_account(config) as account, _open_store(config) as store:
        client = account.client
        if account.simulated:
            info("No Fox ESS credentials: syncing from the built-in simulated Fox ESS cloud.")
        serials = _devices(config, device, client)
        for position, sn in enumerate(serials):
            share = client.counter.headroom(sn) // (len(serials) - position)  # what is left, shared fairly
            info(f"syncing {sn} into {store.path}")
            bar = progress_for(f"history {sn}")
            try:
                report = sync_history(
                    client,
                    store,
                    sn,
                    now=account_now(account).to_pydatetime(),
                    days=config.history.sync_days if days is None else days,
                    timezone=timezone,
                    progress=bar,
                    reports=reports,
                    raise_on_error=False,
                    max_calls=share,
                )
            finally:
                if bar is not None:
                    bar.close()
            reconciliation = _reconciliation(store, sn, timezone, report.start.tz_convert(timezone).date())
            documents.append({**report.as_dict(), "reconciliation": reconciliation})
            if not as_json:
                _print_sync(report, reconciliation)
            if report.error is not None:
                failure = report.error
                info(f"{sn}: stopped early; the finished windows are stored: run the command again to resume.")
                break
    if as_json:
        emit_json({"db": str(config.history_db), "devices": documents})
    if failure is not None:
        raise failure


def import_command(
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="History CSV: time,load_kw,pv_kw[,soc_pct], a spreadsheet export or a Home Assistant export "
        "(see docs/history.md).",
    ),
    config_path: Path | None = ConfigOption,
    device: str = typer.Option(
        CSV_DEVICE, "--device", "-d", metavar="NAME", help="Device name to store the rows under."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Fill the local store from a history CSV (for users without an API key, or with a Home Assistant
    export); times without an offset are read on the site's clock."""
    from optimizer.history.csvimport import import_history_csv

    config = get_config(config_path)
    with _open_store(config) as store:
        report = import_history_csv(store, file, sn=device, timezone=config.site.timezone)
    if as_json:
        emit_json({**report.as_dict(), "db": str(config.history_db)})
    else:
        _print_import(report, config.history_db)


def status_command(
    config_path: Path | None = ConfigOption,
    device: list[str] | None = typer.Option(
        None, "--device", "-d", metavar="SN", help="Only these devices (repeatable)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Show what the local history store holds per device: samples, span, variables, fetched coverage."""
    from optimizer.timegrid import iso

    config = get_config(config_path)
    db = config.history_db
    rows: list[dict[str, Any]] = []
    if db.exists():
        with _open_store(config) as store:
            for sn in device or store.devices():
                summary = store.summary(sn)
                rows.append(
                    {
                        "sn": sn,
                        "samples": summary.samples,
                        "first": iso(summary.first) if summary.first is not None else None,
                        "last": iso(summary.last) if summary.last is not None else None,
                        "variables": list(summary.variables),
                        "fetched_hours": round(summary.covered_hours, 2),
                        "report_days": summary.report_days,
                        "latest_soc_pct": store.latest_soc_pct(sn),
                    }
                )
    if as_json:
        emit_json({"db": str(db), "devices": rows})
        return
    console.print(f"store: {db}{'' if db.exists() else ' (not created yet)'}", markup=False, soft_wrap=True)
    for row in rows:
        span = f"{row['first']} .. {row['last']}" if row["first"] else "no samples"
        console.print(
            f"{row['sn']}: {row['samples']} samples, {span}; {', '.join(row['variables']) or '-'}; "
            f"{row['fetched_hours']:g} h fetched from the API; {row['report_days']} report days",
            markup=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add the ``history`` command group to ``app``."""
    group = typer.Typer(help="Fill and inspect the local history store (API sync, CSV import).", no_args_is_help=True)
    group.command("sync")(sync_command)
    group.command("import")(import_command)
    group.command("status")(status_command)
    app.add_typer(group, name="history")
