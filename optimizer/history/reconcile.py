"""Integrated samples against the inverter's own daily counters (the month report).

5-minute samples miss what happens between them and the cloud drops some; the month report's per-day totals
come from the inverter's energy counters. Comparing both per local day shows how much the stored samples can
be trusted for a day (``*_ratio`` near 1) and which days are incomplete.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.history.resample import resample_to_slots
from optimizer.history.store import HistoryStore
from optimizer.timegrid import local_midnight, slot_index

#: (sample column [kW], report column [kWh]) compared per day.
PAIRS: tuple[tuple[str, str], ...] = (("load_kw", "load_kwh"), ("pv_kw", "pv_kwh"))
_SLOT_MINUTES = 5


def reconcile(
    store: HistoryStore, sn: str, *, timezone: str, first: date | None = None, last: date | None = None
) -> pd.DataFrame:
    """One row per local day with report totals: the integrated sample energy, the report energy and
    their ratio for load and PV [kWh], and ``coverage`` (share of 5-min slots holding a sample, 0..1)."""
    totals = store.daily_totals(sn, first, last)
    columns = [
        f"{report_col.removesuffix('_kwh')}_{part}"
        for _, report_col in PAIRS
        for part in ("samples", "report", "ratio")
    ] + ["coverage"]
    if totals.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="day"), dtype=float)
    days = list(totals.index)
    start = local_midnight(days[0], timezone)
    end = local_midnight(days[-1] + timedelta(days=1), timezone)
    index = slot_index(start, end, _SLOT_MINUTES)
    raw = store.series(sn, start, end)
    rows = pd.DataFrame(index=pd.Index(days, name="day"), columns=columns, dtype=float)
    if raw.empty or not {"load_kw", "pv_kw"} <= set(raw.columns):
        for _, report_col in PAIRS:
            if report_col in totals.columns:
                rows[f"{report_col.removesuffix('_kwh')}_report"] = totals[report_col]
        rows["coverage"] = 0.0
        return rows
    slots, _ = resample_to_slots(raw, index, timezone=timezone, fill=False)
    local_days = pd.DatetimeIndex(slots.index).tz_convert(timezone).date
    hours = _SLOT_MINUTES / 60.0
    grouped = slots.groupby(local_days)
    for sample_col, report_col in PAIRS:
        key = report_col.removesuffix("_kwh")
        energy = grouped[sample_col].sum(min_count=1) * hours
        rows[f"{key}_samples"] = energy.reindex(rows.index)
        if report_col in totals.columns:
            rows[f"{key}_report"] = totals[report_col].reindex(rows.index)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = rows[f"{key}_samples"] / rows[f"{key}_report"]
        rows[f"{key}_ratio"] = ratio.where(rows[f"{key}_report"] > 0)
    rows["coverage"] = grouped["load_kw"].apply(lambda s: float(s.notna().mean())).reindex(rows.index)
    return rows
