"""The Octopus Agile price CSV as users download it.

Header ``Period from,Period to,Agile Import price (p/kWh)[,Agile Export price (p/kWh)]``; times are UK
clock time ``dd/mm/yyyy HH:MM``. On the spring-forward day the slot after 00:30 reads ``00:30 → 02:00``
(30 minutes of real time); on the autumn day the repeated hour 01:00–02:00 is usually listed only once,
so its rows cannot be placed on one of the two real hours: they are left out with a warning and the hour
stays unpriced (a plan over it is refused, naming the slot), except where the row's end decides: the
end column is a true clock conversion (the spring row proves it), so ``01:30 → 02:00`` can only be the
second 01:30. Prices in p/kWh become GBP/kWh.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.tariffs.intervals import PriceIntervals, utc_text
from optimizer.tariffs.localtime import interval_ends, localize_walls, resolve_by_end
from optimizer.tariffs.problems import file_error
from optimizer.tariffs.readers.common import PriceFile, parse_price, read_csv_table

UK_ZONE = "Europe/London"
_UNITS = {"p/kwh": 0.01, "£/kwh": 1.0, "gbp/kwh": 1.0}


def looks_like_agile(header_line: str) -> bool:
    return "period from" in header_line.lower() and "period to" in header_line.lower()


def _wall_times(values: list[str], lines: list[int], path: Path, column: str) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(pd.Series(values), format="%d/%m/%Y %H:%M", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        i = int(bad[0])
        raise file_error(
            path, f"cannot read {values[i]!r} as a UK clock time dd/mm/yyyy HH:MM", line=lines[i], field=column
        )
    return pd.DatetimeIndex(parsed)


def _unresolved_warning(path: Path, lines: list[int], walls: list[str], span: tuple[int, int]) -> str:
    rows = f"lines {lines[0]}–{lines[-1]}" if len(lines) > 1 else f"line {lines[0]}"
    return (
        f"{path}: {rows} ({', '.join(walls)}): the repeated autumn hour is listed only once and nothing "
        f"tells which of its two occurrences is meant; left out, so {utc_text(span[0])}–{utc_text(span[1])} "
        "has no price"
    )


def _groups(positions: np.ndarray) -> list[list[int]]:
    """Consecutive runs of row positions."""
    groups: list[list[int]] = []
    for pos in (int(p) for p in positions):
        if groups and groups[-1][-1] == pos - 1:
            groups[-1].append(pos)
        else:
            groups.append([pos])
    return groups


def read_agile_csv(path: Path, text: str) -> PriceFile:
    """Read an Agile download into import (and export) intervals in GBP/kWh."""
    table = read_csv_table(path, text)
    lower = [h.lower() for h in table.header]
    try:
        col_from, col_to = lower.index("period from"), lower.index("period to")
    except ValueError:
        raise file_error(path, "expected columns 'Period from' and 'Period to'", line=1) from None
    price_columns: dict[str, tuple[int, float]] = {}
    for i, name in enumerate(lower):
        unit = re.search(r"\(([^)]*)\)", name)
        if i in (col_from, col_to) or not unit:
            continue
        if unit.group(1).replace(" ", "") not in _UNITS:
            raise file_error(path, f"unknown price unit {unit.group(1)!r}", line=1, field=table.header[i])
        role = "export" if "export" in name else "import"
        if role in price_columns:
            raise file_error(path, f"two {role} price columns", line=1, field=table.header[i])
        price_columns[role] = (i, _UNITS[unit.group(1).replace(" ", "")])
    if "import" not in price_columns:
        raise file_error(path, "no price column such as 'Agile Import price (p/kWh)'", line=1)
    width = max(col_from, col_to, *(i for i, _ in price_columns.values())) + 1
    for row, line in zip(table.rows, table.lines, strict=True):
        if len(row) < width:
            raise file_error(path, f"expected {width} columns, found {len(row)}", line=line)

    froms = _wall_times([r[col_from] for r in table.rows], table.lines, path, table.header[col_from])
    tos = _wall_times([r[col_to] for r in table.rows], table.lines, path, table.header[col_to])
    start = resolve_by_end(localize_walls(froms, UK_ZONE), froms, tos, UK_ZONE)
    if start.nonexistent.any():
        i = int(np.flatnonzero(start.nonexistent)[0])
        raise file_error(
            path,
            f"{table.rows[i][col_from]} does not exist on the UK clock (the spring-forward hour)",
            line=table.lines[i],
            field=table.header[col_from],
        )
    ends = interval_ends(start.ns, froms, tos, UK_ZONE)
    warnings = []
    for group in _groups(np.flatnonzero(start.unresolved)):
        # the span left unpriced: from the end of the row before to the start of the row after
        before = int(ends[group[0] - 1]) if group[0] > 0 else int(start.ns[group[0]])
        after = int(start.ns[group[-1] + 1]) if group[-1] + 1 < len(start.ns) else before
        warnings.append(
            _unresolved_warning(
                path, [table.lines[p] for p in group], [table.rows[p][col_from] for p in group], (before, after)
            )
        )
    keep = np.flatnonzero(start.ok)
    series = {}
    for role, (column, factor) in price_columns.items():
        prices = [parse_price(table.rows[i][column], path, table.lines[i], table.header[column]) for i in keep]
        series[role] = PriceIntervals.build(
            start.ns[keep],
            ends[keep],
            np.asarray(prices) * factor,
            path=path,
            origins=[(table.lines[i], None) for i in keep],
        )
    return PriceFile(path, "agile-csv", path.stem, "GBP", UK_ZONE, series, tuple(warnings))
