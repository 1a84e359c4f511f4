"""Regenerate the derived tariff test fixtures from ../shared/data (run from the repository root).

    .venv/bin/python tests/data/tariffs/make_fixtures.py

Every value comes from a real file whose licence allows copying (see README.md here); only the layout is
rewritten into the download formats users have. Nothing here runs during the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[3] / "shared" / "data"
UK = "Europe/London"
AGILE_URL = "https://api.octopus.energy/v1/products/AGILE-18-02-21/electricity-tariffs/E-1R-AGILE-18-02-21-A/"


def _agile_a() -> pd.Series:
    frame = pd.read_csv(SHARED / "prices" / "agile-A-2018-2021.csv")
    return pd.Series(frame["import_p_per_kwh"].to_numpy(), index=pd.to_datetime(frame["time"], utc=True))


def agile_download(day_start: str, day_end: str, name: str) -> None:
    """The Agile CSV download layout (UK clock, dd/mm/yyyy HH:MM) with its DST quirks, as the real
    download has them: each UTC interval's start and end converted to UK clock time (the spring slot reads
    00:30 → 02:00), and rows keyed by 'Period from' with the last one kept, so the repeated autumn hour
    appears once, as its second (GMT) occurrence (01:30 → 02:00)."""
    prices = _agile_a()[day_start:day_end]
    by_start: dict[str, str] = {}
    for ts, price in prices.items():
        start = pd.Timestamp(ts).tz_convert(UK).strftime("%d/%m/%Y %H:%M")
        end = (pd.Timestamp(ts) + pd.Timedelta(minutes=30)).tz_convert(UK).strftime("%d/%m/%Y %H:%M")
        by_start[start] = f"{start},{end},{price:.2f}"
    rows = ["Period from,Period to,Agile Import price (p/kWh)", *by_start.values()]
    (HERE / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def agile_api_pages(first: str, last: str, page_size: int, stem: str) -> None:
    """Octopus API pages (newest first, ``next`` links) holding the archived Agile A prices."""
    prices = _agile_a()[first:last]
    results = [
        {
            "value_exc_vat": round(float(p) / 1.05, 4),
            "value_inc_vat": round(float(p), 4),
            "valid_from": pd.Timestamp(ts).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "valid_to": (pd.Timestamp(ts) + pd.Timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "payment_method": None,
        }
        for ts, p in prices.items()
    ][::-1]
    pages = [results[i : i + page_size] for i in range(0, len(results), page_size)]
    for n, chunk in enumerate(pages, start=1):
        url = f"{AGILE_URL}standard-unit-rates/?page={n + 1}&page_size={page_size}"
        document = {
            "count": len(results),
            "next": url if n < len(pages) else None,
            "previous": None if n == 1 else f"{AGILE_URL}standard-unit-rates/?page={n - 1}&page_size={page_size}",
            "results": chunk,
        }
        (HERE / f"{stem}-page{n}.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def entsoe_autumn_fr() -> None:
    """ENTSO-E export layout (CET/CEST interval strings, the autumn 02:00 - 03:00 row twice) for France
    around 2023-10-29, with the real day-ahead prices."""
    frame = pd.read_csv(SHARED / "prices" / "entsoe-FR-2023.csv")
    prices = pd.Series(frame["eur_per_mwh"].to_numpy(), index=pd.to_datetime(frame["time"], utc=True))
    rows = ['"MTU (CET/CEST)","Day-ahead Price [EUR/MWh]","Currency","BZN|FR"']
    for ts, price in prices["2023-10-27T22:00Z":"2023-10-29T22:00Z"].items():
        start = pd.Timestamp(ts).tz_convert("Europe/Paris")
        end = start + pd.Timedelta(hours=1)
        label = f"{start:%d.%m.%Y %H:%M} - {start:%d.%m.%Y} {start.hour + 1:02d}:00"
        if start.hour == 23:
            label = f"{start:%d.%m.%Y %H:%M} - {end:%d.%m.%Y %H:%M}"
        rows.append(f'"{label}","{price:.2f}","EUR"')
    (HERE / "entsoe-day-ahead-FR-2023-autumn.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def entsoe_mixed_resolution() -> None:
    """An export spanning a change of resolution: the real hourly DE-LU rows of 2024-09-30, then
    15-minute rows for 2024-10-01 00:00-06:00 (each quarter carrying its real hourly price)."""
    lines = (SHARED / "raw" / "entsoe-day-ahead-DE-LU-2024.csv").read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    hourly = [row for row in body if row.startswith('"30.09.2024')]
    quarters = []
    for row in body:
        if not row.startswith('"01.10.2024 0') or int(row[12:14]) >= 6:
            continue
        hour = int(row[12:14])
        price = row.split('","')[1]
        for q in range(4):
            a, b = hour * 60 + 15 * q, hour * 60 + 15 * q + 15
            quarters.append(
                f'"01.10.2024 {a // 60:02d}:{a % 60:02d} - 01.10.2024 {b // 60:02d}:{b % 60:02d}","{price}","EUR"'
            )
    (HERE / "entsoe-day-ahead-DE-LU-mixed-resolution.csv").write_text(
        "\n".join([header, *hourly, *quarters]) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    agile_download("2020-10-24T23:00Z", "2020-10-26T00:00Z", "agile-A-download-2020-10-25.csv")
    agile_download("2021-03-27T00:00Z", "2021-03-29T00:00Z", "agile-A-download-2021-03-28.csv")
    agile_api_pages("2021-03-27T00:00Z", "2021-03-28T23:30Z", 50, "octopus-agile-A-2021-03-27")
    entsoe_autumn_fr()
    entsoe_mixed_resolution()
