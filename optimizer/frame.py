"""The plan frame: one row per slot of a plan or of a replay, and what it costs.

The planner (:func:`optimizer.solve.solve_plan`) and every replay of groups (:func:`optimizer.simulate.simulate`)
produce the same frame: indexed by UTC slot start, with the columns of :data:`SLOT_COLUMNS` (powers are means
over the slot [kW], prices [currency/kWh], ``soc_pct`` the state of charge at the END of the slot [%]); a replay
adds ``work_mode``. :func:`energy_cost` is the one definition of a frame's cost.
"""

from __future__ import annotations

import pandas as pd

SLOT_COLUMNS = (
    "import_price",
    "export_price",
    "load_kw",
    "pv_kw",
    "grid_import_kw",
    "grid_export_kw",
    "charge_kw",
    "discharge_kw",
    "pv_curtailed_kw",
    "soc_pct",
)
"""The columns of a plan frame (``soc_pct`` at the END of each slot)."""


def energy_cost(slots: pd.DataFrame, dt_h: float, degradation_cost_per_kwh: float = 0.0) -> float:
    """Import cost − export revenue + degradation over ``slots`` [currency].

    ``dt_h`` is the slot length [h]; degradation is charged per kWh charged and per kWh discharged (AC side).
    """
    cost = (slots["grid_import_kw"] * slots["import_price"] - slots["grid_export_kw"] * slots["export_price"]).sum()
    wear = (slots["charge_kw"] + slots["discharge_kw"]).sum() * degradation_cost_per_kwh
    return float((cost + wear) * dt_h)
