"""An OpenEI Utility Rate Database (URDB) record → a banded tariff document.

The record's ``energyweekdayschedule`` / ``energyweekendschedule`` are 12 × 24 tables (month × local hour)
of period indexes into ``energyratestructure``, whose periods are lists of tiers ``{rate, adj, max, unit,
sell}`` in USD/kWh. Each period is priced ``rate + adj`` of its first tier: tiers depend on monthly
consumption, which a per-slot price cannot express, so extra tiers are flattened to the first with a
warning. ``sell`` rates, where given, become the export side. ``startdate``/``enddate`` (Unix seconds)
become the validity; odd dates (an end before the start, a start in the future) are reported as warnings.
A URDB record carries no time zone: the caller supplies the utility's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from optimizer.tariffs.problems import Problem, TariffFileError, file_error
from optimizer.tariffs.readers.common import finite_price
from optimizer.tariffs.schema import TariffDocument

_SCHEDULES = ("energyweekdayschedule", "energyweekendschedule")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def looks_like_urdb(document: Any) -> bool:
    records = document.get("items") if isinstance(document, dict) and "items" in document else document
    records = records if isinstance(records, list) else [records]
    return bool(records) and all(isinstance(r, dict) and "energyratestructure" in r for r in records)


def _record(document: Any, path: Path) -> tuple[dict[str, Any], str]:
    if isinstance(document, dict) and "items" in document:
        records, prefix = document["items"], "items"
    elif isinstance(document, list):
        records, prefix = document, ""
    else:
        return document, ""
    if not isinstance(records, list) or len(records) != 1:
        count = len(records) if isinstance(records, list) else 0
        labels = ", ".join(str(r.get("label")) for r in records[:5] if isinstance(r, dict)) if count else ""
        raise file_error(
            path,
            f"holds {count} rate records ({labels}); save the one record you are on",
            field=prefix or None,
        )
    return records[0], f"{prefix}[0]." if prefix else "[0]."


def _period_prices(
    record: dict[str, Any], path: Path, prefix: str
) -> tuple[list[float], list[float | None], list[str]]:
    structure = record.get("energyratestructure")
    field = f"{prefix}energyratestructure"
    if not isinstance(structure, list) or not structure:
        raise file_error(path, "expected a non-empty list of periods", field=field)
    prices: list[float] = []
    sells: list[float | None] = []
    warnings: list[str] = []
    for p, tiers in enumerate(structure):
        if not isinstance(tiers, list) or not tiers or not isinstance(tiers[0], dict):
            raise file_error(path, "expected a non-empty list of tiers", field=f"{field}[{p}]")
        first = tiers[0]
        unit = first.get("unit", "kWh")
        if unit != "kWh":
            raise file_error(
                path, f"unit {unit!r} is not supported (only per-kWh energy rates)", field=f"{field}[{p}][0].unit"
            )
        rate, adj = first.get("rate", 0.0), first.get("adj", 0.0)
        for name, value in (("rate", rate), ("adj", adj)):
            if not finite_price(value):
                raise file_error(path, f"expected a finite number, got {value!r}", field=f"{field}[{p}][0].{name}")
        if len(tiers) > 1:
            limit = first.get("max")
            warnings.append(
                f"{path}: {field}[{p}] has {len(tiers)} tiers (the first up to {limit} kWh); tiers depend on "
                "monthly consumption, which a slot price cannot express, so the first tier is used"
            )
        prices.append(round(float(rate) + float(adj), 10))
        sell = first.get("sell")
        if sell is not None and not finite_price(sell):
            raise file_error(path, f"expected a finite number, got {sell!r}", field=f"{field}[{p}][0].sell")
        sells.append(float(sell) if sell is not None else None)
    return prices, sells, warnings


def _table(record: dict[str, Any], key: str, periods: int, path: Path, prefix: str) -> list[list[int]]:
    table = record.get(key)
    ok = isinstance(table, list) and len(table) == 12 and all(isinstance(row, list) and len(row) == 24 for row in table)
    if not ok:
        raise file_error(path, "expected 12 rows (months) of 24 hours", field=f"{prefix}{key}")
    assert isinstance(table, list)
    for m, row in enumerate(table):
        for h, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < periods:
                raise file_error(
                    path,
                    f"period {value!r} at {_MONTHS[m]} {h:02d}:00 is not one of the {periods} periods",
                    field=f"{prefix}{key}[{m}][{h}]",
                )
    return table


def _bands(row: Sequence[int], prices: Sequence[float]) -> list[dict[str, Any]]:
    """24 hourly periods → bands, merging equal neighbours (also across midnight)."""
    runs: list[list[int]] = []  # [period, start_hour, end_hour]
    for hour, period in enumerate(row):
        if runs and runs[-1][0] == period:
            runs[-1][2] = hour + 1
        else:
            runs.append([period, hour, hour + 1])
    if len(runs) > 1 and runs[0][0] == runs[-1][0]:
        period, start, _ = runs.pop()
        runs[0] = [period, start, runs[0][2]]
    return [
        {
            "start": f"{start:02d}:00",
            "end": f"{end:02d}:00",  # 24 → "24:00", the end of the day
            "price_per_kwh": prices[period],
            "name": f"period {period}",
        }
        for period, start, end in runs
    ]


def _schedules(weekday: list[list[int]], weekend: list[list[int]], prices: Sequence[float]) -> list[dict[str, Any]]:
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
    for m in range(12):
        groups.setdefault((tuple(weekday[m]), tuple(weekend[m])), []).append(m + 1)
    schedules = []
    for (week_row, end_row), months in groups.items():
        months_label = ",".join(_MONTHS[m - 1] for m in months)
        if week_row == end_row:
            schedules.append({"name": months_label, "months": months, "bands": _bands(week_row, prices)})
        else:
            schedules.append(
                {"name": f"{months_label} weekdays", "days": ["weekdays"], "months": months,
                 "bands": _bands(week_row, prices)}
            )  # fmt: skip
            schedules.append(
                {"name": f"{months_label} weekends", "days": ["weekends"], "months": months,
                 "bands": _bands(end_row, prices)}
            )  # fmt: skip
    return schedules


def _local_date(seconds: Any, zone: ZoneInfo) -> date | None:
    if not finite_price(seconds):  # a finite JSON number, not a boolean
        return None
    try:
        return datetime.fromtimestamp(float(seconds), tz=zone).date()
    except (OverflowError, OSError, ValueError):  # far outside the years a calendar can hold
        return None


def read_urdb(path: Path, document: Any, timezone: str) -> tuple[TariffDocument, list[str]]:
    """Turn a URDB record into a banded :class:`TariffDocument` (times in ``timezone``), with warnings."""
    record, prefix = _record(document, path)
    if not isinstance(record, dict):
        raise file_error(path, "expected a URDB rate record (an object)")
    prices, sells, warnings = _period_prices(record, path, prefix)
    weekday = _table(record, _SCHEDULES[0], len(prices), path, prefix)
    weekend = _table(record, _SCHEDULES[1], len(prices), path, prefix)
    zone = ZoneInfo(timezone)
    start = _local_date(record.get("startdate"), zone)
    end_seconds = record.get("enddate")
    has_end = finite_price(end_seconds)
    end = (
        _local_date(float(end_seconds) - 1, zone) if has_end and end_seconds is not None else None
    )  # the end instant is exclusive
    if start and end and end < start:
        warnings.append(
            f"{path}: enddate {_local_date(record['enddate'], zone)} is before startdate {start}; "
            "the enddate is ignored"
        )
        end = None
    if start and start > datetime.now(zone).date():
        warnings.append(f"{path}: startdate {start} is in the future")
    fixed = record.get("fixedchargefirstmeter")
    units = str(record.get("fixedchargeunits", "$/month"))
    standing = None
    if fixed is not None and not finite_price(fixed):
        raise file_error(path, f"expected a finite number, got {fixed!r}", field=f"{prefix}fixedchargefirstmeter")
    if finite_price(fixed):
        per_day = {"$/month": 12 / 365.0, "$/day": 1.0, "$/year": 1 / 365.0}.get(units)
        if per_day is None:
            warnings.append(f"{path}: fixed charge unit {units!r} not understood; standing charge left out")
        else:
            standing = round(float(fixed) * per_day, 6)
    title = " ".join(str(record.get(k, "")).strip() for k in ("utility", "name")).strip() or path.stem
    data: dict[str, Any] = {
        "name": title,
        "supplier": record.get("utility"),
        "currency": "USD",
        "timezone": timezone,
        "valid_from": start,
        "valid_to": end,
        "standing_charge_per_day": standing,
        "source": record.get("uri") or record.get("source"),
        "notes": "Converted from an OpenEI URDB record; holidays are priced as ordinary days.",
        "import": {"kind": "banded", "schedules": _schedules(weekday, weekend, prices)},
    }
    if any(s is not None for s in sells):
        sell_prices = [s if s is not None else 0.0 for s in sells]
        data["export"] = {"kind": "banded", "schedules": _schedules(weekday, weekend, sell_prices)}
    try:
        return TariffDocument.model_validate(data), warnings
    except ValidationError as exc:  # the conversion itself keeps to the schema; report, never crash
        problems = [Problem(str(path), str(e["msg"]), None, ".".join(map(str, e["loc"]))) for e in exc.errors()]
        raise TariffFileError(problems) from None
