"""Plans → scheduler v1 groups: at most the device's group count, for one cycle of the site's local clock.

:func:`compile_plan` turns the planner's per-slot flows into the groups the inverter understands::

    plan slots ──> classes & labels ──> clock cells ──> merge by simulated cost ──> groups ──> validate
                   (labels)            (clock)          (merge)                             (scheduler)
                                                                      └──> simulate ──> cost.compiled

* grid charging becomes ``ForceCharge`` (``fdPwr`` = planned power [W], ``fdSoc`` = ``maxSoc`` = target),
  exporting from the battery ``ForceDischarge`` (``fdPwr``, ``fdSoc`` = planned floor), holding the charge
  while the house runs on the grid ``SelfUse`` with ``minSocOnGrid`` at the held SoC (or ``ForceDischarge``
  at 0 W where that simulates cheaper), plain self-use ``SelfUse`` with ``minSocOnGrid`` = the reserve, and
  exporting PV rather than storing it ``Feedin``;
* adjacent slots with the same setting become one group; no group crosses midnight; end minutes are
  inclusive (``…:59``); what no group covers is filled with SelfUse groups (``gap_fill="selfuse"``) or left
  to the inverter's base work mode (``gap_fill="base"``, assumed to be SelfUse with the reserve);
* when the plan needs more groups than the device allows, the merges that cost least **by simulation** are
  chosen (:mod:`optimizer.compile.merge`);
* the result is validated against the device's ``properties`` before it is returned: nothing invalid can
  be sent.

The window covers 24 h of the local clock from the plan's first slot (see :mod:`optimizer.compile.clock`
for how a window starting at, say, 23:00 maps onto daily groups). A plan longer than that is compiled
from its first 24 h; the groups repeat daily, and :attr:`CompiledSchedule.simulated` replays them over the
whole plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from optimizer.compile.clock import ClockWindow, WindowData
from optimizer.compile.labels import cell_labels, slot_labels
from optimizer.compile.merge import Search
from optimizer.compile.settings import Setting, SettingFactory
from optimizer.config import BatteryConfig, GridConfig
from optimizer.errors import ConfigError, InputError
from optimizer.frame import SLOT_COLUMNS, energy_cost
from optimizer.scheduler import GROUP_COUNT_V1, SchedulerGroup, SchedulerProperties, validate_groups
from optimizer.simulate import Physics, SimResult, simulate
from optimizer.terminal import default_terminal_value
from optimizer.timegrid import slot_hours

GapFill = Literal["selfuse", "base", "auto"]
SOC_TOL_PCT = 0.01
"""A replay this close [%] to the end floor or the reserve keeps it (rounding in the replay)."""
_REQUIRED = ("import_price", "export_price", "load_kw", "pv_kw", "charge_kw", "discharge_kw", "soc_pct")


@dataclass(frozen=True)
class CompileOptions:
    """How to compile.

    * ``max_groups``: groups the device takes (8 on v1).
    * ``gap_fill``: ``"selfuse"`` covers every minute with groups (time the plan spends in plain self-use
      gets SelfUse groups with the reserve, and they count towards ``max_groups``); ``"base"`` leaves that
      time to the inverter's base work mode (assumed to be SelfUse with the reserve), so every group goes
      to what differs from self-use; ``"auto"`` chooses the groups as ``"base"`` does, then fills as many
      gaps (longest first) with SelfUse groups as the group count still allows.
    * ``reserve_soc_pct`` [%]: ``minSocOnGrid`` of every group; default ``battery.min_soc_pct``.
    * ``fd_pwr_cap_w`` [W]: the inverter's rating, capping ``fdPwr`` (the properties' max can be bogus).
    * ``terminal_value_per_kwh`` [currency/kWh]: the value of energy left in the battery at the window's
      end, used when comparing candidate schedules; pass the planner's (``PlanResult.terminal_value_per_kwh``).
      Default: the planner's own default estimate (:func:`optimizer.terminal.default_terminal_value`).
    * ``end_soc_pct`` [%]: the plan's end floor (``--end-soc`` / ``[planner] end_soc_pct``, as passed to the
      planner); ``None``: none. The groups are held to it (to the plan's own end SoC where the plan ends
      lower): the search ranks a replay ending below it after every replay that keeps it, and
      :attr:`CompiledSchedule.end_soc_shortfall_pct` says when the groups still cannot keep it.
    """

    max_groups: int = GROUP_COUNT_V1
    gap_fill: GapFill = "selfuse"
    reserve_soc_pct: float | None = None
    fd_pwr_cap_w: int | None = None
    terminal_value_per_kwh: float | None = None
    end_soc_pct: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_groups <= 64:
            raise ConfigError(f"schedule.max_groups must be between 1 and 64, got {self.max_groups}")
        if self.gap_fill not in ("selfuse", "base", "auto"):
            raise ConfigError(f"schedule.gap_fill must be 'selfuse', 'base' or 'auto', got {self.gap_fill!r}")
        if self.reserve_soc_pct is not None and not 0 <= self.reserve_soc_pct <= 100:
            raise ConfigError(f"reserve_soc_pct must be within 0–100 %, got {self.reserve_soc_pct}")
        if self.fd_pwr_cap_w is not None and self.fd_pwr_cap_w <= 0:
            raise ConfigError(f"fd_pwr_cap_w must be a positive number of watts, got {self.fd_pwr_cap_w}")
        if self.end_soc_pct is not None and not 0 <= self.end_soc_pct <= 100:
            raise ConfigError(f"end_soc_pct must be within 0–100 %, got {self.end_soc_pct}")


@dataclass(frozen=True)
class CompiledSchedule:
    """The compiled groups and what the inverter would do with them.

    * ``groups``: exactly what would be sent (validated), sorted by start.
    * ``slot_modes``: per plan slot, the work mode the groups give it.
    * ``simulated``: the groups replayed over the plan's slots with the plan's load, PV and prices; its
      ``cost`` is ``cost.compiled`` (terminal credit excluded).
    * ``window_start``/``window_end``: the local-clock cycle the groups were chosen for (UTC, end exclusive).
    * ``terminal_value_per_kwh``: the value of stored energy the search used.
    * ``notes``: what could not be done as asked (e.g. a mode the device lacks, a promise not kept).
    * ``planned_cost`` / ``planned_end_energy_kwh``: the plan's own cost (terminal credit excluded) and the
      energy it ends with, so that plan and groups compare on equal terms (:attr:`loss`).
    * ``end_floor_pct``: the end SoC the groups were held to (``None``: no floor); ``end_soc_shortfall_pct``
      how far the groups' replay ends below it (0: kept); ``reserve_breach_pct`` how far the replay ever
      discharges below the reserve (0: never; a battery that starts below the reserve may only rise until it
      is back at it). :attr:`keeps_plan` is false when either is broken: the pipeline must then say so and
      not present the groups as doing what the plan promises.
    """

    groups: list[SchedulerGroup]
    slot_modes: pd.Series
    simulated: SimResult
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    terminal_value_per_kwh: float
    notes: tuple[str, ...] = field(default=())
    planned_cost: float = 0.0
    planned_end_energy_kwh: float = 0.0
    end_floor_pct: float | None = None
    end_soc_shortfall_pct: float = 0.0
    reserve_breach_pct: float = 0.0

    @property
    def cost(self) -> float:
        """Simulated cost of the groups over the plan [currency] (terminal credit excluded)."""
        return self.simulated.cost

    @property
    def end_credit(self) -> float:
        """The energy the groups leave at the end, valued at the terminal value [currency]."""
        return self.simulated.end_credit(self.terminal_value_per_kwh)

    @property
    def net_cost(self) -> float:
        """``cost − end_credit`` [currency]: the groups' cost on equal terms."""
        return self.simulated.net_cost(self.terminal_value_per_kwh)

    @property
    def planned_end_credit(self) -> float:
        """The energy the plan leaves at the end, valued at the terminal value [currency]."""
        return self.terminal_value_per_kwh * self.planned_end_energy_kwh

    @property
    def planned_net_cost(self) -> float:
        """``planned_cost − planned_end_credit`` [currency]: the plan's cost on equal terms."""
        return self.planned_cost - self.planned_end_credit

    @property
    def loss(self) -> float:
        """The compile loss on equal terms, ``net_cost − planned_net_cost`` [currency] (≥ 0 up to rounding)."""
        return self.net_cost - self.planned_net_cost

    def end_credits(self, self_use: SimResult) -> dict[str, float]:
        """``cost.end_credit`` of ``plan --json`` (CONTRACT.md): the end credit of the plan, of the groups and
        of plain self-use (``self_use``, replayed from the same start), all at the plan's terminal value."""
        return {
            "planned": self.planned_end_credit,
            "compiled": self.end_credit,
            "self_use": self_use.end_credit(self.terminal_value_per_kwh),
        }

    @property
    def keeps_plan(self) -> bool:
        """True when the groups keep the plan's end floor and never discharge below the reserve."""
        return self.end_soc_shortfall_pct <= 0.0 and self.reserve_breach_pct <= 0.0

    def wire(self) -> list[dict[str, Any]]:
        """The groups as sent to ``/op/v1/device/scheduler/enable``."""
        return [g.wire() for g in self.groups]


def _check_plan(slots: pd.DataFrame, initial_soc_pct: float) -> pd.DatetimeIndex:
    if not isinstance(slots, pd.DataFrame) or len(slots) == 0:
        raise InputError("plan: no slots to compile")
    index = slots.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise InputError("plan: slots must be indexed by tz-aware slot starts (UTC)")
    missing = [c for c in _REQUIRED if c not in slots.columns]
    if missing:
        raise InputError(f"plan: missing column(s) {', '.join(missing)}; a plan has {', '.join(SLOT_COLUMNS)}")
    if len(index) > 1:
        steps = np.diff(index.asi8)
        if not index.is_monotonic_increasing or (steps != steps[0]).any():
            raise InputError("plan: slot starts must increase on a fixed step")
    for column in _REQUIRED:
        values = pd.to_numeric(slots[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            first = index[bad.to_numpy()][0]
            raise InputError(
                f"plan: column {column} has {int(bad.sum())} missing or non-numeric value(s), "
                f"first at {first.isoformat()} ({slots[column][first]!r})"
            )
    if not 0.0 <= initial_soc_pct <= 100.0:
        raise InputError(f"plan: initial SoC must be within 0–100 %, got {initial_soc_pct}")
    return pd.DatetimeIndex(index)


def compile_plan(
    slots: pd.DataFrame,
    *,
    initial_soc_pct: float,
    battery: BatteryConfig,
    grid: GridConfig,
    timezone: str | ZoneInfo,
    properties: SchedulerProperties,
    options: CompileOptions | None = None,
) -> CompiledSchedule:
    """Compile a plan into validated scheduler v1 groups for 24 h of the local clock from its first slot.

    ``slots`` is the planner's frame (:data:`SLOT_COLUMNS`, UTC slot starts on a fixed step, ``soc_pct`` at
    the end of each slot [%]); ``initial_soc_pct`` the SoC at the start of the first slot [%].
    Raises :class:`~optimizer.errors.InputError` for a malformed plan and
    :class:`~optimizer.errors.ScheduleValidationError` when the device's properties admit no valid group.
    """
    options = options or CompileOptions()
    index = _check_plan(slots, initial_soc_pct)
    dt_h = slot_hours(index)
    notes: list[str] = []
    factory = SettingFactory(
        properties, battery, reserve_soc_pct=options.reserve_soc_pct, fd_pwr_cap_w=options.fd_pwr_cap_w
    )
    if factory.reserve > factory.reserve_pct + 1e-9:
        notes.append(
            f"reserve raised from {factory.reserve_pct:g} % to {factory.reserve} %, "
            f"the lowest minSocOnGrid the device allows ({factory.min_soc_rule.describe()})"
        )
    gap_fill = options.gap_fill
    if gap_fill != "base" and not factory.selfuse_available:
        notes.append("the device lists no SelfUse work mode: gaps are left to its base work mode")
        gap_fill = "base"
    for mode in ("ForceCharge", "ForceDischarge", "Feedin"):
        if mode not in factory.modes:
            notes.append(f"the device lists no {mode} work mode: slots that need it fall back to SelfUse")

    window = ClockWindow.of(index, timezone)
    n = window.n_window
    capacity = battery.capacity_kwh
    plan_end_pct = float(slots["soc_pct"].iloc[-1])
    end_floor_pct = None
    if options.end_soc_pct is not None:
        end_floor_pct = min(float(options.end_soc_pct), plan_end_pct, battery.max_soc_pct)
    # the search sees the floor where its window reaches the plan's end (else only the final replay checks it)
    window_floor_pct = end_floor_pct if n == len(slots) else None
    window_floor_kwh = capacity * window_floor_pct / 100.0 if window_floor_pct is not None else 0.0
    per_slot, alternatives = slot_labels(
        slots, initial_soc_pct, window, factory, dt_h, grid.export_limit_kw, end_floor_pct=window_floor_pct
    )
    labels = cell_labels(window, per_slot, factory.base)
    terminal_value = (
        options.terminal_value_per_kwh
        if options.terminal_value_per_kwh is not None
        else default_terminal_value(slots["import_price"], battery)
    )

    def values(column: str) -> list[float]:
        return [float(v) for v in np.nan_to_num(slots[column].to_numpy(dtype=float)[:n])]

    data = WindowData(
        load_kw=values("load_kw"),
        pv_kw=values("pv_kw"),
        import_price=values("import_price"),
        export_price=values("export_price"),
        dt_h=dt_h,
        physics=Physics.of(battery, grid),
        initial_soc_kwh=battery.capacity_kwh * initial_soc_pct / 100.0,
        terminal_value_per_kwh=terminal_value,
        end_floor_kwh=window_floor_kwh,
    )
    uncounted: Setting | None = factory.base if gap_fill in ("base", "auto") else None
    search = Search(window, data, factory, labels, alternatives, max_groups=options.max_groups, uncounted=uncounted)
    labels = search.run()
    intervals = window.intervals(labels)
    chosen = [iv for iv in intervals if iv[2] != uncounted]
    if gap_fill == "auto":  # fill the longest gaps with explicit SelfUse groups while the count allows
        gaps = sorted((iv for iv in intervals if iv[2] == uncounted), key=lambda iv: iv[0] - iv[1])
        room = max(0, options.max_groups - len(chosen))
        chosen += gaps[:room]
        if len(gaps) > room:
            notes.append(
                f"{len(gaps) - room} self-use gap(s) left to the inverter's base work mode "
                f"(only {options.max_groups} groups allowed)"
            )
    groups = [label.group(a, b) for a, b, label in sorted(chosen, key=lambda iv: iv[0])]
    groups = validate_groups(groups, properties, max_groups=options.max_groups)
    simulated = simulate(
        groups,
        slots["load_kw"],
        slots["pv_kw"],
        slots["import_price"],
        slots["export_price"],
        battery,
        grid,
        initial_soc_pct,
        timezone,
        fallback=factory.base.params(),
    )
    slot_modes = simulated.slots["work_mode"].rename("work_mode")
    shortfall = 0.0
    if end_floor_pct is not None:
        shortfall = max(0.0, end_floor_pct - simulated.end_soc_pct)
        if shortfall <= SOC_TOL_PCT:
            shortfall = 0.0
        else:
            notes.append(
                f"the groups end the plan at {simulated.end_soc_pct:.1f} %, below the {end_floor_pct:g} % it "
                f"promises (end floor); {options.max_groups} groups on this device cannot keep it"
            )
    breach = reserve_breach_pct(simulated.slots["soc_pct"], initial_soc_pct, factory.reserve_pct)
    if breach > 0.0:
        notes.append(f"the groups discharge the battery {breach:.1f} % below the reserve of {factory.reserve_pct:g} %")
    return CompiledSchedule(
        groups=groups,
        slot_modes=slot_modes,
        simulated=simulated,
        window_start=window.start,
        window_end=window.end,
        terminal_value_per_kwh=terminal_value,
        notes=tuple(notes),
        planned_cost=energy_cost(slots, dt_h, battery.degradation_cost_per_kwh),
        planned_end_energy_kwh=capacity * plan_end_pct / 100.0,
        end_floor_pct=end_floor_pct,
        end_soc_shortfall_pct=shortfall,
        reserve_breach_pct=breach,
    )


def reserve_breach_pct(soc_pct: pd.Series, initial_soc_pct: float, reserve_pct: float) -> float:
    """How far [%] a replay ever discharges below the reserve (0: never).

    A slot breaches when it ends below the reserve and lower than it started: a battery that starts below
    the reserve may only rise until it is back at it, and never goes below it once there.
    """
    end = soc_pct.to_numpy(dtype=float)
    start = np.concatenate(([initial_soc_pct], end[:-1]))
    worst = np.minimum(start, reserve_pct) - end
    breach = float(worst.max()) if len(worst) else 0.0
    return breach if breach > SOC_TOL_PCT else 0.0
