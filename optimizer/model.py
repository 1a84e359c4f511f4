"""The planner's model: a mixed-integer linear program in pulp, one function per constraint family.

Per slot ``t`` of length ``Δt`` [h] the plan has (powers are means over the slot, AC side): grid import
``i_t`` and export ``x_t``, battery charge ``c_t`` and discharge ``d_t``, PV curtailed (clipped) ``k_t`` [kW],
and the stored energy ``e_t`` at the END of the slot [kWh]. Data: import and export prices ``P_t``, ``X_t``
[currency/kWh], load ``L_t`` and PV ``S_t`` [kW], efficiencies ``η_c``, ``η_d``, degradation ``δ``
[currency/kWh charged or discharged], terminal value ``V`` [currency/kWh stored], initial energy ``e_init``.

    minimise   Σ_t Δt · (P_t·i_t − X_t·x_t + δ·(c_t + d_t))  −  V · e_T
    subject to (S_t − k_t) + i_t + d_t = L_t + c_t + x_t                (energy balance)
               e_t = e_{t−1} + η_c·c_t·Δt − d_t·Δt/η_d                  (SoC dynamics)
               e_min' ≤ e_t ≤ e_max',  0 ≤ c_t ≤ C_max,  0 ≤ d_t ≤ D_max,  0 ≤ i_t ≤ I_max,  0 ≤ x_t ≤ X_max
               e_T ≥ e_end                                               (optional end floor)
               c_t·d_t = 0,  i_t·x_t = 0,  k_t > 0 ⇒ x_t = X_max          (exclusivity, see below)

**Exclusivity as modes.** Each slot runs in one *mode*: the battery charges or discharges, the grid imports
or exports, PV is clipped (export at its limit) or not. Only the choices that matter get a decision (see
:func:`required_exclusivity`); elsewhere the mode is "both" and the LP is free (it never profits from opposite
flows there, and :mod:`optimizer.solve` adds the decision lazily to any slot whose solution shows a tie).

**Blocks.** Consecutive slots with identical data (prices, load and PV: 5-min slots under 30-min forecasts and
prices) form a *block* of ``k`` slots. A block's mode decision is an integer count ``m_μ ∈ {0..k}`` of slots
per mode ``μ`` (``Σ_μ m_μ = k``) with the flows of each mode summed over its slots [kW·slot]; the energy
balance and the limits hold per mode, scaled by ``m_μ`` (the convex hull of the modes, as in disjunctive
programming). This is exact: slots of one mode may share their mode's flows equally (the data are identical
and the costs linear), and as long as one slot's largest charge step plus its largest discharge step fits in
the SoC range (checked; else every block is one slot) the block's slots can be ordered so that the SoC stays
in bounds at every slot end (charge while it fits, else discharge). It turns ``k`` symmetric binaries into one
integer per mode, which keeps branch and bound small at 5- and 15-minute slots.

Constraint and variable names carry the first slot of their block and the mode, e.g. ``soc_balance_t017`` and
``energy_balance_t017_charge_import``. Build (:func:`build_model`), solve and extract (:mod:`optimizer.solve`)
are kept apart.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from optimizer.config import BatteryConfig, GridConfig
from optimizer.errors import InputError, UsageError
from optimizer.terminal import default_terminal_value
from optimizer.timegrid import ALLOWED_SLOT_MINUTES

__all__ = [
    "IMPORT_SLACK_WEIGHT",
    "Block",
    "BlockVars",
    "Exclusivity",
    "Mode",
    "ModeVars",
    "PlanInputs",
    "PlanModel",
    "block_modes",
    "build_model",
    "default_terminal_value",
    "required_exclusivity",
    "slot_blocks",
]

IMPORT_SLACK_WEIGHT = 1000.0
"""Weight of import-limit violations against end-SoC violations in the elastic (diagnostic) model."""

_SERIES_FIELDS = ("import_price", "export_price", "load_kw", "pv_kw")


# ----- inputs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInputs:
    """Everything the planner needs for one horizon.

    ``index``: UTC slot starts on a fixed step of 5–60 min (46, 48, 50, 96, ... slots). The four series share
    that index: ``import_price`` and ``export_price`` [currency/kWh], ``load_kw`` and ``pv_kw`` [kW mean over the
    slot, ≥ 0]. ``initial_soc_pct`` is the SoC at the start of the first slot [%]; ``end_soc_pct`` an optional
    floor for the SoC at the horizon end [%]; ``terminal_value_per_kwh`` the value of a kWh still stored at the
    end [currency/kWh] (``None``: :func:`optimizer.terminal.default_terminal_value`).
    """

    index: pd.DatetimeIndex
    import_price: pd.Series
    export_price: pd.Series
    load_kw: pd.Series
    pv_kw: pd.Series
    battery: BatteryConfig
    grid: GridConfig
    initial_soc_pct: float
    end_soc_pct: float | None = None
    terminal_value_per_kwh: float | None = None

    def validate(self) -> None:
        """Raise :class:`InputError` (series) or :class:`UsageError` (grid, SoC, value) naming the bad field."""
        self._validate_index()
        for name in _SERIES_FIELDS:
            self._validate_series(name)
        if not isinstance(self.battery, BatteryConfig):
            raise UsageError(f"battery: expected a BatteryConfig, got {type(self.battery).__name__}")
        if not isinstance(self.grid, GridConfig):
            raise UsageError(f"grid: expected a GridConfig, got {type(self.grid).__name__}")
        _check_pct("initial_soc_pct", self.initial_soc_pct, "--soc")
        if self.end_soc_pct is not None:
            _check_pct("end_soc_pct", self.end_soc_pct, "--end-soc")
        value = self.terminal_value_per_kwh
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            raise UsageError(f"terminal_value_per_kwh: must be a finite number of currency/kWh, got {value!r}")

    def _validate_index(self) -> None:
        index = self.index
        if not isinstance(index, pd.DatetimeIndex):
            raise InputError(f"index: expected a pandas DatetimeIndex, got {type(index).__name__}")
        if len(index) == 0:
            raise UsageError("index: the horizon has no slots")
        if index.tz is None:
            raise InputError("index: slot starts must be timezone-aware (UTC), got naive timestamps")
        minutes = self.slot_minutes
        if minutes not in ALLOWED_SLOT_MINUTES:
            raise UsageError(f"index: slot length {minutes:g} min is not supported; use one of {ALLOWED_SLOT_MINUTES}")
        if len(index) > 1:
            steps = np.diff(index.asi8)
            bad = np.flatnonzero(steps != steps[0])
            if bad.size:
                where = index[bad[0] + 1]
                raise InputError(f"index: slots are not on a fixed step (irregular step before {where.isoformat()})")

    def _validate_series(self, name: str) -> None:
        series = getattr(self, name)
        if not isinstance(series, pd.Series):
            raise InputError(f"{name}: expected a pandas Series, got {type(series).__name__}")
        if len(series) != len(self.index) or not _same_instants(series.index, self.index):
            raise InputError(
                f"{name}: its index does not match the slot index "
                f"({len(series)} values from {_first(series.index)}, expected {len(self.index)} "
                f"from {_first(self.index)})"
            )
        try:
            values = series.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"{name}: values are not numbers") from None
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise InputError(
                f"{name}: {bad.size} missing or non-finite value(s), first at {self.index[bad[0]].isoformat()} "
                f"({values[bad[0]]})"
            )
        if name in ("load_kw", "pv_kw"):
            neg = np.flatnonzero(values < 0)
            if neg.size:
                raise InputError(
                    f"{name}: power must be >= 0 kW, got {values[neg[0]]:g} at {self.index[neg[0]].isoformat()}"
                )

    @property
    def slot_minutes(self) -> float:
        """The slot length [min] (from the index's freq, else its first step)."""
        if self.index.freq is not None:
            return pd.Timedelta(self.index.freq.nanos, unit="ns").total_seconds() / 60.0
        if len(self.index) < 2:
            raise UsageError("index: a one-slot horizon needs a freq to know the slot length")
        return (self.index[1] - self.index[0]).total_seconds() / 60.0

    @property
    def slot_hours(self) -> float:
        """The slot length Δt [h]."""
        return self.slot_minutes / 60.0

    def resolved_terminal_value(self) -> float:
        """The terminal value in force [currency/kWh stored]: the given one, else the default estimate."""
        if self.terminal_value_per_kwh is not None:
            return float(self.terminal_value_per_kwh)
        return default_terminal_value(self.import_price, self.battery)


def _same_instants(index: pd.Index, slots: pd.DatetimeIndex) -> bool:
    """Whether ``index`` holds exactly the instants of ``slots`` (any time zone)."""
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        return False
    return bool(np.array_equal(index.asi8, slots.asi8))


def _first(index: pd.Index) -> str:
    return str(index[0].isoformat()) if len(index) and hasattr(index[0], "isoformat") else "-"


def _check_pct(name: str, value: float, flag: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 100.0):
        raise UsageError(f"{name}: must be a percentage between 0 and 100, got {value!r} (see {flag})")


# ----- where decisions are needed -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusivity:
    """The slots (0-based positions) whose mode is decided, per kind of decision."""

    charge_discharge: frozenset[int] = frozenset()
    import_export: frozenset[int] = frozenset()
    curtailment: frozenset[int] = frozenset()

    def union(self, other: Exclusivity) -> Exclusivity:
        return Exclusivity(
            self.charge_discharge | other.charge_discharge,
            self.import_export | other.import_export,
            self.curtailment | other.curtailment,
        )

    @classmethod
    def everywhere(cls, n_slots: int) -> Exclusivity:
        """Every decision in every slot (needs no argument, but makes the model larger)."""
        every = frozenset(range(n_slots))
        return cls(every, every, every)

    @property
    def decision_count(self) -> int:
        return len(self.charge_discharge) + len(self.import_export) + len(self.curtailment)


def required_exclusivity(inputs: PlanInputs, terminal_value_per_kwh: float) -> Exclusivity:
    """The slots whose mode must be decided: where a free LP could profit from (or tie with) opposite flows.

    **Import and export at once**: lowering both by ε changes the cost by ``−ε·Δt·(P_t − X_t)``, so a free LP
    never does both when ``P_t > X_t``. Decisions go where ``X_t > P_t`` (export worth more than import: the LP
    would pump energy through the meter), and where ``P_t < 0`` in a slot that may clip PV (importing paid
    energy while exporting at the limit to be allowed to clip). Where ``X_t = P_t`` (a spot price used both
    ways) doing both is a tie, not a gain: :mod:`optimizer.solve` nets such slots at no cost.

    **Charge and discharge at once**: doing both burns ``ε·Δt·(1/η_d − η_c)`` kWh and costs ``2·δ·ε·Δt``; by
    complementary slackness an optimum does it only where the marginal value ``λ_t`` of AC energy is ≤ −δ and
    that of stored energy is ≤ 0. An extra kWh in slot ``t`` can always be disposed of by importing less (worth
    ``P_t``, if importing), exporting more (``X_t``, if below the limit) or clipping PV at the export limit (0);
    so with ``P_t > 0`` and ``X_t > 0`` a gain needs no import, export at the limit and no PV in use, hence a
    discharge above ``L_t + X_max``, and stored energy of negative value, which only a later negative price
    (or ``V < 0``) can cause. Decisions therefore go in slots with a negative import price, or a negative
    export price when export is possible; in slots up to the last such slot where ``D_max > L_t + X_max``; and in
    every slot if ``V < 0``. Ties (a zero price, ``δ = 0`` with zero-valued energy, ``η_c·η_d = 1``) are left to
    the lazy check in :func:`optimizer.solve.solve_plan`.

    **Clipping only at the export limit**: the inverter clips PV only when the load, the battery and the
    export limit cannot take it. Clipping pays only where AC energy has a negative value: a free LP clips below
    the limit instead of exporting where ``X_t ≤ 0``, and instead of importing less where ``P_t < 0`` (in an
    import mode, exporting more is not an option). Decisions go where ``S_t > 0`` and ``X_t ≤ 0`` or
    ``P_t < 0`` (and the export limit is above 0).
    """
    p = inputs.import_price.to_numpy(dtype=float)
    x = inputs.export_price.to_numpy(dtype=float)
    pv = inputs.pv_kw.to_numpy(dtype=float)
    can_export = inputs.grid.export_limit_kw > 0
    n = len(p)

    curtail = np.flatnonzero(((x <= 0) | (p < 0)) & (pv > 0)) if can_export else np.array([], dtype=int)
    if can_export:
        imp_exp = (x > p).copy()
        imp_exp[curtail] |= p[curtail] < 0
        import_export = np.flatnonzero(imp_exp)
    else:
        import_export = np.array([], dtype=int)

    if terminal_value_per_kwh < 0:
        charge_discharge: Iterable[int] = range(n)
    else:
        negative = (p < 0) | ((x < 0) & can_export)
        last = int(np.flatnonzero(negative)[-1]) if negative.any() else -1
        load = inputs.load_kw.to_numpy(dtype=float)
        overflow = inputs.battery.max_discharge_kw > load + inputs.grid.export_limit_kw
        before_last = np.arange(n) <= last
        charge_discharge = np.flatnonzero(negative | (overflow & before_last))
    return Exclusivity(
        frozenset(int(t) for t in charge_discharge),
        frozenset(int(t) for t in import_export),
        frozenset(int(t) for t in curtail),
    )


# ----- blocks and modes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """``length`` consecutive slots with identical data, from slot ``start`` (0-based)."""

    start: int
    length: int

    @property
    def slots(self) -> range:
        return range(self.start, self.start + self.length)


@dataclass(frozen=True)
class Mode:
    """What a slot does: ``battery`` charge/discharge/both, ``grid`` import/export/both, ``clip`` clip/none/free.

    "both" and "free" mean no decision: the LP may use either direction (or clip freely within ``S_t``).
    """

    battery: str
    grid: str
    clip: str

    @property
    def label(self) -> str:
        parts = [part for part in (self.battery, self.grid) if part != "both"]
        if self.clip != "free":
            parts.append("clip" if self.clip == "clip" else "noclip")
        return "_".join(parts) or "free"

    @property
    def charges(self) -> bool:
        return self.battery != "discharge"

    @property
    def discharges(self) -> bool:
        return self.battery != "charge"

    @property
    def imports(self) -> bool:
        return self.grid != "export"

    @property
    def exports(self) -> bool:
        return self.grid != "import"

    @property
    def curtails(self) -> bool:
        return self.clip != "none"


def block_modes(charge_discharge: bool, import_export: bool, curtailment: bool) -> list[Mode]:
    """The modes of a block given the decisions it needs (no decision: a single free mode).

    Clipping needs export at the limit, so an import mode never clips.
    """
    batteries = ["charge", "discharge"] if charge_discharge else ["both"]
    grids = ["import", "export"] if import_export else ["both"]
    clips = ["clip", "none"] if curtailment else ["free"]
    return [
        Mode(battery, grid, clip)
        for battery in batteries
        for grid in grids
        for clip in clips
        if not (grid == "import" and clip == "clip")
    ]


def slot_blocks(inputs: PlanInputs) -> list[Block]:
    """Maximal runs of consecutive slots with identical prices, load and PV.

    Runs longer than one slot are formed only if one slot's largest stored step ``η_c·C_max·Δt`` plus its
    largest drawn step ``D_max·Δt/η_d`` fits within the SoC range, the condition under which any mix of
    charging and discharging slots can be ordered within the SoC bounds (see the module docstring).
    """
    n = len(inputs.index)
    battery, dt = inputs.battery, inputs.slot_hours
    initial = battery.capacity_kwh * inputs.initial_soc_pct / 100.0
    soc_range = max(battery.max_kwh, initial) - min(battery.min_kwh, initial)
    steps = (
        battery.charge_efficiency * battery.max_charge_kw * dt
        + battery.max_discharge_kw * dt / battery.discharge_efficiency
    )
    if steps > soc_range:
        return [Block(t, 1) for t in range(n)]
    data = np.column_stack([inputs.import_price, inputs.export_price, inputs.load_kw, inputs.pv_kw]).astype(float)
    starts = [0] + [t for t in range(1, n) if not np.array_equal(data[t], data[t - 1])]
    ends = [*starts[1:], n]
    return [Block(a, b - a) for a, b in zip(starts, ends, strict=True)]


# ----- the model ------------------------------------------------------------------------------------------------


@dataclass
class ModeVars:
    """One mode of one block: its slot count and its flows summed over those slots [kW·slot].

    ``count`` is an integer variable, or ``None`` when the block has a single mode (count = block length).
    Flows the mode forbids are ``None`` (zero).
    """

    mode: Mode
    count: pulp.LpVariable | None
    grid_import: pulp.LpVariable | None
    grid_export: pulp.LpVariable | None
    charge: pulp.LpVariable | None
    discharge: pulp.LpVariable | None
    curtailed: pulp.LpVariable | None
    import_slack: pulp.LpVariable | None = None

    def count_term(self, block: Block, coefficient: float) -> tuple[list[tuple[pulp.LpVariable, float]], float]:
        """``coefficient · m_μ`` as (terms, constant): a variable term, or a constant for a single mode."""
        if self.count is None:
            return [], coefficient * block.length
        return [(self.count, coefficient)], 0.0


@dataclass
class BlockVars:
    """A block's modes and its stored energy at the END of its last slot [kWh]."""

    block: Block
    modes: list[ModeVars]
    energy: pulp.LpVariable


@dataclass
class PlanModel:
    """A built model: the pulp problem and its variables, block by block."""

    problem: pulp.LpProblem
    inputs: PlanInputs
    terminal_value_per_kwh: float
    dt_h: float
    exclusivity: Exclusivity
    elastic: bool
    floor_kwh: float
    ceiling_kwh: float
    initial_kwh: float
    end_floor_kwh: float | None
    blocks: list[BlockVars] = field(default_factory=list)
    end_slack: pulp.LpVariable | None = None
    build_s: float = 0.0

    @property
    def n_slots(self) -> int:
        return len(self.inputs.index)

    @property
    def integer_count(self) -> int:
        """Number of integer (mode count) variables."""
        return sum(1 for b in self.blocks for m in b.modes if m.count is not None)

    def name(self, stem: str, t: int, mode: Mode | None = None) -> str:
        """``soc_balance_t017`` / ``energy_balance_t017_charge_import``: family, first slot, mode."""
        base = f"{stem}_t{t:0{max(3, len(str(self.n_slots - 1)))}d}"
        return base if mode is None else f"{base}_{mode.label}"

    def add(self, terms: list[tuple[pulp.LpVariable, float]], sense: int, rhs: float, name: str) -> None:
        """Add the named constraint ``Σ coef·var (sense) rhs``."""
        expr = pulp.LpAffineExpression(terms)
        self.problem.addConstraint(pulp.LpConstraint(expr, sense=sense, name=name, rhs=float(rhs)))


def build_model(
    inputs: PlanInputs,
    *,
    terminal_value_per_kwh: float | None = None,
    exclusivity: Exclusivity | None = None,
    elastic: bool = False,
) -> PlanModel:
    """Build the model for ``inputs`` (validated here).

    ``terminal_value_per_kwh`` overrides ``inputs``' own (else the default estimate). ``exclusivity``: the
    slots whose mode is decided (default :func:`required_exclusivity`; a block decides what any of its slots
    needs). ``elastic=True`` builds the diagnostic variant used to explain infeasibility: the import limit and
    the end-SoC floor get non-negative slack variables and the objective becomes
    ``IMPORT_SLACK_WEIGHT · Σ Δt·s + s_end`` (shortfalls, kWh).
    """
    started = time.perf_counter()
    inputs.validate()
    value = inputs.resolved_terminal_value() if terminal_value_per_kwh is None else float(terminal_value_per_kwh)
    battery = inputs.battery
    initial_kwh = battery.capacity_kwh * inputs.initial_soc_pct / 100.0
    end_floor = None if inputs.end_soc_pct is None else battery.capacity_kwh * inputs.end_soc_pct / 100.0
    model = PlanModel(
        problem=pulp.LpProblem("plan", pulp.LpMinimize),
        inputs=inputs,
        terminal_value_per_kwh=value,
        dt_h=inputs.slot_hours,
        exclusivity=exclusivity if exclusivity is not None else required_exclusivity(inputs, value),
        elastic=elastic,
        floor_kwh=min(battery.min_kwh, initial_kwh),
        ceiling_kwh=max(battery.max_kwh, initial_kwh),
        initial_kwh=initial_kwh,
        end_floor_kwh=end_floor,
    )
    add_variables(model)
    add_mode_counts(model)
    add_power_limits(model)
    add_import_limit(model)
    add_clip_at_export_limit(model)
    add_energy_balance(model)
    add_soc_dynamics(model)
    add_soc_room(model)
    add_end_soc(model)
    set_objective(model)
    model.build_s = time.perf_counter() - started
    return model


def _pv_kw(inputs: PlanInputs) -> np.ndarray:
    """PV [kW] with values below 1e-9 kW treated as 0 (keeps bounds away from solver noise)."""
    pv = inputs.pv_kw.to_numpy(dtype=float)
    return np.where(pv < 1e-9, 0.0, pv)


def add_variables(model: PlanModel) -> None:
    """Create, per block, its modes' counts and flows and its end energy, with their bounds.

    Flows are sums over the mode's slots [kW·slot], ``≥ 0``. A block with a single mode gets the bounds
    ``k·C_max``, ``k·D_max``, ``k·X_max``, ``k·S_t`` (``k`` slots) directly; counted modes get theirs in
    :func:`add_power_limits`. Stored energy: ``e_min' ≤ e_B ≤ e_max'`` with ``e_min' = min(e_min, e_init)`` and
    ``e_max' = max(e_max, e_init)``: a battery that starts outside ``[min_soc, max_soc]`` may stay where it is
    but never goes further out.
    """
    inputs, ex = model.inputs, model.exclusivity
    pv = _pv_kw(inputs)
    can_clip = inputs.grid.export_limit_kw > 0
    for block in slot_blocks(inputs):
        t, k = block.start, block.length
        needs = [any(s in chosen for s in block.slots) for chosen in (ex.charge_discharge, ex.import_export)]
        clip = can_clip and pv[t] > 0 and any(s in ex.curtailment for s in block.slots)
        modes = block_modes(needs[0], needs[1], clip)
        mode_vars = [_mode_vars(model, block, mode, single=len(modes) == 1, pv_kw=float(pv[t])) for mode in modes]
        energy = model.problem.add_variable(
            model.name("energy_kwh", block.start + k - 1), model.floor_kwh, model.ceiling_kwh
        )
        model.blocks.append(BlockVars(block, mode_vars, energy))


def _mode_vars(model: PlanModel, block: Block, mode: Mode, *, single: bool, pv_kw: float) -> ModeVars:
    """The count and flow variables of one mode of ``block`` (bounds scaled by ``k`` for a single mode)."""
    problem, t, k = model.problem, block.start, block.length
    battery, export_max = model.inputs.battery, model.inputs.grid.export_limit_kw

    def flow(stem: str, allowed: bool, per_slot_max: float | None) -> pulp.LpVariable | None:
        if not allowed:
            return None
        upper = per_slot_max * k if single and per_slot_max is not None else None
        return problem.add_variable(model.name(stem, t, mode), 0.0, upper)

    return ModeVars(
        mode=mode,
        count=None if single else problem.add_variable(model.name("slots", t, mode), 0, k, pulp.LpInteger),
        grid_import=flow("grid_import_kw", mode.imports, None),
        grid_export=flow("grid_export_kw", mode.exports and export_max > 0, export_max),
        charge=flow("charge_kw", mode.charges, battery.max_charge_kw),
        discharge=flow("discharge_kw", mode.discharges, battery.max_discharge_kw),
        curtailed=flow("pv_curtailed_kw", mode.curtails and pv_kw > 0, pv_kw),
    )


def add_mode_counts(model: PlanModel) -> None:
    """Every slot of a block is in exactly one mode, ``mode_count_tNNN``::

    Σ_μ m_μ = k
    """
    for bv in model.blocks:
        counts = [(m.count, 1.0) for m in bv.modes if m.count is not None]
        if counts:
            model.add(counts, pulp.LpConstraintEQ, bv.block.length, model.name("mode_count", bv.block.start))


def add_power_limits(model: PlanModel) -> None:
    """Power limits of counted modes, scaled by the mode's slot count (``…_limit_tNNN_<mode>``)::

        c_μ ≤ C_max·m_μ,  d_μ ≤ D_max·m_μ,  x_μ ≤ X_max·m_μ,  k_μ ≤ S_t·m_μ,  i_μ ≤ M_t·m_μ

    ``M_t`` bounds import without a configured limit: ``L_t + C_max`` in an import mode (nothing exported),
    ``L_t + C_max + X_max`` otherwise; it only makes ``m_μ = 0`` force the mode's flows to 0. The configured
    import limit is :func:`add_import_limit`. Single-mode blocks carry these limits as variable bounds.
    """
    inputs = model.inputs
    battery, export_max = inputs.battery, inputs.grid.export_limit_kw
    load, pv = inputs.load_kw.to_numpy(dtype=float), _pv_kw(inputs)
    le = pulp.LpConstraintLE
    for bv in model.blocks:
        t = bv.block.start
        for mv in bv.modes:
            if mv.count is None:
                continue
            mode = mv.mode
            import_cap = load[t] + battery.max_charge_kw + (export_max if mode.exports else 0.0)
            limits = (
                ("import_cap", mv.grid_import, import_cap),
                ("export_limit", mv.grid_export, export_max),
                ("charge_limit", mv.charge, battery.max_charge_kw),
                ("discharge_limit", mv.discharge, battery.max_discharge_kw),
                ("curtail_limit", mv.curtailed, float(pv[t])),
            )
            for stem, flow, per_slot in limits:
                if flow is not None:
                    model.add([(flow, 1.0), (mv.count, -per_slot)], le, 0.0, model.name(stem, t, mode))


def add_import_limit(model: PlanModel) -> None:
    """Grid import limit ``I_max`` (elastic model: ``− s_μ``, ``s_μ ≥ 0``), ``import_limit_tNNN_<mode>``::

        i_μ ≤ I_max · m_μ

    Without a configured limit: nothing. Single-mode blocks outside the elastic model: a variable bound.
    """
    limit = model.inputs.grid.import_limit_kw
    if limit is None:
        return
    for bv in model.blocks:
        for mv in bv.modes:
            if mv.grid_import is None:
                continue
            terms, constant = mv.count_term(bv.block, -float(limit))
            if not model.elastic and mv.count is None:
                mv.grid_import.upBound = -constant
                continue
            name = model.name("import_limit", bv.block.start, mv.mode)
            if model.elastic:
                mv.import_slack = model.problem.add_variable(
                    model.name("import_shortfall_kw", bv.block.start, mv.mode), 0.0
                )
                terms = [*terms, (mv.import_slack, -1.0)]
            model.add([(mv.grid_import, 1.0), *terms], pulp.LpConstraintLE, -constant, name)


def add_clip_at_export_limit(model: PlanModel) -> None:
    """PV is clipped only while export sits at the limit: in a clipping mode, ``clip_at_limit_tNNN_<mode>``::

        x_μ ≥ X_max · m_μ          (with x_μ ≤ X_max·m_μ: export exactly at the limit)

    The inverter clips PV only when the load, the battery and the export limit cannot take it; scheduler v1
    groups cannot clip on price. Non-clipping modes have no curtailment variable at all.
    """
    export_max = model.inputs.grid.export_limit_kw
    for bv in model.blocks:
        for mv in bv.modes:
            if mv.mode.clip != "clip" or mv.grid_export is None:
                continue
            terms, constant = mv.count_term(bv.block, -export_max)
            model.add(
                [(mv.grid_export, 1.0), *terms],
                pulp.LpConstraintGE,
                -constant,
                model.name("clip_at_limit", bv.block.start, mv.mode),
            )


def add_energy_balance(model: PlanModel) -> None:
    """AC energy balance per mode, ``energy_balance_tNNN_<mode>`` (summed over the mode's slots)::

    (S_t·m_μ − k_μ) + i_μ + d_μ = L_t·m_μ + c_μ + x_μ
    """
    load, pv = model.inputs.load_kw.to_numpy(dtype=float), _pv_kw(model.inputs)
    for bv in model.blocks:
        t = bv.block.start
        for mv in bv.modes:
            terms: list[tuple[pulp.LpVariable, float]] = []
            for flow, sign in (
                (mv.grid_import, 1.0),
                (mv.discharge, 1.0),
                (mv.charge, -1.0),
                (mv.grid_export, -1.0),
                (mv.curtailed, -1.0),
            ):
                if flow is not None:
                    terms.append((flow, sign))
            count_terms, constant = mv.count_term(bv.block, float(pv[t] - load[t]))
            model.add([*terms, *count_terms], pulp.LpConstraintEQ, -constant, model.name("energy_balance", t, mv.mode))


def add_soc_dynamics(model: PlanModel) -> None:
    """Stored energy at block ends, ``soc_balance_tNNN`` (``e_{-1} = e_init``; flows summed over slots)::

    e_B = e_{B−1} + Δt · Σ_μ (η_c · c_μ − d_μ / η_d)
    """
    battery, dt = model.inputs.battery, model.dt_h
    stored_in = -battery.charge_efficiency * dt
    drawn_out = dt / battery.discharge_efficiency
    previous: pulp.LpVariable | None = None
    for bv in model.blocks:
        terms = [(bv.energy, 1.0)]
        for mv in bv.modes:
            if mv.charge is not None:
                terms.append((mv.charge, stored_in))
            if mv.discharge is not None:
                terms.append((mv.discharge, drawn_out))
        if previous is None:
            model.add(terms, pulp.LpConstraintEQ, model.initial_kwh, model.name("soc_balance", bv.block.start))
        else:
            model.add([*terms, (previous, -1.0)], pulp.LpConstraintEQ, 0.0, model.name("soc_balance", bv.block.start))
        previous = bv.energy


def add_soc_room(model: PlanModel) -> None:
    """Valid inequalities for one-slot blocks with a mode decision, ``charge_room_tNNN``, ``discharge_room_tNNN``::

        e_{t−1} + η_c · Δt · Σ_μ c_μ ≤ e_max'        e_{t−1} − Δt / η_d · Σ_μ d_μ ≥ e_min'

    A slot that only charges cannot store more than the room left at its start, one that only discharges
    cannot draw more than the energy above the floor; every plan without simultaneous flows satisfies both.
    They cut off the relaxation's favourite fractional point, time-sharing a slot between charging and
    discharging at a full (or empty) battery, and so keep branch and bound small.
    """
    battery, dt = model.inputs.battery, model.dt_h
    stored_in = battery.charge_efficiency * dt
    drawn_out = dt / battery.discharge_efficiency
    previous: pulp.LpVariable | None = None
    for bv in model.blocks:
        decided = len(bv.modes) > 1
        if decided and bv.block.length == 1:
            t = bv.block.start
            charges = [(mv.charge, stored_in) for mv in bv.modes if mv.charge is not None]
            discharges = [(mv.discharge, -drawn_out) for mv in bv.modes if mv.discharge is not None]
            if previous is None:
                start = model.initial_kwh
                if charges:
                    model.add(charges, pulp.LpConstraintLE, model.ceiling_kwh - start, model.name("charge_room", t))
                if discharges:
                    model.add(discharges, pulp.LpConstraintGE, model.floor_kwh - start, model.name("discharge_room", t))
            else:
                if charges:
                    model.add(
                        [(previous, 1.0), *charges],
                        pulp.LpConstraintLE,
                        model.ceiling_kwh,
                        model.name("charge_room", t),
                    )
                if discharges:
                    model.add(
                        [(previous, 1.0), *discharges],
                        pulp.LpConstraintGE,
                        model.floor_kwh,
                        model.name("discharge_room", t),
                    )
        previous = bv.energy


def add_end_soc(model: PlanModel) -> None:
    """The optional floor at the horizon end, ``end_soc`` (elastic: ``+ s_end``, ``s_end ≥ 0``)::

    e_T ≥ capacity · end_soc_pct / 100
    """
    if model.end_floor_kwh is None or model.end_floor_kwh <= model.floor_kwh:
        return
    terms = [(model.blocks[-1].energy, 1.0)]
    if model.elastic:
        model.end_slack = model.problem.add_variable("end_soc_shortfall_kwh", 0.0)
        terms.append((model.end_slack, 1.0))
    model.add(terms, pulp.LpConstraintGE, model.end_floor_kwh, "end_soc")


def set_objective(model: PlanModel) -> None:
    """Minimise cost minus terminal credit [currency] (flows summed over each mode's slots)::

        Σ_B Σ_μ Δt · (P_t · i_μ − X_t · x_μ + δ · (c_μ + d_μ))  −  V · e_T

    The elastic model minimises the shortfalls instead: ``IMPORT_SLACK_WEIGHT · Σ Δt · s_μ + s_end`` [kWh].
    """
    dt = model.dt_h
    terms: list[tuple[pulp.LpVariable, float]] = []
    if model.elastic:
        for bv in model.blocks:
            terms.extend((mv.import_slack, IMPORT_SLACK_WEIGHT * dt) for mv in bv.modes if mv.import_slack is not None)
        if model.end_slack is not None:
            terms.append((model.end_slack, 1.0))
        model.problem.setObjective(pulp.LpAffineExpression(terms))
        return
    p = model.inputs.import_price.to_numpy(dtype=float)
    x = model.inputs.export_price.to_numpy(dtype=float)
    wear = model.inputs.battery.degradation_cost_per_kwh * dt
    for bv in model.blocks:
        t = bv.block.start
        for mv in bv.modes:
            if mv.grid_import is not None:
                terms.append((mv.grid_import, float(p[t]) * dt))
            if mv.grid_export is not None:
                terms.append((mv.grid_export, -float(x[t]) * dt))
            if wear:
                terms.extend((flow, wear) for flow in (mv.charge, mv.discharge) if flow is not None)
    terms.append((model.blocks[-1].energy, -model.terminal_value_per_kwh))
    model.problem.setObjective(pulp.LpAffineExpression(terms))
