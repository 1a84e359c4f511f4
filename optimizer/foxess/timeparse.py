"""Fox ESS time strings → aware datetimes.

The cloud writes station-local time followed by a zone abbreviation and a ``±hhmm`` offset:
``2025-02-21 16:38:29 GMT+0000``, ``2025-09-14 18:43:09 BST+0100``, ``2026-04-07 10:44:04 AEST+1000``.
Abbreviations are ambiguous (``CST``, ``IST``) and ``%Z`` fails on many of them, so only the trailing offset is
trusted; the abbreviation is ignored. ISO-8601 forms (``2025-02-21T16:38:29Z``, ``...+01:00``) are accepted too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_PATTERN = re.compile(
    r"""^\s*
    (?P<date>\d{4}-\d{1,2}-\d{1,2})
    [ T]
    (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6})\d*)?)?
    \s*
    (?:
        (?P<abbr>[A-Za-z]{1,6})?\s*(?P<sign>[+-])(?P<off_h>\d{2}):?(?P<off_m>\d{2})
      | (?P<utc>Z|UTC|GMT)
      | (?P<bare>[A-Za-z]{1,6})
    )?
    \s*$""",
    re.VERBOSE,
)
_MAX_OFFSET = timedelta(hours=14)


def parse_fox_time(text: str, default_tz: tzinfo | None = None) -> datetime:
    """Parse a Fox ESS time string into an aware datetime (its own offset kept).

    ``default_tz`` is used only when the text carries no offset at all; without it such text is an error,
    because guessing the zone of a timestamp silently shifts data by hours.

    Raises ``ValueError`` naming the text when it cannot be read.
    """
    if not isinstance(text, str):
        raise ValueError(f"Fox ESS time must be a string, got {text!r}")
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"cannot read Fox ESS time {text!r}; expected e.g. '2025-02-21 16:38:29 GMT+0000'")
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "0").ljust(6, "0")
    try:
        naive = datetime(
            year,
            month,
            day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
        )
    except ValueError as exc:
        raise ValueError(f"cannot read Fox ESS time {text!r}: {exc}") from None
    if match["sign"]:
        offset = timedelta(hours=int(match["off_h"]), minutes=int(match["off_m"]))
        if offset > _MAX_OFFSET or int(match["off_m"]) >= 60:
            raise ValueError(f"Fox ESS time {text!r} has an impossible UTC offset")
        zone: tzinfo = timezone(-offset if match["sign"] == "-" else offset)
    elif match["utc"]:
        zone = UTC
    elif default_tz is not None:
        zone = default_tz
    else:
        raise ValueError(f"Fox ESS time {text!r} has no UTC offset, so its instant is unknown")
    return naive.replace(tzinfo=zone)


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds [ms] of an aware datetime (exact integer arithmetic, no float rounding)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: give a time zone")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
