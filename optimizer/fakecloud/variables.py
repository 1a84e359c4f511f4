"""The Fox ESS variable catalogue: names in six languages and units, as ``device/variable/get`` lists them.

Transcribed from the vendor document into ``optimizer/data/fox-variables.json``. The real server reports
``ResidualEnergy`` in units of 0.01 kWh whatever the table says; :data:`WIRE_UNITS` holds such overrides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from optimizer.errors import InputError

CATALOGUE_FILE = "fox-variables.json"
WIRE_UNITS = {"ResidualEnergy": "0.01kWh"}

# The report (``device/report/query``) variables, all in kWh.
REPORT_VARIABLES = (
    "generation",
    "feedin",
    "loads",
    "gridConsumption",
    "chargeEnergyToTal",
    "dischargeEnergyToTal",
    "PVEnergyTotal",
)


@dataclass(frozen=True)
class Variable:
    """One catalogue entry."""

    variable: str
    names: dict[str, str]
    unit: str
    grid_tied: bool
    storage: bool

    @property
    def name_en(self) -> str:
        return self.names.get("en", self.variable)

    @property
    def wire_unit(self) -> str:
        return WIRE_UNITS.get(self.variable, self.unit)

    def catalogue_entry(self) -> dict[str, Any]:
        """The ``{variable: {unit, name}}`` item of ``device/variable/get``."""
        return {self.variable: {"unit": self.unit, "name": dict(self.names)}}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Variable]:
    """Every documented variable by name, in the document's order."""
    path = resources.files("optimizer") / "data" / CATALOGUE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the variable catalogue: {exc}") from None
    return {
        item["variable"]: Variable(
            variable=item["variable"],
            names=dict(item["name"]),
            unit=item.get("unit", ""),
            grid_tied=bool(item.get("gridTied", True)),
            storage=bool(item.get("storage", True)),
        )
        for item in raw["variables"]
    }


def describe(name: str) -> tuple[str, str]:
    """``(english name, wire unit)`` of a variable; unknown names describe themselves with no unit."""
    var = catalogue().get(name)
    if var is None:
        return name, ""
    return var.name_en, var.wire_unit
