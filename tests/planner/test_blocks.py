"""Blocks: runs of identical slots decided by mode counts, and slots re-ordered within the SoC bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.config import BatteryConfig, GridConfig
from optimizer.model import Block, build_model, slot_blocks
from optimizer.solve import solve_plan
from tests.planner.builders import check_plan, go_night_inputs, ideal_battery, make_inputs
from tests.planner.reference_milp import solve_reference


def test_identical_consecutive_slots_form_blocks() -> None:
    inputs = make_inputs(
        import_price=[0.1, 0.1, 0.1, 0.2, 0.2, 0.1],
        load_kw=[1.0, 1.0, 1.0, 1.0, 2.0, 2.0],
        slot_minutes=15,
    )
    assert slot_blocks(inputs) == [Block(0, 3), Block(3, 1), Block(4, 1), Block(5, 1)]


def test_no_blocks_when_one_slot_can_swing_past_the_soc_range() -> None:
    """A 2 kWh battery with 5 kW each way over an hour: one slot's steps exceed the SoC range."""
    tiny = BatteryConfig(capacity_kwh=2.0, min_soc_pct=10, max_soc_pct=90)
    inputs = make_inputs(import_price=0.1, n=4, battery=tiny)
    assert slot_blocks(inputs) == [Block(t, 1) for t in range(4)]


def test_blocks_cut_integer_variables_not_the_optimum() -> None:
    """Go + fixed export at 10-minute slots from 30-minute data: one integer per mode and half-hour, and the
    same optimum as the slot-by-slot reference with a binary in every slot (which, symmetric as the night
    slots are, takes seconds already at this size)."""
    coarse = go_night_inputs(slot_minutes=30, hours=3)
    fine = make_inputs(
        import_price=np.repeat(coarse.import_price.to_numpy(), 3),
        export_price=np.repeat(coarse.export_price.to_numpy(), 3),
        load_kw=np.repeat(coarse.load_kw.to_numpy(), 3),
        pv_kw=np.repeat(coarse.pv_kw.to_numpy(), 3),
        slot_minutes=10,
        initial_soc_pct=20.0,
        terminal_value_per_kwh=None,
    )
    model = build_model(fine)
    night_blocks = sum(1 for bv in model.blocks if len(bv.modes) > 1)
    assert all(bv.block.length % 3 == 0 for bv in model.blocks)  # whole half-hours (equal ones merge)
    assert model.integer_count == 2 * night_blocks <= 2 * 5  # 15 night slots, at most 5 half-hours
    result = solve_plan(fine, mip_gap_abs=1e-9)
    check_plan(fine, result)
    reference = solve_reference(fine, result.terminal_value_per_kwh)
    assert reference.status == 0
    assert reference.objective is not None and math.isclose(
        result.objective, reference.objective, rel_tol=1e-6, abs_tol=1e-6
    )


def test_slots_of_a_block_are_ordered_within_the_soc_bounds() -> None:
    """Three identical hours at a full battery, export dearer than import: the optimum discharges in some
    hours and recharges in others; the discharging hours must come first or the SoC would exceed 100 %."""
    inputs = make_inputs(
        import_price=0.10,
        export_price=0.15,
        n=3,
        battery=ideal_battery(max_charge_kw=4.0, max_discharge_kw=4.0),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=None),
        initial_soc_pct=100.0,
        end_soc_pct=100.0,
        terminal_value_per_kwh=0.0,
    )
    assert slot_blocks(inputs) == [Block(0, 3)]
    result = solve_plan(inputs)
    check_plan(inputs, result)
    slots = result.slots
    assert (slots["discharge_kw"] > 0).any() and (slots["charge_kw"] > 0).any()
    assert slots["discharge_kw"].iloc[0] > 0  # a charge first would overfill the battery
    assert result.cost == pytest.approx(4 * 0.10 - 4 * 0.15)  # one cycle of 4 kWh through a lossless battery
