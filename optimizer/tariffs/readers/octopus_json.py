"""Octopus Energy API unit rates (``…/standard-unit-rates/`` JSON), one page or several.

Each result is ``{"value_exc_vat", "value_inc_vat", "valid_from", "valid_to", "payment_method"}`` with UTC
times; ``valid_to: null`` means "until further notice" and a fixed-price tariff may hold one interval for
months. Pages (a JSON list of page objects, or the pages fetched by following ``next``) are joined. When
both direct-debit and non-direct-debit rates are listed, the direct-debit ones are used. ``value_inc_vat``
in p/kWh becomes GBP/kWh.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.tariffs.intervals import OPEN_END_NS, OPEN_START_NS, PriceIntervals
from optimizer.tariffs.problems import Problem, TariffFileError, file_error
from optimizer.tariffs.readers.common import PriceFile, finite_price

UK_ZONE = "Europe/London"
PENCE = 0.01


def looks_like_octopus(document: Any) -> bool:
    pages = document if isinstance(document, list) else [document]
    return bool(pages) and all(isinstance(p, dict) and isinstance(p.get("results"), list) for p in pages)


def _instant(value: Any, path: str | Path, field: str, open_ns: int) -> int:
    if value is None:
        return open_ns
    if not isinstance(value, str):
        raise file_error(path, f"expected an ISO-8601 time, got {value!r}", field=field)
    try:
        stamp = pd.Timestamp(value)
    except ValueError:
        raise file_error(path, f"cannot read {value!r} as an ISO-8601 time", field=field) from None
    if stamp.tzinfo is None:
        raise file_error(path, f"time {value!r} has no offset; the API gives UTC ('Z')", field=field)
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


def intervals_from_pages(pages: Sequence[Any], path: str | Path) -> tuple[PriceIntervals, list[str]]:
    """Join the ``results`` of API pages into GBP/kWh intervals (plus any warnings)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for p, page in enumerate(pages):
        prefix = f"[{p}]." if len(pages) > 1 else ""
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise file_error(path, "expected an API page with a 'results' list", field=f"{prefix}results")
        for i, result in enumerate(page["results"]):
            if not isinstance(result, dict):
                raise file_error(path, "expected an object", field=f"{prefix}results[{i}]")
            rows.append((f"{prefix}results[{i}]", result))
    warnings: list[str] = []
    methods = {r.get("payment_method") for _, r in rows}
    if "DIRECT_DEBIT" in methods and "NON_DIRECT_DEBIT" in methods:
        rows = [(f, r) for f, r in rows if r.get("payment_method") != "NON_DIRECT_DEBIT"]
        warnings.append(f"{path}: both direct-debit and other rates listed; using the direct-debit rates")
    problems: list[Problem] = []
    starts, ends, prices, origins = [], [], [], []
    for field, result in rows:
        value = result.get("value_inc_vat")
        if not finite_price(value):
            what = "a finite number" if isinstance(value, float) else "a number"
            problems.append(Problem(str(path), f"expected {what}, got {value!r}", None, f"{field}.value_inc_vat"))
            continue
        starts.append(_instant(result.get("valid_from"), path, f"{field}.valid_from", OPEN_START_NS))
        ends.append(_instant(result.get("valid_to"), path, f"{field}.valid_to", OPEN_END_NS))
        prices.append(float(value) * PENCE)
        origins.append((None, field))
    if problems:
        raise TariffFileError(problems[:10])
    if not starts:
        raise file_error(path, "the API page holds no unit rates", field="results")
    return PriceIntervals.build(starts, ends, prices, path=path, origins=origins), warnings


def read_octopus_json(path: Path, document: Any) -> PriceFile:
    """Read a saved API response (a page or a list of pages) into GBP/kWh intervals."""
    pages = document if isinstance(document, list) else [document]
    intervals, warnings = intervals_from_pages(pages, path)
    return PriceFile(path, "octopus-json", path.stem, "GBP", UK_ZONE, {"import": intervals}, tuple(warnings))


def parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise file_error(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
