"""Human and machine views of a tariff's prices: equal-price runs, summaries, JSON documents, CSV, a plot.

The CLI renders these; notebooks can use them directly. Prices are in currency/kWh, times ISO-8601 with
``Z`` (UTC) plus local times where a person reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import UsageError
from optimizer.tariffs.tariff import Tariff, describe_sides
from optimizer.timegrid import iso


@dataclass(frozen=True)
class PriceRun:
    """Consecutive slots with the same prices: ``[start, end)`` in UTC, prices in currency/kWh."""

    start: pd.Timestamp
    end: pd.Timestamp
    import_price: float | None
    export_price: float | None


def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if index.freq is not None:
        return pd.Timedelta(index.freq.nanos, unit="ns")
    return pd.Timedelta(index[1] - index[0]) if len(index) > 1 else pd.Timedelta(minutes=30)


def price_runs(
    index: pd.DatetimeIndex, import_price: pd.Series | None, export_price: pd.Series | None
) -> list[PriceRun]:
    """Merge consecutive slots of equal import and export price (to 1e-9) into runs."""
    if len(index) == 0:
        return []
    columns = [s.to_numpy() for s in (import_price, export_price) if s is not None]
    values = np.column_stack(columns) if columns else np.zeros((len(index), 0))
    changed = (np.abs(np.diff(values, axis=0)) > 1e-9).any(axis=1) if len(values) > 1 else np.zeros(0, bool)
    starts = [0, *[int(c) + 1 for c in np.flatnonzero(changed)]]
    ends = [*starts[1:], len(index)]
    step = _step(index)
    return [
        PriceRun(
            start=index[a],
            end=index[b - 1] + step,
            import_price=float(import_price.iloc[a]) if import_price is not None else None,
            export_price=float(export_price.iloc[a]) if export_price is not None else None,
        )
        for a, b in zip(starts, ends, strict=True)
    ]


def summary(series: pd.Series) -> dict[str, float]:
    """Min, time-weighted mean and max [currency/kWh] of a price series on a fixed grid."""
    return {
        "min": round(float(series.min()), 6),
        "mean": round(float(series.mean()), 6),
        "max": round(float(series.max()), 6),
    }


def tariff_json(tariff: Tariff) -> dict[str, Any]:
    """What a tariff is, for JSON outputs."""
    return {
        "name": tariff.name,
        "file": str(tariff.path) if tariff.path else None,
        "format": tariff.format,
        "currency": tariff.currency,
        "timezone": tariff.timezone,
        "sides": describe_sides(tariff),
    }


def _rounded(series: pd.Series | None, i: int) -> float | None:
    return None if series is None else round(float(series.iloc[i]), 6)


def prices_document(
    index: pd.DatetimeIndex,
    *,
    importing: Tariff,
    exporting: Tariff | None,
    import_price: pd.Series | None,
    export_price: pd.Series | None,
    timezone: str,
) -> dict[str, Any]:
    """The ``optimizer prices --json`` document."""
    return {
        "tariff": tariff_json(importing),
        "export_tariff": tariff_json(exporting) if exporting else None,
        "currency": importing.currency or (exporting.currency if exporting else ""),
        "timezone": timezone,
        "start": iso(index[0]),
        "end": iso(index[-1] + _step(index)),
        "slot_minutes": int(_step(index).total_seconds() // 60),
        "slots": [
            {"start": iso(ts), "import_price": _rounded(import_price, i), "export_price": _rounded(export_price, i)}
            for i, ts in enumerate(index)
        ],
    }


def prices_csv(index: pd.DatetimeIndex, import_price: pd.Series | None, export_price: pd.Series | None) -> str:
    """``time,import_price,export_price`` (columns only for the sides present), readable back as a price file."""
    columns = {n: s for n, s in (("import_price", import_price), ("export_price", export_price)) if s is not None}
    lines = ["time," + ",".join(columns)]
    for i, ts in enumerate(index):
        cells = [f"{s.iloc[i]:.6f}".rstrip("0").rstrip(".") for s in columns.values()]
        lines.append(",".join([iso(ts), *cells]))
    return "\n".join(lines)


def day_document(
    tariff: Tariff,
    day: date,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    import_price: pd.Series | None,
    export_price: pd.Series | None,
    plot: Path | None,
) -> dict[str, Any]:
    """The ``optimizer tariffs show --json`` document: runs of equal prices over one local day."""
    stats = {s: summary(v) for s, v in (("import", import_price), ("export", export_price)) if v is not None}
    return {
        "tariff": tariff_json(tariff),
        "date": day.isoformat(),
        "timezone": timezone,
        "slot_minutes": int(_step(index).total_seconds() // 60),
        "standing_charge_per_day": tariff.standing_charge_per_day,
        "source": tariff.source,
        "last_checked": tariff.last_checked.isoformat() if tariff.last_checked else None,
        "runs": [
            {
                "start": iso(r.start),
                "end": iso(r.end),
                "local_start": r.start.tz_convert(timezone).isoformat(),
                "local_end": r.end.tz_convert(timezone).isoformat(),
                "import_price": r.import_price,
                "export_price": r.export_price,
            }
            for r in price_runs(index, import_price, export_price)
        ],
        "summary": stats,
        "plot": str(plot) if plot else None,
    }


def plot_day(
    path: Path,
    *,
    title: str,
    timezone: str,
    currency: str,
    import_price: pd.Series | None,
    export_price: pd.Series | None,
) -> Path:
    """Write a step plot of the day's prices (local time on the x axis) as PNG; returns ``path``."""
    if path.suffix.lower() != ".png":
        raise UsageError(f"--plot writes a PNG file; got {path.name!r}.")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for series, label, colour in ((import_price, "import", "tab:red"), (export_price, "export", "tab:green")):
        if series is None or series.empty:
            continue
        local = series.tz_convert(timezone)
        x = [*local.index, local.index[-1] + _step(pd.DatetimeIndex(series.index))]
        y = [*local.to_numpy(), local.to_numpy()[-1]]
        axes.step(x, y, where="post", label=label, color=colour)
    axes.set_title(title)
    axes.set_ylabel(f"{currency or 'currency'}/kWh")
    axes.set_xlabel(f"local time ({timezone})")
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=timezone))
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"cannot write plot {path}: {exc.strerror}.") from None
    return path
