"""Fetching unit rates from the public Octopus Energy API (no account or key needed).

``GET {base}/v1/products/{product}/electricity-tariffs/{tariff}/standard-unit-rates/?period_from=…&
period_to=…&page_size=1500``, following ``next`` links until the last page; the pages are joined by
:func:`optimizer.tariffs.readers.octopus_json.intervals_from_pages`. httpx errors are translated here:
unreachable or failing (5xx, bad JSON) → :class:`~optimizer.errors.TransportError` (exit 5); an unknown
product or tariff code (4xx) → :class:`~optimizer.errors.TariffError` (exit 3).

Tests never reach the network: they pass a client built on ``httpx.MockTransport``, or set
:data:`default_transport`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd

from optimizer.errors import TariffError, TransportError
from optimizer.tariffs.intervals import PriceIntervals
from optimizer.tariffs.readers.octopus_json import intervals_from_pages

PAGE_SIZE = 1500
MAX_PAGES = 200
TIMEOUT_S = 20.0
default_transport: httpx.BaseTransport | None = None
"""When set (tests), every fetch without an explicit client goes through this transport."""


def unit_rates_url(base_url: str, product: str, tariff: str) -> str:
    return f"{base_url.rstrip('/')}/v1/products/{product}/electricity-tariffs/{tariff}/standard-unit-rates/"


def _iso(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _get_page(client: httpx.Client, url: str, params: dict[str, Any] | None) -> Any:
    try:
        response = client.get(url, params=params)
    except httpx.TimeoutException:
        raise TransportError(f"the Octopus API did not answer in time ({url})") from None
    except httpx.HTTPError as exc:
        raise TransportError(
            f"cannot reach the Octopus API ({url}): {type(exc).__name__}",
            hint="Check the network, or use a saved price file (see docs/tariffs.md).",
        ) from None
    if response.status_code in (404, 400):
        raise TariffError(
            f"the Octopus API does not know this product/tariff ({response.status_code}): {url}.",
            hint="Check product and region/tariff in the tariff file (e.g. AGILE-24-10-01, region C).",
        )
    if response.status_code >= 400:
        raise TransportError(f"the Octopus API answered HTTP {response.status_code} for {url}")
    try:
        return response.json()
    except ValueError:
        raise TransportError(f"the Octopus API sent a body that is not JSON ({url})") from None


def fetch_unit_rate_pages(
    product: str,
    tariff: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    base_url: str = "https://api.octopus.energy",
    client: httpx.Client | None = None,
) -> list[Any]:
    """All API pages of unit rates valid between ``start`` and ``end`` (UTC instants)."""
    url: str | None = unit_rates_url(base_url, product, tariff)
    params: dict[str, Any] | None = {"period_from": _iso(start), "period_to": _iso(end), "page_size": PAGE_SIZE}
    own = client is None
    http = client or httpx.Client(transport=default_transport, timeout=TIMEOUT_S, follow_redirects=True)
    pages: list[Any] = []
    try:
        while url and len(pages) < MAX_PAGES:
            page = _get_page(http, url, params)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise TransportError(f"the Octopus API sent an unexpected document for {url}")
            pages.append(page)
            url, params = page.get("next"), None  # the next link carries the query
    finally:
        if own:
            http.close()
    return pages


def fetch_unit_rates(
    product: str,
    tariff: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    base_url: str = "https://api.octopus.energy",
    client: httpx.Client | None = None,
) -> PriceIntervals:
    """Unit rates in GBP/kWh valid between ``start`` and ``end`` (none yet published: no intervals)."""
    pages = fetch_unit_rate_pages(product, tariff, start, end, base_url=base_url, client=client)
    if not any(page["results"] for page in pages):
        return PriceIntervals.build([], [], [], path=unit_rates_url(base_url, product, tariff))
    intervals, _ = intervals_from_pages(pages, unit_rates_url(base_url, product, tariff))
    return intervals
