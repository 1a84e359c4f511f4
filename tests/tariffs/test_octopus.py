"""Octopus API unit rates: stored pages joined, long fixed intervals, and fetching through MockTransport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from optimizer.errors import TariffError, TransportError
from optimizer.tariffs import octopus_api, read_tariff
from optimizer.tariffs.problems import TariffFileError
from optimizer.tariffs.schema import OctopusSource
from optimizer.tariffs.sides import OctopusPrices
from tests.tariffs.conftest import DATA, day, utc

PAGES = [DATA / f"octopus-agile-A-2021-03-27-page{n}.json" for n in (1, 2)]


def _pages() -> list[Any]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in PAGES]


def _archive(start: str, end: str) -> pd.Series:
    frame = pd.read_csv(
        Path(__file__).resolve().parents[2] / "tariffs" / "prices" / "octopus-agile-A-2020-10-to-2021-03.csv"
    )
    series = pd.Series(frame["import_p_per_kwh"].to_numpy() / 100, index=pd.to_datetime(frame["time"], utc=True))
    return series[start:end]


def test_joined_pages_price_the_spring_day(tmp_path: Path) -> None:
    joined = tmp_path / "agile.json"
    joined.write_text(json.dumps(_pages()), encoding="utf-8")
    tariff = read_tariff(joined)
    assert (tariff.format, tariff.currency, tariff.timezone) == ("octopus-json", "GBP", "Europe/London")
    prices = tariff.import_prices(day("2021-03-28", "Europe/London"))
    assert len(prices) == 46
    expected = _archive("2021-03-28T00:00Z", "2021-03-28T22:30Z")
    assert (prices - expected.loc[prices.index]).abs().max() < 1e-9


def test_one_page_alone_leaves_a_named_hole() -> None:
    tariff = read_tariff(PAGES[0])  # newest 50 results: 2021-03-27T23:00Z onwards
    with pytest.raises(TariffError, match=r"slot starting 2021-03-27T00:00Z \(2021-03-27 00:00 GMT"):
        tariff.prices(day("2021-03-27", "Europe/London"))


def _page(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def test_long_fixed_intervals_and_open_ends_are_expanded(tmp_path: Path) -> None:
    # a fixed tariff as the API lists it: one rate until further notice, an older one before it,
    # both for direct debit and for other payment methods
    results = [
        {"value_exc_vat": 23.81, "value_inc_vat": 25.0, "valid_from": "2024-03-31T23:00:00Z", "valid_to": None,
         "payment_method": "DIRECT_DEBIT"},
        {"value_exc_vat": 25.0, "value_inc_vat": 26.25, "valid_from": "2024-03-31T23:00:00Z", "valid_to": None,
         "payment_method": "NON_DIRECT_DEBIT"},
        {"value_exc_vat": 28.57, "value_inc_vat": 30.0, "valid_from": "2023-09-30T23:00:00Z",
         "valid_to": "2024-03-31T23:00:00Z", "payment_method": "DIRECT_DEBIT"},
        {"value_exc_vat": 30.0, "value_inc_vat": 31.5, "valid_from": "2023-09-30T23:00:00Z",
         "valid_to": "2024-03-31T23:00:00Z", "payment_method": "NON_DIRECT_DEBIT"},
    ]  # fmt: skip
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps(_page(results)), encoding="utf-8")
    tariff = read_tariff(path)
    assert any("direct-debit" in w for w in tariff.warnings)
    index = pd.date_range("2024-03-31T22:00Z", periods=4, freq="30min")
    assert tariff.import_prices(index).tolist() == pytest.approx([0.30, 0.30, 0.25, 0.25])
    far = pd.date_range("2031-01-01T00:00Z", periods=48, freq="30min")
    assert (tariff.import_prices(far) == 0.25).all()
    with pytest.raises(TariffError, match="2023-09-30T22:30Z"):
        tariff.import_prices(pd.date_range("2023-09-30T22:30Z", periods=2, freq="30min"))


def test_malformed_results_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(_page([{"value_inc_vat": "12", "valid_from": "2024-01-01T00:00:00Z", "valid_to": None}])),
        encoding="utf-8",
    )
    with pytest.raises(TariffFileError, match=r"results\[0\]\.value_inc_vat: expected a number, got '12'"):
        read_tariff(path)
    path.write_text(
        json.dumps(_page([{"value_inc_vat": 12, "valid_from": "2024-01-01T00:00:00", "valid_to": None}])),
        encoding="utf-8",
    )
    with pytest.raises(TariffFileError, match="has no offset"):
        read_tariff(path)
    path.write_text('{"results": [', encoding="utf-8")
    with pytest.raises(TariffFileError, match="not valid JSON"):
        read_tariff(path)


# ----- fetching (never the network: MockTransport) --------------------------------------------------------


def _serving_pages(calls: list[httpx.Request]) -> httpx.MockTransport:
    pages = _pages()
    base = "https://api.octopus.test/v1/products/AGILE-18-02-21/electricity-tariffs/E-1R-AGILE-18-02-21-A/"
    pages[0]["next"] = f"{base}standard-unit-rates/?page=2"

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if (
            request.url.path
            != "/v1/products/AGILE-18-02-21/electricity-tariffs/E-1R-AGILE-18-02-21-A/standard-unit-rates/"
        ):
            return httpx.Response(404, json={"detail": "Not found."})
        page = 2 if request.url.params.get("page") == "2" else 1
        return httpx.Response(200, json=pages[page - 1])

    return httpx.MockTransport(handler)


def test_fetch_follows_next_links_and_joins_pages() -> None:
    calls: list[httpx.Request] = []
    with httpx.Client(transport=_serving_pages(calls)) as client:
        intervals = octopus_api.fetch_unit_rates(
            "AGILE-18-02-21",
            "E-1R-AGILE-18-02-21-A",
            utc("2021-03-27T00:00Z"),
            utc("2021-03-29T00:00Z"),
            base_url="https://api.octopus.test",
            client=client,
        )
    assert len(intervals) == 96 and len(calls) == 2
    assert calls[0].url.params["period_from"] == "2021-03-27T00:00:00Z"
    assert calls[0].url.params["page_size"] == "1500"


def test_octopus_side_fetches_once_per_span_and_prices_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[httpx.Request] = []
    monkeypatch.setattr(octopus_api, "default_transport", _serving_pages(calls))
    source = OctopusSource(product="AGILE-18-02-21", region="A", base_url="https://api.octopus.test")
    side = OctopusPrices(source, None)
    minutes = pd.date_range("2021-03-28T00:00Z", "2021-03-28T23:00Z", freq="1min", inclusive="left")
    prices = side.minute_prices(minutes)
    assert prices[0] == pytest.approx(_archive("2021-03-28T00:00Z", "2021-03-28T00:00Z").iloc[0])
    side.minute_prices(minutes[:60])
    assert len(calls) == 2  # one fetch (two pages); the second call was inside the fetched span
    assert "returned prices from 2021-03-27T00:00Z" in (side.coverage_note() or "")


def test_unknown_product_and_unreachable_api() -> None:
    calls: list[httpx.Request] = []
    with httpx.Client(transport=_serving_pages(calls)) as client, pytest.raises(TariffError, match="does not know"):
        octopus_api.fetch_unit_rates(
            "NOPE-1", "E-1R-NOPE-1-A", utc("2021-03-27T00:00Z"), utc("2021-03-28T00:00Z"),
            base_url="https://api.octopus.test", client=client,
        )  # fmt: skip

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client, pytest.raises(TransportError) as caught:
        octopus_api.fetch_unit_rates(
            "AGILE-24-10-01", "E-1R-AGILE-24-10-01-C", utc("2025-01-01T00:00Z"), utc("2025-01-02T00:00Z"),
            client=client,
        )  # fmt: skip
    assert caught.value.exit_code == 5 and "cannot reach the Octopus API" in str(caught.value)

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    with httpx.Client(transport=httpx.MockTransport(broken)) as client, pytest.raises(TransportError, match="502"):
        octopus_api.fetch_unit_rates(
            "AGILE-24-10-01", "E-1R-AGILE-24-10-01-C", utc("2025-01-01T00:00Z"), utc("2025-01-02T00:00Z"),
            client=client,
        )  # fmt: skip


def test_no_published_prices_yet_is_a_named_hole(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(
        octopus_api, "default_transport", httpx.MockTransport(lambda r: httpx.Response(200, json=_page([])))
    )
    path = tmp_path / "agile.toml"
    path.write_text(
        'name = "Agile"\ncurrency = "GBP"\ntimezone = "Europe/London"\n'
        '[import]\nkind = "dynamic"\noctopus = { product = "AGILE-24-10-01", region = "C" }\n',
        encoding="utf-8",
    )
    with pytest.raises(TariffError) as caught:
        read_tariff(path).prices(day("2026-11-25", "Europe/London"))
    assert "slot starting 2026-11-25T00:00Z (2026-11-25 00:00 GMT Europe/London)" in str(caught.value)
    assert "The Octopus API (AGILE-24-10-01, E-1R-AGILE-24-10-01-C) returned no prices." in str(caught.value)
