"""The value of energy left in the battery at the horizon end: the planner's default estimate.

A plan over a finite horizon must put a price on the energy it leaves behind, or it empties the battery in the
last slots (the energy is worth nothing to it) or, with too high a price, fills it up to carry it over. The
estimate here values a kWh still stored at the end [currency/kWh stored] by what it can surely be used for
later: replacing grid energy at the horizon's *low* import price.

Derivation, per kWh stored (DC side) at the horizon end, with ``η_d`` the discharge efficiency and ``d`` the
degradation cost per kWh discharged:

* used later to serve the house, it delivers ``η_d`` kWh and saves ``η_d · (p − d)`` where ``p`` is the import
  price it displaces;
* ``p`` is taken as the horizon's lower-decile import price ``p_low``: the next horizon will rarely have to buy
  energy cheaper than that, so the estimate errs low rather than high;
* a tie-break factor ``(1 − 1e-3)`` makes *using* energy now strictly better than keeping it when the two are
  worth the same (a flat tariff), so the plan's choice does not depend on the solver's tie-breaking;
* the value is never negative: energy can always be kept at no cost.

    V = max(0, (1 − 1e-3) · η_d · (p_low − d))

Consequences: the plan does not hoard, because charging costs at least ``p_min / η_c + d ≥ V`` per kWh stored
unless a slot near the end is much cheaper than the lower decile (then carrying cheap energy over is worth it);
it does not dump, because discharging to the grid at the end only pays when the export price beats the low
import price (which is real arbitrage against refilling at that price later).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig
from optimizer.errors import InputError

LOW_PRICE_QUANTILE = 0.10
"""The quantile of the horizon's import prices taken as the price stored energy will displace."""

TIE_BREAK = 1e-3
"""Relative discount that makes using energy now strictly better than keeping it at equal value."""


def low_import_price(import_price: pd.Series) -> float:
    """The lower-decile import price of the horizon [currency/kWh] (linear interpolation between slots)."""
    prices = np.asarray(import_price, dtype=float)
    if prices.size == 0 or not np.all(np.isfinite(prices)):
        raise InputError("import_price: needs at least one finite price to estimate the terminal value")
    return float(np.quantile(prices, LOW_PRICE_QUANTILE))


def default_terminal_value(import_price: pd.Series, battery: BatteryConfig) -> float:
    """The default value of a kWh stored in the battery at the horizon end [currency/kWh stored].

    ``V = max(0, (1 − 1e-3) · η_d · (p_low − d))`` with ``p_low`` the lower-decile import price of the horizon
    [currency/kWh], ``η_d`` the discharge efficiency and ``d`` the degradation cost [currency/kWh discharged].
    See the module docstring for why this neither dumps nor hoards the battery.
    """
    p_low = low_import_price(import_price)
    value = (1.0 - TIE_BREAK) * battery.discharge_efficiency * (p_low - battery.degradation_cost_per_kwh)
    return max(0.0, value) if math.isfinite(value) else 0.0
