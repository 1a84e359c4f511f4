"""Hand-built plans for the compiler's hand cases (each a plan a planner would make on such a day)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.config import BatteryConfig
from tests.compile.plans import BATTERY, TZ, at, build_plan, day_index

ETA = 0.95


def _drain(load_kw: np.ndarray, start: int, energy_kwh: float, dt_h: float = 0.5) -> np.ndarray:
    """SelfUse discharge [kW] covering ``load_kw`` from slot ``start`` until ``energy_kwh`` is spent."""
    discharge = np.zeros(len(load_kw))
    for i in range(start, len(load_kw)):
        take = min(load_kw[i], energy_kwh * ETA / dt_h)
        discharge[i] = take
        energy_kwh -= take / ETA * dt_h
    return discharge


def _charge_to(target_gain_pct: float, power_kw: float, slots: int, battery: BatteryConfig = BATTERY) -> np.ndarray:
    """Charge powers [kW] over ``slots`` slots storing ``target_gain_pct`` of capacity, full power first."""
    need_kwh = battery.capacity_kwh * target_gain_pct / 100.0
    out = np.zeros(slots)
    for k in range(slots):
        out[k] = min(power_kw, need_kwh / (ETA * 0.5))
        need_kwh -= out[k] * ETA * 0.5
    return out


def cheap_night() -> tuple[pd.DataFrame, float]:
    """Octopus-Go-like: 0.075 from 00:30 to 04:30, 0.30 otherwise; charge to 89 % at 5 kW, self-use after."""
    idx = day_index()
    n = len(idx)
    load = np.full(n, 0.4)
    imp = np.full(n, 0.30)
    imp[at(idx, TZ, "00:30") : at(idx, TZ, "04:30")] = 0.075
    charge = np.zeros(n)
    first = at(idx, TZ, "00:30")
    charge[first : first + 4] = _charge_to(79.0, 5.0, 4)
    discharge = _drain(load, at(idx, TZ, "04:30"), BATTERY.capacity_kwh * 0.79)
    plan = build_plan(idx, import_price=imp, export_price=0.15, load_kw=load, charge_kw=charge, discharge_kw=discharge)
    return plan, 10.0


def evening_export() -> tuple[pd.DataFrame, float]:
    """Export pays 0.35 from 16:00 to 19:00: hold at 95 % all day, export 5 kW down to the reserve."""
    idx = day_index()
    n = len(idx)
    exp = np.full(n, 0.05)
    exp[at(idx, TZ, "16:00") : at(idx, TZ, "19:00")] = 0.35
    discharge = np.zeros(n)
    start = at(idx, TZ, "16:00")
    energy = BATTERY.capacity_kwh * 0.85
    for i in range(start, start + 4):
        discharge[i] = min(5.0, energy * ETA / 0.5)
        energy -= discharge[i] / ETA * 0.5
    plan = build_plan(
        idx, import_price=0.25, export_price=exp, load_kw=0.5, discharge_kw=discharge, initial_soc_pct=95.0
    )
    return plan, 95.0


def two_window_agile() -> tuple[pd.DataFrame, float]:
    """Two cheap windows (02:00–03:30 and 13:00–14:30) and an evening peak exported (16:30–18:00)."""
    idx = day_index()
    n = len(idx)
    load = np.full(n, 0.8)
    imp = np.full(n, 0.22)
    exp = np.full(n, 0.08)
    w1, w2, peak = at(idx, TZ, "02:00"), at(idx, TZ, "13:00"), at(idx, TZ, "16:30")
    imp[w1 : w1 + 3] = 0.04
    imp[w2 : w2 + 3] = 0.09
    imp[peak : peak + 3] = 0.45
    exp[peak : peak + 3] = 0.30
    charge = np.zeros(n)
    discharge = np.zeros(n)
    charge[w1 : w1 + 3] = _charge_to(60.0, 5.0, 3)  # 10 → 70 %
    morning = at(idx, TZ, "07:00")
    discharge[morning : morning + 8] = 0.8  # self-use 07:00–11:00 (0.8 kW)
    used = 8 * 0.8 * 0.5 / ETA / BATTERY.capacity_kwh * 100  # ≈ 32 %
    charge[w2 : w2 + 3] = _charge_to(90.0 - (70.0 - used), 5.0, 3)  # back to 90 %
    energy = BATTERY.capacity_kwh * 0.80  # 90 → 10 % over the peak, exported
    for i in range(peak, peak + 3):
        discharge[i] = min(5.0, energy * ETA / 0.5)
        energy -= discharge[i] / ETA * 0.5
    plan = build_plan(idx, import_price=imp, export_price=exp, load_kw=load, charge_kw=charge, discharge_kw=discharge)
    return plan, 10.0


def export_pv_midday() -> tuple[pd.DataFrame, float]:
    """Sunny day: export pays 0.30 until noon, 0.04 after; the plan exports PV in the morning, stores it later."""
    idx = day_index()
    n = len(idx)
    hours = np.arange(n) / 2.0
    pv = np.clip(4.5 * np.sin((hours - 6.0) / 14.0 * np.pi), 0.0, None)
    load = np.full(n, 0.5)
    exp = np.where(hours < 12.0, 0.30, 0.04)
    surplus = np.clip(pv - load, 0.0, None)
    charge = np.where(hours >= 12.0, np.minimum(surplus, 5.0), 0.0)
    # stop at the configured maximum
    room = BATTERY.capacity_kwh * 0.90
    for i in range(n):
        stored = charge[i] * ETA * 0.5
        if stored > room:
            charge[i] = room / (ETA * 0.5)
            stored = room
        room -= stored
    evening = int(np.flatnonzero((hours >= 12.0) & (pv < load))[0])
    discharge = _drain(np.clip(load - pv, 0.0, None), evening, BATTERY.capacity_kwh * 0.90 - room)
    plan = build_plan(
        idx, import_price=0.25, export_price=exp, load_kw=load, pv_kw=pv, charge_kw=charge, discharge_kw=discharge
    )
    return plan, 10.0


def twelve_windows() -> tuple[pd.DataFrame, float, list[str]]:
    """Twelve charge windows, each followed by a discharge slot: three very profitable ones early in the
    day (0.02 → 0.60), nine barely profitable ones later (0.15 → 0.22). Returns the plan, the initial SoC
    and the local start of the three profitable windows."""
    idx = day_index()
    n = len(idx)
    load = np.full(n, 1.0)
    imp = np.full(n, 0.25)
    charge = np.zeros(n)
    discharge = np.zeros(n)
    per_cycle_kw = 0.5 / ETA / ETA / 0.5  # stores what one slot of 1 kW load needs
    big = ["01:00", "03:00", "05:00"]
    small = [f"{h:02d}:00" for h in range(8, 24, 2)] + ["23:00"]
    small = small[:9]
    for hhmm in big + small:
        i = at(idx, TZ, hhmm)
        cheap, dear = (0.02, 0.60) if hhmm in big else (0.15, 0.22)
        imp[i], imp[i + 1] = cheap, dear
        charge[i] = per_cycle_kw
        discharge[i + 1] = 1.0
    plan = build_plan(idx, import_price=imp, export_price=0.0, load_kw=load, charge_kw=charge, discharge_kw=discharge)
    return plan, 10.0, big


def charge_then_use(
    index: pd.DatetimeIndex, tz: str, charge_at: list[str], *, power_kw: float = 5.0, load_kw: float = 0.5
) -> pd.DataFrame:
    """Charge at ``power_kw`` in the (cheap) local slots ``charge_at``, then cover the load from the battery
    until it is back at the reserve; the rest of the time the house imports at a higher price."""
    local = list(index.tz_convert(tz).strftime("%H:%M"))
    n = len(index)
    charge = np.zeros(n)
    cheap = [i for i, hhmm in enumerate(local) if hhmm in charge_at]
    charge[cheap] = power_kw
    imp = np.full(n, 0.30)
    imp[cheap] = 0.05
    load = np.full(n, load_kw)
    stored = 0.0
    discharge = np.zeros(n)
    for i in range(n):
        stored += charge[i] * ETA * 0.5
        if charge[i] == 0.0 and stored > 0.0:
            discharge[i] = min(load[i], stored * ETA / 0.5)
            stored -= discharge[i] / ETA * 0.5
    return build_plan(index, import_price=imp, export_price=0.0, load_kw=load, charge_kw=charge, discharge_kw=discharge)
