"""CLI commands: ``optimizer prices`` and ``optimizer tariffs list / show / check``.

Each command parses its options, calls :mod:`optimizer.tariffs`, and renders the result (a table, CSV or
JSON). Errors are the package's own: a bad or unpriced file is a ``TariffError`` (exit 3), a bad option a
``UsageError`` (exit 2).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from optimizer.cli.common import console, emit_json, get_config, info
from optimizer.cli.options import ConfigOption, JsonOption

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from optimizer.config import Config
    from optimizer.tariffs import Tariff

TimezoneOption = typer.Option(
    None,
    "--timezone",
    metavar="ZONE",
    help="IANA zone for dates and display, and for files without one (default: the tariff's).",
)


def _zone(name: str | None) -> str | None:
    from optimizer.errors import UsageError

    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}; use an IANA name such as Europe/London") from None
    return name


def _read(spec: str, cfg: Config, timezone: str | None, *, from_config: bool = False) -> Tariff:
    """Read a tariff named on the command line (relative to the working directory) or in the config
    (relative to the config's folder); files without a zone get ``timezone``, else the site's."""
    from optimizer.tariffs import read_tariff, resolve_tariff_path

    base = cfg.base_dir if from_config else Path.cwd()
    tariff = read_tariff(resolve_tariff_path(spec, base), timezone=timezone or cfg.site.timezone)
    for warning in tariff.warnings:
        info(f"warning: {warning}")
    return tariff


def _print_table(table: Table) -> None:
    """Tables use the terminal's width; piped, the console is wide enough that nothing is cut."""
    console.print(table)


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


# ----- optimizer prices ------------------------------------------------------------------------------------


def prices_command(
    tariff: str | None = typer.Option(
        None, "--tariff", "-t", metavar="FILE", help="Tariff or price file (default: the config's [tariff] import)."
    ),
    export_tariff: str | None = typer.Option(
        None,
        "--export-tariff",
        metavar="FILE",
        help="Export tariff (default: the --tariff file's own export side; without --tariff, the config's).",
    ),
    start: str | None = typer.Option(
        None, "--from", metavar="TIME", help="First slot: ISO date or datetime (default: today)."
    ),
    end: str | None = typer.Option(
        None, "--to", metavar="TIME", help="End, exclusive: ISO date or datetime (default: the end of the --from day)."
    ),
    slot: str = typer.Option(
        "30min", "--slot", metavar="DURATION", help="Slot length: 5min, 10min, 15min, 20min, 30min or 60min."
    ),
    timezone: str | None = TimezoneOption,
    csv_out: bool = typer.Option(False, "--csv", help="Print time,import_price,export_price CSV on stdout."),
    json_out: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """The import (and export, where the file has one) price of every slot, in currency/kWh."""
    from rich.table import Table

    from optimizer.tariffs.prices import export_series
    from optimizer.tariffs.report import prices_csv, prices_document
    from optimizer.timegrid import local_midnight, parse_slot, parse_time_arg, slot_index

    cfg = get_config(config)
    zone_arg = _zone(timezone)
    importing = _read(tariff or cfg.tariff.import_, cfg, zone_arg, from_config=tariff is None)
    exporting = None
    if export_tariff:
        exporting = _read(export_tariff, cfg, zone_arg)
    elif tariff is None and cfg.tariff.export:
        exporting = _read(cfg.tariff.export, cfg, zone_arg, from_config=True)
    zone = zone_arg or importing.timezone
    first = parse_time_arg(start, zone) if start else local_midnight(_today(zone), zone)
    last = parse_time_arg(end, zone) if end else local_midnight(first.tz_convert(zone).date() + timedelta(days=1), zone)
    index = slot_index(first, last, parse_slot(slot))
    import_price = importing.import_prices(index) if importing.has_import() else None
    if exporting is not None:
        export_price: pd.Series | None = export_series(exporting, index)
    else:
        export_price = importing.export_prices(index) if importing.has_export() else None

    if json_out:
        emit_json(
            prices_document(
                index,
                importing=importing,
                exporting=exporting,
                import_price=import_price,
                export_price=export_price,
                timezone=zone,
            )
        )
        return
    if csv_out:
        typer.echo(prices_csv(index, import_price, export_price))
        return
    currency = importing.currency or (exporting.currency if exporting else "") or "currency"
    typer.echo(f"{importing.name}: prices in {currency}/kWh")
    table = Table()
    table.add_column(f"slot start ({zone})")
    table.add_column("UTC")
    series = [s for s in (import_price, export_price) if s is not None]
    for name, s in (("import", import_price), ("export", export_price)):
        if s is not None:
            table.add_column(name, justify="right")
    for i, ts in enumerate(index):
        local = ts.tz_convert(zone).strftime("%Y-%m-%d %H:%M %Z")
        table.add_row(local, ts.strftime("%H:%MZ"), *(_money(float(s.iloc[i])) for s in series))
    _print_table(table)


# ----- optimizer tariffs list ------------------------------------------------------------------------------


def list_command(
    region: str | None = typer.Option(
        None, "--region", metavar="REGION", help="Only this region folder, e.g. uk, de, us."
    ),
    json_out: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """The shipped tariffs: file, name, import and export kind, currency, date last checked."""
    from rich.table import Table

    from optimizer.tariffs.library import shipped_tariffs

    if config is not None:
        get_config(config)  # accepted for symmetry with every command, and checked
    found = [t for t in shipped_tariffs() if region is None or t.region == region.lower()]
    if json_out:
        emit_json([t.to_json() for t in found])
        return
    typer.echo("Shipped tariffs: name one in the config's [tariff] import/export, or with --tariff")
    table = Table()
    table.add_column("tariff", overflow="fold")
    table.add_column("name", min_width=16)
    for column in ("import", "export", "currency", "checked"):
        table.add_column(column, no_wrap=True)
    for t in found:
        checked = t.last_checked.isoformat() if t.last_checked else "—"
        kind = t.kind if t.kind != "none" else "—"
        table.add_row(t.spec, t.name, kind, t.export_kind or "—", t.currency, checked)
    _print_table(table)


# ----- optimizer tariffs show ------------------------------------------------------------------------------


def show_command(
    file: str = typer.Argument(
        ..., metavar="FILE", help="A tariff or price file, or a shipped tariff such as uk/octopus-go.toml."
    ),
    day: str | None = typer.Option(
        None, "--date", metavar="DATE", help="The local day to show, YYYY-MM-DD (default: today)."
    ),
    slot: str = typer.Option("30min", "--slot", metavar="DURATION", help="Slot length for the table (5min to 60min)."),
    plot: Path | None = typer.Option(
        None, "--plot", metavar="FILE.png", help="Also write a PNG plot of the day to this file."
    ),
    timezone: str | None = TimezoneOption,
    json_out: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """One tariff's prices over one local day: equal-price runs, a summary, optionally a PNG plot."""
    from rich.table import Table

    from optimizer.errors import UsageError
    from optimizer.tariffs.report import day_document, plot_day, price_runs, summary
    from optimizer.tariffs.tariff import describe_sides
    from optimizer.timegrid import local_day_index, parse_slot

    cfg = get_config(config)
    zone_arg = _zone(timezone)
    tariff = _read(file, cfg, zone_arg)
    zone = zone_arg or tariff.timezone
    try:
        the_day = date.fromisoformat(day) if day else _today(zone)
    except ValueError:
        raise UsageError(f"cannot read --date {day!r}; use YYYY-MM-DD") from None
    index = local_day_index(the_day, zone, parse_slot(slot))
    import_price = tariff.import_prices(index) if tariff.has_import() else None
    export_price = tariff.export_prices(index) if tariff.has_export() else None
    if plot is not None:
        title = f"{tariff.name}: {the_day.isoformat()} ({zone})"
        plot_day(plot, title=title, timezone=zone, currency=tariff.currency, import_price=import_price,
                 export_price=export_price)  # fmt: skip
        info(f"wrote {plot}")
    if json_out:
        emit_json(
            day_document(
                tariff, the_day, index, timezone=zone, import_price=import_price, export_price=export_price, plot=plot
            )
        )
        return
    unit = f"{tariff.currency or 'currency'}/kWh"
    typer.echo(f"{tariff.name}: {the_day.isoformat()} in {zone} ({len(index)} slots), prices in {unit}")
    for side, text in describe_sides(tariff).items():
        typer.echo(f"  {side}: {text}")
    if tariff.standing_charge_per_day is not None:
        typer.echo(f"  standing charge: {tariff.standing_charge_per_day:.4f} {tariff.currency}/day")
    if tariff.source or tariff.last_checked:
        checked = f" (last checked {tariff.last_checked})" if tariff.last_checked else ""
        typer.echo(f"  source: {tariff.source or '—'}{checked}")
    table = Table()
    table.add_column("from")
    table.add_column("to")
    sides = [(name, s) for name, s in (("import", import_price), ("export", export_price)) if s is not None]
    for name, _ in sides:
        table.add_column(name, justify="right")
    for run in price_runs(index, import_price, export_price):
        prices = [run.import_price if name == "import" else run.export_price for name, _ in sides]
        times = [t.tz_convert(zone).strftime("%H:%M %Z") for t in (run.start, run.end)]
        table.add_row(*times, *(_money(p) for p in prices))
    _print_table(table)
    for name, series in sides:
        stats = summary(series)
        typer.echo(
            f"{name}: min {stats['min']:.4f}, time-weighted mean {stats['mean']:.4f}, max {stats['max']:.4f} {unit}"
        )


# ----- optimizer tariffs check -----------------------------------------------------------------------------


def check_command(
    files: list[str] | None = typer.Argument(
        None, metavar="FILE...", help="Tariff or price files (default: every shipped tariff)."
    ),
    timezone: str | None = typer.Option(
        None, "--timezone", metavar="ZONE", help="Zone for files that carry none (default: the config's site timezone)."
    ),
    json_out: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Validate tariff and price files; problems name file, line and field. Exit 3 if any is invalid."""
    from optimizer.errors import TariffError
    from optimizer.tariffs.check import check_file
    from optimizer.tariffs.library import shipped_tariffs
    from optimizer.tariffs.tariff import describe_sides

    cfg = get_config(config)
    zone = _zone(timezone) or cfg.site.timezone
    specs = files or [t.spec for t in shipped_tariffs()]
    results = [check_file(spec, timezone=zone, base_dir=Path.cwd()) for spec in specs]
    failed = [r.spec for r in results if not r.ok]
    if json_out:
        emit_json([r.to_json() for r in results])
    else:
        for r in results:
            if r.tariff is not None:
                sides = "; ".join(f"{k}: {v}" for k, v in describe_sides(r.tariff).items())
                typer.echo(f"ok       {r.spec}: {r.tariff.name} [{r.tariff.currency}, {r.tariff.timezone}] {sides}")
            else:
                typer.echo(f"invalid  {r.spec}")
            for problem in r.problems:
                typer.echo(str(problem), err=True)
            for warning in r.warnings:
                typer.echo(f"warning: {warning}", err=True)
            if r.hint:
                typer.echo(r.hint, err=True)
        info(f"{len(results) - len(failed)} of {len(results)} file(s) valid")
    if failed:
        raise TariffError(f"{len(failed)} of {len(results)} file(s) invalid: {', '.join(failed)}")


def register(app: typer.Typer) -> None:
    """Add ``prices`` and the ``tariffs`` group to ``app``."""
    app.command("prices")(prices_command)
    group = typer.Typer(
        name="tariffs",
        help="The shipped tariffs; one tariff's prices; validate a file.",
        no_args_is_help=True,
    )
    group.command("list")(list_command)
    group.command("show")(show_command)
    group.command("check")(check_command)
    app.add_typer(group, name="tariffs")
