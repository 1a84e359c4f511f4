"""Wall-clock times from files → UTC, right across DST changes.

Downloads often give local clock times without an offset. Three cases need care:

* a *non-existent* time (the spring-forward hour) names no instant;
* an *ambiguous* time (the repeated autumn hour) names two instants: when a file lists it twice, the first
  row is the earlier (summer-time) instant and the second the later one; when it lists it only once, the
  row is *unresolved* unless its written end decides (:func:`resolve_by_end`, for files whose end column
  is a true clock conversion); an unresolved row is reported, never guessed;
* an interval's *end* on a change day: ``00:30 → 02:00`` on the UK spring day is 30 minutes long, and
  ``02:00 - 03:00`` written twice on the CET autumn day is two 60-minute intervals. :func:`interval_ends`
  takes the earliest end consistent with both the written end time and the written length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_NO_TIME = np.iinfo(np.int64).max


@dataclass(frozen=True)
class LocalizedTimes:
    """UTC nanoseconds of wall times; ``ok`` is False where a time is non-existent or unresolved."""

    ns: np.ndarray
    ok: np.ndarray
    nonexistent: np.ndarray
    unresolved: np.ndarray


def _localize(walls: pd.DatetimeIndex, tz: str, *, dst: bool, nonexistent: str) -> np.ndarray:
    flags = np.full(len(walls), dst, dtype=bool)
    aware = walls.tz_localize(tz, ambiguous=flags, nonexistent=nonexistent)  # type: ignore[arg-type]
    values = aware.as_unit("ns").asi8.copy()
    values[aware.isna()] = _NO_TIME
    return values


def localize_walls(walls: pd.DatetimeIndex, tz: str) -> LocalizedTimes:
    """Naive wall times in ``tz`` → UTC ns, resolving repeated autumn times by their order in the file."""
    naive = pd.DatetimeIndex(walls).as_unit("ns")
    summer = _localize(naive, tz, dst=True, nonexistent="NaT")
    winter = _localize(naive, tz, dst=False, nonexistent="NaT")
    nonexistent = summer == _NO_TIME
    ambiguous = (summer != winter) & ~nonexistent
    result = summer.copy()
    unresolved = np.zeros(len(naive), dtype=bool)
    if ambiguous.any():
        positions = np.flatnonzero(ambiguous)
        by_wall: dict[int, list[int]] = {}
        for pos in positions:
            by_wall.setdefault(int(naive.asi8[pos]), []).append(int(pos))
        for occurrences in by_wall.values():
            if len(occurrences) == 1:
                unresolved[occurrences[0]] = True
            else:  # first → summer time (already), second → winter time; further copies overlap later
                result[occurrences[1]] = winter[occurrences[1]]
    ok = ~nonexistent & ~unresolved
    return LocalizedTimes(result, ok, nonexistent, unresolved)


def resolve_by_end(
    times: LocalizedTimes, from_walls: pd.DatetimeIndex, to_walls: pd.DatetimeIndex, tz: str
) -> LocalizedTimes:
    """Place unresolved autumn rows by their written end, where exactly one reading fits.

    For files whose end column is the true local conversion of the interval's end (the Octopus download:
    its spring row reads ``00:30 → 02:00``), a row ``01:30 → 02:00`` on the autumn day can only be the
    later 01:30 (winter time): the earlier one would end at 01:00. A start is taken when exactly one of its
    two instants lies the written length before an instant named by the end; otherwise it stays
    unresolved.
    """
    if not times.unresolved.any():
        return times
    naive_from = pd.DatetimeIndex(from_walls).as_unit("ns")
    naive_to = pd.DatetimeIndex(to_walls).as_unit("ns")
    starts = {
        "summer": _localize(naive_from, tz, dst=True, nonexistent="NaT"),
        "winter": _localize(naive_from, tz, dst=False, nonexistent="NaT"),
    }
    end_a = _localize(naive_to, tz, dst=True, nonexistent="shift_forward")
    end_b = _localize(naive_to, tz, dst=False, nonexistent="shift_forward")
    length = naive_to.asi8 - naive_from.asi8
    ns, unresolved = times.ns.copy(), times.unresolved.copy()
    for i in np.flatnonzero(times.unresolved):
        fits = [
            s[i]
            for s in starts.values()
            if length[i] > 0 and (end_a[i] - s[i] == length[i] or end_b[i] - s[i] == length[i])
        ]
        if len(fits) == 1:
            ns[i], unresolved[i] = fits[0], False
    return LocalizedTimes(ns, ~times.nonexistent & ~unresolved, times.nonexistent, unresolved)


def interval_ends(
    start_ns: np.ndarray, from_walls: pd.DatetimeIndex, to_walls: pd.DatetimeIndex, tz: str
) -> np.ndarray:
    """UTC ns of each interval's end: the earliest of *the first instant named by the written end time
    after the start* and *start + written length* (when that length is positive)."""
    to_naive = pd.DatetimeIndex(to_walls).as_unit("ns")
    earlier = _localize(to_naive, tz, dst=True, nonexistent="shift_forward")
    later = _localize(to_naive, tz, dst=False, nonexistent="shift_forward")
    by_clock = np.where(earlier > start_ns, earlier, np.where(later > start_ns, later, _NO_TIME))
    length = to_naive.asi8 - pd.DatetimeIndex(from_walls).as_unit("ns").asi8
    by_length = np.where(length > 0, start_ns + np.where(length > 0, length, 0), _NO_TIME)
    return np.minimum(by_clock, by_length)


NO_TIME = _NO_TIME
