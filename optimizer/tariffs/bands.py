"""Clock-time bands and day schedules: the coverage rules and the lookup tables that price a minute.

A *band* prices the clock minutes ``[start, end)`` of a day (``end`` may be ``24:00``; ``start > end``
crosses midnight). The bands of one schedule must cover every minute of the day exactly once. A *schedule*
applies to some days (weekdays and month-days); the schedules of one side must give every day exactly one
schedule. Both rules are checked here, with messages naming the bands or schedules at fault; the same
tables then price minutes by plain array lookups.

Minutes are minutes of the clock the side uses (local wall clock or UTC), ``0 ≤ minute < 1440``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from optimizer.tariffs.problems import Loc

MINUTES_PER_DAY = 1440
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (i,) for i, name in enumerate(WEEKDAY_NAMES)},
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "all": (0, 1, 2, 3, 4, 5, 6),
}
_WEEKDAY_LABELS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
# Month-days of a leap year: ordinal 0 = 01-01, 59 = 02-29, 365 = 12-31.
_LEAP_MONTH_START = np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366])
DAYS_PER_LEAP_YEAR = 366


class CoverageError(ValueError):
    """A band set or schedule set does not cover its domain exactly once.

    ``sub_loc`` points below the object being validated (e.g. ``("bands", 1)``), so that the error can be
    reported on the line of the offending band.
    """

    def __init__(self, message: str, sub_loc: Loc = ()) -> None:
        super().__init__(message)
        self.sub_loc = sub_loc


def parse_clock(text: str, *, allow_24: bool) -> int:
    """``"05:30"`` → 330 (minutes after midnight); ``"24:00"`` → 1440 when ``allow_24``."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(hours) == 2 and len(minutes) == 2):
        raise ValueError(f"clock time {text!r} must be HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY or (value == MINUTES_PER_DAY and not allow_24):
        raise ValueError(f"clock time {text!r} is not a time of day" + (" (use 00:00–24:00)" if allow_24 else ""))
    return value


def clock_text(minute: int) -> str:
    """330 → ``"05:30"``; 1440 → ``"24:00"``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class Band:
    """Clock minutes ``[start_minute, end_minute)`` at ``price`` (currency/kWh); wraps past midnight when
    ``start_minute > end_minute``."""

    start_minute: int
    end_minute: int
    price: float

    def minutes(self) -> np.ndarray:
        """The minutes of the day this band covers."""
        if self.start_minute < self.end_minute:
            return np.arange(self.start_minute, self.end_minute)
        return np.concatenate(
            [np.arange(self.start_minute, MINUTES_PER_DAY), np.arange(0, self.end_minute % MINUTES_PER_DAY)]
        )

    def label(self) -> str:
        return f"{clock_text(self.start_minute)}–{clock_text(self.end_minute)}"


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs ``[a, b)`` of True in a boolean minute array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _ranges_text(runs: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"{clock_text(a)}–{clock_text(b)}" for a, b in runs)


def band_owner(bands: Sequence[Band]) -> np.ndarray:
    """For each minute of the day, the index of the one band covering it.

    Raises :class:`CoverageError` naming the bands that overlap, or the minutes no band covers.
    """
    owner = np.full(MINUTES_PER_DAY, -1, dtype=np.int64)
    for i, band in enumerate(bands):
        if band.start_minute == band.end_minute % MINUTES_PER_DAY and band.end_minute != MINUTES_PER_DAY:
            raise CoverageError(
                f"band {band.label()} is empty: start and end are the same time (write 00:00–24:00 for a whole day)",
                ("bands", i),
            )
        covered = band.minutes()
        taken = owner[covered] >= 0
        if taken.any():
            other = int(owner[covered][taken][0])
            clash = np.zeros(MINUTES_PER_DAY, dtype=bool)
            clash[covered[taken]] = True
            raise CoverageError(
                f"bands[{other}] {bands[other].label()} and bands[{i}] {band.label()} overlap at "
                f"{_ranges_text(_runs(clash))}; every minute of the day needs exactly one band",
                ("bands", i),
            )
        owner[covered] = i
    missing = owner < 0
    if missing.any():
        raise CoverageError(
            f"no band covers {_ranges_text(_runs(missing))}; every minute of the day needs exactly one band",
            ("bands",),
        )
    return owner


def minute_prices(bands: Sequence[Band]) -> np.ndarray:
    """The price [currency/kWh] of each of the 1440 minutes of the day, checked for exact coverage."""
    owner = band_owner(bands)
    prices = np.array([b.price for b in bands], dtype=float)
    return prices[owner]


def month_day_ordinal(month: int, day: int) -> int:
    """The index of ``MM-DD`` in a leap year (01-01 → 0, 02-29 → 59, 12-31 → 365)."""
    return int(_LEAP_MONTH_START[month - 1]) + day - 1


def ordinals_of(months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Vectorised :func:`month_day_ordinal`."""
    return _LEAP_MONTH_START[months - 1] + days - 1


def _ordinal_text(ordinal: int) -> str:
    month = int(np.searchsorted(_LEAP_MONTH_START, ordinal, side="right"))
    day = ordinal - int(_LEAP_MONTH_START[month - 1]) + 1
    return f"{month:02d}-{day:02d}"


@dataclass(frozen=True)
class DaySelector:
    """Which days a schedule applies to: weekdays (0 = Monday) and month-days (leap-year ordinals)."""

    weekdays: frozenset[int]
    ordinals: frozenset[int]

    @classmethod
    def build(
        cls,
        day_names: Sequence[str],
        months: Sequence[int] | None,
        date_ranges: Sequence[tuple[str, str]] | None,
    ) -> DaySelector:
        weekdays = frozenset(d for name in day_names for d in DAY_GROUPS[name])
        if months:
            ordinals = frozenset(
                o for m in months for o in range(int(_LEAP_MONTH_START[m - 1]), int(_LEAP_MONTH_START[m]))
            )
        elif date_ranges:
            found: set[int] = set()
            for first, last in date_ranges:
                a = month_day_ordinal(int(first[:2]), int(first[3:]))
                b = month_day_ordinal(int(last[:2]), int(last[3:]))
                span = range(a, b + 1) if a <= b else [*range(a, DAYS_PER_LEAP_YEAR), *range(0, b + 1)]
                found.update(span)
            ordinals = frozenset(found)
        else:
            ordinals = frozenset(range(DAYS_PER_LEAP_YEAR))
        return cls(weekdays, ordinals)


def schedule_lookup(selectors: Sequence[DaySelector], names: Sequence[str]) -> np.ndarray:
    """A ``366 × 7`` table (month-day ordinal × weekday) of the one schedule index applying to each day.

    Raises :class:`CoverageError` naming the first day no schedule applies to, or two schedules that both
    apply to the same day.
    """
    table = np.full((DAYS_PER_LEAP_YEAR, 7), -1, dtype=np.int64)
    for i, selector in enumerate(selectors):
        mask = np.zeros((DAYS_PER_LEAP_YEAR, 7), dtype=bool)
        mask[np.ix_(sorted(selector.ordinals), sorted(selector.weekdays))] = True
        clash = mask & (table >= 0)
        if clash.any():
            o, w = (int(v) for v in np.argwhere(clash)[0])
            other = int(table[o, w])
            raise CoverageError(
                f"schedules[{other}]{names[other]} and schedules[{i}]{names[i]} both apply to "
                f"{_WEEKDAY_LABELS[w]} on {_ordinal_text(o)}; every day needs exactly one schedule",
                ("schedules", i),
            )
        table[mask] = i
    if (table < 0).any():
        o, w = (int(v) for v in np.argwhere(table < 0)[0])
        count = int((table < 0).sum())
        more = f" (and {count - 1} other weekday/date combinations)" if count > 1 else ""
        raise CoverageError(
            f"no schedule applies to {_WEEKDAY_LABELS[w]} on {_ordinal_text(o)}{more}; "
            "every day needs exactly one schedule",
            ("schedules",),
        )
    return table


def day_schedule(table: np.ndarray, day: date) -> int:
    """The schedule index applying to ``day``."""
    return int(table[month_day_ordinal(day.month, day.day), day.weekday()])
