"""An infeasible plan is an InfeasibleError (exit 7) naming the constraint family at fault."""

from __future__ import annotations

import pytest

from optimizer.config import GridConfig
from optimizer.errors import InfeasibleError
from optimizer.solve import solve_plan
from tests.planner.builders import check_plan, ideal_battery, make_inputs


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_unreachable_end_soc_names_end_soc_and_the_reachable_level(solver: str) -> None:
    """From 0 %, two hours at 2 kW into a lossless 10 kWh battery reach 40 % at most."""
    inputs = make_inputs(
        import_price=0.2,
        n=2,
        battery=ideal_battery(max_charge_kw=2.0),
        initial_soc_pct=0.0,
        end_soc_pct=95.0,
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_plan(inputs, solver=solver)
    assert caught.value.exit_code == 7
    assert str(caught.value) == "end_soc: the SoC cannot reach 95 % by the horizon end (max reachable 40.0 %)"
    assert "--end-soc" in (caught.value.hint or "")


def test_end_soc_above_max_soc_is_caught_before_solving() -> None:
    inputs = make_inputs(import_price=0.2, n=4, battery=ideal_battery(max_soc_pct=90.0), end_soc_pct=95.0)
    with pytest.raises(InfeasibleError, match=r"^end_soc: .*95 %.*max_soc_pct is 90 %"):
        solve_plan(inputs)


def test_reachable_end_soc_is_met_exactly() -> None:
    inputs = make_inputs(
        import_price=[0.1, 0.3],
        n=2,
        battery=ideal_battery(max_charge_kw=2.0),
        initial_soc_pct=0.0,
        end_soc_pct=40.0,
    )
    result = solve_plan(inputs)
    check_plan(inputs, result)
    assert result.end_soc_pct == pytest.approx(40.0)


def test_load_beyond_the_import_limit_names_import_limit() -> None:
    """8 kW of load, a 3 kW import limit and a 5 kW battery holding 2 kWh: 13 kWh short over three hours."""
    inputs = make_inputs(
        import_price=0.2,
        load_kw=8.0,
        n=3,
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=3.0),
        initial_soc_pct=20.0,
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_plan(inputs)
    message = str(caught.value)
    assert caught.value.exit_code == 7
    assert message.startswith("import_limit: the load cannot be met within the grid import limit of 3 kW")
    assert "13.00 kWh short in all" in message  # 3 h × 5 kW beyond the limit, less 2 kWh stored
    assert "first at 2024-06-01T00:00:00+00:00" in message
    assert "end_soc" not in message


def test_both_families_at_fault_are_named() -> None:
    inputs = make_inputs(
        import_price=0.2,
        load_kw=8.0,
        n=2,
        battery=ideal_battery(),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=3.0),
        initial_soc_pct=0.0,
        end_soc_pct=80.0,
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_plan(inputs)
    message = str(caught.value)
    assert message.startswith("import_limit: ")
    assert "; end_soc: the SoC cannot reach 80 % by the horizon end (max reachable 0.0 %)" in message
