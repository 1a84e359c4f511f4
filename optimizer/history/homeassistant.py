"""Home Assistant exports as history: the history panel's download and the long-term statistics export.

**History download** (History panel → ⋮ → *Download data*): ``entity_id,state,last_changed``, one row per
state change, all rows of one entity then the next, times in UTC (``2024-08-21T00:00:12.345Z``). A state
holds until the entity's next row (Home Assistant writes a row only when the value changes), so each
entity's states are averaged, weighted by how long each held, onto a fixed step (default 5 min; a slot
held less than half the time is a gap). ``unavailable``, ``unknown`` and empty states are gaps. The file
carries no unit: it comes from the keyword (``load_unit="W"``), else from the entity id (``..._w``,
``..._kw``), else from the values (a positive median above 50 can only be W, one below 30 only kW, in
between is refused) and the choice is noted.

**Statistics export** (``statistic_id,unit,start,min,max,mean`` for measurements, ``…,state,sum`` or
``…,delta`` for energy counters; tab, comma or semicolon separated, decimal point or comma; ``start`` as
``26.01.2024 00:00`` on the site's clock or ISO-8601): hourly rows. ``mean`` in W or kW is the hour's
mean power; ``delta`` (or the change of ``sum``) in kWh or Wh is the hour's energy, divided by the hour.

**Which entity is which**: ``load_entity``, ``pv_entity``, ``soc_entity`` name them; left out, the entity
whose id says load/consumption (load), pv/solar/photovoltaic/production (PV) or soc (state of charge) is
taken when exactly one numeric entity does (energy totals, forecasts and prices set aside); otherwise the
error lists the entity ids found and the option that chooses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.dialect import Table
from optimizer.history.loaded import HistoryFile, fixed_step
from optimizer.history.plausible import MAX_HOUSEHOLD_KW, check_column, looks_cumulative
from optimizer.history.timeparse import parse_times

DEFAULT_STEP_MINUTES = 5
GAP_STATES = frozenset({"", "unavailable", "unknown", "none", "null", "nan"})
#: Words of an entity id that say which quantity it measures.
QUANTITY_WORDS: dict[str, frozenset[str]] = {
    "load": frozenset({"load", "loads", "consumption"}),
    "pv": frozenset({"pv", "solar", "photovoltaic", "photovoltaics", "production"}),
    "soc": frozenset({"soc"}),
}
#: Words of an entity id that rule it out of the automatic choice (an energy total, a forecast, a price).
NOT_A_POWER_WORDS = frozenset(
    {"energy", "kwh", "wh", "today", "daily", "yesterday", "total", "forecast", "cost", "price", "voltage"}
)
#: Words ending an entity id that give its unit.
UNIT_WORDS = {"w": "w", "watt": "w", "watts": "w", "kw": "kw", "kilowatt": "kw", "kilowatts": "kw"}
#: Statistics units → our unit keys.
STATISTICS_UNITS = {"w": "w", "kw": "kw", "kwh": "kwh", "wh": "wh", "%": "pct"}
#: A positive median above this can only be W; below KW_AT_MOST only kW (in between is refused).
W_AT_LEAST = 50.0
KW_AT_MOST = 30.0
COLUMNS = {"load": "load_kw", "pv": "pv_kw", "soc": "soc_pct"}
LABELS = {"load": "the house load", "pv": "the PV production", "soc": "the battery state of charge"}
OPTIONS = {"load": "load_entity", "pv": "pv_entity", "soc": "soc_entity"}
FLAGS = {"load": "--load-entity", "pv": "--pv-entity", "soc": "--soc-entity"}
UNIT_FLAGS = {"load": "--load-unit", "pv": "--pv-unit"}
UNIT_LABELS = {"w": "W", "kw": "kW", "kwh": "kWh", "wh": "Wh", "pct": "%"}


def export_kind(header: Sequence[str]) -> str | None:
    """``"history"`` for a history download, ``"statistics"`` for a statistics export, else None."""
    names = {cell.strip().lower() for cell in header}
    if {"entity_id", "state"} <= names and names & {"last_changed", "last_updated"}:
        return "history"
    if {"statistic_id", "start"} <= names and names & {"mean", "delta", "sum", "state"}:
        return "statistics"
    return None


@dataclass
class _Series:
    """The rows of one entity or statistic: cells as written (stripped) and their line numbers."""

    name: str
    times: list[str]
    values: list[str]
    lines: list[int]
    units: list[str]


def _positions(table: Table, names: Iterable[str]) -> dict[str, int]:
    lowered = [cell.strip().lower() for cell in table.header]
    return {name: lowered.index(name) for name in names if name in lowered}


def _group(table: Table, key_at: int, time_at: int, value_at: int, unit_at: int | None) -> dict[str, _Series]:
    """The rows by entity (or statistic), in order of first appearance, each keeping the file's row order."""
    needed = max(key_at, time_at, value_at, unit_at or 0) + 1
    if not table.rows:
        raise HistoryError(f"{table.path}: no data rows after the header.")
    widths = np.fromiter((len(r) for r in table.rows), dtype=np.int64, count=len(table.rows))
    if widths.min() < needed:
        at = int(np.argmax(widths < needed))
        raise HistoryError(
            f"{table.path}, line {table.lines[at]}: {int(widths[at])} fields where the header has {len(table.header)}.",
            hint=f"The file is {table.delimiter_name}-separated (told from its header).",
        )
    columns = list(zip(*table.rows, strict=False))  # ragged rows are cut to the shortest, which holds `needed`
    keys = pd.Series(columns[key_at], dtype=object).str.strip()
    times = np.asarray(columns[time_at], dtype=object)
    values = pd.Series(columns[value_at], dtype=object).str.strip().to_numpy(dtype=object)
    units = (
        pd.Series(columns[unit_at], dtype=object).str.strip().to_numpy(dtype=object)
        if unit_at is not None
        else np.full(len(keys), "", dtype=object)
    )
    lines = np.asarray(table.lines, dtype=np.int64)
    codes, names = pd.factorize(keys, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    series: dict[str, _Series] = {}
    for code, name in enumerate(names):
        rows = order[bounds[code] : bounds[code + 1]]
        series[str(name)] = _Series(
            str(name), list(times[rows]), list(values[rows]), lines[rows].tolist(), list(units[rows])
        )
    return series


def _numbers(values: Sequence[str], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """The states as numbers (NaN for gaps and for text) and where a state is text that is no number."""
    cells = pd.Series(values, dtype=object)
    gap = cells.str.lower().isin(GAP_STATES).to_numpy()
    if decimal_comma:
        cells = cells.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cells.where(~gap), errors="coerce").to_numpy(dtype=float)
    return numbers, ~gap & np.isnan(numbers)


def _numeric(entry: _Series, decimal_comma: bool) -> bool:
    numbers, _ = _numbers(entry.values, decimal_comma)
    return bool((~np.isnan(numbers)).any())


def _states(entry: _Series, source: Path, decimal_comma: bool) -> np.ndarray:
    """An entity's states as numbers (NaN for unavailable/unknown/empty); text or infinity is an error."""
    numbers, text = _numbers(entry.values, decimal_comma)
    if text.any():
        at = int(np.argmax(text))
        raise HistoryError(
            f"{source}, line {entry.lines[at]}: state {entry.values[at]!r} of {entry.name} is not a number.",
            hint="A power sensor's states are numbers; unavailable and unknown are read as gaps.",
        )
    infinite = np.isinf(numbers)
    if infinite.any():
        at = int(np.argmax(infinite))
        raise HistoryError(
            f"{source}, line {entry.lines[at]}: state {entry.values[at]!r} of {entry.name} is not a finite number."
        )
    return numbers


def _words(entity: str) -> list[str]:
    return [w for w in re.split(r"[._:\-\s]+", entity.lower()) if w]


def _listed(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


def choose_entities(
    source: Path, found: Sequence[str], numeric: Sequence[str], chosen: Mapping[str, str | None], *, kind: str
) -> tuple[dict[str, str], list[str]]:
    """The entity of each quantity (load, PV and, when there is one, SoC) and notes on the choice.

    Raises :class:`HistoryError` listing the entities found when one is named but absent, or when load or
    PV cannot be told from the ids (none or several candidates)."""
    what = "entity" if kind == "history" else "statistic"
    picked: dict[str, str] = {}
    notes: list[str] = []
    for quantity in ("load", "pv", "soc"):
        name = chosen.get(quantity)
        if name is not None:
            if name not in found:
                raise HistoryError(
                    f"{source}: {OPTIONS[quantity]} {name!r} is not in the file; its {what} ids are "
                    f"{_listed(list(found))}.",
                    hint=f"Choose one of them with {FLAGS[quantity]} ({OPTIONS[quantity]}= in Python).",
                )
            picked[quantity] = name
            continue
        candidates = []
        for entity in numeric:
            words = set(_words(entity))
            matches = [q for q, vocabulary in QUANTITY_WORDS.items() if words & vocabulary]
            if matches == [quantity] and not words & NOT_A_POWER_WORDS and entity not in picked.values():
                candidates.append(entity)
        if quantity == "soc" and kind == "history":
            candidates = [c for c in candidates if "soc" in _words(c)]
        if len(candidates) == 1:
            picked[quantity] = candidates[0]
            notes.append(f"{LABELS[quantity]} is {candidates[0]} (told from its id)")
        elif quantity != "soc" or len(candidates) > 1:
            if candidates:
                plural = "entities" if kind == "history" else "statistics"
                problem = f"{len(candidates)} {plural} could be {LABELS[quantity]}: {_listed(candidates)}"
            else:
                problem = (
                    f"no {what} id says which is {LABELS[quantity]}; the numeric ones are {_listed(list(numeric))}"
                )
            raise HistoryError(
                f"{source}: {problem}.",
                hint=f"Choose it with {FLAGS[quantity]} ENTITY_ID ({OPTIONS[quantity]}= in Python).",
            )
    return picked, notes


# ----- the history download ------------------------------------------------------------------------------


def read_history_download(
    table: Table,
    *,
    timezone: str | None,
    load_entity: str | None = None,
    pv_entity: str | None = None,
    soc_entity: str | None = None,
    load_unit: str | None = None,
    pv_unit: str | None = None,
    step_minutes: int | None = None,
) -> HistoryFile:
    """Read a history panel download (``entity_id,state,last_changed``) onto a fixed step."""
    source = table.path
    step = _check_step(source, step_minutes)
    at = _positions(table, ("entity_id", "state", "last_changed", "last_updated"))
    time_at = at.get("last_changed", at.get("last_updated"))
    assert time_at is not None
    decimal_comma = table.delimiter != ","
    series = _group(table, at["entity_id"], time_at, at["state"], None)
    numeric = [name for name, entry in series.items() if _numeric(entry, decimal_comma)]
    picked, notes = choose_entities(
        source,
        list(series),
        numeric,
        {"load": load_entity, "pv": pv_entity, "soc": soc_entity},
        kind="history",
    )
    units_given = {"load": load_unit, "pv": pv_unit}
    stamps: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    duplicates = 0
    for quantity, entity in picked.items():
        entry = series[entity]
        index = parse_times(entry.times, entry.lines, source=str(source), timezone=timezone)
        states = _states(entry, source, decimal_comma)
        order = np.argsort(index.as_unit("ns").asi8, kind="stable")
        ns = index.as_unit("ns").asi8[order]
        states = states[order]
        lines = [entry.lines[i] for i in order]
        last = np.concatenate([ns[1:] != ns[:-1], [True]]) if len(ns) else np.array([], dtype=bool)
        duplicates += int((~last).sum())
        ns, states, lines = ns[last], states[last], [line for line, keep in zip(lines, last, strict=True) if keep]
        if quantity == "soc":
            unit = "pct"
        else:
            unit, note = _history_unit(source, entity, states, lines, units_given[quantity], quantity)
            if note:
                notes.append(note)
        factor = {"w": 0.001, "kw": 1.0, "pct": 1.0}[unit]
        if unit != "pct" and looks_cumulative(states):
            raise HistoryError(
                f"{source}: entity {entity} only ever grows (from {np.nanmin(states):g} to {np.nanmax(states):g}): "
                "it looks like an energy counter, not a power sensor.",
                hint=f"Export the power sensor (W or kW) instead, or choose it with {FLAGS[quantity]}.",
            )
        check_column(
            COLUMNS[quantity],
            states * factor,
            states,
            lines,
            source,
            header=entity,
            unit=unit,
            step_minutes=None,
            label=f"entity {entity}",
            unit_fix=_unit_fix(quantity, unit),
        )
        stamps[quantity], values[quantity], units[quantity] = ns, states * factor, unit
    frame = _hold_means(stamps, values, step)
    frame = frame[[COLUMNS[q] for q in ("load", "pv", "soc") if q in picked]]
    used = set(picked.values())
    return HistoryFile(
        path=source,
        frame=frame,
        rows=len(table.rows),
        step_minutes=step,
        duplicates=duplicates,
        ignored_columns=tuple(name for name in series if name not in used),
        format="home-assistant-history",
        sources={COLUMNS[q]: e for q, e in picked.items()},
        units={COLUMNS[q]: UNIT_LABELS[u] for q, u in units.items()},
        notes=tuple([*notes, f"state changes averaged onto {step}-min steps, weighted by how long each held"]),
    )


def _check_step(source: Path, step_minutes: int | None) -> int:
    step = DEFAULT_STEP_MINUTES if step_minutes is None else step_minutes
    if isinstance(step, bool) or not isinstance(step, int) or not 5 <= step <= 60 or 60 % step:
        raise HistoryError(
            f"{source}: step_minutes = {step_minutes!r} is not a whole number of minutes from 5 to 60 that divides "
            "the hour."
        )
    return step


def _history_unit(
    source: Path, entity: str, states: np.ndarray, lines: Sequence[int], given: str | None, quantity: str
) -> tuple[str, str | None]:
    """The unit of a history download's power entity and, when told from the values, a note saying so."""
    if given is not None:
        unit = given.strip().lower()
        if unit in ("kwh", "wh"):
            raise HistoryError(
                f"{source}: the unit {given!r} given for {entity} is an energy: a history download holds states, "
                "and an energy counter's states are not a power.",
                hint="Export the power sensor (W or kW), or the statistics export, which has each hour's energy.",
            )
        if unit not in ("w", "kw"):
            raise HistoryError(
                f"{source}: the unit {given!r} given for {entity} is not 'W' or 'kW'.",
                hint=f"Give {UNIT_FLAGS[quantity]} W or {UNIT_FLAGS[quantity]} kW.",
            )
        return unit, None
    word = _words(entity)[-1]
    if word in UNIT_WORDS:
        return UNIT_WORDS[word], None
    if word in ("kwh", "wh"):
        raise HistoryError(
            f"{source}: entity {entity} is an energy in {word}, not a power.",
            hint=f"Export the power sensor (W or kW) and choose it with {FLAGS[quantity]}.",
        )
    positive = states[~np.isnan(states) & (states > 0)]
    if not len(positive):
        return "kw", None  # all zero or empty: the unit changes nothing
    median = float(np.median(positive))
    if median >= W_AT_LEAST:
        return "w", f"{entity} read in W (a history download names no unit; its median {median:g} can only be W)"
    if median <= KW_AT_MOST:
        return "kw", f"{entity} read in kW (a history download names no unit; its median {median:g} can only be kW)"
    raise HistoryError(
        f"{source}: entity {entity} has a median of {median:g}, which could be W or kW, and a history download "
        "names no unit.",
        hint=f"Say which with {UNIT_FLAGS[quantity]} W or {UNIT_FLAGS[quantity]} kW.",
    )


def _unit_fix(quantity: str, unit: str) -> str:
    other = "kW" if unit == "w" else "W"
    flag = UNIT_FLAGS.get(quantity)
    return f"Give the unit with {flag} {other}." if flag else "Check the entity."


def _hold_means(stamps: Mapping[str, np.ndarray], values: Mapping[str, np.ndarray], step_minutes: int) -> pd.DataFrame:
    """Each entity's states held until its next change, averaged over each slot of a common grid.

    A slot's value is the time-weighted mean over the part of it where the state was known; a slot known
    for less than half its length is a gap. The last state of each entity holds until the last change of
    any entity in the file (nothing says what followed)."""
    step_ns = step_minutes * 60 * 1_000_000_000
    first = min(int(ns[0]) for ns in stamps.values() if len(ns))
    end = max(int(ns[-1]) for ns in stamps.values() if len(ns))
    start = first - first % step_ns
    stop = end if end % step_ns == 0 else end + step_ns - end % step_ns
    stop = max(stop, start + step_ns)
    edges = np.arange(start, stop + 1, step_ns, dtype=np.int64)
    columns: dict[str, np.ndarray] = {}
    for quantity, ns in stamps.items():
        held = values[quantity]
        knots = np.concatenate([ns, [end]])  # state i holds over [knots[i], knots[i + 1])
        lengths = np.diff(knots) / 1e9
        known = ~np.isnan(held)
        energy = np.concatenate([[0.0], np.cumsum(np.where(known, held, 0.0) * lengths)])
        covered = np.concatenate([[0.0], np.cumsum(known * lengths)])
        seconds = (knots - start) / 1e9
        at_edges = (edges - start) / 1e9
        slot_energy = np.diff(np.interp(at_edges, seconds, energy))
        slot_cover = np.diff(np.interp(at_edges, seconds, covered))
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(slot_cover >= step_minutes * 30.0, slot_energy / slot_cover, np.nan)
        columns[COLUMNS[quantity]] = np.round(means, 6)
    first_slot = pd.Timestamp(int(edges[0]), tz="UTC")
    index = pd.date_range(first_slot, periods=len(edges) - 1, freq=f"{step_minutes}min", name="time")
    return pd.DataFrame(columns, index=index)


# ----- the statistics export -----------------------------------------------------------------------------


def read_statistics(
    table: Table,
    *,
    timezone: str | None,
    load_entity: str | None = None,
    pv_entity: str | None = None,
    soc_entity: str | None = None,
    step_minutes: int | None = None,
) -> HistoryFile:
    """Read a long-term statistics export (hourly ``mean``, ``delta`` or ``sum`` per statistic)."""
    source = table.path
    if step_minutes is not None:
        raise HistoryError(f"{source}: a statistics export has its own (hourly) step, so step_minutes does not apply.")
    at = _positions(table, ("statistic_id", "unit", "start", "mean", "delta", "sum", "state"))
    decimal_comma = table.delimiter != ","
    rows: dict[str, dict[str, _Series]] = {}
    for column in ("mean", "delta", "sum", "state"):
        if column in at:
            rows[column] = _group(table, at["statistic_id"], at["start"], at[column], at.get("unit"))
    any_column = next(iter(rows.values()))
    numeric = [
        name for name in any_column if any(_numeric(rows[c][name], decimal_comma) for c in rows if name in rows[c])
    ]
    picked, notes = choose_entities(
        source,
        list(any_column),
        numeric,
        {"load": load_entity, "pv": pv_entity, "soc": soc_entity},
        kind="statistics",
    )
    frames: list[pd.Series] = []
    units: dict[str, str] = {}
    duplicates = 0
    for quantity, statistic in picked.items():
        unit, line = _statistics_unit(source, any_column[statistic], quantity)
        column, cumulative = _value_column(source, rows, statistic, unit, line)
        entry = rows[column][statistic]
        index = parse_times(entry.times, entry.lines, source=str(source), timezone=timezone)
        written = _states(entry, source, decimal_comma)
        step = fixed_step(index, np.asarray(entry.lines), source)
        hours = step.total_seconds() / 3600.0
        values = written.copy()
        if cumulative:
            order = np.argsort(index.as_unit("ns").asi8, kind="stable")
            ns = index.as_unit("ns").asi8[order]
            sums = written[order]
            energy = np.full(len(sums), np.nan)
            follows = np.diff(ns) == int(step.value)
            energy[1:][follows] = np.diff(sums)[follows]
            values = np.empty(len(sums))
            values[order] = energy
        factor = {"w": 0.001, "kw": 1.0, "kwh": 1.0 / hours, "wh": 0.001 / hours, "pct": 1.0}[unit]
        check_column(
            COLUMNS[quantity],
            values * factor,
            written,
            entry.lines,
            source,
            header=statistic,
            unit=unit,
            step_minutes=int(step.total_seconds() // 60),
            cumulative_ok=cumulative,
            label=f"statistic {statistic} ({column})",
            unit_fix="Check the statistic's unit column.",
        )
        series = pd.Series(values * factor, index=index, name=COLUMNS[quantity])
        duplicates += int(series.index.duplicated().sum())
        frames.append(series.groupby(level=0).mean())
        units[quantity] = unit
        notes.append(f"{statistic}: {column} in {UNIT_LABELS[unit]}")
    frame = pd.concat(frames, axis=1).sort_index()
    step = fixed_step(pd.DatetimeIndex(frame.index), np.zeros(len(frame), dtype=int), source)
    grid = pd.date_range(frame.index[0], frame.index[-1], freq=step, name="time")
    frame = frame.reindex(grid)[[COLUMNS[q] for q in ("load", "pv", "soc") if q in picked]]
    used = set(picked.values())
    return HistoryFile(
        path=source,
        frame=frame,
        rows=len(table.rows),
        step_minutes=int(step.total_seconds() // 60),
        duplicates=duplicates,
        ignored_columns=tuple(name for name in any_column if name not in used),
        format="home-assistant-statistics",
        sources={COLUMNS[q]: e for q, e in picked.items()},
        units={COLUMNS[q]: UNIT_LABELS[u] for q, u in units.items()},
        notes=tuple(notes),
    )


def _statistics_unit(source: Path, entry: _Series, quantity: str) -> tuple[str, int]:
    """The statistic's unit (the same on every row) and the line it is first written on."""
    written = entry.units[0]
    for unit, line in zip(entry.units, entry.lines, strict=True):
        if unit != written:
            raise HistoryError(
                f"{source}, line {line}: statistic {entry.name} is in {unit!r} here and {written!r} on line "
                f"{entry.lines[0]}."
            )
    key = STATISTICS_UNITS.get(written.strip().lower(), "")
    allowed = ("pct",) if quantity == "soc" else ("w", "kw", "kwh", "wh")
    if key not in allowed:
        wanted = "%" if quantity == "soc" else "W, kW, kWh or Wh"
        raise HistoryError(
            f"{source}, line {entry.lines[0]}: unit {written!r} of statistic {entry.name} is not {wanted}.",
            hint=f"Export the statistic of {LABELS[quantity]} in {wanted}.",
        )
    return key, entry.lines[0]


def _value_column(
    source: Path, rows: Mapping[str, Mapping[str, _Series]], statistic: str, unit: str, line: int
) -> tuple[str, bool]:
    """Which column holds the statistic's values, and whether they are cumulative (``sum``/``state``)."""

    def has(column: str) -> bool:
        entry = rows.get(column, {}).get(statistic)
        return entry is not None and any(v.lower() not in GAP_STATES for v in entry.values)

    if unit in ("w", "kw", "pct"):
        if has("mean"):
            return "mean", False
        raise HistoryError(
            f"{source}, line {line}: statistic {statistic} is a power ({UNIT_LABELS[unit]}) but has no mean values."
        )
    for column, cumulative in (("delta", False), ("sum", True), ("state", True)):
        if has(column):
            return column, cumulative
    raise HistoryError(
        f"{source}, line {line}: statistic {statistic} is an energy ({UNIT_LABELS[unit]}) but has no delta, sum "
        "or state values."
    )


__all__ = [
    "DEFAULT_STEP_MINUTES",
    "MAX_HOUSEHOLD_KW",
    "choose_entities",
    "export_kind",
    "read_history_download",
    "read_statistics",
]
