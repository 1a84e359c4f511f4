"""The tariff file format: pydantic models of the TOML, validated once, exported as a JSON Schema.

A tariff file describes one supplier offer: metadata (name, currency, time zone, validity, source, the date
the prices were last checked, a standing charge for reports) and up to two *sides*, ``[import]`` and
``[export]``, each one of

* ``kind = "flat"``: one price for every minute;
* ``kind = "banded"``: clock-time bands, optionally in several schedules selected by day of week and by
  season (months or ``MM-DD`` date ranges), on the local wall clock or on UTC/GMT;
* ``kind = "dynamic"``: prices from a price file (any format the readers accept) or from the Octopus API,
  optionally passed through a spot-price formula ``clamp((spot × factor + adder) × (1 + VAT), floor, cap)``.

All prices are in the tariff's major currency per kWh (GBP/kWh, EUR/kWh, …). The models enforce the
coverage rules (every minute in exactly one band, every day in exactly one schedule); see
:mod:`optimizer.tariffs.bands`.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from optimizer.tariffs.bands import (
    Band,
    DaySelector,
    minute_prices,
    parse_clock,
    schedule_lookup,
)
from optimizer.tariffs.currencies import currency_problem

DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekdays", "weekends", "all"]
OCTOPUS_REGIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P")
OCTOPUS_API_URL = "https://api.octopus.energy"

#: A price or an amount: an int or a float, never a boolean (pydantic's lax mode reads ``true`` as 1),
#: never NaN or infinite.
Amount = Annotated[float, Strict(), AllowInfNan(False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _clock_string(value: Any) -> Any:
    """TOML local times (``00:30:00``) are accepted as well as ``"00:30"`` strings."""
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ValueError(f"band times are whole minutes, got {value.isoformat()}")
        return value.strftime("%H:%M")
    return value


class BandModel(_Model):
    """Clock minutes ``[start, end)`` at one price; ``start`` after ``end`` crosses midnight."""

    start: str = Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Band start, clock time HH:MM (inclusive)."
    )
    end: str = Field(
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="Band end, clock time HH:MM (exclusive); 24:00 is the end of the day.",
    )
    price_per_kwh: Amount = Field(description="Price in the tariff's currency per kWh (e.g. GBP/kWh).")
    name: str | None = Field(None, description="A label shown in tables, e.g. 'off-peak'.")

    _as_clock = field_validator("start", "end", mode="before")(_clock_string)

    def band(self) -> Band:
        return Band(parse_clock(self.start, allow_24=False), parse_clock(self.end, allow_24=True), self.price_per_kwh)


class DateRange(_Model):
    """Recurring month-days ``from`` to ``to`` inclusive, e.g. 11-01 to 03-31 (wraps the new year)."""

    from_: str = Field(alias="from", pattern=r"^\d{2}-\d{2}$", description="First day, MM-DD (inclusive).")
    to: str = Field(pattern=r"^\d{2}-\d{2}$", description="Last day, MM-DD (inclusive).")

    @field_validator("from_", "to")
    @classmethod
    def _real_day(cls, value: str) -> str:
        month, day = int(value[:2]), int(value[3:])
        try:
            date(2024, month, day)  # a leap year: 02-29 is a real month-day
        except ValueError:
            raise ValueError(f"{value!r} is not a month-day MM-DD") from None
        return value


class Schedule(_Model):
    """The bands of the days this schedule applies to (weekdays and season)."""

    name: str | None = Field(None, description="A label, e.g. 'summer weekdays'.")
    days: list[DayName] = Field(
        default_factory=lambda: list[DayName](["all"]),
        min_length=1,
        description="Days of the week: mon..sun, weekdays, weekends or all (default all).",
    )
    months: list[Annotated[int, Strict(), Field(ge=1, le=12)]] | None = Field(
        None, min_length=1, description="Months 1-12 this schedule applies to (default: all year)."
    )
    date_ranges: list[DateRange] | None = Field(
        None, min_length=1, description="Recurring MM-DD ranges instead of whole months."
    )
    bands: list[BandModel] = Field(min_length=1, description="Bands covering every minute of the day once.")

    @model_validator(mode="after")
    def _check(self) -> Schedule:
        if self.months is not None and self.date_ranges is not None:
            raise ValueError("give months or date_ranges, not both")
        minute_prices([b.band() for b in self.bands])  # raises CoverageError naming the bands
        return self

    def label(self) -> str:
        """`` ('summer')`` for a named schedule, empty otherwise (appended to ``schedules[i]``)."""
        return f" ({self.name!r})" if self.name else ""

    def selector(self) -> DaySelector:
        ranges = [(r.from_, r.to) for r in self.date_ranges] if self.date_ranges else None
        return DaySelector.build(self.days, self.months, ranges)


class FlatSide(_Model):
    """One price for every minute."""

    kind: Literal["flat"]
    price_per_kwh: Amount = Field(description="Price in the tariff's currency per kWh.")


class BandedSide(_Model):
    """Clock-time bands: either ``bands`` (the same every day) or ``schedules`` (by day and season)."""

    kind: Literal["banded"]
    clock: Literal["local", "utc"] = Field(
        "local",
        description="'local': bands follow the wall clock of the tariff's time zone (DST included); "
        "'utc': bands are fixed in UTC/GMT all year (e.g. Economy 7).",
    )
    bands: list[BandModel] | None = Field(None, min_length=1, description="Bands applying to every day.")
    schedules: list[Schedule] | None = Field(
        None, min_length=1, description="Schedules selected by day of week and season; one per day."
    )

    @model_validator(mode="after")
    def _check(self) -> BandedSide:
        if (self.bands is None) == (self.schedules is None):
            raise ValueError("give either bands (every day alike) or schedules, not both and not neither")
        if self.bands is not None:
            minute_prices([b.band() for b in self.bands])  # raises CoverageError naming the bands
        self.lookup()  # raises CoverageError naming the schedules
        return self

    def all_schedules(self) -> list[Schedule]:
        if self.schedules is not None:
            return list(self.schedules)
        return [Schedule(bands=list(self.bands or []))]

    def lookup(self) -> Any:
        schedules = self.all_schedules()
        return schedule_lookup([s.selector() for s in schedules], [s.label() for s in schedules])


class OctopusSource(_Model):
    """Unit rates from the public Octopus Energy API (no account needed)."""

    product: str = Field(pattern=r"^[A-Z0-9-]+$", description="Product code, e.g. AGILE-24-10-01.")
    region: Literal["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P"] | None = Field(
        None, description="GSP region letter; the tariff code is then E-1R-<product>-<region>."
    )
    tariff: str | None = Field(None, pattern=r"^[A-Z0-9-]+$", description="Full tariff code (instead of region).")
    base_url: str = Field(OCTOPUS_API_URL, description="API root (tests point this at 127.0.0.1).")

    @model_validator(mode="after")
    def _one_code(self) -> OctopusSource:
        if (self.region is None) == (self.tariff is None):
            raise ValueError("give region (a letter A-P) or tariff (the full code), exactly one")
        return self

    @property
    def tariff_code(self) -> str:
        return self.tariff or f"E-1R-{self.product}-{self.region}"


class Formula(_Model):
    """``price = clamp((spot × spot_factor + adder_per_kwh) × (1 + vat_pct/100), floor, cap)``, all per kWh."""

    spot_factor: Amount = Field(1.0, description="Multiplier on the spot price.")
    adder_per_kwh: Amount = Field(0.0, description="Added before VAT (fees, levies, margin), currency/kWh.")
    vat_pct: Amount = Field(0.0, ge=0, le=100, description="VAT in percent, applied after the adder.")
    cap_per_kwh: Amount | None = Field(None, description="Highest price after VAT, currency/kWh.")
    floor_per_kwh: Amount | None = Field(None, description="Lowest price after VAT, currency/kWh.")

    @model_validator(mode="after")
    def _order(self) -> Formula:
        cap, floor = self.cap_per_kwh, self.floor_per_kwh
        if cap is not None and floor is not None and floor > cap:
            raise ValueError(f"floor_per_kwh ({self.floor_per_kwh}) is above cap_per_kwh ({self.cap_per_kwh})")
        return self


class DynamicSide(_Model):
    """Prices from a price file or the Octopus API, optionally through a spot formula."""

    kind: Literal["dynamic"]
    file: str | None = Field(
        None,
        description="A price file (Octopus JSON, Agile CSV, ENTSO-E CSV, time,price CSV), relative to this TOML file.",
    )
    series: Literal["import", "export"] | None = Field(
        None, description="Which series of a two-series file (default: the same side, else its only series)."
    )
    octopus: OctopusSource | None = Field(None, description="Fetch unit rates from the Octopus API instead.")
    formula: Formula | None = Field(None, description="Turn spot prices into retail prices.")

    @model_validator(mode="after")
    def _one_source(self) -> DynamicSide:
        if (self.file is None) == (self.octopus is None):
            raise ValueError("give file or octopus as the price source, exactly one")
        if self.octopus is not None and self.series is not None:
            raise ValueError("series applies to a file source only")
        return self


Side = Annotated[FlatSide | BandedSide | DynamicSide, Field(discriminator="kind")]


class TariffDocument(_Model):
    """A tariff file (TOML)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="foxess-optimizer tariff",
    )

    name: str = Field(min_length=1, description="The offer's name, e.g. 'Octopus Go'.")
    supplier: str | None = Field(None, description="The supplier or utility.")
    region: str | None = Field(None, description="Where the offer applies, free text.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code of the major unit, e.g. GBP.")
    timezone: str = Field(description="IANA time zone of the supply, e.g. Europe/London.")
    valid_from: date | None = Field(None, description="First local day the prices apply (inclusive).")
    valid_to: date | None = Field(None, description="Last local day the prices apply (inclusive).")
    standing_charge_per_day: Amount | None = Field(
        None, ge=0, description="Daily standing charge, currency/day (reports only; plans ignore it)."
    )
    source: str | None = Field(None, description="Where the prices come from (a URL).")
    last_checked: date | None = Field(None, description="When the prices were last checked against source.")
    notes: str | None = Field(None, description="Anything a user should know.")
    import_: Side | None = Field(None, alias="import", description="What you pay per kWh imported.")
    export: Side | None = Field(None, description="What you are paid per kWh exported.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/London)") from None
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        problem = currency_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _check(self) -> TariffDocument:
        if self.import_ is None and self.export is None:
            raise ValueError("a tariff needs an [import] or an [export] side (or both)")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        return self

    def sides(self) -> dict[str, FlatSide | BandedSide | DynamicSide]:
        found: dict[str, FlatSide | BandedSide | DynamicSide] = {}
        if self.import_ is not None:
            found["import"] = self.import_
        if self.export is not None:
            found["export"] = self.export
        return found


__all__ = [
    "OCTOPUS_REGIONS",
    "BandModel",
    "BandedSide",
    "DateRange",
    "DynamicSide",
    "FlatSide",
    "Formula",
    "OctopusSource",
    "Schedule",
    "Side",
    "TariffDocument",
]
