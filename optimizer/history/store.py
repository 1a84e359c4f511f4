"""The local history store: one SQLite file holding measured samples, sync coverage and daily report totals.

The Fox ESS history endpoint returns at most 24 h per call out of a 1,440-call daily quota, so history is
pulled once and kept here. Three kinds of data live in the file:

* ``samples``: raw measurements in long form, one row per (device, variable, instant), keyed so that a
  second write of the same instant replaces the first: re-importing a file or re-fetching a window never
  duplicates anything. Variables use the package's column names (``load_kw``, ``pv_kw``, ``soc_pct``, ...);
  values are stored exactly as received (cleaning happens when they are read for planning).
* ``coverage``: the UTC intervals already fetched from the API per device, merged on insert. A sync asks
  only for what is not covered, so an interrupted sync resumes where it stopped.
* ``daily_totals``: the month report's per-day energies [kWh] (local calendar days of the site), kept to
  reconcile the integrated samples against the inverter's own counters; ``report_months`` records which
  months were fetched complete so that they are never fetched again.

Times are stored as integer UTC epoch seconds. Every ``sqlite3`` error is turned into
:class:`~optimizer.errors.HistoryError` naming the database file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    sn TEXT NOT NULL,
    variable TEXT NOT NULL,
    t INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (sn, variable, t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
    sn TEXT NOT NULL,
    begin_t INTEGER NOT NULL,
    end_t INTEGER NOT NULL,
    PRIMARY KEY (sn, begin_t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS daily_totals (
    sn TEXT NOT NULL,
    day TEXT NOT NULL,
    variable TEXT NOT NULL,
    energy_kwh REAL NOT NULL,
    PRIMARY KEY (sn, day, variable)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_months (
    sn TEXT NOT NULL,
    month TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (sn, month)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class DeviceSummary:
    """What the store holds for one device: sample count, time span, variables and fetched coverage."""

    sn: str
    samples: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    variables: tuple[str, ...]
    covered_hours: float
    report_days: int


def _epoch(value: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise HistoryError(f"naive timestamp {stamp} given to the history store; times must be aware")
    return int(stamp.tz_convert("UTC").timestamp())


def _stamp(seconds: int) -> pd.Timestamp:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC")


def _day_text(day: object) -> str:
    if isinstance(day, datetime):
        return day.date().isoformat()
    if isinstance(day, date):
        return day.isoformat()
    return pd.Timestamp(str(day)).date().isoformat()


class HistoryStore:
    """A SQLite history store at ``path`` (created with its folder if missing). Use as a context manager.

    >>> with HistoryStore(tmp / "history.sqlite") as store:  # doctest: +SKIP
    ...     import_history_csv(store, "household.csv", sn="csv")  # optimizer.history.csvimport
    ...     frame = store.series("csv", start, end)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{self.path}: cannot open the history store: {exc}") from None
        with self._translate("initialise"):
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path}: history store schema {row[0]} is newer than this version "
                    f"understands ({SCHEMA_VERSION})",
                    hint="Upgrade foxess-optimizer or point [paths] history_db at another file.",
                )
        self._depth = 0

    # ----- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: history store failed to {action}: {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested uses join the outer transaction)."""
        outer = self._depth == 0
        with self._translate("write"):
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    # ----- samples --------------------------------------------------------------------------------
    def write_samples(self, sn: str, frame: pd.DataFrame) -> int:
        """Store every non-missing cell of ``frame`` (aware index, one column per variable) for device ``sn``.

        Existing (sn, variable, time) entries are replaced. Returns the number of entries newly added.
        """
        if frame.empty:
            return 0
        if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
            raise HistoryError("samples must be indexed by aware timestamps")
        seconds = (frame.index.tz_convert("UTC").as_unit("ns").asi8 // 1_000_000_000).astype(np.int64)
        rows: list[tuple[str, str, int, float]] = []
        for column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            keep = np.isfinite(values)
            rows.extend((sn, str(column), int(t), float(v)) for t, v in zip(seconds[keep], values[keep], strict=True))
        if not rows:
            return 0
        with self.transaction():
            before = self._count_samples(sn)
            self._db.executemany(
                "INSERT INTO samples(sn, variable, t, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sn, variable, t) DO UPDATE SET value = excluded.value",
                rows,
            )
            return self._count_samples(sn) - before

    def _count_samples(self, sn: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM samples WHERE sn = ?", (sn,)).fetchone()
        return int(row[0])

    def series(
        self,
        sn: str,
        start: datetime | pd.Timestamp | None = None,
        end: datetime | pd.Timestamp | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The raw stored samples of ``sn`` with ``start <= time < end`` (either bound optional).

        Returns a frame indexed by UTC time (name ``time``), one float column per stored variable (or exactly
        ``columns`` when given, missing ones all-NaN): ``load_kw``, ``pv_kw``, ``soc_pct``, ... An instant
        where only some variables were measured has NaN in the others.
        """
        query = "SELECT t, variable, value FROM samples WHERE sn = ?"
        params: list[Any] = [sn]
        if start is not None:
            query += " AND t >= ?"
            params.append(_epoch(start))
        if end is not None:
            query += " AND t < ?"
            params.append(_epoch(end))
        if columns is not None:
            query += f" AND variable IN ({','.join('?' * len(columns))})"
            params.extend(columns)
        with self._translate("read samples"):
            rows = self._db.execute(query, params).fetchall()
        if rows:
            long = pd.DataFrame(rows, columns=["t", "variable", "value"])
            wide = long.pivot(index="t", columns="variable", values="value").sort_index()
            index = pd.DatetimeIndex(pd.to_datetime(wide.index.to_numpy(), unit="s", utc=True), name="time")
            frame = pd.DataFrame(wide.to_numpy(dtype=float), index=index, columns=list(wide.columns))
        else:
            frame = pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"), dtype=float)
        frame.columns.name = None
        if columns is not None:
            frame = frame.reindex(columns=list(columns))
        return frame.astype(float)

    def latest_soc_pct(self, sn: str) -> float | None:
        """The most recent stored state of charge of ``sn`` [%], or None if none is stored."""
        with self._translate("read the latest SoC"):
            row = self._db.execute(
                "SELECT value FROM samples WHERE sn = ? AND variable = 'soc_pct' ORDER BY t DESC LIMIT 1",
                (sn,),
            ).fetchone()
        return float(row[0]) if row else None

    def devices(self) -> list[str]:
        """Every device name that has samples or daily totals in the store, sorted."""
        with self._translate("list devices"):
            rows = self._db.execute(
                "SELECT DISTINCT sn FROM samples UNION SELECT DISTINCT sn FROM daily_totals ORDER BY 1"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def summary(self, sn: str) -> DeviceSummary:
        """Counts and span of what the store holds for ``sn``."""
        with self._translate("summarise"):
            count, first, last = self._db.execute(
                "SELECT COUNT(*), MIN(t), MAX(t) FROM samples WHERE sn = ?", (sn,)
            ).fetchone()
            variables = [
                str(r[0])
                for r in self._db.execute(
                    "SELECT DISTINCT variable FROM samples WHERE sn = ? ORDER BY 1", (sn,)
                ).fetchall()
            ]
            report_days = self._db.execute(
                "SELECT COUNT(DISTINCT day) FROM daily_totals WHERE sn = ?", (sn,)
            ).fetchone()[0]
        covered = sum((end - begin).total_seconds() for begin, end in self.coverage(sn)) / 3600.0
        return DeviceSummary(
            sn=sn,
            samples=int(count),
            first=_stamp(first) if first is not None else None,
            last=_stamp(last) if last is not None else None,
            variables=tuple(variables),
            covered_hours=covered,
            report_days=int(report_days),
        )

    # ----- coverage -------------------------------------------------------------------------------
    def coverage(self, sn: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The merged UTC intervals ``[begin, end)`` already fetched from the API for ``sn``, in order."""
        with self._translate("read coverage"):
            rows = self._db.execute(
                "SELECT begin_t, end_t FROM coverage WHERE sn = ? ORDER BY begin_t", (sn,)
            ).fetchall()
        return [(_stamp(b), _stamp(e)) for b, e in rows]

    def add_coverage(self, sn: str, begin: datetime | pd.Timestamp, end: datetime | pd.Timestamp) -> None:
        """Record ``[begin, end)`` as fetched for ``sn``, merging it with touching or overlapping intervals."""
        lo, hi = _epoch(begin), _epoch(end)
        if hi <= lo:
            return
        with self.transaction():
            overlapping = self._db.execute(
                "SELECT begin_t, end_t FROM coverage WHERE sn = ? AND begin_t <= ? AND end_t >= ?",
                (sn, hi, lo),
            ).fetchall()
            for b, e in overlapping:
                lo, hi = min(lo, b), max(hi, e)
            self._db.execute("DELETE FROM coverage WHERE sn = ? AND begin_t <= ? AND end_t >= ?", (sn, hi, lo))
            self._db.execute("INSERT INTO coverage(sn, begin_t, end_t) VALUES (?, ?, ?)", (sn, lo, hi))

    def missing(
        self, sn: str, start: datetime | pd.Timestamp, end: datetime | pd.Timestamp
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The parts of ``[start, end)`` not yet covered for ``sn``, as ordered UTC intervals."""
        lo, hi = _epoch(start), _epoch(end)
        gaps: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        cursor = lo
        for begin, finish in self.coverage(sn):
            b, e = _epoch(begin), _epoch(finish)
            if e <= cursor:
                continue
            if b >= hi:
                break
            if b > cursor:
                gaps.append((_stamp(cursor), _stamp(min(b, hi))))
            cursor = max(cursor, e)
            if cursor >= hi:
                break
        if cursor < hi:
            gaps.append((_stamp(cursor), _stamp(hi)))
        return gaps

    # ----- daily report totals --------------------------------------------------------------------
    def write_daily_totals(self, sn: str, totals: pd.DataFrame) -> int:
        """Store per-day energies [kWh]: ``totals`` is indexed by local ``date``, one column per variable.

        Missing cells are skipped; existing entries are replaced. Returns the number of cells written.
        """
        rows = [
            (sn, _day_text(day), str(column), float(value))
            for column in totals.columns
            for day, value in totals[column].items()
            if value is not None and np.isfinite(value)
        ]
        with self.transaction():
            self._db.executemany(
                "INSERT INTO daily_totals(sn, day, variable, energy_kwh) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sn, day, variable) DO UPDATE SET energy_kwh = excluded.energy_kwh",
                rows,
            )
        return len(rows)

    def daily_totals(self, sn: str, first: date | None = None, last: date | None = None) -> pd.DataFrame:
        """Per-day report energies [kWh] of ``sn`` for local days ``first..last`` (inclusive, optional).

        Indexed by ``date`` (name ``day``), one column per variable (``load_kwh``, ``pv_kwh``, ...).
        """
        query = "SELECT day, variable, energy_kwh FROM daily_totals WHERE sn = ?"
        params: list[Any] = [sn]
        if first is not None:
            query += " AND day >= ?"
            params.append(first.isoformat())
        if last is not None:
            query += " AND day <= ?"
            params.append(last.isoformat())
        with self._translate("read daily totals"):
            rows = self._db.execute(query, params).fetchall()
        if not rows:
            return pd.DataFrame(index=pd.Index([], name="day"), dtype=float)
        long = pd.DataFrame(rows, columns=["day", "variable", "energy_kwh"])
        wide = long.pivot(index="day", columns="variable", values="energy_kwh").sort_index()
        wide.index = pd.Index([date.fromisoformat(str(d)) for d in wide.index], name="day")
        wide.columns.name = None
        return wide.astype(float)

    def report_months(self, sn: str) -> set[str]:
        """The months (``YYYY-MM``) whose complete month report is stored for ``sn``."""
        with self._translate("read report months"):
            rows = self._db.execute("SELECT month FROM report_months WHERE sn = ?", (sn,)).fetchall()
        return {str(r[0]) for r in rows}

    def mark_report_month(self, sn: str, month: str, fetched_at: datetime | pd.Timestamp) -> None:
        """Record that the complete month report of ``month`` (``YYYY-MM``) is stored for ``sn``."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO report_months(sn, month, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT(sn, month) DO UPDATE SET fetched_at = excluded.fetched_at",
                (sn, month, _epoch(fetched_at)),
            )
