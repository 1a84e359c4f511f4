"""History: reading history files, syncing from the Fox ESS cloud, cleaning and resampling onto slots.

Public surface::

    read_history_csv(path, *, timezone=None, **ha) -> DataFrame   # history CSV (docs/CONTRACT.md), its
                                                                 # variants and Home Assistant exports
    load_history_csv(path, *, timezone=None, **ha) -> HistoryFile  # the same with what was found on the way
    resample_to_slots(df, index, *, timezone, fill=True, ...) -> (DataFrame, CleaningReport)
    sync_history(client, store, sn, *, now, days, timezone, progress) -> SyncReport
    reconcile(store, sn, *, timezone) -> DataFrame               # samples vs month-report daily totals
    history_frame(store, sn, index, *, timezone) -> (DataFrame, CleaningReport)

Modules: ``columns`` (names, units, Fox variables, header units), ``timeparse``, ``dialect`` (separators,
decimal commas), ``csvfile``, ``homeassistant`` (history download, statistics export), ``plausible``
(columns wrong as a whole), ``loaded`` (:class:`HistoryFile`), ``clean`` (corrupt values and
spikes), ``resample`` (energy-conserving means and the gap rule), ``daymatrix`` (local-clock profiles),
``sync`` (API windows, resume, month reports), ``reconcile``.
"""

from __future__ import annotations

import pandas as pd

from optimizer.history.clean import ColumnCleaning, clean_samples
from optimizer.history.columns import API_VARIABLES, KNOWN_COLUMNS, REPORT_VARIABLES
from optimizer.history.csvfile import HistoryFile, load_history_csv, read_history_csv
from optimizer.history.daymatrix import DayMatrix, day_matrix
from optimizer.history.reconcile import reconcile
from optimizer.history.resample import FILL_RULES, CleaningReport, Gap, resample_to_slots
from optimizer.history.store import HistoryStore
from optimizer.history.sync import (
    DEFAULT_SYNC_DAYS,
    HistoryClient,
    SyncReport,
    plan_windows,
    sync_history,
)


def history_frame(
    store: HistoryStore, sn: str, index: pd.DatetimeIndex, *, timezone: str, fill: bool = True
) -> tuple[pd.DataFrame, CleaningReport]:
    """The stored samples of ``sn`` covering ``index`` (plus one step before, for the first slot's mean),
    cleaned and resampled onto ``index``."""
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=30)
    raw = store.series(sn, index[0] - pd.Timedelta(hours=1), index[-1] + step)
    if raw.empty:
        raw = pd.DataFrame({"load_kw": [], "pv_kw": []}, index=pd.DatetimeIndex([], tz="UTC", name="time"), dtype=float)
    for column in ("load_kw", "pv_kw"):
        if column not in raw.columns:
            raw[column] = float("nan")
    return resample_to_slots(raw, index, timezone=timezone, fill=fill)


__all__ = [
    "API_VARIABLES",
    "DEFAULT_SYNC_DAYS",
    "FILL_RULES",
    "KNOWN_COLUMNS",
    "REPORT_VARIABLES",
    "CleaningReport",
    "ColumnCleaning",
    "DayMatrix",
    "Gap",
    "HistoryClient",
    "HistoryFile",
    "SyncReport",
    "clean_samples",
    "day_matrix",
    "history_frame",
    "load_history_csv",
    "plan_windows",
    "read_history_csv",
    "reconcile",
    "resample_to_slots",
    "sync_history",
]
