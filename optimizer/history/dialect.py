"""How a history file is written: its separator (comma, semicolon or tab) and its decimal mark.

Spreadsheets in most of Europe save CSV with ``;`` between fields and ``,`` as the decimal mark
(``2024-06-10T02:00:00+02:00;0,2436;0``); Home Assistant statistics exports are often tab-separated. The
separator is told from the header line (the one of ``,``, ``;`` and tab that occurs most often there, outside
quotes); a decimal comma is accepted in any file not separated by commas. Every data row keeps its 1-based
line number for the errors.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import HistoryError

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_BOTH_MARKS = re.compile(r"^[+-]?\d{1,3}(?:[.,]\d{3})+[.,]\d+$")


@dataclass(frozen=True)
class Table:
    """A history file split into cells: the header (stripped), the data rows and their line numbers."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str

    @property
    def header_text(self) -> str:
        return self.delimiter.join(self.header)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]


def sniff_delimiter(header_line: str) -> str:
    """The separator of a CSV file from its header line: the most frequent of ``,``, ``;`` and tab outside
    double quotes (a comma on ties or when none occurs)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_table(source: Path) -> Table:
    """Read ``source`` as text, tell its separator and split it into cells, skipping blank lines.

    Raises :class:`HistoryError` for a missing, unreadable, non-UTF-8 or empty file."""
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HistoryError(f"{source}: history file not found.") from None
    except IsADirectoryError:
        raise HistoryError(f"{source}: is a folder, not a history file.") from None
    except UnicodeDecodeError as exc:
        raise HistoryError(
            f"{source}: not a UTF-8 text file (byte {exc.start + 1} cannot be read).",
            hint="Save the file as CSV UTF-8 and import it again.",
        ) from None
    except OSError as exc:
        raise HistoryError(f"{source}: cannot read the history file: {exc.strerror}.") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise HistoryError(
            f"{source}: the file is empty.",
            hint="A history CSV starts with the header time,load_kw,pv_kw (see docs/CONTRACT.md).",
        )
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            if not any(record) or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line (or one of empty fields)
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise HistoryError(f"{source}, line {reader.line_num}: not a readable CSV line ({exc}).") from None
    assert header is not None
    return Table(source, header, rows, lines, delimiter)


def parse_number(cell: str, *, decimal_comma: bool) -> float:
    """A number written in a cell: ``0.53``, ``-1e-3`` and, where ``decimal_comma``, ``0,53`` too.

    Raises ``ValueError`` with the reason (thousands separators are refused rather than guessed)."""
    text = cell.strip()
    if decimal_comma and "," in text:
        if not _DECIMAL_COMMA.match(text):
            if _BOTH_MARKS.match(text):
                raise ValueError("has a thousands separator; write the number without one")
            raise ValueError("is not a number")
        text = text.replace(",", ".")
    elif _BOTH_MARKS.match(text) and "," in text:
        raise ValueError("has a thousands separator; write the number without one")
    if "_" in text:  # float() would read 1_000 as 1000
        raise ValueError("is not a number")
    try:
        return float(text)
    except ValueError:
        raise ValueError("is not a number") from None
