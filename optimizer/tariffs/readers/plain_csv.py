"""A plain price CSV: ``time,price`` (currency/kWh) at any fixed step, and its unit-named variants.

The time column is ``time`` (or ``timestamp``, ``start``, ``datetime``, ``valid_from``): ISO-8601 with an
offset or ``Z`` (times without one are read in the given time zone, with the DST rules of
:mod:`optimizer.tariffs.localtime`). Each row prices ``[time, time + step)`` where the step is the most
common spacing; a missing row or an empty cell is a hole. Price columns and their units:

* ``price``, ``price_per_kwh``, ``import_price``, ``export_price``: currency/kWh as written;
* ``<cur>_per_kwh`` / ``<cur>_per_mwh`` (``eur``, ``gbp``, ``usd``, …): that currency per kWh / MWh;
* ``p_per_kwh`` (pence, GBP) and ``ct_per_kwh`` (euro cents);

each optionally prefixed ``import_`` or ``export_``. This reads the project's own tidy files and the
output of ``optimizer prices --csv``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.tariffs.currencies import currency_problem
from optimizer.tariffs.intervals import PriceIntervals
from optimizer.tariffs.localtime import localize_walls
from optimizer.tariffs.problems import file_error
from optimizer.tariffs.readers.common import PriceFile, parse_price, read_csv_table

TIME_COLUMNS = ("time", "timestamp", "datetime", "start", "valid_from", "period_start", "interval_start")
_PRICE = re.compile(
    r"^(?:(?P<role>import|export)_)?(?:price(?:_per_kwh)?|(?P<cur>[a-z]{3})_per_(?P<unit>kwh|mwh)|"
    r"(?P<minor>p|ct)_per_kwh)$"
)
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def looks_like_plain(header_line: str) -> bool:
    first = header_line.split(",")[0].strip().strip('"').lower()
    return first in TIME_COLUMNS


def _price_columns(header: list[str], path: Path) -> tuple[dict[str, tuple[int, float]], str]:
    columns: dict[str, tuple[int, float]] = {}
    currencies = set()
    for i, name in enumerate(header):
        match = _PRICE.match(name.strip().lower())
        if not match:
            continue
        role = match.group("role") or ("export" if name.lower().startswith("export") else "import")
        if match.group("minor") == "p":
            factor, currency = 0.01, "GBP"
        elif match.group("minor") == "ct":
            factor, currency = 0.01, "EUR"
        elif match.group("cur"):
            factor = 0.001 if match.group("unit") == "mwh" else 1.0
            currency = match.group("cur").upper()
            problem = currency_problem(currency)
            if problem is not None:
                raise file_error(path, f"the column names currency {problem}", line=1, field=name)
        else:
            factor, currency = 1.0, ""
        if role in columns:
            raise file_error(path, f"two {role} price columns", line=1, field=name)
        columns[role] = (i, factor)
        if currency:
            currencies.add(currency)
    if not columns:
        raise file_error(
            path,
            "no price column: expected 'price' (currency/kWh) or a unit-named column such as eur_per_mwh",
            line=1,
        )
    if len(currencies) > 1:
        raise file_error(path, f"price columns in different currencies {sorted(currencies)}", line=1)
    return columns, currencies.pop() if currencies else ""


def read_plain_csv(path: Path, text: str, timezone: str | None) -> PriceFile:
    """Read a ``time,price`` CSV into intervals in currency/kWh."""
    table = read_csv_table(path, text)
    time_col = next((i for i, h in enumerate(table.header) if h.lower() in TIME_COLUMNS), None)
    if time_col is None:
        raise file_error(path, f"no time column (one of {', '.join(TIME_COLUMNS)})", line=1)
    columns, currency = _price_columns(table.header, path)
    stamps = [row[time_col] if time_col < len(row) else "" for row in table.rows]
    readable = pd.to_datetime(pd.Series(stamps), format="ISO8601", errors="coerce", utc=True)
    for i in np.flatnonzero(readable.isna().to_numpy())[:1]:
        raise file_error(
            path, f"cannot read {stamps[i]!r} as an ISO-8601 time", line=table.lines[i], field=table.header[time_col]
        )
    aware = [bool(_OFFSET.search(s)) for s in stamps]
    if any(aware) and not all(aware):
        i = aware.index(not aware[0])
        raise file_error(path, f"{stamps[i]!r}: mixes times with and without an offset", line=table.lines[i])
    parsed = readable if all(aware) else pd.to_datetime(pd.Series(stamps), format="ISO8601")
    warnings: list[str] = []
    if all(aware):
        starts = pd.DatetimeIndex(parsed).as_unit("ns").asi8
        keep = np.arange(len(starts))
        zone = timezone
    else:
        if timezone is None:
            raise file_error(
                path,
                f"times such as {stamps[0]!r} have no offset and no time zone was given",
                line=table.lines[0],
                hint="Write times with an offset or 'Z', or pass --timezone.",
            )
        localized = localize_walls(pd.DatetimeIndex(parsed), timezone)
        for i in (int(k) for k in np.flatnonzero(localized.nonexistent | localized.unresolved)):
            why = "does not exist" if localized.nonexistent[i] else "is in the repeated autumn hour, listed once"
            warnings.append(f"{path}: line {table.lines[i]}: {stamps[i]} {why} in {timezone}; left out")
        keep = np.flatnonzero(localized.ok)
        starts = localized.ns[keep]
        zone = timezone
    unique = np.unique(starts)
    if len(unique) < 2:
        raise file_error(path, "needs at least two rows to know the step between them")
    gaps = np.diff(unique)
    values, counts = np.unique(gaps, return_counts=True)
    step = int(values[np.argmax(counts)])
    irregular = np.flatnonzero(gaps % step != 0)
    if len(irregular):
        at = int(unique[irregular[0] + 1])
        line = table.lines[int(keep[int(np.flatnonzero(starts == at)[0])])]
        raise file_error(
            path,
            f"row is not on the file's {step // 60_000_000_000}-minute step",
            line=line,
            field=table.header[time_col],
        )
    series = {}
    for role, (column, factor) in columns.items():
        prices = [
            parse_price(table.rows[i][column] if column < len(table.rows[i]) else "", path, table.lines[i],
                        table.header[column])
            for i in keep
        ]  # fmt: skip
        series[role] = PriceIntervals.build(
            starts,
            starts + step,
            np.asarray(prices) * factor,
            path=path,
            origins=[(table.lines[i], None) for i in keep],
        )
    return PriceFile(path, "plain-csv", path.stem, currency, zone, series, tuple(warnings))
