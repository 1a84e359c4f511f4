"""A plan's slots read as work modes: the first, finest schedule the compiler starts from.

Each slot of the plan is classified by what its flows need from the inverter, with ``b = charge − discharge``
the net battery power and ``s = pv − load`` the PV surplus [kW], flows below :data:`TOL_KW` counting as 0:

* **grid charge** (``b > max(s, 0)``): ``ForceCharge``, ``fdPwr`` = the planned charge power,
  ``fdSoc`` = ``maxSoc`` = the SoC the run of such slots ends at (the target);
* **battery export** (``−b > max(−s, 0)``): ``ForceDischarge``, ``fdPwr`` = the planned discharge power,
  ``fdSoc`` = the SoC the run ends at (the floor);
* **PV exported rather than stored** (surplus, and the plan stores nearer to what Feedin stores, only what
  the export limit leaves, than to what SelfUse stores, all it can): ``Feedin``; the alternatives a hold
  (``ForceDischarge`` at 0 W) and ``SelfUse`` with ``maxSoc`` at the planned SoC are tried by simulation;
* **anything else**: ``SelfUse`` with ``minSocOnGrid`` = a floor that reproduces the slot: any floor at or
  below the end SoC where the battery covers the whole deficit, at or above the SoC where it holds (the
  house runs on the grid), exactly the end SoC where it covers part of it.

Consecutive SelfUse slots share one floor while their allowed floor intervals intersect (the greedy cover
gives the fewest runs), so "discharge in the evening down to 40 %, then hold" is one group. A hold also gets
the alternative ``ForceDischarge`` at 0 W (which exports surplus PV instead of storing it); the search keeps
whichever simulates cheaper. Runs of grid charge (or export) split where the planned power changes; the
search folds them back together wherever that costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.compile.clock import ClockWindow
from optimizer.compile.settings import Setting, SettingFactory

TOL_KW = 0.01
"""Flows below 10 W count as zero when reading a plan."""
SOC_SLACK_PCT = 0.5
"""How far two SelfUse floor intervals may miss each other and still share one (rounded-up) floor."""


@dataclass
class Alternatives:
    """Per setting, the other settings the search may swap in for a run carrying it."""

    alternatives: dict[Setting, tuple[Setting, ...]] = field(default_factory=dict)

    def add_alternatives(self, label: Setting, options: list[Setting | None]) -> None:
        found = [o for o in options if o is not None and o != label]
        if found:
            known = list(self.alternatives.get(label, ()))
            self.alternatives[label] = tuple(dict.fromkeys(known + found))


@dataclass(frozen=True)
class _SlotView:
    """The plan's window slots as plain float arrays [kW, %]."""

    charge_kw: np.ndarray
    discharge_kw: np.ndarray
    pv_kw: np.ndarray
    load_kw: np.ndarray
    soc_start_pct: np.ndarray
    soc_end_pct: np.ndarray


def _view(slots: pd.DataFrame, n: int, initial_soc_pct: float) -> _SlotView:
    def column(name: str) -> np.ndarray:
        return np.nan_to_num(slots[name].to_numpy(dtype=float)[:n])

    soc_end = column("soc_pct")
    soc_start = np.concatenate(([initial_soc_pct], soc_end[:-1])) if n else soc_end
    return _SlotView(
        charge_kw=column("charge_kw"),
        discharge_kw=column("discharge_kw"),
        pv_kw=np.clip(column("pv_kw"), 0.0, None),
        load_kw=np.clip(column("load_kw"), 0.0, None),
        soc_start_pct=soc_start,
        soc_end_pct=soc_end,
    )


CLASS_CHARGE = "charge"
CLASS_DISCHARGE = "discharge"
CLASS_EXPORT_PV = "export_pv"
CLASS_SELF_USE = "self_use"


def classify(view: _SlotView, factory: SettingFactory, dt_h: float, export_limit_kw: float) -> list[str]:
    """The class of every window slot (see the module docstring).

    A slot with surplus PV is "PV exported" when the plan stores nearer to what Feedin stores (only what
    the export limit leaves) than to what SelfUse stores (all it can).
    """
    battery = factory.battery
    ceiling_pct = battery.max_soc_pct
    classes: list[str] = []
    for i in range(len(view.charge_kw)):
        net_battery = view.charge_kw[i] - view.discharge_kw[i]
        surplus = view.pv_kw[i] - view.load_kw[i]
        if net_battery > max(surplus, 0.0) + TOL_KW:
            classes.append(CLASS_CHARGE)
        elif -net_battery > max(-surplus, 0.0) + TOL_KW:
            classes.append(CLASS_DISCHARGE)
        elif surplus > TOL_KW:
            room_kwh = battery.capacity_kwh * (ceiling_pct - view.soc_start_pct[i]) / 100.0
            limit_kw = min(battery.max_charge_kw, max(0.0, room_kwh) / (battery.charge_efficiency * dt_h))
            self_use_kw = min(surplus, limit_kw)  # SelfUse stores all it can
            feedin_kw = min(max(0.0, surplus - export_limit_kw), limit_kw)  # Feedin exports first
            stored_kw = max(0.0, net_battery)
            if abs(stored_kw - feedin_kw) + TOL_KW < abs(stored_kw - self_use_kw):
                classes.append(CLASS_EXPORT_PV)
            else:
                classes.append(CLASS_SELF_USE)
        else:
            classes.append(CLASS_SELF_USE)
    return classes


def _floor_interval(view: _SlotView, i: int, factory: SettingFactory) -> tuple[float, float]:
    """The SelfUse floors [%] that reproduce slot ``i``: ``(lowest, highest)``."""
    reserve = factory.reserve_pct
    deficit = view.load_kw[i] - view.pv_kw[i]
    if deficit <= TOL_KW:
        return reserve, 100.0
    discharge = max(0.0, view.discharge_kw[i] - view.charge_kw[i])
    full = min(deficit, factory.battery.max_discharge_kw)
    if discharge >= full - TOL_KW:  # the battery covers all it can
        return reserve, max(reserve, view.soc_end_pct[i])
    if discharge <= TOL_KW:  # a hold: the grid covers the deficit
        return max(reserve, view.soc_start_pct[i]), 100.0
    end = max(reserve, view.soc_end_pct[i])
    return end, end


def _runs(classes: list[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    begin = 0
    for k in range(1, len(classes) + 1):
        if k == len(classes) or classes[k] != classes[begin]:
            found.append((begin, k))
            begin = k
    return found


def _same_power(a_kw: float, b_kw: float) -> bool:
    return abs(a_kw - b_kw) <= TOL_KW


def slot_labels(
    slots: pd.DataFrame,
    initial_soc_pct: float,
    window: ClockWindow,
    factory: SettingFactory,
    dt_h: float,
    export_limit_kw: float,
    end_floor_pct: float | None = None,
) -> tuple[list[Setting], dict[Setting, tuple[Setting, ...]]]:
    """One setting per window slot, and the alternatives of each setting.

    ``end_floor_pct``: the plan's end floor where the window ends with the plan. The SelfUse run that ends
    the window then takes the highest floor that still reproduces it, up to the end floor (``minSocOnGrid``
    on the tail group), so that a replay drifting from the plan during the day still ends at the floor.
    """
    n = window.n_window
    view = _view(slots, n, initial_soc_pct)
    classes = classify(view, factory, dt_h, export_limit_kw)
    labels: list[Setting] = [factory.base] * n
    result = Alternatives()
    for begin, end in _runs(classes):
        kind = classes[begin]
        if kind == CLASS_SELF_USE:
            tail_floor = end_floor_pct if end == n else None
            _label_self_use(view, begin, end, factory, labels, result, tail_floor)
        elif kind == CLASS_CHARGE:
            _label_forced(view, begin, end, factory, labels, result, charge=True)
        elif kind == CLASS_DISCHARGE:
            _label_forced(view, begin, end, factory, labels, result, charge=False)
        else:
            _label_export_pv(view, begin, end, factory, labels, result)
    return labels, result.alternatives


def _label_self_use(
    view: _SlotView,
    begin: int,
    end: int,
    factory: SettingFactory,
    labels: list[Setting],
    result: Alternatives,
    tail_floor_pct: float | None = None,
) -> None:
    i = begin
    while i < end:
        low, high = _floor_interval(view, i, factory)
        j = i + 1
        while j < end:
            lo_j, hi_j = _floor_interval(view, j, factory)
            if max(low, lo_j) > min(high, hi_j) + SOC_SLACK_PCT:
                break
            low, high = max(low, lo_j), min(high, hi_j)
            j += 1
        if j == end and tail_floor_pct is not None:  # the run that ends the plan keeps its end floor
            low = max(low, min(high, tail_floor_pct))
        label = factory.selfuse(low) or factory.base
        for k in range(i, j):
            labels[k] = label
        if label != factory.base:
            result.add_alternatives(label, [factory.hold(low), factory.base])
        i = j


def _label_forced(
    view: _SlotView,
    begin: int,
    end: int,
    factory: SettingFactory,
    labels: list[Setting],
    result: Alternatives,
    *,
    charge: bool,
) -> None:
    """Runs of equal planned power; each run's target (or floor) is the SoC at its end."""
    power = view.charge_kw if charge else view.discharge_kw
    i = begin
    while i < end:
        j = i + 1
        while j < end and _same_power(power[j], power[i]):
            j += 1
        # a last, weaker slot that only tops up to the target belongs to the run
        if j < end and j + 1 == end and power[j] < power[i]:
            j += 1
        level_kw = float(power[i:j].max())
        soc_pct = float(view.soc_end_pct[j - 1])
        if charge:
            label = factory.force_charge(level_kw, soc_pct)
            fallback = factory.selfuse(factory.reserve_pct)
        else:
            label = factory.force_discharge(level_kw, soc_pct)
            fallback = factory.selfuse(factory.reserve_pct)
        chosen = label or fallback or factory.base
        for k in range(i, j):
            labels[k] = chosen
        i = j


def _label_export_pv(
    view: _SlotView, begin: int, end: int, factory: SettingFactory, labels: list[Setting], result: Alternatives
) -> None:
    soc_start = float(view.soc_start_pct[begin])
    soc_end = float(view.soc_end_pct[end - 1])
    options = [
        factory.feedin(factory.reserve_pct),
        factory.selfuse(factory.reserve_pct, ceiling_pct=max(soc_end, soc_start)),
        factory.hold(soc_start),
        factory.base,
    ]
    found = [o for o in options if o is not None]
    chosen = found[0]
    for k in range(begin, end):
        labels[k] = chosen
    result.add_alternatives(chosen, list(found[1:]))


def cell_labels(window: ClockWindow, per_slot: list[Setting], gap: Setting) -> list[Setting]:
    """Labels per cell: a cell takes the label of its first window slot.

    A cell without a slot takes the label before it (the hour skipped when clocks go forward) or ``gap``
    when the plan ends before the cycle does.
    """
    last_covered = max((k for k in range(window.n_cells) if window.cell_slots[k]), default=-1)
    cells: list[Setting] = []
    for k in range(window.n_cells):
        first = window.first_slot(k)
        if first is not None:
            cells.append(per_slot[first])
        elif k < last_covered and cells:
            cells.append(cells[-1])
        else:
            cells.append(gap)
    return cells
