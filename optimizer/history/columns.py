"""The measured quantities the history store knows, their units and plausible ranges, and their Fox ESS names.

Column names carry units: powers are mean kW over the interval that starts at the timestamp, state of charge
is percent of the usable capacity, report energies are kWh per local day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Powers that are never negative [kW]: consumption, production and one-directional flows.
NONNEGATIVE_POWER_COLUMNS: tuple[str, ...] = (
    "load_kw",
    "pv_kw",
    "grid_import_kw",
    "grid_export_kw",
    "bat_charge_kw",
    "bat_discharge_kw",
)
#: Signed powers [kW] (the grid meter: positive = import as Fox reports ``meterPower``).
SIGNED_POWER_COLUMNS: tuple[str, ...] = ("meter_kw",)
#: Percentages bounded to 0..100.
PERCENT_COLUMNS: tuple[str, ...] = ("soc_pct",)

KNOWN_COLUMNS: tuple[str, ...] = NONNEGATIVE_POWER_COLUMNS + SIGNED_POWER_COLUMNS + PERCENT_COLUMNS
#: Every history file and every slot frame has these.
REQUIRED_COLUMNS: tuple[str, ...] = ("load_kw", "pv_kw")

#: Fox ESS history variables (5-minute samples, kW or %) → store column.
API_VARIABLES: dict[str, str] = {
    "loadsPower": "load_kw",
    "pvPower": "pv_kw",
    "SoC": "soc_pct",
    "gridConsumptionPower": "grid_import_kw",
    "feedinPower": "grid_export_kw",
    "batChargePower": "bat_charge_kw",
    "batDischargePower": "bat_discharge_kw",
    "meterPower": "meter_kw",
}

#: Fox ESS report variables (kWh per bucket) → daily-total column.
REPORT_VARIABLES: dict[str, str] = {
    "loads": "load_kwh",
    "PVEnergyTotal": "pv_kwh",
    "generation": "generation_kwh",
    "gridConsumption": "grid_import_kwh",
    "feedin": "grid_export_kwh",
    "chargeEnergyToTal": "bat_charge_kwh",
    "dischargeEnergyToTal": "bat_discharge_kwh",
}

#: Values above this are corrupt high words, not measurements (Fox reports carry such values).
CORRUPT_ABOVE = 2e8

# ----- history CSV headers: which quantity a column holds and in which unit -------------------------------

#: Names of the time column of a history CSV (any case).
TIME_HEADERS: tuple[str, ...] = ("time", "timestamp", "datetime", "date_time", "start", "period_start")

#: Quantity names (as written in headers, lower case, words joined by ``_``) → store column stem.
QUANTITY_NAMES: dict[str, str] = {
    "load": "load",
    "loads": "load",
    "house_load": "load",
    "home_load": "load",
    "consumption": "load",
    "house_consumption": "load",
    "pv": "pv",
    "solar": "pv",
    "photovoltaic": "pv",
    "photovoltaics": "pv",
    "pv_production": "pv",
    "solar_production": "pv",
    "soc": "soc",
    "battery_soc": "soc",
    "state_of_charge": "soc",
    "grid_import": "grid_import",
    "grid_export": "grid_export",
    "bat_charge": "bat_charge",
    "battery_charge": "bat_charge",
    "bat_discharge": "bat_discharge",
    "battery_discharge": "bat_discharge",
    "meter": "meter",
}
#: Words that may stand between a quantity and its unit without changing it (``PV power (W)``).
FILLER_WORDS = frozenset({"power", "mean", "avg", "average"})

#: Units a header may state → (kind, factor to the store's unit): power to kW, energy per interval to kWh.
UNITS: dict[str, tuple[str, float]] = {
    "kw": ("power", 1.0),
    "w": ("power", 0.001),
    "kwh": ("energy", 1.0),
    "wh": ("energy", 0.001),
    "pct": ("percent", 1.0),
    "%": ("percent", 1.0),
    "percent": ("percent", 1.0),
}
#: How each unit is written in messages.
UNIT_LABELS: dict[str, str] = {"kw": "kW", "w": "W", "kwh": "kWh", "wh": "Wh", "pct": "%", "%": "%", "percent": "%"}

_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[\[(]\s*(?P<unit>[^\])]*?)\s*[\])]\s*$")
_WORDS = re.compile(r"[\s_\-/.]+")


@dataclass(frozen=True)
class HeaderColumn:
    """What one header cell of a history CSV means: the store column, the unit written, the header as written."""

    column: str  # load_kw, pv_kw, soc_pct, ...
    unit: str  # kw, w, kwh, wh, pct
    header: str

    @property
    def kind(self) -> str:
        return UNITS[self.unit][0]

    @property
    def factor(self) -> float:
        return UNITS[self.unit][1]

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]


class HeaderProblem(ValueError):
    """A header cell names a known quantity but not a unit that can be read (the message says which)."""


def quantity_of(words: list[str]) -> str | None:
    """The store column stem (``load``, ``pv``, ...) named by header words, fillers dropped, or None."""
    kept = [w for w in words if w not in FILLER_WORDS]
    return QUANTITY_NAMES.get("_".join(kept)) if kept else None


def parse_header(cell: str) -> HeaderColumn | None:
    """The meaning of a history CSV header cell, or None for a column the store does not know (ignored).

    ``load_kw``, ``Load (kW)``, ``load [W]``, ``pv_w``, ``PV power (W)``, ``load_kwh`` (energy of each
    interval), ``soc_pct``, ``SoC (%)`` and ``soc`` are read. A known quantity with no unit, or with a unit
    that cannot be read (``load (kVA)``), raises :class:`HeaderProblem`: guessing would be a silent factor
    of 1000.
    """
    text = cell.strip()
    bracketed = _BRACKETED.match(text)
    if bracketed:
        words = [w for w in _WORDS.split(bracketed.group("name").lower()) if w]
        unit: str | None = bracketed.group("unit").strip().lower().replace(" ", "")
    else:
        words = [w for w in _WORDS.split(text.lower()) if w]
        unit = None
        if len(words) > 1 and words[-1] in UNITS:
            unit = words.pop()
        elif len(words) > 1 and quantity_of(words) is None and quantity_of(words[:-1]) is not None:
            unit = words.pop()  # a known quantity followed by a word that is no unit: named in the error
    stem = quantity_of(words)
    if stem is None:
        return None
    if unit is None:
        if stem == "soc":
            return HeaderColumn("soc_pct", "pct", text)
        raise HeaderProblem(f"column {text!r} states no unit")
    if unit not in UNITS:
        raise HeaderProblem(f"column {text!r} is in {unit!r}, which is not a unit of the history (kW, W, kWh, Wh)")
    kind = UNITS[unit][0]
    if stem == "soc":
        if kind != "percent":
            raise HeaderProblem(f"column {text!r}: the state of charge is in %, not {UNIT_LABELS[unit]}")
        return HeaderColumn("soc_pct", unit, text)
    if kind == "percent":
        raise HeaderProblem(f"column {text!r}: {stem} is a power (kW or W) or an energy (kWh or Wh), not %")
    if kind == "energy" and stem == "meter":
        raise HeaderProblem(f"column {text!r}: the grid meter is a signed power (kW or W), not an energy")
    return HeaderColumn(f"{stem}_kw", unit, text)
