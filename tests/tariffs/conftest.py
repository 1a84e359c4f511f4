"""Helpers for the tariff tests: data paths and slot grids."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from optimizer.timegrid import local_day_index

DATA = Path(__file__).resolve().parents[1] / "data" / "tariffs"


def day(on: str, zone: str, slot_minutes: int = 30) -> pd.DatetimeIndex:
    """All slots of the local day ``on`` (YYYY-MM-DD) in ``zone``."""
    return local_day_index(date.fromisoformat(on), zone, slot_minutes)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")
