"""Solve the planner's model and extract the plan: HiGHS by default, CBC as the fallback.

:func:`solve_plan` is the entry point: build (:mod:`optimizer.model`), solve (:func:`run_solver`), extract
(:func:`extract_slots`), each timed. The solver's *real* status is read (pulp reports "Optimal" for a MIP that
stopped at its time limit with a mere feasible point). The extracted plan is checked for opposite flows in one
slot (:func:`find_violations`): should a slot whose mode was left free show charge and discharge, import and
export, or clipping below the export limit (a tie the argument of
:func:`optimizer.model.required_exclusivity` allows), that decision is added there and the model solved again;
the last of :data:`MAX_ROUNDS` rounds decides every slot. The plan returned is therefore optimal for the model
with exclusivity in *every* slot, and free of opposite flows exactly (noise below 1e-7 kW is set to 0).

Errors: :class:`InfeasibleError` (exit 7) naming the constraint family at fault (found by solving an elastic
variant that measures each family's shortfall), :class:`SolveError` for a time limit without a proven optimum,
a missing or failing solver, and :class:`UsageError` for an unknown solver name or a bad argument.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pulp

from optimizer.errors import InfeasibleError, SolveError, UsageError
from optimizer.frame import energy_cost
from optimizer.model import BlockVars, Exclusivity, PlanInputs, PlanModel, build_model, required_exclusivity

__all__ = [
    "HIGHS_OPTIONS",
    "MAX_ROUNDS",
    "MIP_ABS_GAP",
    "MIP_REL_GAP",
    "SOLVER_NOISE_KW",
    "PlanResult",
    "SolveStatus",
    "SolverOutcome",
    "Timings",
    "available_solvers",
    "extract_slots",
    "find_violations",
    "resolve_solver",
    "run_solver",
    "solve_plan",
]

MIP_REL_GAP = 1e-9
"""Relative MIP gap: the cost is proven optimal to 1e-9 of its size."""

MIP_ABS_GAP = 1e-4
"""Absolute MIP gap [currency]: the solver stops once its plan is proven within 0.0001 of the optimum, far
below the 0.01 the plan's cost is reported to."""

HIGHS_OPTIONS: dict[str, bool | float | int | str] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
"""HiGHS options: its sub-MIP heuristics (RINS, RENS, root reduced cost) find nothing branch and bound does not
find at once on these models, yet took most of the time (measured with ``bench/planner_bench.py``)."""

SOLVER_NOISE_KW = 1e-7
"""Flows below this [kW] are solver noise and are set to exactly 0 in the extracted plan."""

MAX_ROUNDS = 4
"""Solve rounds: the required decisions, then those plus the slots found violated, lastly every decision."""


class SolveStatus(StrEnum):
    """The solver's verdict, read from the solver itself rather than from pulp's summary."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds spent building, solving and extracting (summed over rounds), and in total."""

    build_s: float
    solve_s: float
    extract_s: float
    total_s: float


@dataclass(frozen=True)
class PlanResult:
    """An optimal plan.

    ``objective`` [currency] is the model's objective, cost minus the terminal credit ``V · e_T`` (computed from
    the extracted plan, so that it matches ``slots`` exactly); ``cost`` [currency] is import cost − export
    revenue + degradation over the horizon, terminal credit excluded.
    ``slots`` is indexed by the inputs' index with the columns of :data:`optimizer.frame.SLOT_COLUMNS`
    (``soc_pct`` at the END of each slot). ``integer_vars`` counts the mode decisions (integer variables) of the
    final round; ``rounds`` the solves.
    """

    status: SolveStatus
    solver: str
    objective: float
    cost: float
    terminal_value_per_kwh: float
    end_soc_pct: float
    slots: pd.DataFrame
    timings: Timings
    integer_vars: int = 0
    rounds: int = 1


@dataclass(frozen=True)
class SolverOutcome:
    """What one solver run reported: status, objective [currency] (``None`` without a solution), seconds."""

    status: SolveStatus
    objective: float | None
    solve_s: float
    detail: str


# ----- solvers ------------------------------------------------------------------------------------------------


def _cbc_path() -> str | None:
    """A CBC executable: ``cbc`` on the PATH, else the one bundled with pulp (if executable here)."""
    found = shutil.which("cbc")
    if found:
        return found
    bundled = str(pulp.PULP_CBC_CMD.pulp_cbc_path)
    return bundled if os.path.isfile(bundled) and os.access(bundled, os.X_OK) else None


def _highs_available() -> bool:
    try:
        return bool(pulp.HiGHS(msg=False).available())
    except Exception:  # pulp raises its own errors when highspy is missing or broken
        return False


def available_solvers() -> list[str]:
    """The solvers usable here, in order of preference: ``"highs"`` (highspy), ``"cbc"``."""
    names = []
    if _highs_available():
        names.append("highs")
    if _cbc_path() is not None:
        names.append("cbc")
    return names


def resolve_solver(solver: str) -> str:
    """``"auto"`` → the first available solver; a named solver must be available."""
    name = solver.strip().lower()
    if name not in ("auto", "highs", "cbc"):
        raise UsageError(f"unknown solver {solver!r}; use auto, highs or cbc")
    available = available_solvers()
    if name == "auto":
        if not available:
            raise SolveError("no LP solver is available", hint="Install highspy (pip install highspy).")
        return available[0]
    if name not in available:
        hint = "Install highspy (pip install highspy)." if name == "highs" else "Reinstall pulp (bundles CBC)."
        raise SolveError(f"the {name} solver is not available here (available: {available or 'none'})", hint=hint)
    return name


_banner_lock = threading.Lock()
_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner on stdout the first time a solver object is created in a process.

    That would corrupt ``--json`` output, so the first instance is created with file descriptor 1 pointed at
    the null device; later instances print nothing.
    """
    global _banner_silenced
    with _banner_lock:
        if _banner_silenced:
            return
        import highspy

        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_silenced = True


def _highs_status(model_status: object) -> SolveStatus:
    """Map a ``highspy.HighsModelStatus`` to :class:`SolveStatus` (by name, so fakes work in tests)."""
    name = getattr(model_status, "name", str(model_status)).rsplit(".", 1)[-1]
    if name == "kOptimal":
        return SolveStatus.OPTIMAL
    if name in ("kInfeasible", "kUnboundedOrInfeasible"):
        return SolveStatus.INFEASIBLE
    if name == "kUnbounded":
        return SolveStatus.UNBOUNDED
    if name in ("kTimeLimit", "kIterationLimit", "kInterrupt", "kSolutionLimit"):
        return SolveStatus.TIME_LIMIT
    return SolveStatus.ERROR


def _cbc_status(status: int, sol_status: int) -> SolveStatus:
    """Map pulp's CBC ``(status, sol_status)`` to :class:`SolveStatus`.

    CBC stopped on time with a feasible point reads ``(1 "Optimal", 2 "IntegerFeasible")``: not proven.
    """
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        return SolveStatus.OPTIMAL
    if status == pulp.LpStatusOptimal or status == pulp.LpStatusNotSolved:
        return SolveStatus.TIME_LIMIT
    if status == pulp.LpStatusInfeasible:
        return SolveStatus.INFEASIBLE
    if status == pulp.LpStatusUnbounded:
        return SolveStatus.UNBOUNDED
    return SolveStatus.ERROR


def run_solver(
    model: PlanModel, solver: str, time_limit_s: float, *, mip_gap_abs: float = MIP_ABS_GAP
) -> SolverOutcome:
    """Solve ``model.problem`` in place with ``solver`` (``"highs"`` or ``"cbc"``) within ``time_limit_s``.

    ``mip_gap_abs`` [currency]: stop once the plan is proven this close to the optimum (or within
    :data:`MIP_REL_GAP` relative).
    """
    problem = model.problem
    started = time.perf_counter()
    try:
        if solver == "highs":
            _silence_highs_banner()
            highs_solver = pulp.HiGHS(
                msg=False, gapRel=MIP_REL_GAP, gapAbs=mip_gap_abs, timeLimit=float(time_limit_s), **HIGHS_OPTIONS
            )
            problem.solve(highs_solver)
            highs = problem.solverModel
            status = _highs_status(highs.getModelStatus())
            detail = f"HiGHS model status {highs.modelStatusToString(highs.getModelStatus())}"
        elif solver == "cbc":
            path = _cbc_path()
            if path is None:
                raise SolveError("the cbc solver is not available here")
            cbc = pulp.COIN_CMD(
                path=path, msg=False, gapRel=MIP_REL_GAP, gapAbs=mip_gap_abs, timeLimit=max(1, math.ceil(time_limit_s))
            )
            problem.solve(cbc)
            status = _cbc_status(problem.status, problem.sol_status)
            detail = f"CBC status {pulp.LpStatus[problem.status]}, solution {pulp.LpSolution[problem.sol_status]}"
        else:
            raise UsageError(f"unknown solver {solver!r}; use highs or cbc")
    except pulp.PulpError as exc:
        raise SolveError(f"the {solver} solver failed: {exc}") from None
    elapsed = time.perf_counter() - started
    objective = problem.objective.value() if status is SolveStatus.OPTIMAL else None
    return SolverOutcome(status, None if objective is None else float(objective), elapsed, detail)


# ----- extraction and checks ------------------------------------------------------------------------------------


def _value(var: pulp.LpVariable | None) -> float:
    if var is None:
        return 0.0
    if var.varValue is None:
        raise SolveError(f"the solver reported an optimum but returned no value for {var.name}")
    return float(var.varValue)


@dataclass(frozen=True)
class _SlotFlows:
    """One slot's flows [kW] in a mode, and its stored-energy step [kWh]."""

    grid_import_kw: float
    grid_export_kw: float
    charge_kw: float
    discharge_kw: float
    pv_curtailed_kw: float
    step_kwh: float


def _clean(value: float) -> float:
    """Flows below :data:`SOLVER_NOISE_KW` are noise: exactly 0."""
    return 0.0 if abs(value) < SOLVER_NOISE_KW else value


def _block_slot_flows(model: PlanModel, bv: BlockVars) -> list[_SlotFlows]:
    """The flows of each slot of a block, mode by mode (a mode's flows shared equally by its slots)."""
    battery, dt = model.inputs.battery, model.dt_h
    flows: list[_SlotFlows] = []
    for mv in bv.modes:
        count = bv.block.length if mv.count is None else round(_value(mv.count))
        if count <= 0:
            continue
        imp, exp, ch, dis, curt = (
            _clean(_value(v) / count) for v in (mv.grid_import, mv.grid_export, mv.charge, mv.discharge, mv.curtailed)
        )
        step = (battery.charge_efficiency * ch - dis / battery.discharge_efficiency) * dt
        flows.extend([_SlotFlows(imp, exp, ch, dis, curt, step)] * count)
    if len(flows) != bv.block.length:
        raise SolveError(
            f"the solver's mode counts of the slots from {model.inputs.index[bv.block.start].isoformat()} "
            f"add up to {len(flows)}, not {bv.block.length}"
        )
    return flows


def _order_within_bounds(flows: list[_SlotFlows], start_kwh: float, ceiling_kwh: float) -> list[_SlotFlows]:
    """Order a block's slots so that the SoC stays in bounds: idle slots first, then charge while it fits, else
    discharge (always possible when a charge step plus a discharge step fits in the SoC range, which
    :func:`optimizer.model.slot_blocks` checks before forming a block)."""
    idle = [f for f in flows if f.step_kwh == 0.0]
    rising = [f for f in flows if f.step_kwh > 0.0]
    falling = [f for f in flows if f.step_kwh < 0.0]
    ordered, energy = idle, start_kwh
    while rising or falling:
        if rising and (not falling or energy + rising[-1].step_kwh <= ceiling_kwh + 1e-9):
            chosen = rising.pop()
        else:
            chosen = falling.pop()
        ordered.append(chosen)
        energy += chosen.step_kwh
    return ordered


def extract_slots(model: PlanModel) -> pd.DataFrame:
    """The solved plan per slot, columns :data:`optimizer.frame.SLOT_COLUMNS`, noise cleaned.

    Each block's slots get their modes' flows (ordered within the SoC bounds); the SoC is accumulated from the
    flows, so that every row satisfies the SoC dynamics exactly. A flow a mode forbids is exactly 0.
    """
    inputs = model.inputs
    n = model.n_slots
    out = np.zeros((n, 6))
    grid_decided = np.zeros(n, dtype=bool)
    energy = model.initial_kwh
    for bv in model.blocks:
        flows = _order_within_bounds(_block_slot_flows(model, bv), energy, model.ceiling_kwh)
        decided = any(mv.mode.grid != "both" for mv in bv.modes)
        for t, f in zip(bv.block.slots, flows, strict=True):
            energy += f.step_kwh
            out[t] = (f.grid_import_kw, f.grid_export_kw, f.charge_kw, f.discharge_kw, f.pv_curtailed_kw, energy)
            grid_decided[t] = decided
    grid_import, grid_export, curtailed = out[:, 0], out[:, 1], out[:, 4]
    _net_meter_ties(model, grid_import, grid_export, curtailed, grid_decided)
    return pd.DataFrame(
        {
            "import_price": inputs.import_price.to_numpy(dtype=float),
            "export_price": inputs.export_price.to_numpy(dtype=float),
            "load_kw": inputs.load_kw.to_numpy(dtype=float),
            "pv_kw": inputs.pv_kw.to_numpy(dtype=float),
            "grid_import_kw": grid_import,
            "grid_export_kw": grid_export,
            "charge_kw": out[:, 2],
            "discharge_kw": out[:, 3],
            "pv_curtailed_kw": curtailed,
            "soc_pct": out[:, 5] / inputs.battery.capacity_kwh * 100.0,
        },
        index=inputs.index,
    )


def _net_meter_ties(
    model: PlanModel,
    grid_import: np.ndarray,
    grid_export: np.ndarray,
    curtailed: np.ndarray,
    grid_decided: np.ndarray,
) -> None:
    """Undo import and export at once in slots whose grid direction is not decided, where ``X_t ≤ P_t``.

    There doing both is at best a tie (a spot price used both ways: the simplex may stop at a vertex with the
    export at its limit and some import). First PV clipped while importing is used instead (``k`` kW less of
    each, saving ``P_t·k ≥ 0``: such slots have ``P_t ≥ 0``, else their grid direction would be decided), then
    import and export are netted (``m`` kW less of each, saving ``(P_t − X_t)·m ≥ 0``). Balance and SoC are
    unchanged and the cost can only fall, so the plan stays optimal. Works in place.
    """
    p = model.inputs.import_price.to_numpy(dtype=float)
    x = model.inputs.export_price.to_numpy(dtype=float)
    both = np.flatnonzero((grid_import > 0) & (grid_export > 0) & (x <= p) & ~grid_decided)
    for t in both:
        k = min(grid_import[t], curtailed[t])
        grid_import[t] -= k
        curtailed[t] -= k
        m = min(grid_import[t], grid_export[t])
        grid_import[t] -= m
        grid_export[t] -= m
        for array in (grid_import, grid_export, curtailed):
            array[t] = _clean(array[t])


def find_violations(model: PlanModel, slots: pd.DataFrame) -> Exclusivity:
    """Slots of an extracted plan that do two opposite things at once, or clip PV below the export limit."""
    both_battery = (slots["charge_kw"].to_numpy() > 0) & (slots["discharge_kw"].to_numpy() > 0)
    both_grid = (slots["grid_import_kw"].to_numpy() > 0) & (slots["grid_export_kw"].to_numpy() > 0)
    export_limit = model.inputs.grid.export_limit_kw
    clip_below = (slots["pv_curtailed_kw"].to_numpy() > 0) & (slots["grid_export_kw"].to_numpy() < export_limit - 1e-6)
    return Exclusivity(
        frozenset(int(t) for t in np.flatnonzero(both_battery)),
        frozenset(int(t) for t in np.flatnonzero(both_grid)),
        frozenset(int(t) for t in np.flatnonzero(clip_below)),
    )


# ----- infeasibility ----------------------------------------------------------------------------------------------


def _precheck(inputs: PlanInputs) -> None:
    """Infeasibility that needs no solver: an end-SoC floor above what the battery may hold."""
    if inputs.end_soc_pct is None:
        return
    battery = inputs.battery
    ceiling_pct = max(battery.max_soc_pct, inputs.initial_soc_pct)
    if inputs.end_soc_pct > ceiling_pct + 1e-9:
        raise InfeasibleError(
            f"end_soc: the SoC cannot reach {inputs.end_soc_pct:g} % by the horizon end "
            f"(max reachable {ceiling_pct:g} %: the battery's max_soc_pct is {battery.max_soc_pct:g} %)",
            hint="Lower --end-soc or [planner] end_soc_pct.",
        )


def _import_shortfall_kw(model: PlanModel) -> np.ndarray:
    """Per slot, the largest import-limit shortfall [kW] of the elastic model (a mode's slack per slot)."""
    shortfall = np.zeros(model.n_slots)
    for bv in model.blocks:
        for mv in bv.modes:
            if mv.import_slack is None:
                continue
            count = bv.block.length if mv.count is None else max(1, round(_value(mv.count)))
            per_slot = _value(mv.import_slack) / count
            for t in bv.block.slots:
                shortfall[t] = max(shortfall[t], per_slot)
    return shortfall


def diagnose_infeasibility(
    inputs: PlanInputs, terminal_value_per_kwh: float, solver: str, time_limit_s: float
) -> InfeasibleError:
    """Solve the elastic model and name each constraint family whose shortfall is positive.

    The import limit's shortfall weighs :data:`optimizer.model.IMPORT_SLACK_WEIGHT` times the end floor's, so the
    end SoC is blamed first wherever lowering it would suffice.
    """
    model = build_model(inputs, terminal_value_per_kwh=terminal_value_per_kwh, elastic=True)
    outcome = run_solver(model, solver, max(1.0, time_limit_s))
    if outcome.status is not SolveStatus.OPTIMAL:
        return InfeasibleError(
            f"model: the plan's constraints cannot all hold, and relaxing the import limit and the end SoC does "
            f"not help ({outcome.detail})"
        )
    parts: list[str] = []
    hints: list[str] = []
    shortfall_kw = _import_shortfall_kw(model)
    if shortfall_kw.size and shortfall_kw.max() > 1e-6:
        short = np.flatnonzero(shortfall_kw > 1e-6)
        first = inputs.index[short[0]]
        total_kwh = float(shortfall_kw.sum()) * model.dt_h
        parts.append(
            f"import_limit: the load cannot be met within the grid import limit of "
            f"{inputs.grid.import_limit_kw:g} kW, even with PV and the battery: {total_kwh:.2f} kWh short "
            f"in all, first at {first.isoformat()}"
        )
        hints.append("Check [grid] import_limit_kw and the load forecast.")
    end_short_kwh = (model.end_slack.varValue or 0.0) if model.end_slack is not None else 0.0
    if end_short_kwh > 1e-6 and model.end_floor_kwh is not None:
        capacity = inputs.battery.capacity_kwh
        reachable_pct = (model.end_floor_kwh - end_short_kwh) / capacity * 100.0
        parts.append(
            f"end_soc: the SoC cannot reach {inputs.end_soc_pct:g} % by the horizon end "
            f"(max reachable {reachable_pct:.1f} %)"
        )
        hints.append("Lower --end-soc or lengthen the horizon.")
    if not parts:
        return InfeasibleError(
            "model: the solver found the plan infeasible, yet every constraint family can be met "
            "(numerical trouble; try the other solver)"
        )
    return InfeasibleError("; ".join(parts), hint=" ".join(hints))


# ----- the entry point --------------------------------------------------------------------------------------------


def solve_plan(
    inputs: PlanInputs, *, solver: str = "auto", time_limit_s: float = 30.0, mip_gap_abs: float = MIP_ABS_GAP
) -> PlanResult:
    """Plan ``inputs`` optimally.

    ``solver``: ``"auto"`` (HiGHS if available, else CBC), ``"highs"`` or ``"cbc"``. ``time_limit_s`` bounds the
    whole solve (all rounds). ``mip_gap_abs`` [currency]: the optimality proof the solver must reach (default
    :data:`MIP_ABS_GAP`). Raises :class:`InfeasibleError` (exit 7) naming the constraint family at fault,
    :class:`SolveError` on a time limit without a proven optimum or a solver failure.
    """
    started = time.perf_counter()
    if not (isinstance(mip_gap_abs, int | float) and math.isfinite(mip_gap_abs) and mip_gap_abs >= 0):
        raise UsageError(f"mip_gap_abs: must be a non-negative number of currency units, got {mip_gap_abs!r}")
    if not (isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s) and time_limit_s > 0):
        raise UsageError(f"time_limit_s: must be a positive number of seconds, got {time_limit_s!r}")
    name = resolve_solver(solver)
    inputs.validate()
    value = inputs.resolved_terminal_value()
    _precheck(inputs)
    exclusivity = required_exclusivity(inputs, value)
    build_s = solve_s = extract_s = 0.0
    for round_no in range(1, MAX_ROUNDS + 1):
        model = build_model(inputs, terminal_value_per_kwh=value, exclusivity=exclusivity)
        build_s += model.build_s
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0:
            raise _time_limit_error(name, time_limit_s)
        outcome = run_solver(model, name, remaining, mip_gap_abs=mip_gap_abs)
        solve_s += outcome.solve_s
        if outcome.status is SolveStatus.INFEASIBLE:
            raise diagnose_infeasibility(inputs, value, name, time_limit_s)
        if outcome.status is SolveStatus.TIME_LIMIT:
            raise _time_limit_error(name, time_limit_s)
        if outcome.status is not SolveStatus.OPTIMAL or outcome.objective is None:
            raise SolveError(f"the {name} solver failed: {outcome.detail}")
        t_extract = time.perf_counter()
        slots = extract_slots(model)
        violations = find_violations(model, slots)
        extract_s += time.perf_counter() - t_extract
        if violations.decision_count == 0:
            cost = energy_cost(slots, model.dt_h, inputs.battery.degradation_cost_per_kwh)
            end_kwh = float(slots["soc_pct"].iloc[-1]) * inputs.battery.capacity_kwh / 100.0
            return PlanResult(
                status=SolveStatus.OPTIMAL,
                solver=name,
                objective=cost - value * end_kwh,
                cost=cost,
                terminal_value_per_kwh=value,
                end_soc_pct=float(slots["soc_pct"].iloc[-1]),
                slots=slots,
                timings=Timings(build_s, solve_s, extract_s, time.perf_counter() - started),
                integer_vars=model.integer_count,
                rounds=round_no,
            )
        if round_no + 1 < MAX_ROUNDS:
            exclusivity = exclusivity.union(violations)
        else:
            exclusivity = Exclusivity.everywhere(len(inputs.index))
    raise SolveError(
        f"the {name} solver kept returning slots with opposite flows even with every slot decided "
        "(numerical trouble; try the other solver)"
    )


def _time_limit_error(solver: str, time_limit_s: float) -> SolveError:
    return SolveError(
        f"the {solver} solver reached the time limit of {time_limit_s:g} s without proving an optimal plan",
        hint="Raise [planner] time_limit_s, shorten the horizon or use longer slots.",
    )
