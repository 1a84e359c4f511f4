"""Price intervals read from a file: ``[start, end)`` in UTC at a price, looked up minute by minute.

Every reader turns its format into :class:`PriceIntervals` (UTC nanoseconds, prices in currency/kWh,
``NaN`` for an interval the file lists without a price). Intervals never overlap; anything not inside an
interval has no price. Boundaries are whole minutes, so a one-minute grid prices every slot exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.tariffs.problems import Problem, TariffFileError

NS_PER_MINUTE = 60_000_000_000
OPEN_START_NS = int(pd.Timestamp("1900-01-01", tz="UTC").as_unit("ns").value)
OPEN_END_NS = int(pd.Timestamp("2200-01-01", tz="UTC").as_unit("ns").value)


def utc_text(ns: int) -> str:
    """An instant (UTC ns) as ``2024-03-31T01:00Z``."""
    return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class PriceIntervals:
    """Non-overlapping priced intervals, sorted by start. Times in UTC ns, prices in currency/kWh."""

    start_ns: np.ndarray
    end_ns: np.ndarray
    price: np.ndarray

    @classmethod
    def build(
        cls,
        start_ns: Sequence[int] | np.ndarray,
        end_ns: Sequence[int] | np.ndarray,
        price: Sequence[float] | np.ndarray,
        *,
        path: str | Path,
        origins: Sequence[tuple[int | None, str | None]] | None = None,
    ) -> PriceIntervals:
        """Sort and check intervals. ``origins`` gives each interval's (line, field) in the source file,
        so that a problem names where the bad interval was written."""
        starts = np.asarray(start_ns, dtype=np.int64)
        ends = np.asarray(end_ns, dtype=np.int64)
        prices = np.asarray(price, dtype=float)
        where = list(origins) if origins is not None else [(i + 1, None) for i in range(len(starts))]
        order = np.argsort(starts, kind="stable")
        starts, ends, prices = starts[order], ends[order], prices[order]
        where = [where[i] for i in order]

        def problem(i: int, message: str) -> Problem:
            return Problem(str(path), message, where[i][0], where[i][1])

        def named(i: int) -> str:
            line, field = where[i]
            return f"line {line}" if line is not None else str(field)

        problems: list[Problem] = []
        for i in np.flatnonzero(ends <= starts)[:5]:
            problems.append(
                problem(int(i), f"interval ends ({utc_text(ends[i])}) at or before it starts ({utc_text(starts[i])})")
            )
        odd = ((starts % NS_PER_MINUTE) != 0) | ((ends % NS_PER_MINUTE) != 0)
        for i in np.flatnonzero(odd)[:5]:
            problems.append(problem(int(i), "interval boundaries must be whole minutes"))
        clash = np.flatnonzero(ends[:-1] > starts[1:])
        for i in clash[:5]:
            problems.append(
                problem(
                    int(i) + 1,
                    f"interval {utc_text(starts[i + 1])}–{utc_text(ends[i + 1])} overlaps the one at "
                    f"{named(int(i))} ({utc_text(starts[i])}–{utc_text(ends[i])})",
                )
            )
        if problems:
            raise TariffFileError(problems)
        return cls(starts, ends, prices)

    def __len__(self) -> int:
        return len(self.start_ns)

    def at(self, minutes_ns: np.ndarray) -> np.ndarray:
        """The price in force at each instant (UTC ns); ``NaN`` where no interval holds a price."""
        out = np.full(len(minutes_ns), np.nan)
        if len(self.start_ns) == 0:
            return out
        index = np.searchsorted(self.start_ns, minutes_ns, side="right") - 1
        inside = index >= 0
        inside[inside] &= minutes_ns[inside] < self.end_ns[index[inside]]
        out[inside] = self.price[index[inside]]
        return out

    def priced_span(self) -> tuple[int, int] | None:
        """First start and last end of the intervals that carry a price (UTC ns), or None."""
        priced = ~np.isnan(self.price)
        if not priced.any():
            return None
        return int(self.start_ns[priced].min()), int(self.end_ns[priced].max())

    def coverage_text(self) -> str:
        """``prices from 2024-01-01T00:00Z to 2024-10-04T00:00Z`` (open ends spelled out)."""
        span = self.priced_span()
        if span is None:
            return "no prices"
        first = "the start of time" if span[0] <= OPEN_START_NS else utc_text(span[0])
        last = "open-ended" if span[1] >= OPEN_END_NS else utc_text(span[1])
        return f"prices from {first} to {last}"

    def scaled(self, factor: float) -> PriceIntervals:
        """The same intervals with prices multiplied by ``factor`` (unit conversion)."""
        return PriceIntervals(self.start_ns, self.end_ns, self.price * factor)
