"""Regenerate the derived history fixtures from household-fr-2024.csv (run from the repository root).

    .venv/bin/python tests/data/make_history_fixtures.py

Every value comes from the real French household (emhass project, MIT; see README.md); only the layout is
rewritten into the formats users have: a semicolon/decimal-comma spreadsheet export, kWh per interval, a W
file under a kW header, a Home Assistant history download (one row per state change, at irregular times,
whose time-weighted 30-min means are the real values) and a Home Assistant statistics export. The output is
deterministic (fixed seed). Nothing here runs during the tests.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "household-fr-2024.csv"
PARIS = "Europe/Paris"
SLOT_S = 1800.0
LOAD_ENTITY = "sensor.power_load_no_var_loads"  # emhass's default sensor names (in W)
PV_ENTITY = "sensor.power_photovoltaics"


def household(start: str, end: str) -> pd.DataFrame:
    frame = pd.read_csv(SOURCE)
    frame.index = pd.to_datetime(frame.pop("time"), utc=True)
    return frame[(frame.index >= pd.Timestamp(start)) & (frame.index < pd.Timestamp(end))]


def cell(value: float, fmt: str, comma: bool = False) -> str:
    if math.isnan(value):
        return ""
    text = format(value, fmt)
    return text.replace(".", ",") if comma else text


def semicolon_decimal_comma() -> None:
    """Two June days as a French spreadsheet saves them: ';' between fields, ',' as the decimal mark,
    local times with their offset."""
    days = household("2024-06-09T22:00Z", "2024-06-11T22:00Z")
    rows = ["time;load_kw;pv_kw"]
    for ts, row in days.iterrows():
        local = pd.Timestamp(ts).tz_convert(PARIS).isoformat()
        rows.append(f"{local};{cell(row.load_kw, '.4f', True)};{cell(row.pv_kw, '.4f', True)}")
    (HERE / "fr-2024-06-semicolon-decimal-comma.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def kwh_per_interval() -> None:
    """Three November days with the energy of each 30-min interval in kWh (kW × 0.5), a real load gap."""
    days = household("2024-11-24T00:00Z", "2024-11-27T00:00Z")
    rows = ["time,load_kwh,pv_kwh"]
    for ts, row in days.iterrows():
        rows.append(f"{pd.Timestamp(ts).strftime('%Y-%m-%dT%H:%M:%SZ')},{cell(row.load_kw * 0.5, '.5f')},"
                    f"{cell(row.pv_kw * 0.5, '.5f')}")  # fmt: skip
    (HERE / "fr-2024-11-kwh-per-interval.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def watts_under_kw_header() -> None:
    """Three January 2025 days in W under the header time,load_kw,pv_kw: the mix-up of issue 13."""
    days = household("2025-01-14T00:00Z", "2025-01-17T00:00Z")
    rows = ["time,load_kw,pv_kw"]
    for ts, row in days.iterrows():
        rows.append(f"{pd.Timestamp(ts).strftime('%Y-%m-%dT%H:%M:%SZ')},{cell(row.load_kw * 1000, '.1f')},"
                    f"{cell(row.pv_kw * 1000, '.1f')}")  # fmt: skip
    (HERE / "fr-2025-01-watts-under-kw-header.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _stamp(ns: int) -> str:
    ts = pd.Timestamp(ns, tz="UTC")
    return f"{ts.strftime('%Y-%m-%dT%H:%M:%S')}.{ts.microsecond // 1000:03d}Z"


def _state_changes(values_w: np.ndarray, starts_ns: np.ndarray, rng: np.random.Generator) -> list[tuple[int, str]]:
    """State changes whose time-weighted mean over each 30-min slot is that slot's real value.

    In each measured slot the state changes twice, at start + d1 (d1 up to 60 s, whole milliseconds) to a
    and at start + d2 (10 to 25 min) to b (the real value ± 30 %); the previous slot's last state holds
    until d1, and a is solved so that the slot's mean is exact (before rounding to 0.1 W). A slot without
    a value starts with 'unavailable'; the first slot after a long gap starts with 'unknown' (a restart)."""
    changes: list[tuple[int, str]] = []
    previous: float | None = None  # the state holding at the slot start (None: unavailable)
    for k, (value, start) in enumerate(zip(values_w, starts_ns, strict=True)):
        start = int(start)
        if math.isnan(value):
            d1 = 0 if k == 0 else int(rng.integers(0, 40_000))
            if previous is not None or k == 0:
                changes.append((start + d1 * 1_000_000, "unavailable"))
            previous = None
            continue
        d1 = 0 if k == 0 else int(rng.integers(0, 60_000))  # ms
        d2 = int(rng.integers(600_000, 1_500_000))
        b = round(max(0.0, value * (1 + rng.uniform(-0.3, 0.3))), 1)
        t1, t2, total = d1 / 1000, d2 / 1000, SLOT_S
        if previous is None:  # the slot is known only from d1 on
            a = (value * (total - t1) - b * (total - t2)) / (t2 - t1)
        else:
            a = (value * total - previous * t1 - b * (total - t2)) / (t2 - t1)
        if a < 0:  # change exactly at the slot start instead (no spill from the previous state)
            d1, t1 = 0, 0.0
            a = (value * total - b * (total - t2)) / t2
        if a < 0:
            b = round(value, 1)
            a = value
        if changes and changes[-1][1] == "unavailable" and d1 >= 10_000 and rng.random() < 0.5:
            changes.append((start + (d1 - 5000) * 1_000_000, "unknown"))
        for offset_ms, state in ((d1, round(a, 1)), (d2, b)):
            text = f"{state:.1f}"
            if changes and changes[-1][1] == text:
                continue  # Home Assistant writes a row only when the state changes
            changes.append((start + offset_ms * 1_000_000, text))
        previous = b
    return changes


def home_assistant_history() -> None:
    """Three August days (a real 8.5-hour load gap on 08-22, PV unavailable at night) as the history panel's
    'Download data' CSV: entity_id,state,last_changed, W, one row per change, entities one after the other."""
    days = household("2024-08-21T00:00Z", "2024-08-24T00:00Z")
    rng = np.random.default_rng(2024)
    starts = days.index.as_unit("ns").asi8
    rows = ["entity_id,state,last_changed"]
    for entity, column in ((LOAD_ENTITY, "load_kw"), (PV_ENTITY, "pv_kw")):
        for ns, state in _state_changes(days[column].to_numpy() * 1000.0, starts, rng):
            rows.append(f"{entity},{state},{_stamp(ns)}")
    (HERE / "fr-2024-08-home-assistant-history.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def home_assistant_statistics() -> None:
    """Three October days around the autumn clock change as the long-term statistics export (tab-separated,
    start on the Paris clock as dd.mm.yyyy HH:MM, so 02:00 appears twice on 10-27): each hour's mean is the
    mean of its two real 30-min values (an hour with neither is absent, as when the sensor was unavailable);
    min and max are the lower and higher of the two."""
    days = household("2024-10-25T22:00Z", "2024-10-28T23:00Z")
    rows = ["statistic_id\tunit\tstart\tmin\tmax\tmean"]
    for entity, column in ((LOAD_ENTITY, "load_kw"), (PV_ENTITY, "pv_kw")):
        hourly = (days[column] * 1000.0).groupby(days.index.floor("h"))
        for hour, values in hourly:
            known = values.dropna()
            if known.empty:
                continue
            start = pd.Timestamp(hour).tz_convert(PARIS).strftime("%d.%m.%Y %H:%M")
            rows.append(f"{entity}\tW\t{start}\t{known.min():.1f}\t{known.max():.1f}\t{known.mean():.2f}")
    (HERE / "fr-2024-10-home-assistant-statistics.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    semicolon_decimal_comma()
    kwh_per_interval()
    watts_under_kw_header()
    home_assistant_history()
    home_assistant_statistics()
