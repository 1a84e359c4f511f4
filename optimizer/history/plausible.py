"""Whole-column checks of a history file: values that are plausible one by one but wrong as a whole.

A house's mean power sits between a few tens of watts and a few tens of kilowatts. A column that says
``load_kw`` and holds 1184 is in W, not a house drawing a megawatt; a ``load_w`` column holding 0.45 is in
kW; a ``load_kwh`` column that only ever grows is a meter reading, not the energy of each interval; a SoC
that never exceeds 1 is a fraction. Each is refused at read time with a sentence that says what the values
look like and how to fix the header: imported as they are, they would fail every plan later with a
baffling shortfall ("1184 kWh short").

Single implausible values (a spike, a negative reading) are not refused here: the cleaning of
:func:`~optimizer.history.resample_to_slots` removes and counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.columns import NONNEGATIVE_POWER_COLUMNS, PERCENT_COLUMNS

#: No household's median power (over the readings above zero) is above this [kW].
MAX_HOUSEHOLD_KW = 50.0
#: No house's median load (over the readings above zero) is below this [kW]: standby alone draws more.
MIN_HOUSE_LOAD_KW = 0.005
#: Negative readings down to this [kW] are meter noise.
NEGATIVE_NOISE_KW = -0.05
#: A column whose non-zero changes are increases this often is a meter reading (a counter).
CUMULATIVE_SHARE = 0.95
#: Checks that need a pattern (a counter, a fraction) wait for this many values.
MIN_VALUES_FOR_PATTERN = 24

_STEMS = {"load_kw": "load", "pv_kw": "pv", "grid_import_kw": "grid_import", "grid_export_kw": "grid_export"}


def looks_cumulative(values: np.ndarray) -> bool:
    """True when ``values`` (NaN ignored) almost only ever grow: a meter reading, not per-interval data."""
    present = values[~np.isnan(values)]
    steps = np.diff(present)
    moving = steps[steps != 0]
    if len(moving) < MIN_VALUES_FOR_PATTERN:
        return False
    return bool((moving > 0).mean() >= CUMULATIVE_SHARE)


def _stem(column: str) -> str:
    return _STEMS.get(column, column.removesuffix("_kw"))


def check_columns(
    frame: pd.DataFrame,
    lines: Sequence[int],
    source: Path,
    *,
    headers: Mapping[str, str],
    units: Mapping[str, str],
    raw: Mapping[str, np.ndarray],
    step_minutes: int,
) -> None:
    """Refuse columns that are wrong as a whole. ``frame`` holds the values converted to kW / %, one row
    per data row of the file (``lines``); ``headers`` and ``units`` (``kw``, ``w``, ``kwh``, ``wh``,
    ``pct``) say how each column was written; ``raw`` holds the values as written."""
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=float)
        check_column(
            column,
            values,
            raw.get(column, values),
            lines,
            source,
            header=headers.get(column, column),
            unit=units.get(column, "kw"),
            step_minutes=step_minutes,
        )


def check_column(
    column: str,
    values: np.ndarray,
    written: np.ndarray,
    lines: Sequence[int],
    source: Path,
    *,
    header: str,
    unit: str,
    step_minutes: int | None,
    cumulative_ok: bool = False,
    label: str | None = None,
    unit_fix: str | None = None,
) -> None:
    """One column's checks: ``values`` in kW (or %), ``written`` as in the file, one per line of ``lines``.

    ``header`` names the column in the messages (``label`` replaces "column HEADER", e.g. "entity
    sensor.x"; ``unit_fix`` replaces the advice on the unit); ``cumulative_ok`` skips the meter-reading
    check for values that are cumulative by definition (a statistics ``sum``)."""
    label = label or f"column {header}"
    present = ~np.isnan(values)
    if not present.any():
        return
    if column in PERCENT_COLUMNS:
        _check_percent(values, present, lines, source, header)
        return
    if column in NONNEGATIVE_POWER_COLUMNS:
        _check_sign(values, present, lines, source, header)
    if unit in ("kwh", "wh") and not cumulative_ok and looks_cumulative(written):
        first, last = written[present][0], written[present][-1]
        interval = f"{step_minutes}-min interval" if step_minutes else "interval"
        raise HistoryError(
            f"{source}: {label} only ever grows (from {first:g} to {last:g}): it looks like a meter "
            "reading, not the energy of each interval.",
            hint=f"Write the energy used in each {interval} (the difference between readings), or the mean "
            "power in kW (see docs/CONTRACT.md).",
        )
    positive = present & (values > 0)
    if not positive.any():
        return
    median_kw = float(np.median(values[positive]))
    at = int(np.nonzero(positive)[0][0])
    line, shown = lines[at], f"{written[at]:g}"
    stem = _stem(column)
    if median_kw > MAX_HOUSEHOLD_KW:
        raise HistoryError(
            _too_high(source, label, unit, median_kw, line, shown, step_minutes), hint=unit_fix or _fix(stem, unit)
        )
    if column == "load_kw" and unit in ("w", "wh") and median_kw < MIN_HOUSE_LOAD_KW and positive.sum() >= 12:
        raise HistoryError(
            f"{source}: {label} looks like kilowatts, not watts: its median is "
            f"{median_kw * 1000:.3g} W (line {line} reads {shown}), less than any house draws.",
            hint=unit_fix or f"Rename the column {stem}_kw (or '{stem} [kW]') and import the file again.",
        )


def _too_high(source: Path, label: str, unit: str, median_kw: float, line: int, shown: str, step: int | None) -> str:
    limit = f"far above the {MAX_HOUSEHOLD_KW:g} kW of any household"
    if unit == "kw":
        return (
            f"{source}: {label} looks like watts, not kilowatts: its median is {median_kw:.4g} kW "
            f"(line {line} reads {shown}), {limit}."
        )
    if unit in ("kwh", "wh"):
        label = "kWh" if unit == "kwh" else "Wh"
        return (
            f"{source}: {label} gives a mean power of {median_kw:.4g} kW (median over "
            f"{step or 60}-min intervals; line {line} reads {shown} {label}), {limit}."
        )
    return f"{source}: {label} gives a median of {median_kw:.4g} kW (line {line} reads {shown} W), {limit}."


def _fix(stem: str, unit: str) -> str:
    if unit == "kw":
        return f"Rename the column {stem}_w (or '{stem} [W]') and import the file again."
    if unit == "kwh":
        return (
            f"If the values are in Wh, rename the column {stem}_wh; if they are meter readings, write the energy "
            "of each interval."
        )
    return "Check the unit in the header: kW or W for mean power, kWh or Wh for the energy of each interval."


def _check_sign(values: np.ndarray, present: np.ndarray, lines: Sequence[int], source: Path, header: str) -> None:
    bad = present & (values < NEGATIVE_NOISE_KW)
    if bad.sum() > 0.5 * present.sum():
        first = int(np.nonzero(bad)[0][0])
        raise HistoryError(
            f"{source}: {header} is out of range (kW ≥ 0) in {int(bad.sum())} of {int(present.sum())} rows, "
            f"first at line {lines[first]}: {values[first]:g}.",
            hint="Load and PV are consumption and production, never negative: check the sign convention.",
        )


def _check_percent(values: np.ndarray, present: np.ndarray, lines: Sequence[int], source: Path, header: str) -> None:
    bad = present & ((values < 0.0) | (values > 100.0))
    if bad.sum() > 0.5 * present.sum():
        first = int(np.nonzero(bad)[0][0])
        raise HistoryError(
            f"{source}: {header} is out of range (0..100 %) in {int(bad.sum())} of {int(present.sum())} rows, "
            f"first at line {lines[first]}: {values[first]:g}.",
            hint="The state of charge is a percentage of the usable capacity, 0 to 100.",
        )
    shown = values[present]
    if len(shown) >= MIN_VALUES_FOR_PATTERN and shown.max() <= 1.0 and shown.max() > 0.0:
        raise HistoryError(
            f"{source}: {header} never exceeds {shown.max():g}: it looks like a fraction of 1, not a percentage.",
            hint="Multiply the state of charge by 100 (0.55 is written 55) and import the file again.",
        )
