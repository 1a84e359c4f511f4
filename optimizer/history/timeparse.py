"""Time strings of history files to UTC: ISO-8601 with ``Z`` or an offset, Fox-style ``... BST+0100`` strings,
and (only when a site time zone is given) naive local clock times, with DST ambiguity resolved by file order.
Day-first dotted dates (``26.01.2024 00:00``, the default of Home Assistant statistics exports) are read as
naive local times. Years outside 2000..2099 are refused: no measured history lies there, and pandas cannot
hold years beyond 2262.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from optimizer.errors import HistoryError

# "2025-09-14 18:43:09 BST+0100" / "2025-02-21 16:38:29 GMT+0000": station clock, abbreviation, offset.
_FOX_STYLE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*[A-Za-z]{1,6}([+-]\d{2}):?(\d{2})$"
)
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
# "26.01.2024 00:00": day, month, year, clock.
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}:\d{2}(?::\d{2})?)$")
FIRST_YEAR = 2000
LAST_YEAR = 2099
# The common case, checked for all rows at once: ISO-8601 with Z or an offset.
_ISO_AWARE = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
_HINT = "Write times such as 2024-03-31T03:00:00+02:00 (ISO-8601 with an offset, see docs/CONTRACT.md)."


def normalise_time_text(text: str) -> str:
    """One time string in ISO-8601 form: Fox-style abbreviations dropped, ``+0100`` kept as an offset."""
    stripped = text.strip()
    match = _FOX_STYLE.match(stripped)
    if match:
        day, clock, hours, minutes = match.groups()
        return f"{day}T{clock}{hours}:{minutes}"
    dotted = _DOTTED.match(stripped)
    if dotted:
        day, month, year, clock = dotted.groups()
        hour, rest = clock.split(":", 1)
        return f"{year}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{rest}"
    return stripped


def has_offset(text: str) -> bool:
    return bool(_HAS_OFFSET.search(text))


def parse_times(
    texts: Sequence[str], lines: Sequence[int], *, source: str, timezone: str | None = None
) -> pd.DatetimeIndex:
    """Parse time strings (``lines`` gives each one's line number for errors) into a UTC index.

    Strings must all carry an offset (``Z``, ``+01:00``, ``+0100``, ``GMT+0000``), or all lack one; naive
    strings are read as the clock of ``timezone`` (the repeated autumn hour is resolved by file order) and
    are an error without it. Raises :class:`HistoryError` naming the first bad line and its value.
    """
    fast = _parse_iso_aware(texts)
    if fast is not None:
        return fast
    shown = [t.strip() for t in texts]  # as written, for the messages
    normalised = [normalise_time_text(t) for t in texts]
    with_offset = [has_offset(t) for t in normalised]
    for text, written, line in zip(normalised, shown, lines, strict=True):
        if not _ISO_LIKE.match(text):
            raise HistoryError(f"{source}, line {line}: time {written!r} is not an ISO-8601 date-time.", hint=_HINT)
        year = int(text[:4])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise HistoryError(
                f"{source}, line {line}: time {written!r} is in the year {year}, outside {FIRST_YEAR} to {LAST_YEAR}.",
                hint="Check the date (a clock that was never set, or a typo in the year).",
            )
    if all(with_offset):
        return _parse_aware(normalised, shown, lines, source)
    if any(with_offset):
        line = lines[with_offset.index(False)]
        value = shown[with_offset.index(False)]
        raise HistoryError(
            f"{source}, line {line}: time {value!r} has no UTC offset while other rows have one.",
            hint="Write every time with Z or an offset such as +01:00.",
        )
    if timezone is None:
        raise HistoryError(
            f"{source}, line {lines[0]}: time {shown[0]!r} has no UTC offset.",
            hint="Write times with Z or an offset such as +01:00 (see docs/CONTRACT.md), or give the site time zone.",
        )
    return _parse_local(normalised, shown, lines, source, timezone)


def _parse_iso_aware(texts: Sequence[str]) -> pd.DatetimeIndex | None:
    """All ``texts`` parsed at once when every one is ISO-8601 with an offset in the accepted years, else
    None (the row-by-row path then names the first bad row)."""
    series = pd.Series(texts, dtype=object).str.strip()
    if not len(series) or not series.str.match(_ISO_AWARE).all():
        return None
    years = series.str.slice(0, 4).astype(int)
    if not years.between(FIRST_YEAR, LAST_YEAR).all():
        return None
    try:
        parsed = pd.to_datetime(series, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None
    return pd.DatetimeIndex(parsed, name="time")


def _parse_aware(texts: list[str], shown: list[str], lines: Sequence[int], source: str) -> pd.DatetimeIndex:
    try:
        parsed = pd.to_datetime(pd.Series(texts), utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        for text, written, line in zip(texts, shown, lines, strict=True):
            try:
                pd.Timestamp(text)
            except (ValueError, TypeError, OverflowError):
                raise HistoryError(f"{source}, line {line}: cannot read time {written!r}.", hint=_HINT) from None
        raise HistoryError(f"{source}: cannot read the time column.", hint=_HINT) from None
    return pd.DatetimeIndex(parsed, name="time")


def _parse_local(
    texts: list[str], shown: list[str], lines: Sequence[int], source: str, timezone: str
) -> pd.DatetimeIndex:
    try:
        naive = pd.DatetimeIndex(pd.to_datetime(pd.Series(texts), format="ISO8601"))
    except (ValueError, TypeError, OverflowError):
        for text, written, line in zip(texts, shown, lines, strict=True):
            try:
                pd.Timestamp(text)
            except (ValueError, TypeError, OverflowError):
                raise HistoryError(f"{source}, line {line}: cannot read time {written!r}.", hint=_HINT) from None
        raise HistoryError(f"{source}: cannot read the time column.", hint=_HINT) from None
    try:
        local = naive.tz_localize(timezone, ambiguous="infer", nonexistent="raise")
    except Exception as exc:  # pytz/pandas raise several classes for DST problems
        stamp = _first_dst_problem(naive, timezone)
        where = f", line {lines[stamp]}: time {shown[stamp]!r}" if stamp is not None else ""
        raise HistoryError(
            f"{source}{where}: the local time cannot be placed on the {timezone} clock ({exc}).",
            hint="Write times with a UTC offset so that DST changes are unambiguous.",
        ) from None
    return pd.DatetimeIndex(local.tz_convert("UTC"), name="time")


def _first_dst_problem(naive: pd.DatetimeIndex, timezone: str) -> int | None:
    for position, stamp in enumerate(naive):
        try:
            pd.Timestamp(stamp).tz_localize(timezone, ambiguous="raise", nonexistent="raise")
        except Exception:
            return position
    return None
