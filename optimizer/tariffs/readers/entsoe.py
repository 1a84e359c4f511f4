"""The ENTSO-E Transparency Platform day-ahead price export (CSV).

Header ``"MTU (CET/CEST)","Day-ahead Price [EUR/MWh]","Currency","BZN|DE-LU"``; each row names its
interval ``"31.03.2024 01:00 - 31.03.2024 02:00"`` in the zone of the header (CET/CEST by default, UTC
when chosen on export), optionally followed by ``(CET)``/``(CEST)``. Rows may be 60 or 15 minutes long
in one file. ``-`` (or an empty cell) marks a price not yet published: that interval has no price. The
spring-forward hour appears as an empty row and is skipped; the autumn hour ``02:00 - 03:00`` appears
twice, the first being summer time. Prices in EUR/MWh become EUR/kWh.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.tariffs.currencies import currency_problem
from optimizer.tariffs.intervals import PriceIntervals
from optimizer.tariffs.localtime import interval_ends, localize_walls
from optimizer.tariffs.problems import file_error
from optimizer.tariffs.readers.common import PriceFile, parse_price, read_csv_table

_MTU_ZONES = {
    "CET/CEST": "Europe/Berlin",
    "CET": "Europe/Berlin",
    "EET/EEST": "Europe/Helsinki",
    "WET/WEST": "Europe/Lisbon",
    "GMT/BST": "Europe/London",
    "UTC": "UTC",
}
_FIXED_OFFSETS_H = {"CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1, "GMT": 0, "BST": 1, "UTC": 0}
# bidding zone → the IANA zone its market lives in (for display and local days)
_BZN_ZONES = {
    "DE-LU": "Europe/Berlin", "DE-AT-LU": "Europe/Berlin", "FR": "Europe/Paris", "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels", "AT": "Europe/Vienna", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "CH": "Europe/Zurich", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest", "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb", "RO": "Europe/Bucharest",
    "BG": "Europe/Sofia", "GR": "Europe/Athens", "DK1": "Europe/Copenhagen", "DK2": "Europe/Copenhagen",
    "SE1": "Europe/Stockholm", "SE2": "Europe/Stockholm", "SE3": "Europe/Stockholm", "SE4": "Europe/Stockholm",
    "NO1": "Europe/Oslo", "NO2": "Europe/Oslo", "NO3": "Europe/Oslo", "NO4": "Europe/Oslo", "NO5": "Europe/Oslo",
    "FI": "Europe/Helsinki", "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
    "IE(SEM)": "Europe/Dublin", "IT-NORTH": "Europe/Rome", "IT-CNOR": "Europe/Rome", "IT-CSUD": "Europe/Rome",
    "IT-SUD": "Europe/Rome", "IT-SICI": "Europe/Rome", "IT-SARD": "Europe/Rome", "IT-CALA": "Europe/Rome",
}  # fmt: skip
_STAMP = r"(\d{2}\.\d{2}\.\d{4} \d{2}:\d{2})(?:\s*\((\w+)\))?"
_INTERVAL = re.compile(rf"^\s*{_STAMP}\s*-\s*{_STAMP}\s*$")
_UNIT = re.compile(r"[\[(]\s*([A-Z]{3})\s*/\s*(MWh|kWh)\s*[\])]")


def looks_like_entsoe(header_line: str) -> bool:
    return header_line.lstrip('"').upper().startswith("MTU")


def _find(header: list[str], test: str) -> int | None:
    for i, name in enumerate(header):
        if test in name.lower():
            return i
    return None


def read_entsoe_csv(path: Path, text: str) -> PriceFile:
    """Read an ENTSO-E day-ahead export into import intervals in currency/kWh."""
    table = read_csv_table(path, text)
    header = table.header
    mtu = header[0]
    zone_label = re.search(r"\(([^)]*)\)", mtu)
    mtu_zone = _MTU_ZONES.get(zone_label.group(1).strip().upper()) if zone_label else None
    if mtu_zone is None:
        raise file_error(path, f"unknown MTU time zone in header {mtu!r}", line=1, field=mtu)
    price_col = _find(header, "price")
    if price_col is None:
        raise file_error(path, "no 'Day-ahead Price [EUR/MWh]' column", line=1)
    unit = _UNIT.search(header[price_col])
    if not unit:
        raise file_error(path, "price column names no unit such as [EUR/MWh]", line=1, field=header[price_col])
    currency, per = unit.group(1), unit.group(2)
    problem = currency_problem(currency)
    if problem is not None:
        raise file_error(path, f"the price column names currency {problem}", line=1, field=header[price_col])
    factor = 0.001 if per == "MWh" else 1.0
    bzn = next((m.group(1) for h in header if (m := re.search(r"BZN\|(\S+)", h))), None)
    zone = _BZN_ZONES.get(bzn.upper(), mtu_zone) if bzn else mtu_zone

    walls_from, walls_to, tagged_from, tagged_to, prices, lines = [], [], [], [], [], []
    for row, line in zip(table.rows, table.lines, strict=True):
        match = _INTERVAL.match(row[0]) if row else None
        if not match:
            raise file_error(
                path, f"cannot read interval {row[0] if row else ''!r} (dd.mm.yyyy HH:MM - dd.mm.yyyy HH:MM)",
                line=line, field=mtu,
            )  # fmt: skip
        walls_from.append(match.group(1))
        tagged_from.append(match.group(2))
        walls_to.append(match.group(3))
        tagged_to.append(match.group(4))
        cell = row[price_col] if price_col < len(row) else ""
        prices.append(parse_price(cell, path, line, header[price_col]))
        lines.append(line)

    froms = pd.DatetimeIndex(pd.to_datetime(pd.Series(walls_from), format="%d.%m.%Y %H:%M", errors="coerce"))
    tos = pd.DatetimeIndex(pd.to_datetime(pd.Series(walls_to), format="%d.%m.%Y %H:%M", errors="coerce"))
    for i in np.flatnonzero(np.asarray(froms.isna()) | np.asarray(tos.isna()))[:1]:
        raise file_error(path, f"not a real date/time in {table.rows[i][0]!r}", line=lines[i], field=mtu)

    if any(tagged_from):  # explicit (CET)/(CEST) marks: fixed offsets, no guessing
        starts, ends = _tagged(froms, tagged_from, mtu_zone), _tagged(tos, tagged_to, mtu_zone)
        ok = np.ones(len(starts), dtype=bool)
        unresolved = np.zeros(len(starts), dtype=bool)
        nonexistent = unresolved
    else:
        localized = localize_walls(froms, mtu_zone)
        starts, ok = localized.ns, localized.ok
        unresolved, nonexistent = localized.unresolved, localized.nonexistent
        safe_starts = np.where(ok, starts, 0)
        ends = interval_ends(safe_starts, froms, tos, mtu_zone)
    warnings = []
    for i in np.flatnonzero(nonexistent):
        if not math.isnan(prices[i]):
            warnings.append(f"{path}: line {lines[i]}: {table.rows[i][0]} does not exist in {mtu_zone}; skipped")
    for i in np.flatnonzero(unresolved):
        warnings.append(
            f"{path}: line {lines[i]}: {table.rows[i][0]} is in the repeated autumn hour but listed once; "
            "which occurrence it prices is unknown, so it is left out"
        )
    keep = np.flatnonzero(ok)
    intervals = PriceIntervals.build(
        starts[keep],
        ends[keep],
        np.asarray(prices)[keep] * factor,
        path=path,
        origins=[(lines[i], None) for i in keep],
    )
    name = f"ENTSO-E day-ahead {bzn}" if bzn else f"ENTSO-E day-ahead ({path.stem})"
    return PriceFile(path, "entsoe-csv", name, currency, zone, {"import": intervals}, tuple(warnings))


def _tagged(walls: pd.DatetimeIndex, tags: list[str | None], zone: str) -> np.ndarray:
    """Wall times carrying their own zone abbreviation → UTC ns (untagged ones use ``zone``)."""
    out = localize_walls(walls, zone).ns.copy()
    naive = walls.as_unit("ns").asi8
    for i, tag in enumerate(tags):
        if tag and tag.upper() in _FIXED_OFFSETS_H:
            out[i] = naive[i] - _FIXED_OFFSETS_H[tag.upper()] * 3_600_000_000_000
    return out
