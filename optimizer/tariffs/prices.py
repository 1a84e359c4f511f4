"""The config's ``[tariff] import`` / ``export`` → the two price series a plan needs.

Rules for the export price (documented in docs/tariffs.md):

1. ``export_spec`` given: that file's ``[export]`` side; a bare price file's one series is read as the
   export price; a tariff TOML without an export side is an error (it would silently price exports at
   the import rates).
2. no ``export_spec``: the import file's own export side (e.g. Flux, or an Agile CSV with both columns);
3. neither: exports earn nothing — a zero series, with a logged warning saying so. Zero is the truth for a
   supply without an export tariff; it is never used to fill a hole in a file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from optimizer.errors import TariffError
from optimizer.tariffs.library import resolve_tariff_path
from optimizer.tariffs.tariff import Tariff, read_tariff

log = logging.getLogger("optimizer.tariffs")


def export_series(tariff: Tariff, index: pd.DatetimeIndex) -> pd.Series:
    """The price paid for exports from a file named as the export tariff (rule 1 above)."""
    if tariff.has_export():
        return tariff.export_prices(index)
    if tariff.is_price_file and tariff.has_import():
        return tariff.side_prices("import", index, role="export")
    raise TariffError(
        f"{tariff.label} has no [export] side, so it cannot be the export tariff.",
        hint="Name an export tariff (e.g. uk/outgoing-fixed.toml) or add an [export] side.",
    )


def load_prices(
    import_spec: str,
    export_spec: str | None,
    index: pd.DatetimeIndex,
    *,
    base_dir: Path | None = None,
    timezone: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Import and export price [currency/kWh] of every slot of ``index`` from the config's tariff specs.

    Paths resolve against ``base_dir`` (the config's folder), then the shipped library. ``timezone`` is
    the site's zone, used only by files that carry none.
    """
    importing = read_tariff(resolve_tariff_path(import_spec, base_dir), timezone=timezone)
    for warning in importing.warnings:
        log.warning(warning)
    if not importing.has_import():
        raise TariffError(
            f"{importing.label} has no [import] side, so it cannot be the import tariff.",
            hint="Swap import and export in the [tariff] section?",
        )
    import_price = importing.import_prices(index)
    if export_spec:
        exporting = read_tariff(resolve_tariff_path(export_spec, base_dir), timezone=timezone)
        for warning in exporting.warnings:
            log.warning(warning)
        if importing.currency and exporting.currency and importing.currency != exporting.currency:
            raise TariffError(
                f"import tariff {importing.label} is in {importing.currency} but export tariff "
                f"{exporting.label} is in {exporting.currency}.",
                hint="Use an import and an export tariff priced in the same currency.",
            )
        export_price = export_series(exporting, index)
    elif importing.has_export():
        export_price = importing.export_prices(index)
    else:
        log.warning("no export tariff configured: exported energy is valued at 0 per kWh")
        export_price = pd.Series(0.0, index=import_price.index, name="export_price")
    export_price = export_price.rename("export_price")
    for series in (import_price, export_price):
        series.attrs["currency"] = importing.currency
    return import_price, export_price
