"""Opposite flows in one slot: where decisions are needed, that they are needed, and the lazy safety net."""

from __future__ import annotations

import math

import numpy as np
import pytest

import optimizer.solve as solve_module
from optimizer.config import BatteryConfig, GridConfig
from optimizer.model import Exclusivity, build_model, required_exclusivity
from optimizer.solve import extract_slots, find_violations, run_solver, solve_plan
from tests.planner.builders import check_plan, ideal_battery, make_inputs
from tests.planner.reference_milp import solve_reference
from tests.planner.test_cross_check import SEEDS, random_inputs


def night_arbitrage():
    """Export dearer than import: a free LP pumps energy through the meter."""
    return make_inputs(
        import_price=0.10,
        export_price=0.15,
        n=2,
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=5.0),
        initial_soc_pct=50.0,
        terminal_value_per_kwh=0.12,
    )


def paid_to_import():
    """A negative import price with a lossy battery: a free LP burns energy by charging and discharging."""
    return make_inputs(
        import_price=[-0.10, -0.10],
        export_price=[-0.20, -0.20],
        load_kw=0.5,
        battery=BatteryConfig(capacity_kwh=10.0, min_soc_pct=0.0, max_soc_pct=100.0),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=20.0),
        initial_soc_pct=100.0,
        terminal_value_per_kwh=0.0,
    )


@pytest.mark.parametrize(
    ("make", "column_pair"),
    [
        (night_arbitrage, ("grid_import_kw", "grid_export_kw")),
        (paid_to_import, ("charge_kw", "discharge_kw")),
    ],
)
def test_without_decisions_the_lp_would_cheat(make, column_pair) -> None:
    """Forced slots: with no decision the LP does both directions at once and claims a lower cost; with the
    decisions :func:`required_exclusivity` places, it cannot."""
    inputs = make()
    value = inputs.resolved_terminal_value()
    free = build_model(inputs, terminal_value_per_kwh=value, exclusivity=Exclusivity())
    assert run_solver(free, "highs", 10).status == "optimal"
    cheat = extract_slots(free)
    a, b = (cheat[c].to_numpy() for c in column_pair)
    assert ((a > 0) & (b > 0)).any()
    needed = required_exclusivity(inputs, value)
    assert needed.decision_count > 0
    decided = build_model(inputs, terminal_value_per_kwh=value, exclusivity=needed)
    outcome = run_solver(decided, "highs", 10)
    assert outcome.objective is not None and free.problem.objective.value() < outcome.objective - 0.01
    honest = extract_slots(decided)
    assert find_violations(decided, honest).decision_count == 0
    result = solve_plan(inputs)
    assert result.rounds == 1
    check_plan(inputs, result)


def test_required_decisions_follow_the_argument() -> None:
    battery = BatteryConfig(max_discharge_kw=5.0)
    inputs = make_inputs(
        import_price=[0.30, 0.10, -0.05, 0.20, 0.20, 0.30],
        export_price=[0.15, 0.15, -0.10, 0.00, 0.05, 0.05],
        load_kw=[0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
        pv_kw=[0.0, 0.0, 3.0, 3.0, 0.0, 0.0],
        battery=battery,
        grid=GridConfig(export_limit_kw=5.0),
    )
    needed = required_exclusivity(inputs, 0.05)
    assert needed.import_export == {1, 2}  # export dearer than import; negative import where PV may clip
    assert needed.curtailment == {2, 3}  # export price <= 0 with PV
    assert needed.charge_discharge == {2}  # negative prices; D_max 5 does not exceed load + export limit
    # with a discharge rating above load + export limit, every slot up to the last negative one
    big = BatteryConfig(max_discharge_kw=8.0, max_charge_kw=8.0)
    wide = make_inputs(
        import_price=inputs.import_price.to_numpy(),
        export_price=inputs.export_price.to_numpy(),
        load_kw=0.2,
        pv_kw=inputs.pv_kw.to_numpy(),
        battery=big,
    )
    assert required_exclusivity(wide, 0.05).charge_discharge == {0, 1, 2}
    # a negative terminal value makes stored energy a liability everywhere
    assert required_exclusivity(inputs, -0.01).charge_discharge == set(range(6))
    # no export possible: no import/export or clipping decisions at all
    closed = make_inputs(
        import_price=inputs.import_price.to_numpy(),
        export_price=inputs.export_price.to_numpy(),
        pv_kw=inputs.pv_kw.to_numpy(),
        grid=GridConfig(export_limit_kw=0.0),
    )
    assert required_exclusivity(closed, 0.05).import_export == set()
    assert required_exclusivity(closed, 0.05).curtailment == set()


def test_decisions_only_where_needed_reach_the_full_optimum() -> None:
    """The argument of required_exclusivity, tested: with decisions only where it places them and no lazy
    round, the solver's objective equals the reference's (decisions in every slot) on every scenario."""
    for seed in SEEDS:
        inputs = random_inputs(seed)
        value = inputs.resolved_terminal_value()
        reference = solve_reference(inputs, value)
        if reference.status != 0:
            continue
        model = build_model(inputs, terminal_value_per_kwh=value)
        outcome = run_solver(model, "highs", 30, mip_gap_abs=1e-9)
        assert outcome.objective is not None
        assert reference.objective is not None and math.isclose(
            outcome.objective, reference.objective, rel_tol=1e-6, abs_tol=1e-6
        ), seed


def test_lazy_rounds_repair_a_missing_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the argument miss a slot, the solution shows it and the next round decides it."""
    monkeypatch.setattr(solve_module, "required_exclusivity", lambda inputs, value: Exclusivity())
    inputs = night_arbitrage()
    result = solve_plan(inputs)
    assert result.rounds == 2
    assert result.objective == pytest.approx(-0.85, abs=1e-9)
    check_plan(inputs, result)


def test_spot_price_both_ways_is_netted_without_cost() -> None:
    """Import price = export price (a tie): any slot importing and exporting at once is netted."""
    rng = np.random.default_rng(7)
    prices = rng.uniform(0.02, 0.12, 24)
    inputs = make_inputs(
        import_price=prices,
        export_price=prices,
        load_kw=rng.uniform(0.2, 2.0, 24),
        pv_kw=np.clip(np.sin(np.linspace(-1, 4, 24)) * 4, 0, None),
        terminal_value_per_kwh=None,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert result.rounds == 1
    reference = solve_reference(inputs, result.terminal_value_per_kwh)
    assert reference.objective is not None and math.isclose(
        result.objective, reference.objective, rel_tol=1e-6, abs_tol=2e-4
    )


def test_everywhere_is_a_superset() -> None:
    every = Exclusivity.everywhere(4)
    assert every.decision_count == 12
    assert Exclusivity(frozenset({1}), frozenset(), frozenset()).union(every) == every
