"""What every price-file reader shares: the result type and careful CSV/number parsing."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from optimizer.tariffs.intervals import PriceIntervals
from optimizer.tariffs.problems import file_error

#: Cells that say "no price here" (a hole): empty, or the marks real downloads use for prices not published.
MISSING_MARKS = frozenset({"", "-", "n/e", "N/A", "n/a"})
_BOOLEANS = frozenset({"true", "false", "yes", "no"})


@dataclass(frozen=True)
class PriceFile:
    """Prices read from one file, in currency/kWh on UTC intervals.

    ``series`` holds ``"import"`` and, for files with an export column, ``"export"``. ``currency`` is
    empty when the file does not say. ``timezone`` is the zone the file's times or market belong to.
    """

    path: Path
    format: str
    name: str
    currency: str
    timezone: str | None
    series: dict[str, PriceIntervals]
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and data rows, each data row with its 1-based line number."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]


def read_csv_table(path: Path, text: str) -> CsvTable:
    """Split ``text`` into a header and rows, skipping blank lines, keeping line numbers."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            rows.append([cell.strip() for cell in record])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise file_error(path, f"not a readable CSV file: {exc}", line=reader.line_num) from None
    if header is None:
        raise file_error(path, "the file is empty")
    if not rows:
        raise file_error(path, "the file has a header but no rows")
    return CsvTable(header, rows, lines)


def parse_price(text: str, path: Path, line: int, column: str) -> float:
    """A price cell: a finite number, or NaN for the marks files use for 'no price' (empty, ``-``, ``n/e``).

    ``nan``, ``inf``, booleans and other text are refused with a problem naming the line, column and value:
    a price file either gives a price or says plainly that there is none."""
    cell = text.strip()
    if cell in MISSING_MARKS:
        return math.nan
    if cell.lower() in _BOOLEANS:
        raise file_error(path, f"{cell!r} is a boolean, not a price in currency/kWh", line=line, field=column)
    try:
        value = float(cell)
    except ValueError:
        raise file_error(path, f"cannot read {cell!r} as a price", line=line, field=column) from None
    if not math.isfinite(value):
        raise file_error(
            path,
            f"price {cell!r} is not a finite number; leave the cell empty where no price is known",
            line=line,
            field=column,
        )
    return value


def finite_price(value: object) -> TypeGuard[float]:
    """True for a JSON number that can be a price: an int or a float, finite, not a boolean."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
