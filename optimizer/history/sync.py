"""Pulling history from the Fox ESS cloud into the store: only what is missing, at most 24 h per call.

**Windows.** The range wanted is ``[local midnight (days) days before today, now)``. What the store's coverage
already holds is subtracted; each missing stretch is cut into consecutive windows of at most 24 h, one
``history_window`` call each. A stretch shorter than 24 h is widened backwards by up to ``overlap`` (15 min)
into already-covered time when that costs no extra call, to pick up samples the cloud received late. So:

* the first sync with ``--days N`` makes ``N + 1`` history calls (N whole days and today so far);
* a later sync makes ``ceil(time since the last sync / 24 h)`` calls: one per new day when run daily.

**Resume.** Each window's samples and its coverage are committed together in one transaction right after
its call. An interrupted sync (network, quota, Ctrl-C) keeps every finished window; the next sync asks only
for the rest. Samples are keyed by (device, variable, instant), so an overlap never duplicates anything.

**Budget.** ``max_calls`` caps the calls one sync may make (the caller's share of the run's budget): windows are
fetched newest first, so a first sync spread over several runs gives the planner the recent days at once, and
what did not fit is left for the next run (``deferred_windows``); month reports come after the windows, only
while calls remain.

**Month reports.** Daily totals come from the ``month`` report (the hourly ``day`` report undercounts). A
month is fetched once, when it is complete (its last local day is over) and overlaps the synced range; so a
sync makes one report call per complete month not yet stored and none in the steady state, except the first
sync of each new month. The current month's totals are therefore not in the store until it ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from optimizer.errors import FoxEssError, HistoryError
from optimizer.history.columns import API_VARIABLES, CORRUPT_ABOVE, REPORT_VARIABLES
from optimizer.history.store import HistoryStore
from optimizer.timegrid import iso, local_midnight

DEFAULT_SYNC_DAYS = 35
MAX_WINDOW = timedelta(hours=24)
DEFAULT_OVERLAP = timedelta(minutes=15)


class HistoryPointLike(Protocol):
    @property
    def time(self) -> datetime: ...

    @property
    def value(self) -> float | None: ...


class ReportVariableLike(Protocol):
    @property
    def variable(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def values(self) -> Sequence[float | None]: ...


class HistoryClient(Protocol):
    """What sync needs from :class:`optimizer.foxess.FoxEssClient` (any object with these members)."""

    @property
    def calls_made(self) -> int: ...

    def history_window(self, sn: str, begin: datetime, end: datetime, variables: list[str]) -> dict[str, list[Any]]: ...

    def report(
        self,
        sn: str,
        dimension: str,
        year: int,
        month: int | None = None,
        day: int | None = None,
        variables: list[str] | None = None,
    ) -> list[Any]: ...


#: ``progress(done_windows, total_windows)``, called once before the first window and after each one.
ProgressCallback = Callable[[int, int], None]


@dataclass
class SyncReport:
    """What :func:`sync_history` did. ``calls`` is the client's own count of API calls made during the sync
    (history + report, retries included); ``days_fetched`` is the fetched time span in days."""

    sn: str
    start: pd.Timestamp
    end: pd.Timestamp
    windows: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    planned_windows: int = 0
    history_calls: int = 0
    report_calls: int = 0
    calls: int = 0
    samples_written: int = 0
    fetched_seconds: float = 0.0
    months_reported: list[str] = field(default_factory=list)
    report_values_removed: int = 0
    error: FoxEssError | None = None
    deferred_windows: int = 0  # windows left for a later sync: the call budget did not allow them

    @property
    def days_fetched(self) -> float:
        return self.fetched_seconds / 86400.0

    @property
    def complete(self) -> bool:
        return self.error is None and len(self.windows) == self.planned_windows

    @property
    def covered_from(self) -> pd.Timestamp | None:
        """The oldest instant this sync (and earlier ones) now cover continuously up to ``end``, if any."""
        return min((begin for begin, _ in self.windows), default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sn": self.sn,
            "start": iso(self.start),
            "end": iso(self.end),
            "windows": len(self.windows),
            "planned_windows": self.planned_windows,
            "history_calls": self.history_calls,
            "report_calls": self.report_calls,
            "api_calls": self.calls,
            "samples_written": self.samples_written,
            "days_fetched": round(self.days_fetched, 3),
            "months_reported": list(self.months_reported),
            "report_values_removed": self.report_values_removed,
            "complete": self.complete,
            "deferred_windows": self.deferred_windows,
            "error": self.error.explain() if self.error else None,
        }


def plan_windows(
    missing: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    *,
    covered_from: pd.Timestamp | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Cut missing stretches into consecutive windows of at most 24 h.

    A stretch whose start is preceded by covered time (``covered_from`` is the earliest covered instant) is
    widened backwards by up to ``overlap`` if its first window stays within 24 h.
    """
    windows: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for begin, end in missing:
        count = max(1, math.ceil((end - begin).total_seconds() / MAX_WINDOW.total_seconds()))
        edges = [begin + k * MAX_WINDOW for k in range(count)] + [end]
        pieces = [(edges[k], min(edges[k + 1], end)) for k in range(count)]
        first_begin, first_end = pieces[0]
        if covered_from is not None and covered_from < first_begin and overlap > timedelta(0):
            room = MAX_WINDOW - (first_end - first_begin)
            widen = min(overlap, room, first_begin - covered_from)
            if widen > timedelta(0):
                pieces[0] = (first_begin - widen, first_end)
        windows.extend(pieces)
    return windows


def sync_history(
    client: HistoryClient,
    store: HistoryStore,
    sn: str,
    *,
    now: datetime,
    days: int = DEFAULT_SYNC_DAYS,
    timezone: str = "UTC",
    progress: ProgressCallback | None = None,
    reports: bool = True,
    raise_on_error: bool = True,
    overlap: timedelta = DEFAULT_OVERLAP,
    max_calls: int | None = None,
) -> SyncReport:
    """Fetch what the store lacks of device ``sn`` from ``days`` local days before today up to ``now``.

    ``timezone`` is the site's (local days and report months follow it). On a Fox ESS error, every window
    finished so far stays stored; the error is raised, or with ``raise_on_error=False`` returned in
    ``report.error`` so that the caller can show the partial result first. ``max_calls`` caps the calls made
    (newest windows first; the rest is counted in ``report.deferred_windows`` for the next sync).
    """
    if days < 0:
        raise HistoryError(f"days must be 0 or more, got {days}")
    now_ts = pd.Timestamp(now)
    if now_ts.tzinfo is None:
        raise HistoryError("sync needs an aware 'now'")
    now_ts = now_ts.tz_convert("UTC").floor("s")
    today = now_ts.tz_convert(timezone).date()
    start = local_midnight(today - timedelta(days=days), timezone)
    report = SyncReport(sn=sn, start=start, end=now_ts)
    calls_before = client.calls_made
    coverage = store.coverage(sn)
    covered_from = coverage[0][0] if coverage else None
    windows = plan_windows(store.missing(sn, start, now_ts), covered_from=covered_from, overlap=overlap)
    windows.sort(key=lambda window: window[0], reverse=True)  # newest first: what a plan needs most
    report.planned_windows = len(windows)
    if max_calls is not None and len(windows) > max_calls:
        report.deferred_windows = len(windows) - max(0, max_calls)
        windows = windows[: max(0, max_calls)]
    try:
        if progress:
            progress(0, len(windows))
        for done, (begin, end) in enumerate(windows, start=1):
            points = client.history_window(sn, begin.to_pydatetime(), end.to_pydatetime(), list(API_VARIABLES))
            report.history_calls += 1
            frame = points_to_frame(points)
            with store.transaction():
                report.samples_written += store.write_samples(sn, frame)
                store.add_coverage(sn, begin, end)
            report.windows.append((begin, end))
            report.fetched_seconds += (end - begin).total_seconds()
            if progress:
                progress(done, len(windows))
        if reports:
            left = None if max_calls is None else max_calls - (client.calls_made - calls_before)
            _sync_month_reports(client, store, sn, start, today, now_ts, report, timezone, max_calls=left)
    except FoxEssError as exc:
        report.error = exc
    finally:
        report.calls = client.calls_made - calls_before
    if report.error is not None and raise_on_error:
        raise report.error
    return report


def points_to_frame(points: dict[str, list[Any]]) -> pd.DataFrame:
    """The history call's ``{variable: [HistoryPoint]}`` as a frame of store columns (UTC index).

    Unknown variables are ignored; points without a value are skipped; points of several variables at the
    same instant share a row.
    """
    columns: dict[str, pd.Series] = {}
    for variable, series in points.items():
        column = API_VARIABLES.get(variable)
        if column is None:
            continue
        stamps: list[pd.Timestamp] = []
        values: list[float] = []
        for point in series:
            if point.value is None:
                continue
            stamp = pd.Timestamp(point.time)
            if stamp.tzinfo is None:
                raise HistoryError(f"history point of {variable} has a naive time {point.time!r}")
            stamps.append(stamp.tz_convert("UTC").floor("s"))
            values.append(float(point.value))
        if stamps:
            series_ = pd.Series(values, index=pd.DatetimeIndex(stamps), dtype=float)
            columns[column] = series_.groupby(level=0).mean()
    if not columns:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"), dtype=float)
    frame = pd.DataFrame(columns).sort_index()
    frame.index.name = "time"
    return frame


def complete_months(start: pd.Timestamp, today: date, timezone: str) -> list[tuple[int, int]]:
    """(year, month) of every month overlapping ``[start, today)`` whose last local day is before ``today``."""
    first = pd.Timestamp(start).tz_convert(timezone).date()
    months: list[tuple[int, int]] = []
    year, month = first.year, first.month
    while (year, month) < (today.year, today.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def clean_report_values(values: Sequence[float | None]) -> tuple[list[float | None], int]:
    """Report energies with corrupt values (above 2e8, negative, non-finite) removed and float noise rounded
    to 1 Wh; returns the values and the number removed."""
    cleaned: list[float | None] = []
    removed = 0
    for value in values:
        if value is None:
            cleaned.append(None)
            continue
        number = float(value)
        if not math.isfinite(number) or number > CORRUPT_ABOVE or number < 0:
            cleaned.append(None)
            removed += 1
        else:
            cleaned.append(round(number, 3))
    return cleaned, removed


def month_totals(variables: Sequence[Any], year: int, month: int, requested: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """The month report as daily totals: index = local dates of the month, columns ``*_kwh``.

    Variables are matched by name; when the names returned are not those requested but their number is,
    they are assigned in request order (the cloud is known to mislabel report variables).
    """
    days_in_month = pd.Period(year=year, month=month, freq="M").days_in_month
    index = pd.Index([date(year, month, d) for d in range(1, days_in_month + 1)], name="day")
    names = [str(v.variable) for v in variables]
    if not set(names) & set(requested) and len(names) == len(requested):
        names = list(requested)
    table = pd.DataFrame(index=index, dtype=float)
    removed_total = 0
    for name, variable in zip(names, variables, strict=True):
        column = REPORT_VARIABLES.get(name)
        if column is None:
            continue
        cleaned, removed = clean_report_values(list(variable.values)[:days_in_month])
        removed_total += removed
        padded = cleaned + [None] * (days_in_month - len(cleaned))
        table[column] = np.array([np.nan if v is None else v for v in padded], dtype=float)
    return table, removed_total


def _sync_month_reports(
    client: HistoryClient,
    store: HistoryStore,
    sn: str,
    start: pd.Timestamp,
    today: date,
    now: pd.Timestamp,
    report: SyncReport,
    timezone: str,
    *,
    max_calls: int | None = None,
) -> None:
    have = store.report_months(sn)
    requested = list(REPORT_VARIABLES)
    for year, month in complete_months(start, today, timezone):
        key = f"{year:04d}-{month:02d}"
        if key in have:
            continue
        if max_calls is not None and report.report_calls >= max_calls:
            return  # left for a later sync
        variables = client.report(sn, "month", year, month=month, variables=requested)
        report.report_calls += 1
        totals, removed = month_totals(variables, year, month, requested)
        report.report_values_removed += removed
        with store.transaction():
            store.write_daily_totals(sn, totals)
            store.mark_report_month(sn, key, now)
        report.months_reported.append(key)
