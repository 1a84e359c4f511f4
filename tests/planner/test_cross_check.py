"""Independent check: the planner and a textbook formulation (scipy.optimize.milp) reach the same optimum.

50 seeded random scenarios cover negative import and export prices, export dearer than import, a spot price
used both ways (ties), runs of identical slots (blocks), lossless and lossy batteries, degradation, zero export
limits, import limits, initial SoC outside the reserve, end-SoC floors and negative terminal values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.config import BatteryConfig, GridConfig
from optimizer.errors import InfeasibleError
from optimizer.model import PlanInputs, required_exclusivity
from optimizer.solve import solve_plan
from tests.planner.builders import check_plan, make_inputs
from tests.planner.reference_milp import solve_reference

SEEDS = range(50)


def random_inputs(seed: int) -> PlanInputs:
    rng = np.random.default_rng(seed)
    n_distinct = int(rng.integers(4, 12))
    repeat = int(rng.choice([1, 1, 2, 3]))  # runs of identical slots exercise the blocks
    slot_minutes = int(rng.choice([15, 30, 60]))
    import_price = rng.uniform(0.05, 0.40, n_distinct)
    negatives = rng.random(n_distinct) < rng.choice([0.0, 0.2, 0.4])
    import_price[negatives] = rng.uniform(-0.15, 0.0, negatives.sum())
    style = rng.choice(["below", "above", "equal", "mixed"])
    if style == "below":
        export_price = import_price - rng.uniform(0.02, 0.2, n_distinct)
    elif style == "above":  # export dearer than import
        export_price = import_price + rng.uniform(0.0, 0.1, n_distinct)
    elif style == "equal":  # a spot price both ways
        export_price = import_price.copy()
    else:
        export_price = import_price + rng.uniform(-0.2, 0.1, n_distinct)
    load = rng.uniform(0.0, 3.0, n_distinct)
    pv = np.where(rng.random(n_distinct) < 0.5, rng.uniform(0.0, 6.0, n_distinct), 0.0)
    efficiency = float(rng.choice([1.0, 0.95, 0.9]))
    battery = BatteryConfig(
        capacity_kwh=float(rng.uniform(3.0, 15.0)),
        min_soc_pct=float(rng.uniform(0, 30)),
        max_soc_pct=float(rng.uniform(70, 100)),
        max_charge_kw=float(rng.uniform(1.0, 6.0)),
        max_discharge_kw=float(rng.uniform(1.0, 6.0)),
        charge_efficiency=efficiency,
        discharge_efficiency=float(rng.choice([efficiency, 0.97])),
        degradation_cost_per_kwh=float(rng.choice([0.0, 0.0, 0.02])),
    )
    grid = GridConfig(
        export_limit_kw=float(rng.choice([0.0, 2.0, 5.0])),
        import_limit_kw=None if rng.random() < 0.5 else float(rng.uniform(8.0, 15.0)),
    )
    terminal = [None, 0.0, 0.1, -0.02][int(rng.choice(4, p=[0.5, 0.2, 0.2, 0.1]))]
    return make_inputs(
        import_price=np.repeat(import_price, repeat),
        export_price=np.repeat(export_price, repeat),
        load_kw=np.repeat(load, repeat),
        pv_kw=np.repeat(pv, repeat),
        slot_minutes=slot_minutes,
        battery=battery,
        grid=grid,
        initial_soc_pct=float(rng.uniform(0, 100)),
        end_soc_pct=None if rng.random() < 0.7 else float(rng.uniform(20, 90)),
        terminal_value_per_kwh=None if terminal is None else float(terminal),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_same_optimum_as_independent_formulation(seed: int) -> None:
    inputs = random_inputs(seed)
    value = inputs.resolved_terminal_value()
    reference = solve_reference(inputs, value)
    if reference.status == 2:  # infeasible (an end floor out of reach): the planner must say so too
        with pytest.raises(InfeasibleError):
            solve_plan(inputs, mip_gap_abs=1e-9)
        return
    assert reference.status == 0, f"reference solver status {reference.status}"
    result = solve_plan(inputs, mip_gap_abs=1e-9)
    assert result.terminal_value_per_kwh == value
    assert reference.objective is not None and math.isclose(
        result.objective, reference.objective, rel_tol=1e-6, abs_tol=1e-6
    ), (
        result.objective,
        reference.objective,
    )
    check_plan(inputs, result)


def test_scenarios_cover_the_hard_cases() -> None:
    """The random scenarios do exercise what they claim to (else the cross-check proves little)."""
    seen = {"negative import": 0, "export above import": 0, "equal prices": 0, "blocks": 0, "decisions": 0}
    for seed in SEEDS:
        inputs = random_inputs(seed)
        p, x = inputs.import_price.to_numpy(), inputs.export_price.to_numpy()
        seen["negative import"] += bool((p < 0).any())
        seen["export above import"] += bool((x > p).any())
        seen["equal prices"] += bool((x == p).all())
        seen["blocks"] += bool((np.diff(p) == 0).any())
        seen["decisions"] += required_exclusivity(inputs, inputs.resolved_terminal_value()).decision_count > 0
    assert all(count >= 5 for count in seen.values()), seen
