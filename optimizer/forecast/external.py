"""External PV forecast files: Solcast and forecast.solar, detected from the content.

* **Solcast** JSON (``{"forecasts": [...]}`` or ``{"estimated_actuals": [...]}``), each entry with
  ``period_end`` (ISO-8601 UTC), ``period`` (``PT30M``) and ``pv_estimate`` [kW, mean over the period that
  *ends* at ``period_end``]; or a Solcast CSV with the columns ``period_end``/``PeriodEnd``, ``period``/
  ``Period`` and ``pv_estimate``/``PvEstimate``.
* **forecast.solar** JSON (``{"result": {"watt_hours_period": {...}, "watts": {...}}, "message": {"info":
  {"timezone": ...}}}``): times are local to ``message.info.timezone`` (or carry an offset);
  ``watt_hours_period`` [Wh] is the energy of the period ending at each time, ``watts`` [W] the power at it
  (used only without the former). Days listed are covered from local midnight to midnight: hours outside
  the listed times are night (0 kW).

Either becomes a series of mean power [kW] on the slots it covers (energy-conserving) and NaN elsewhere.
Errors raise :class:`~optimizer.errors.InputError` (exit 3) naming the file and the entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.timegrid import local_midnight

_ISO_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$", re.IGNORECASE)


def read_external_pv(path: str | Path, index: pd.DatetimeIndex, *, timezone: str) -> pd.Series:
    """Mean PV [kW] of each slot of ``index`` from the forecast file ``path``; NaN where it says nothing."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{source}: PV forecast file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read PV forecast file: {exc}") from None
    intervals = parse_external_pv(text, source=str(source), timezone=timezone)
    return intervals_to_slots(intervals, index)


def parse_external_pv(text: str, *, source: str, timezone: str) -> pd.DataFrame:
    """The file's content as intervals: columns ``start``, ``end`` (UTC) and ``pv_kw`` (mean power)."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: not valid JSON: {exc}") from None
        if isinstance(document, dict) and ("forecasts" in document or "estimated_actuals" in document):
            entries = document.get("forecasts", document.get("estimated_actuals"))
            return _solcast_entries(entries, source)
        if isinstance(document, dict) and isinstance(document.get("result"), dict):
            return _forecast_solar(document, source, timezone)
        raise InputError(
            f"{source}: unrecognised PV forecast JSON; expected Solcast ('forecasts') or forecast.solar ('result')"
        )
    return _solcast_csv(text, source)


def _duration(text: Any, source: str, where: str) -> timedelta:
    match = _ISO_DURATION.match(str(text).strip())
    if not match or not any(match.groups()):
        raise InputError(f"{source}, {where}: period {text!r} is not an ISO-8601 duration such as PT30M")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _utc(text: Any, source: str, where: str, timezone: str | None = None) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(str(text).strip())
    except (ValueError, TypeError):
        raise InputError(f"{source}, {where}: cannot read time {text!r}") from None
    if stamp.tzinfo is None:
        if timezone is None:
            raise InputError(f"{source}, {where}: time {text!r} has no UTC offset")
        stamp = stamp.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    return stamp.tz_convert("UTC")


def _power(value: Any, source: str, where: str, scale: float = 1.0) -> float:
    try:
        number = float(value) * scale
    except (TypeError, ValueError):
        raise InputError(f"{source}, {where}: PV value {value!r} is not a number") from None
    if not np.isfinite(number) or number < 0:
        raise InputError(f"{source}, {where}: PV value {value!r} must be a finite number ≥ 0")
    return number


def _solcast_entries(entries: Any, source: str) -> pd.DataFrame:
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: Solcast file has no forecast entries")
    rows: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        if not isinstance(entry, dict) or "period_end" not in entry or "pv_estimate" not in entry:
            raise InputError(f"{source}, {where}: needs period_end and pv_estimate")
        end = _utc(entry["period_end"], source, where)
        period = _duration(entry.get("period", "PT30M"), source, where)
        rows.append((end - period, end, _power(entry["pv_estimate"], source, where)))
    return _frame(rows)


def _solcast_csv(text: str, source: str) -> pd.DataFrame:
    reader = csv.DictReader(io.StringIO(text))
    fields = {re.sub(r"[^a-z0-9]", "", (name or "").lower()): name for name in reader.fieldnames or []}
    end_field = fields.get("periodend")
    value_field = fields.get("pvestimate")
    if end_field is None or value_field is None:
        raise InputError(
            f"{source}: unrecognised PV forecast file; a Solcast CSV needs period_end and pv_estimate columns"
        )
    period_field = fields.get("period")
    rows: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    for line, record in enumerate(reader, start=2):
        where = f"line {line}"
        end = _utc(record[end_field], source, where)
        period = _duration(record[period_field] if period_field else "PT30M", source, where)
        rows.append((end - period, end, _power(record[value_field], source, where)))
    if not rows:
        raise InputError(f"{source}: Solcast CSV has no rows")
    return _frame(rows)


def _forecast_solar(document: dict[str, Any], source: str, timezone: str) -> pd.DataFrame:
    result = document["result"]
    info = document.get("message", {}).get("info", {}) if isinstance(document.get("message"), dict) else {}
    zone = str(info.get("timezone") or timezone)
    by_period = result.get("watt_hours_period")
    watts = result.get("watts")
    table = by_period if isinstance(by_period, dict) and by_period else watts
    if not isinstance(table, dict) or not table:
        raise InputError(f"{source}: forecast.solar file has neither watt_hours_period nor watts")
    points = sorted((_utc(k, source, f"time {k!r}", zone), k, v) for k, v in table.items())
    energies = table is by_period
    rows: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    for day in sorted({p[0].tz_convert(zone).date() for p in points}):
        begin = local_midnight(day, zone)
        end = local_midnight(day + timedelta(days=1), zone)
        todays = [
            (stamp, _power(value, source, f"time {key!r}", 1e-3))
            for stamp, key, value in points
            if begin <= stamp < end
        ]
        cursor, previous_kw = begin, 0.0
        for stamp, value in todays:
            if stamp > cursor:
                hours = (stamp - cursor).total_seconds() / 3600.0
                # Wh of the period ending here, or the trapezoid between two power readings.
                mean_kw = value / hours if energies and cursor != begin else (previous_kw + value) / 2
                rows.append((cursor, stamp, 0.0 if cursor == begin else mean_kw))
            cursor, previous_kw = stamp, value
        if cursor < end:
            rows.append((cursor, end, 0.0))
    return _frame(rows)


def _frame(rows: list[tuple[pd.Timestamp, pd.Timestamp, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["start", "end", "pv_kw"]).sort_values("start", kind="stable")
    return frame[frame["end"] > frame["start"]].reset_index(drop=True)


def intervals_to_slots(intervals: pd.DataFrame, index: pd.DatetimeIndex) -> pd.Series:
    """Energy-conserving mean of the interval powers over each slot; NaN for slots not wholly covered."""
    slots = pd.DatetimeIndex(index.tz_convert("UTC"))
    step = (slots[1] - slots[0]) if len(slots) > 1 else pd.Timedelta(minutes=30)
    starts = slots.as_unit("ns").asi8.astype(float) / 1e9
    ends = starts + step.total_seconds()
    energy = np.zeros(len(slots))
    covered = np.zeros(len(slots))
    for begin, finish, power in intervals.itertuples(index=False):
        a = pd.Timestamp(begin).as_unit("ns").value / 1e9
        b = pd.Timestamp(finish).as_unit("ns").value / 1e9
        overlap = np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0.0, None)
        energy += overlap * power
        covered += overlap
    full = covered >= step.total_seconds() - 1e-6
    values = np.where(full, energy / np.where(covered > 0, covered, 1.0), np.nan)
    series = pd.Series(values, index=slots, name="pv_kw")
    series.index.name = "time"
    return series
