"""The price of one side (import or export) minute by minute: flat, banded, or dynamic.

Every side answers :meth:`PriceSide.minute_prices` for a one-minute UTC grid, with ``NaN`` where it has no
price. :class:`~optimizer.tariffs.tariff.Tariff` averages those minutes into slots, so a price that
changes inside a slot is time-weighted exactly (every boundary in every format falls on a whole minute).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from optimizer.tariffs.bands import minute_prices, ordinals_of
from optimizer.tariffs.intervals import NS_PER_MINUTE, PriceIntervals
from optimizer.tariffs.schema import BandedSide, Formula, OctopusSource

if TYPE_CHECKING:
    import httpx


class PriceSide(Protocol):
    """One side of a tariff."""

    @property
    def kind(self) -> str:
        """``flat``, ``banded`` or ``dynamic``."""
        ...

    def minute_prices(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        """Price [currency/kWh] at each minute of ``minutes`` (UTC, 1-minute step); NaN where none."""
        ...

    def coverage_note(self) -> str | None:
        """Where this side has prices, for error messages (None when it prices every minute)."""
        ...

    def describe(self) -> str:
        """A short human description, e.g. ``banded, local clock, 3 schedules``."""
        ...


def apply_formula(spot: np.ndarray, formula: Formula | None) -> np.ndarray:
    """``clamp((spot × factor + adder) × (1 + VAT), floor, cap)`` [currency/kWh]; NaN stays NaN."""
    if formula is None:
        return spot
    price = (spot * formula.spot_factor + formula.adder_per_kwh) * (1.0 + formula.vat_pct / 100.0)
    if formula.floor_per_kwh is not None:
        price = np.where(np.isnan(price), price, np.maximum(price, formula.floor_per_kwh))
    if formula.cap_per_kwh is not None:
        price = np.where(np.isnan(price), price, np.minimum(price, formula.cap_per_kwh))
    return price


def _describe_formula(formula: Formula | None) -> str:
    if formula is None:
        return ""
    parts = [f"(spot × {formula.spot_factor:g} + {formula.adder_per_kwh:g})"]
    if formula.vat_pct:
        parts.append(f"× {1 + formula.vat_pct / 100:g}")
    text = " ".join(parts)
    if formula.floor_per_kwh is not None:
        text += f", floor {formula.floor_per_kwh:g}"
    if formula.cap_per_kwh is not None:
        text += f", cap {formula.cap_per_kwh:g}"
    return f", price = {text}"


@dataclass(frozen=True)
class FlatPrices:
    """The same price [currency/kWh] at every minute."""

    price: float
    kind: str = "flat"

    def minute_prices(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        return np.full(len(minutes), float(self.price))

    def coverage_note(self) -> str | None:
        return None

    def describe(self) -> str:
        return f"flat {self.price:g}/kWh"


class BandedPrices:
    """Clock-time bands looked up per minute: the wall clock of ``timezone`` (DST included) or UTC."""

    kind = "banded"

    def __init__(self, side: BandedSide, timezone: str) -> None:
        self.side = side
        self.timezone = timezone
        schedules = side.all_schedules()
        self.tables = np.stack([minute_prices([b.band() for b in s.bands]) for s in schedules])
        self.lookup = side.lookup()

    def minute_prices(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        if len(minutes) == 0:
            return np.empty(0)
        wall = minutes.tz_convert("UTC" if self.side.clock == "utc" else self.timezone).tz_localize(None)
        minute_of_day = (wall.hour * 60 + wall.minute).to_numpy()
        codes, days = pd.factorize(wall.normalize())
        day_index = pd.DatetimeIndex(days)
        ordinals = ordinals_of(day_index.month.to_numpy(), day_index.day.to_numpy())
        schedule = self.lookup[ordinals, day_index.day_of_week.to_numpy()]
        return self.tables[schedule[codes], minute_of_day]

    def coverage_note(self) -> str | None:
        return None

    def describe(self) -> str:
        clock = "UTC/GMT clock" if self.side.clock == "utc" else "local clock"
        count = len(self.tables)
        return f"banded, {clock}, {count} schedule{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class FilePrices:
    """Prices from a file's intervals, optionally through a spot formula."""

    intervals: PriceIntervals
    formula: Formula | None
    source: str
    kind: str = "dynamic"

    def minute_prices(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        return apply_formula(self.intervals.at(minutes.as_unit("ns").asi8), self.formula)

    def coverage_note(self) -> str | None:
        if self.intervals.priced_span() is None:
            return f"The price file {self.source} holds no prices"
        return f"The price file {self.source} has {self.intervals.coverage_text()}, none for this slot"

    def describe(self) -> str:
        return f"dynamic, file {self.source}{_describe_formula(self.formula)}"


@dataclass
class OctopusPrices:
    """Unit rates fetched from the Octopus API when first needed (then kept for the same span)."""

    source: OctopusSource
    formula: Formula | None
    client: httpx.Client | None = None
    kind: str = "dynamic"
    _fetched: tuple[int, int, PriceIntervals] | None = field(default=None, repr=False)

    def minute_prices(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        if len(minutes) == 0:
            return np.empty(0)
        ns = minutes.as_unit("ns").asi8
        first, last = int(ns[0]), int(ns[-1]) + NS_PER_MINUTE
        if self._fetched is None or not (self._fetched[0] <= first and last <= self._fetched[1]):
            from optimizer.tariffs import octopus_api  # httpx only when the live API is asked

            intervals = octopus_api.fetch_unit_rates(
                self.source.product,
                self.source.tariff_code,
                pd.Timestamp(first, tz="UTC"),
                pd.Timestamp(last, tz="UTC"),
                base_url=self.source.base_url,
                client=self.client,
            )
            self._fetched = (first, last, intervals)
        return apply_formula(self._fetched[2].at(ns), self.formula)

    def coverage_note(self) -> str | None:
        where = f"The Octopus API ({self.source.product}, {self.source.tariff_code})"
        if self._fetched is None:
            return f"{where} has not been asked yet"
        return f"{where} returned {self._fetched[2].coverage_text()}"

    def describe(self) -> str:
        return f"dynamic, Octopus API {self.source.tariff_code}{_describe_formula(self.formula)}"
