"""History files: the CSV of ``docs/CONTRACT.md`` and the variants users actually have, read or refused.

The contract's file is ``time,load_kw,pv_kw[,soc_pct]``, mean power over each interval. Also read, each
told from the content:

* **separators and decimal marks**: ``,``, ``;`` or tab between fields (told from the header line), and a
  decimal comma (``0,53``) in files not separated by commas (:mod:`optimizer.history.dialect`);
* **units in the header** (:func:`optimizer.history.columns.parse_header`): ``load_kw``, ``Load (kW)``,
  ``load [W]``, ``pv_w`` for mean power in kW or W; ``load_kwh``, ``pv (kWh)``, ``load_wh`` for the
  energy of each interval, converted to its mean power; a quantity with no unit or an unknown one
  (``load (kVA)``) is refused naming the column;
* **Home Assistant exports** (:mod:`optimizer.history.homeassistant`): the history panel's *Download
  data* (``entity_id,state,last_changed``, one row per state change) and the long-term statistics export
  (``statistic_id,unit,start,mean`` or ``…,delta``).

Rules, each enforced with an error naming the file, line, column and value (:class:`HistoryError`, exit 3),
one or two full sentences:

* the header names a time column (``time``, ``timestamp``, ``datetime``, ``start``) and load and PV
  columns (any case, any order); ``soc_pct`` and the other known columns (``grid_import_kw``,
  ``grid_export_kw``, ``bat_charge_kw``, ``bat_discharge_kw``, ``meter_kw``) are read when present;
  unknown columns are ignored and reported;
* times are ISO-8601 with ``Z`` or an offset (Fox-style ``2025-09-14 18:43:09 BST+0100`` too); naive times
  (and day-first ``26.01.2024 00:00``) only with a site time zone; years outside 2000..2099 are refused;
* the step is fixed, 5 to 60 whole minutes: every row lies a whole number of steps after the first (missing
  rows are gaps, a row off the grid is an error);
* empty cells (and ``nan``) are gaps; numbers must be finite; implausible single values (negative load,
  SoC above 100 %) are kept as read and removed, counted, by the cleaning of
  :func:`~optimizer.history.resample_to_slots`; but a column wrong as a whole is an error
  (:mod:`optimizer.history.plausible`: W under a kW header, a meter reading under kWh, a sign mix-up);
* repeated timestamps are merged (their mean) and counted.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history import homeassistant
from optimizer.history.columns import (
    REQUIRED_COLUMNS,
    TIME_HEADERS,
    HeaderColumn,
    HeaderProblem,
    parse_header,
)
from optimizer.history.dialect import Table, parse_number, read_table
from optimizer.history.loaded import CONTRACT_HINT, HistoryFile, fixed_step, merge_repeats
from optimizer.history.plausible import NEGATIVE_NOISE_KW, check_columns
from optimizer.history.timeparse import parse_times

_GAP_TOKENS = {"", "nan", "NaN", "NAN", "null", "NULL", "None"}

__all__ = ["NEGATIVE_NOISE_KW", "HistoryFile", "load_history_csv", "read_history_csv"]


def read_history_csv(
    path: str | Path,
    *,
    timezone: str | None = None,
    load_entity: str | None = None,
    pv_entity: str | None = None,
    soc_entity: str | None = None,
    load_unit: str | None = None,
    pv_unit: str | None = None,
    step_minutes: int | None = None,
) -> pd.DataFrame:
    """A history file as a frame: UTC index on a fixed step, ``load_kw``, ``pv_kw`` [kW] and any of
    ``soc_pct`` [%] and the other known columns; gaps are NaN. Raises :class:`HistoryError` on bad input.

    The keyword arguments other than ``timezone`` apply to Home Assistant exports only (see
    :func:`load_history_csv`)."""
    return load_history_csv(
        path,
        timezone=timezone,
        load_entity=load_entity,
        pv_entity=pv_entity,
        soc_entity=soc_entity,
        load_unit=load_unit,
        pv_unit=pv_unit,
        step_minutes=step_minutes,
    ).frame


def load_history_csv(
    path: str | Path,
    *,
    timezone: str | None = None,
    load_entity: str | None = None,
    pv_entity: str | None = None,
    soc_entity: str | None = None,
    load_unit: str | None = None,
    pv_unit: str | None = None,
    step_minutes: int | None = None,
) -> HistoryFile:
    """As :func:`read_history_csv`, with what was found on the way (rows, step, duplicates, ignored columns,
    the format, each column's source and unit, notes).

    ``timezone`` places times without an offset on the site's clock. For Home Assistant exports,
    ``load_entity`` / ``pv_entity`` / ``soc_entity`` name the entities to read (default: the one whose id
    says load/consumption, pv/solar/photovoltaic/production, soc, when exactly one does), ``load_unit`` /
    ``pv_unit`` (``"W"`` or ``"kW"``) the unit of a history download's states (default: from the entity id,
    else from the values), and ``step_minutes`` (5 to 60, dividing 60; default 5) the step the state changes
    are averaged onto. Given for a file that is not such an export, they are an error."""
    source = Path(path)
    table = read_table(source)
    options = {
        "load_entity": load_entity,
        "pv_entity": pv_entity,
        "soc_entity": soc_entity,
        "load_unit": load_unit,
        "pv_unit": pv_unit,
        "step_minutes": step_minutes,
    }
    kind = homeassistant.export_kind(table.header)
    if kind == "history":
        return homeassistant.read_history_download(table, timezone=timezone, **options)  # type: ignore[arg-type]
    if kind == "statistics":
        if load_unit or pv_unit:
            raise HistoryError(
                f"{source}: a Home Assistant statistics export names each unit in its unit column, so "
                "load_unit and pv_unit do not apply."
            )
        return homeassistant.read_statistics(
            table,
            timezone=timezone,
            load_entity=load_entity,
            pv_entity=pv_entity,
            soc_entity=soc_entity,
            step_minutes=step_minutes,
        )
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise HistoryError(
            f"{source}: {', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to Home Assistant exports "
            f"only, and this file is a history CSV with the header {table.header_text!r}.",
            hint="Leave them out: the header names the columns and their units.",
        )
    return _read_wide(table, timezone)


# ----- the history CSV of the contract and its variants ------------------------------------------------


def _read_wide(table: Table, timezone: str | None) -> HistoryFile:
    source = table.path
    time_at, columns, ignored = _header_columns(table)
    decimal_comma = table.delimiter != ","
    width = len(table.header)

    times: list[str] = []
    lines: list[int] = []
    raw: dict[str, list[float]] = {c.column: [] for c in columns.values()}
    for record, line in zip(table.rows, table.lines, strict=True):
        if len(record) != width:
            raise HistoryError(
                f"{source}, line {line}: {len(record)} fields where the header has {width}.",
                hint=f"The file is {table.delimiter_name}-separated (told from its header): every row needs "
                f"{width} fields.",
            )
        times.append(record[time_at])
        lines.append(line)
        for position, column in columns.items():
            raw[column.column].append(_cell_value(record[position], column.header, line, source, decimal_comma))
    if not times:
        raise HistoryError(f"{source}: no data rows after the header.", hint=CONTRACT_HINT)

    index = parse_times(times, lines, source=str(source), timezone=timezone)
    step = fixed_step(index, np.asarray(lines), source)
    step_minutes = int(step.total_seconds() // 60)
    written = {name: np.asarray(values, dtype=float) for name, values in raw.items()}
    converted = {c.column: _to_store_unit(written[c.column], c, step_minutes) for c in columns.values()}
    frame = pd.DataFrame(converted, index=index, dtype=float)
    by_column = {c.column: c for c in columns.values()}
    check_columns(
        frame,
        lines,
        source,
        headers={name: c.header for name, c in by_column.items()},
        units={name: c.unit for name, c in by_column.items()},
        raw=written,
        step_minutes=step_minutes,
    )
    frame = frame[[columns[position].column for position in sorted(columns)]]
    frame, duplicates = merge_repeats(frame)
    grid = pd.date_range(frame.index[0], frame.index[-1], freq=step, name="time")
    notes = []
    if table.delimiter != ",":
        notes.append(f"{table.delimiter_name}-separated, decimal comma accepted")
    return HistoryFile(
        path=source,
        frame=frame.reindex(grid),
        rows=len(times),
        step_minutes=step_minutes,
        duplicates=duplicates,
        ignored_columns=ignored,
        format="history-csv",
        sources={c.column: c.header for c in columns.values()},
        units={c.column: c.unit_label for c in columns.values()},
        notes=tuple(notes),
    )


def _header_columns(table: Table) -> tuple[int, dict[int, HeaderColumn], tuple[str, ...]]:
    """The time column's position, the known columns by position, and the ignored headers."""
    source = table.path
    header = table.header
    time_at: int | None = None
    columns: dict[int, HeaderColumn] = {}
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(header):
        if cell.strip().lower() in TIME_HEADERS:
            if time_at is not None:
                raise HistoryError(f"{source}, line 1: two time columns, {header[time_at]!r} and {cell!r}.")
            time_at = position
            continue
        try:
            parsed = parse_header(cell)
        except HeaderProblem as exc:
            raise HistoryError(
                f"{source}, line 1: {exc}.",
                hint="Name each column's unit: load_kw or 'load (kW)' for mean kW, load_w for mean W, "
                "load_kwh or load_wh for the energy of each interval (see docs/history.md).",
            ) from None
        if parsed is None:
            ignored.append(cell)
            continue
        if parsed.column in seen:
            first = seen[parsed.column]
            if first == cell:
                raise HistoryError(f"{source}, line 1: column {cell!r} appears twice.")
            raise HistoryError(f"{source}, line 1: columns {first!r} and {cell!r} both give {parsed.column}.")
        seen[parsed.column] = cell
        columns[position] = parsed
    missing = [name for name in ("time", *REQUIRED_COLUMNS) if name != "time" and name not in seen]
    if time_at is None:
        missing.insert(0, "time")
    if missing:
        raise HistoryError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; the header is {table.header_text!r} "
            f"({table.delimiter_name}-separated).",
            hint=CONTRACT_HINT,
        )
    assert time_at is not None
    return time_at, columns, tuple(ignored)


def _cell_value(cell: str, header: str, line: int, source: Path, decimal_comma: bool) -> float:
    text = cell.strip()
    if text in _GAP_TOKENS:
        return math.nan
    try:
        value = parse_number(text, decimal_comma=decimal_comma)
    except ValueError as exc:
        raise HistoryError(f"{source}, line {line}: {header} = {text!r} {exc}.") from None
    if not math.isfinite(value):
        raise HistoryError(
            f"{source}, line {line}: {header} = {text!r} is not a finite number.",
            hint="Leave the cell empty where nothing was measured.",
        )
    return value


def _to_store_unit(values: np.ndarray, column: HeaderColumn, step_minutes: int) -> np.ndarray:
    """Mean kW over each interval (or % for SoC) from the values as written."""
    if column.kind == "energy":
        return values * column.factor / (step_minutes / 60.0)
    return values * column.factor
