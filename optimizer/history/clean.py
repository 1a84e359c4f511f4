"""Removing what is not a measurement from raw samples, and counting what was removed.

Rules, applied per column to the raw samples before they are resampled (removed values become gaps):

* **duplicates**: samples at the same instant are merged into their mean (counted once per extra sample);
* **corrupt**: non-finite values and magnitudes above 2e8 (Fox's corrupt high words) are removed;
* **out of range**: ``soc_pct`` outside 0..100, and non-negative powers below -0.05 kW, are removed; powers in
  -0.05..0 kW are meter noise and set to 0 (counted as ``clipped``);
* **spikes**: powers above ``max_power_kw`` (default 100 kW: no household inverter delivers more), or above
  ``spike_factor`` (default 10) times the column's 99th percentile of non-zero magnitudes when at least 100
  such samples exist, are removed;
* **float noise** (``0.39999999999963``) is rounded to 1e-4 of the unit (0.1 W, 0.0001 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.columns import (
    CORRUPT_ABOVE,
    NONNEGATIVE_POWER_COLUMNS,
    PERCENT_COLUMNS,
)
from optimizer.history.csvfile import NEGATIVE_NOISE_KW

DEFAULT_MAX_POWER_KW = 100.0
DEFAULT_SPIKE_FACTOR = 10.0
_MIN_SAMPLES_FOR_QUANTILE = 100
_DECIMALS = 4


@dataclass
class ColumnCleaning:
    """Counts of values removed or changed in one column."""

    corrupt: int = 0
    out_of_range: int = 0
    spikes: int = 0
    clipped: int = 0

    @property
    def removed(self) -> int:
        return self.corrupt + self.out_of_range + self.spikes

    def as_dict(self) -> dict[str, int]:
        return {
            "corrupt": self.corrupt,
            "out_of_range": self.out_of_range,
            "spikes": self.spikes,
            "clipped": self.clipped,
        }


@dataclass
class SampleCleaning:
    """What :func:`clean_samples` did: merged duplicates and per-column counts."""

    duplicates: int = 0
    columns: dict[str, ColumnCleaning] = field(default_factory=dict)


def clean_samples(
    frame: pd.DataFrame,
    *,
    max_power_kw: float = DEFAULT_MAX_POWER_KW,
    spike_factor: float = DEFAULT_SPIKE_FACTOR,
) -> tuple[pd.DataFrame, SampleCleaning]:
    """The samples of ``frame`` (aware index) sorted in UTC with the rules of this module applied."""
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise HistoryError("history samples must be indexed by aware timestamps (UTC or with an offset)")
    data = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    data.index = data.index.tz_convert("UTC")
    data = data.sort_index(kind="stable")
    report = SampleCleaning()
    if data.index.has_duplicates:
        report.duplicates = int(data.index.duplicated().sum())
        data = data.groupby(level=0, sort=True).mean()
    for column in data.columns:
        values = data[column].to_numpy(dtype=float, copy=True)
        counts = ColumnCleaning()
        present = ~np.isnan(values)

        corrupt = present & (~np.isfinite(values) | (np.abs(values) > CORRUPT_ABOVE))
        counts.corrupt = int(corrupt.sum())
        values[corrupt] = np.nan

        if column in PERCENT_COLUMNS:
            bad = (values < 0.0) | (values > 100.0)
            counts.out_of_range = int(bad.sum())
            values[bad] = np.nan
        elif column.endswith("_kw"):
            if column in NONNEGATIVE_POWER_COLUMNS:
                bad = values < NEGATIVE_NOISE_KW
                noise = (values < 0.0) & ~bad
                counts.out_of_range = int(bad.sum())
                counts.clipped = int(noise.sum())
                values[bad] = np.nan
                values[noise] = 0.0
            spikes = _spikes(values, max_power_kw, spike_factor)
            counts.spikes = int(spikes.sum())
            values[spikes] = np.nan

        data[column] = np.round(values, _DECIMALS)
        report.columns[str(column)] = counts
    data.index.name = "time"
    return data, report


def _spikes(values: np.ndarray, max_power_kw: float, spike_factor: float) -> np.ndarray:
    magnitude = np.abs(values)
    with np.errstate(invalid="ignore"):
        spikes = magnitude > max_power_kw
        nonzero = magnitude[np.isfinite(magnitude) & (magnitude > 0) & ~spikes]
        if nonzero.size >= _MIN_SAMPLES_FOR_QUANTILE:
            threshold = spike_factor * float(np.quantile(nonzero, 0.99))
            spikes |= magnitude > threshold
    return np.asarray(spikes, dtype=bool)
