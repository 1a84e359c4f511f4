"""Filling the history store from a history CSV: ``optimizer history import``.

The file is read by :func:`optimizer.history.csvfile.load_history_csv` (every format it accepts), validated
whole before anything is written, then written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.history.csvfile import load_history_csv
from optimizer.history.store import HistoryStore


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_history_csv` did.

    ``rows`` counts the file's data rows, ``samples_written`` the (time, variable) values newly added to the
    store (re-importing the same file adds 0), ``gap_cells`` the empty cells per column after the file was
    laid on its regular grid (missing rows count as gaps), ``duplicates`` the repeated timestamps merged.
    """

    path: Path
    sn: str
    rows: int
    samples_written: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    step_minutes: int
    columns: tuple[str, ...]
    gap_cells: dict[str, int]
    duplicates: int
    ignored_columns: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        from optimizer.timegrid import iso

        return {
            "file": str(self.path),
            "sn": self.sn,
            "rows": self.rows,
            "samples_written": self.samples_written,
            "first": iso(self.first) if self.first is not None else None,
            "last": iso(self.last) if self.last is not None else None,
            "step_minutes": self.step_minutes,
            "columns": list(self.columns),
            "gap_cells": dict(self.gap_cells),
            "duplicates": self.duplicates,
            "ignored_columns": list(self.ignored_columns),
        }


def import_history_csv(
    store: HistoryStore, path: str | Path, sn: str = "csv", *, timezone: str | None = None
) -> ImportReport:
    """Fill ``store`` from a history CSV (``time,load_kw,pv_kw[,soc_pct]``, see ``docs/CONTRACT.md``) as device ``sn``.

    The whole file is validated before anything is written (bad rows raise
    :class:`~optimizer.errors.HistoryError` naming the line, field and value), then written in one
    transaction. Times without an offset are read in ``timezone`` when given, else rejected.
    """
    loaded = load_history_csv(path, timezone=timezone)
    frame = loaded.frame
    written = store.write_samples(sn, frame)
    valid = frame.dropna(how="all")
    return ImportReport(
        path=Path(path),
        sn=sn,
        rows=loaded.rows,
        samples_written=written,
        first=valid.index[0] if len(valid) else None,
        last=valid.index[-1] if len(valid) else None,
        step_minutes=loaded.step_minutes,
        columns=tuple(frame.columns),
        gap_cells={c: int(frame[c].isna().sum()) for c in frame.columns},
        duplicates=loaded.duplicates,
        ignored_columns=loaded.ignored_columns,
    )
