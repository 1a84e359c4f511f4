"""A tariff: import and export prices on any slot grid, read from any supported file.

:func:`read_tariff` detects the format from the content and returns a :class:`Tariff`;
:meth:`Tariff.prices` turns it into price series on a UTC slot index (5 to 60 minutes, or any whole
number of minutes). Each slot's price is the time-weighted mean over its minutes, so a price that changes
inside a slot is weighted by how long it applies. A slot with any minute unpriced (outside the tariff's
validity, beyond the price file, a ``-`` in a download) is an error naming the first such slot in UTC and
in local time: never zero, never carried forward.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from optimizer.errors import TariffError, UsageError
from optimizer.tariffs.detect import Format, detect_format
from optimizer.tariffs.document import LoadedDocument, parse_document
from optimizer.tariffs.intervals import NS_PER_MINUTE
from optimizer.tariffs.problems import TariffFileError, file_error
from optimizer.tariffs.readers.agile_csv import read_agile_csv
from optimizer.tariffs.readers.common import PriceFile
from optimizer.tariffs.readers.entsoe import read_entsoe_csv
from optimizer.tariffs.readers.octopus_json import read_octopus_json
from optimizer.tariffs.readers.plain_csv import read_plain_csv
from optimizer.tariffs.readers.urdb import read_urdb
from optimizer.tariffs.schema import BandedSide, DynamicSide, FlatSide, TariffDocument
from optimizer.tariffs.sides import BandedPrices, FilePrices, FlatPrices, OctopusPrices, PriceSide

_MAJOR_UNIT_CURRENCIES = frozenset({"GBP", "EUR", "USD", "AUD", "NZD", "CAD", "CHF"})


class PriceSeries(NamedTuple):
    """Prices per slot [currency/kWh], indexed like the request (UTC slot starts)."""

    import_price: pd.Series
    export_price: pd.Series | None


@dataclass
class Tariff:
    """Import and/or export prices with their metadata. Build with :func:`read_tariff`."""

    name: str
    currency: str
    timezone: str
    sides: dict[str, PriceSide]
    path: Path | None = None
    format: str = "tariff-toml"
    valid_from: date | None = None
    valid_to: date | None = None
    standing_charge_per_day: float | None = None
    source: str | None = None
    last_checked: date | None = None
    notes: str | None = None
    warnings: tuple[str, ...] = field(default=())

    # ----- what it has ------------------------------------------------------------------------------
    def has_import(self) -> bool:
        return "import" in self.sides

    def has_export(self) -> bool:
        return "export" in self.sides

    @property
    def is_price_file(self) -> bool:
        """True for a bare price file (its one series is a price, not specifically an import price)."""
        return self.format not in ("tariff-toml", "urdb-json")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.path})" if self.path else self.name

    # ----- prices -----------------------------------------------------------------------------------
    def prices(self, index: pd.DatetimeIndex) -> PriceSeries:
        """Import and export price of every slot of ``index`` (UTC slot starts, fixed step)."""
        if not self.has_import():
            raise TariffError(
                f"{self.label} has no import side.", hint="Use it as the export tariff, or add an [import] side."
            )
        imported = self.side_prices("import", index)
        exported = self.side_prices("export", index) if self.has_export() else None
        return PriceSeries(imported, exported)

    def import_prices(self, index: pd.DatetimeIndex) -> pd.Series:
        return self.side_prices("import", index)

    def export_prices(self, index: pd.DatetimeIndex) -> pd.Series:
        return self.side_prices("export", index)

    def side_prices(self, side: str, index: pd.DatetimeIndex, *, role: str | None = None) -> pd.Series:
        """The time-weighted price [currency/kWh] of ``side`` for each slot of ``index``.

        ``role`` names the series and the messages when a side serves as another (a bare price file's one
        series used as the export price)."""
        if side not in self.sides:
            raise TariffError(f"{self.label} has no {side} side.")
        slots, step_min = _check_index(index)
        name = f"{role or side}_price"
        if len(slots) == 0:
            return pd.Series([], index=slots, name=name, dtype=float)
        minutes = pd.date_range(slots[0], periods=len(slots) * step_min, freq="1min").as_unit("ns")
        values = self.sides[side].minute_prices(minutes)
        values = np.where(self._valid_minutes(minutes), values, np.nan)
        per_slot = values.reshape(len(slots), step_min)
        missing = np.isnan(per_slot).any(axis=1)
        if missing.any():
            self._raise_hole(side, role or side, slots, per_slot, int(np.argmax(missing)))
        means = per_slot.mean(axis=1)
        constant = (per_slot == per_slot[:, :1]).all(axis=1)
        means[constant] = per_slot[constant, 0]  # exact, free of summation rounding
        return pd.Series(means, index=slots, name=name)

    def priced_slots(self, index: pd.DatetimeIndex) -> int:
        """How many slots from the start of ``index`` every side of this tariff prices (``len(index)``: all)."""
        slots, step_min = _check_index(index)
        if len(slots) == 0:
            return 0
        minutes = pd.date_range(slots[0], periods=len(slots) * step_min, freq="1min").as_unit("ns")
        valid = self._valid_minutes(minutes)
        covered = len(slots)
        for side in self.sides.values():
            values = np.where(valid, side.minute_prices(minutes), np.nan).reshape(len(slots), step_min)
            missing = np.isnan(values).any(axis=1)
            if missing.any():
                covered = min(covered, int(np.argmax(missing)))
        return covered

    def _valid_minutes(self, minutes: pd.DatetimeIndex) -> np.ndarray:
        if self.valid_from is None and self.valid_to is None:
            return np.ones(len(minutes), dtype=bool)
        local_day = minutes.tz_convert(self.timezone).tz_localize(None).normalize()
        ok = np.ones(len(minutes), dtype=bool)
        if self.valid_from is not None:
            ok &= local_day >= pd.Timestamp(self.valid_from)
        if self.valid_to is not None:
            ok &= local_day <= pd.Timestamp(self.valid_to)
        return ok

    def _raise_hole(self, side: str, role: str, slots: pd.DatetimeIndex, per_slot: np.ndarray, row: int) -> None:
        slot = slots[row]
        first_missing = slot + pd.Timedelta(minutes=int(np.argmax(np.isnan(per_slot[row]))))
        local = slot.tz_convert(self.timezone)
        part = "" if first_missing == slot else f" (unpriced from {first_missing.strftime('%H:%MZ')})"
        count = int(np.isnan(per_slot).any(axis=1).sum())
        more = f"; {count} of {len(slots)} slots are affected" if count > 1 else ""
        why = self._why_missing(side, slot)
        zone = "" if self.timezone == "UTC" else f" {self.timezone}"
        raise TariffError(
            f"{self.label}: no {role} price for the slot starting {slot.strftime('%Y-%m-%dT%H:%MZ')} "
            f"({local.strftime('%Y-%m-%d %H:%M %Z')}{zone}){part}{more}. {why}".rstrip(),
            hint="Give prices that cover the whole horizon (see docs/tariffs.md, 'Getting current prices').",
        )

    def _why_missing(self, side: str, slot: pd.Timestamp) -> str:
        day = slot.tz_convert(self.timezone).date()
        if self.valid_from is not None and day < self.valid_from:
            return f"The tariff is valid from {self.valid_from}."
        if self.valid_to is not None and day > self.valid_to:
            return f"The tariff is valid until {self.valid_to}."
        note = self.sides[side].coverage_note()
        return f"{note}." if note else ""


def _check_index(index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, int]:
    """UTC slot starts and the slot length in whole minutes; refuses naive, uneven or odd indexes."""
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise UsageError("prices need a tz-aware DatetimeIndex of slot starts (UTC)")
    slots = pd.DatetimeIndex(index.tz_convert("UTC")).as_unit("ns")
    if len(slots) == 0:
        return slots, 1
    if index.freq is not None:
        step_ns = int(pd.Timedelta(index.freq.nanos, unit="ns").value)
    elif len(slots) >= 2:
        step_ns = int(slots.asi8[1] - slots.asi8[0])
    else:
        raise UsageError("a one-slot index needs a freq to know the slot length.")
    if len(slots) >= 2 and not (np.diff(slots.asi8) == step_ns).all():
        raise UsageError("the slot index must have a fixed step with no gaps.")
    if step_ns <= 0 or step_ns % NS_PER_MINUTE or slots.asi8[0] % NS_PER_MINUTE:
        raise UsageError("slots must start on whole minutes and last a whole number of minutes.")
    return slots, step_ns // NS_PER_MINUTE


# ----- reading -----------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise file_error(path, "file not found") from None
    except IsADirectoryError:
        raise file_error(path, "is a folder, not a file") from None
    except UnicodeDecodeError:
        raise file_error(path, "not a UTF-8 text file") from None
    except OSError as exc:
        raise file_error(path, f"cannot read: {exc.strerror}") from None


@functools.lru_cache(maxsize=32)
def _read_price_file_cached(path: Path, _mtime_ns: int, _size: int, timezone: str | None) -> PriceFile:
    text = _read_text(path)
    kind, document = detect_format(path, text)
    if kind == "octopus-json":
        return read_octopus_json(path, document)
    if kind == "agile-csv":
        return read_agile_csv(path, text)
    if kind == "entsoe-csv":
        return read_entsoe_csv(path, text)
    if kind == "plain-csv":
        return read_plain_csv(path, text, timezone)
    raise file_error(path, f"is a {kind} file, not a price file")


def read_price_file(path: str | Path, *, timezone: str | None = None) -> PriceFile:
    """Read a price file (Octopus JSON, Agile CSV, ENTSO-E CSV, plain CSV) into UTC intervals."""
    file = Path(path).resolve()
    try:
        stat = file.stat()
    except OSError:
        raise file_error(file, "file not found") from None
    return _read_price_file_cached(file, stat.st_mtime_ns, stat.st_size, timezone)


def read_tariff(path: str | Path, *, timezone: str | None = None) -> Tariff:
    """Read a tariff TOML or any supported price file into a :class:`Tariff`.

    ``timezone`` is used only for files that carry no zone of their own (a CSV with naive times, a URDB
    record); a tariff TOML, the Octopus and Agile formats (UK) and ENTSO-E exports (bidding zone) know it.
    """
    file = Path(path)
    text = _read_text(file)
    kind, document = detect_format(file, text)
    if kind == "tariff-toml":
        return tariff_from_document(parse_document(text, file), timezone=timezone)
    if kind == "urdb-json":
        if timezone is None:
            raise file_error(file, "a URDB record carries no time zone", hint="Pass --timezone (e.g. America/Phoenix).")
        doc, warnings = read_urdb(file, document, timezone)
        warnings.append(f"{file}: URDB hours are read in {timezone} (the record names no time zone)")
        urdb_sides = {role: _side(doc, role, file, None)[0] for role in doc.sides()}
        return _tariff(doc, file, "urdb-json", warnings, urdb_sides)
    prices = read_price_file(file, timezone=timezone)
    sides: dict[str, PriceSide] = {
        role: FilePrices(intervals, None, file.name) for role, intervals in prices.series.items()
    }
    return Tariff(
        name=prices.name,
        currency=prices.currency,
        timezone=prices.timezone or timezone or "UTC",
        sides=sides,
        path=file,
        format=prices.format,
        warnings=prices.warnings,
    )


def tariff_from_document(loaded: LoadedDocument, *, timezone: str | None = None) -> Tariff:
    """Build a :class:`Tariff` from a validated TOML document, loading the price files it names."""
    doc = loaded.document
    warnings = _price_warnings(loaded)
    sides: dict[str, PriceSide] = {}
    for role in doc.sides():
        sides[role], side_warnings = _side(doc, role, loaded.path, loaded)
        warnings.extend(w for w in side_warnings if w not in warnings)
    return _tariff(doc, loaded.path, "tariff-toml", warnings, sides)


def _tariff(doc: TariffDocument, path: Path, kind: Format, warnings: list[str], sides: dict[str, PriceSide]) -> Tariff:
    return Tariff(
        name=doc.name,
        currency=doc.currency,
        timezone=doc.timezone,
        sides=sides,
        path=path,
        format=kind,
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        standing_charge_per_day=doc.standing_charge_per_day,
        source=doc.source,
        last_checked=doc.last_checked,
        notes=doc.notes,
        warnings=tuple(warnings),
    )


def _side(
    doc: TariffDocument, role: str, path: Path, loaded: LoadedDocument | None
) -> tuple[PriceSide, tuple[str, ...]]:
    """The evaluator of one side, and the warnings of the price file it reads (if any)."""
    spec = doc.sides()[role]
    if isinstance(spec, FlatSide):
        return FlatPrices(spec.price_per_kwh), ()
    if isinstance(spec, BandedSide):
        return BandedPrices(spec, doc.timezone), ()
    assert isinstance(spec, DynamicSide)
    if spec.octopus is not None:
        return OctopusPrices(spec.octopus, spec.formula), ()
    assert spec.file is not None
    target = (path.parent / spec.file).resolve()
    try:
        prices = read_price_file(target, timezone=doc.timezone)
    except TariffFileError as exc:
        if loaded is None:
            raise
        where = loaded.problem((role, "file"), f"price file {spec.file!r}: {exc.problems[0].message}")
        raise TariffFileError([where, *exc.problems], hint=exc.hint) from None
    wanted = spec.series or role
    series = prices.series.get(wanted)
    if series is None:
        if spec.series is not None and loaded is not None:
            raise TariffFileError([loaded.problem((role, "series"), f"{spec.file} has no {spec.series} prices")])
        series = prices.series["import"]
    return FilePrices(series, spec.formula, spec.file), prices.warnings


def _price_warnings(loaded: LoadedDocument) -> list[str]:
    """Warn about prices that look like minor units (pence, cents) in a major-unit currency."""
    doc = loaded.document
    if doc.currency not in _MAJOR_UNIT_CURRENCIES:
        return []
    warnings = []
    for role, side in doc.sides().items():
        values: list[tuple[tuple[str | int, ...], float]] = []
        if isinstance(side, FlatSide):
            values.append(((role, "price_per_kwh"), side.price_per_kwh))
        elif isinstance(side, BandedSide):
            if side.bands is not None:
                values += [((role, "bands", i), b.price_per_kwh) for i, b in enumerate(side.bands)]
            for s, schedule in enumerate(side.schedules or []):
                values += [((role, "schedules", s, "bands", i), b.price_per_kwh) for i, b in enumerate(schedule.bands)]
        for loc, value in values:
            if math.isfinite(value) and abs(value) >= 2.0:
                problem = loaded.problem(
                    loc, f"{value:g} {doc.currency}/kWh is very high: prices are in {doc.currency}, not pence/cents"
                )
                warnings.append(str(problem))
                break
    return warnings


def describe_sides(tariff: Tariff) -> dict[str, str]:
    """``{"import": "banded, local clock, 1 schedule", ...}`` for listings."""
    return {role: side.describe() for role, side in tariff.sides.items()}
