"""The measured quantities the history store knows, their units and plausible ranges, and their Fox ESS names.

Column names carry units: powers are mean kW over the interval that starts at the timestamp, state of charge
is percent of the usable capacity, report energies are kWh per local day.
"""

from __future__ import annotations

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
