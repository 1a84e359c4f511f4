"""An independent formulation of the planner's model, written as matrices for ``scipy.optimize.milp``.

No blocks, no modes, no lazy rounds: every slot gets all three binaries (charge/discharge, import/export,
clip only at the export limit) in the textbook big-M form. Same model semantics as ``optimizer.model``:
SoC bounds widened to the initial SoC, optional end floor, objective = cost − V·e_T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from optimizer.model import PlanInputs

# variable blocks, each of length n
IMP, EXP, CH, DIS, CURT, E, B, Y, Z = range(9)
N_KINDS = 9


@dataclass(frozen=True)
class Reference:
    status: int  # scipy: 0 optimal, 2 infeasible, ...
    objective: float | None
    x: np.ndarray | None
    n: int

    def column(self, kind: int) -> np.ndarray:
        assert self.x is not None
        return self.x[kind * self.n : (kind + 1) * self.n]


def solve_reference(inputs: PlanInputs, terminal_value_per_kwh: float) -> Reference:
    n = len(inputs.index)
    dt = inputs.slot_hours
    bat, grid = inputs.battery, inputs.grid
    p = inputs.import_price.to_numpy(float)
    x = inputs.export_price.to_numpy(float)
    load = inputs.load_kw.to_numpy(float)
    pv = inputs.pv_kw.to_numpy(float)
    e0 = bat.capacity_kwh * inputs.initial_soc_pct / 100
    floor = min(bat.min_soc_pct / 100 * bat.capacity_kwh, e0)
    ceil = max(bat.max_soc_pct / 100 * bat.capacity_kwh, e0)
    c_max, d_max, x_max = bat.max_charge_kw, bat.max_discharge_kw, grid.export_limit_kw
    i_max = grid.import_limit_kw
    big_import = load + c_max  # import while not exporting never exceeds the load plus charging

    def col(kind: int, t: int) -> int:
        return kind * n + t

    size = N_KINDS * n
    cost = np.zeros(size)
    cost[IMP * n : (IMP + 1) * n] = p * dt
    cost[EXP * n : (EXP + 1) * n] = -x * dt
    cost[CH * n : (CH + 1) * n] = bat.degradation_cost_per_kwh * dt
    cost[DIS * n : (DIS + 1) * n] = bat.degradation_cost_per_kwh * dt
    cost[col(E, n - 1)] -= terminal_value_per_kwh

    lower = np.zeros(size)
    upper = np.full(size, np.inf)
    upper[IMP * n : (IMP + 1) * n] = i_max if i_max is not None else np.inf
    upper[EXP * n : (EXP + 1) * n] = x_max
    upper[CH * n : (CH + 1) * n] = c_max
    upper[DIS * n : (DIS + 1) * n] = d_max
    upper[CURT * n : (CURT + 1) * n] = pv
    lower[E * n : (E + 1) * n] = floor
    upper[E * n : (E + 1) * n] = ceil
    if inputs.end_soc_pct is not None:
        lower[col(E, n - 1)] = max(floor, bat.capacity_kwh * inputs.end_soc_pct / 100)
    upper[B * n :] = 1.0
    integrality = np.zeros(size)
    integrality[B * n :] = 1

    rows = 8 * n
    a = lil_matrix((rows, size))
    lo = np.full(rows, -np.inf)
    hi = np.zeros(rows)
    r = 0
    for t in range(n):
        # balance: imp + dis - ch - exp - curt = load - pv
        for kind, coef in ((IMP, 1), (DIS, 1), (CH, -1), (EXP, -1), (CURT, -1)):
            a[r, col(kind, t)] = coef
        lo[r] = hi[r] = load[t] - pv[t]
        r += 1
        # soc: e_t - e_{t-1} - eta_c dt ch + dt/eta_d dis = 0
        a[r, col(E, t)] = 1
        a[r, col(CH, t)] = -bat.charge_efficiency * dt
        a[r, col(DIS, t)] = dt / bat.discharge_efficiency
        if t:
            a[r, col(E, t - 1)] = -1
            lo[r] = hi[r] = 0
        else:
            lo[r] = hi[r] = e0
        r += 1
        # ch <= C b ; dis <= D (1 - b)
        a[r, col(CH, t)], a[r, col(B, t)] = 1, -c_max
        r += 1
        a[r, col(DIS, t)], a[r, col(B, t)] = 1, d_max
        hi[r] = d_max
        r += 1
        # imp <= M y ; exp <= X (1 - y)
        a[r, col(IMP, t)], a[r, col(Y, t)] = 1, -big_import[t]
        r += 1
        a[r, col(EXP, t)], a[r, col(Y, t)] = 1, x_max
        hi[r] = x_max
        r += 1
        # curt <= pv z ; exp >= X z
        a[r, col(CURT, t)], a[r, col(Z, t)] = 1, -pv[t]
        r += 1
        a[r, col(EXP, t)], a[r, col(Z, t)] = -1, x_max
        r += 1
    result = milp(
        cost,
        constraints=LinearConstraint(a.tocsr(), lo, hi),
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"mip_rel_gap": 1e-10, "time_limit": 60},
    )
    objective = float(result.fun) if result.status == 0 else None
    return Reference(int(result.status), objective, result.x if result.status == 0 else None, n)
