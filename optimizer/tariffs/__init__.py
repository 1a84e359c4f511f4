"""Tariffs: the price signal, from tariff files and real price downloads to per-slot prices.

Public surface::

    read_tariff(path, *, timezone=None) -> Tariff          any supported file, format told from content
    Tariff.prices(index) -> PriceSeries                    import/export per UTC slot, time-weighted
    load_prices(import_spec, export_spec, index, ...)      the config's [tariff] → two Series
    resolve_tariff_path(spec, base_dir=None) -> Path       config folder, then the shipped library
    shipped_tariffs() -> list[ShippedTariff]               the library under tariffs/
    read_price_file(path, *, timezone=None) -> PriceFile   a price file's raw UTC intervals

Modules: :mod:`.schema` (the TOML format), :mod:`.bands` (coverage rules), :mod:`.readers` (one per
download format), :mod:`.detect`, :mod:`.sides` (flat, banded, dynamic), :mod:`.tariff`,
:mod:`.library`, :mod:`.prices`, :mod:`.octopus_api`, :mod:`.json_schema`, :mod:`.check` and
:mod:`.report` (what the CLI shows).

Every bad file raises :class:`~optimizer.errors.TariffError` (exit 3); the file errors are
:class:`~optimizer.tariffs.problems.TariffFileError` with located problems (file, line, field).
"""

import typing as _typing

from optimizer._lazy import exports_of as _exports_of
from optimizer._lazy import lazy_exports as _lazy_exports

_MODULES = {
    ".library": (
        "ShippedTariff",
        "resolve_tariff_path",
        "shipped_root",
        "shipped_tariffs",
    ),
    ".prices": ("load_prices",),
    ".problems": (
        "Problem",
        "TariffFileError",
    ),
    ".readers.common": ("PriceFile",),
    ".schema": ("TariffDocument",),
    ".tariff": (
        "PriceSeries",
        "Tariff",
        "read_price_file",
        "read_tariff",
    ),
}
__getattr__, __dir__ = _lazy_exports(__name__, _exports_of(_MODULES), globals())

if _typing.TYPE_CHECKING:
    from optimizer.tariffs.library import ShippedTariff, resolve_tariff_path, shipped_root, shipped_tariffs
    from optimizer.tariffs.prices import load_prices
    from optimizer.tariffs.problems import Problem, TariffFileError
    from optimizer.tariffs.readers.common import PriceFile
    from optimizer.tariffs.schema import TariffDocument
    from optimizer.tariffs.tariff import PriceSeries, Tariff, read_price_file, read_tariff

__all__ = [
    "PriceFile",
    "PriceSeries",
    "Problem",
    "ShippedTariff",
    "Tariff",
    "TariffDocument",
    "TariffFileError",
    "load_prices",
    "read_price_file",
    "read_tariff",
    "resolve_tariff_path",
    "shipped_root",
    "shipped_tariffs",
]
