"""Slot grids in UTC and the one place where times meet the site's local clock.

Every series in the package is indexed by slot *start* in UTC on a fixed step. Local time appears only where
a human or the inverter needs hours and minutes (scheduler groups, tables, CLI arguments).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from optimizer.errors import UsageError

ALLOWED_SLOT_MINUTES = (5, 10, 15, 20, 30, 60)


def check_slot_minutes(slot_minutes: int) -> int:
    if slot_minutes not in ALLOWED_SLOT_MINUTES:
        raise UsageError(f"slot length {slot_minutes} min is not supported; use one of {ALLOWED_SLOT_MINUTES}")
    return slot_minutes


def parse_duration(text: str) -> timedelta:
    """Parse ``30min``, ``15m``, ``1h``, ``24h``, ``2d``, ``90`` (minutes) into a timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(min|m|h|d)?\s*", text.lower())
    if not match:
        raise UsageError(f"cannot read duration {text!r}; write e.g. 30min, 24h or 2d")
    value = float(match.group(1))
    unit = match.group(2) or "min"
    minutes = value * {"min": 1, "m": 1, "h": 60, "d": 1440}[unit]
    return timedelta(minutes=minutes)


def parse_slot(text: str | int) -> int:
    """``30min`` → 30, checked against the allowed slot lengths."""
    if isinstance(text, int):
        return check_slot_minutes(text)
    minutes = parse_duration(text).total_seconds() / 60
    if minutes != int(minutes):
        raise UsageError(f"slot length {text!r} must be a whole number of minutes")
    return check_slot_minutes(int(minutes))


def to_utc(value: datetime | pd.Timestamp, tz: ZoneInfo | str) -> pd.Timestamp:
    """An aware timestamp in UTC; a naive one is read as the site's local clock."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz if isinstance(tz, str) else str(tz), ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert("UTC")


def parse_time_arg(text: str, tz: ZoneInfo | str) -> pd.Timestamp:
    """A CLI time: an ISO-8601 datetime (with or without offset) or a date (= local midnight of the site)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return local_midnight(date.fromisoformat(text.strip()), tz)
        return to_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")), tz)
    except ValueError:
        raise UsageError(f"cannot read time {text!r}; use an ISO-8601 date or datetime") from None


def local_midnight(day: date, tz: ZoneInfo | str) -> pd.Timestamp:
    """The UTC instant of local midnight starting ``day`` at the site."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return pd.Timestamp(datetime.combine(day, time(0), tzinfo=zone)).tz_convert("UTC")


def floor_to_slot(ts: pd.Timestamp, slot_minutes: int) -> pd.Timestamp:
    return pd.Timestamp(ts).tz_convert("UTC").floor(f"{slot_minutes}min")


def slot_index(start: pd.Timestamp | datetime, end: pd.Timestamp | datetime, slot_minutes: int) -> pd.DatetimeIndex:
    """Slot starts in UTC from ``start`` (inclusive) to ``end`` (exclusive) on a fixed step."""
    check_slot_minutes(slot_minutes)
    start_utc = pd.Timestamp(start).tz_convert("UTC")
    end_utc = pd.Timestamp(end).tz_convert("UTC")
    if end_utc <= start_utc:
        raise UsageError(f"empty horizon: end {end_utc} is not after start {start_utc}")
    index = pd.date_range(start_utc, end_utc, freq=f"{slot_minutes}min", inclusive="left", name="time")
    return pd.DatetimeIndex(index).as_unit("ns")  # one resolution everywhere (pandas 3 may pick µs)


def horizon_index(start: pd.Timestamp, horizon: timedelta, slot_minutes: int) -> pd.DatetimeIndex:
    return slot_index(start, pd.Timestamp(start) + horizon, slot_minutes)


def local_day_index(day: date, tz: ZoneInfo | str, slot_minutes: int) -> pd.DatetimeIndex:
    """All slots of one local day: 48 half-hours normally, 46 or 50 on DST change days."""
    return slot_index(local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz), slot_minutes)


def slot_hours(index: pd.DatetimeIndex) -> float:
    """The fixed slot length of ``index`` in hours."""
    if index.freq is not None:
        return pd.Timedelta(index.freq.nanos, unit="ns").total_seconds() / 3600.0
    if len(index) < 2:
        raise UsageError("cannot infer the slot length of an index with fewer than two slots and no freq")
    return (index[1] - index[0]).total_seconds() / 3600.0


def to_local(index: pd.DatetimeIndex, tz: ZoneInfo | str) -> pd.DatetimeIndex:
    return index.tz_convert(str(tz))


def iso(ts: pd.Timestamp | datetime) -> str:
    """ISO-8601 with an offset (``Z`` for UTC) as used in every file and JSON document."""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        raise ValueError("naive timestamp")
    text = stamp.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
