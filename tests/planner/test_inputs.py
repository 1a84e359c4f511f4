"""Bad planner inputs are rejected with the right error class, naming the field and the value."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import InputError, OptimizerError, UsageError
from optimizer.solve import solve_plan
from tests.planner.builders import make_inputs


def good():
    return make_inputs(import_price=[0.1, 0.2, 0.3], load_kw=[1.0, 1.0, 1.0], slot_minutes=30)


def test_good_inputs_pass() -> None:
    good().validate()
    assert good().slot_hours == 0.5


@pytest.mark.parametrize(
    ("change", "error", "pattern"),
    [
        (
            lambda i: {"load_kw": i.load_kw.where(i.load_kw.index != i.index[1])},
            InputError,
            r"^load_kw: 1 missing or non-finite value\(s\), first at 2024-06-01T00:30:00\+00:00 \(nan\)$",
        ),
        (
            lambda i: {"import_price": i.import_price.replace(0.3, np.inf)},
            InputError,
            r"^import_price: 1 missing or non-finite value\(s\), first at 2024-06-01T01:00:00\+00:00 \(inf\)$",
        ),
        (
            lambda i: {"pv_kw": i.pv_kw - 0.5},
            InputError,
            r"^pv_kw: power must be >= 0 kW, got -0.5 at 2024-06-01T00:00",
        ),
        (
            lambda i: {"export_price": i.export_price.iloc[:2]},
            InputError,
            r"^export_price: its index does not match the slot index \(2 values",
        ),
        (
            lambda i: {"load_kw": pd.Series([1.0, 1.0, 1.0], index=i.index + pd.Timedelta(hours=1))},
            InputError,
            r"^load_kw: its index does not match",
        ),
        (lambda i: {"load_kw": [1.0, 1.0, 1.0]}, InputError, r"^load_kw: expected a pandas Series, got list"),
        (
            lambda i: {"initial_soc_pct": 101.0},
            UsageError,
            r"^initial_soc_pct: .*between 0 and 100, got 101.0 \(see --soc\)",
        ),
        (lambda i: {"initial_soc_pct": float("nan")}, UsageError, r"^initial_soc_pct: "),
        (lambda i: {"end_soc_pct": -1.0}, UsageError, r"^end_soc_pct: .*got -1.0 \(see --end-soc\)"),
        (lambda i: {"terminal_value_per_kwh": float("nan")}, UsageError, r"^terminal_value_per_kwh: must be a finite"),
        (lambda i: {"battery": None}, UsageError, r"^battery: expected a BatteryConfig, got NoneType"),
    ],
)
def test_bad_field_is_named(change, error, pattern) -> None:
    inputs = good()
    bad = replace(inputs, **change(inputs))
    with pytest.raises(error, match=pattern):
        bad.validate()
    with pytest.raises(error):
        solve_plan(bad)


def test_index_must_be_aware_regular_and_of_an_allowed_step() -> None:
    inputs = good()
    naive = inputs.index.tz_localize(None)
    with pytest.raises(InputError, match=r"^index: slot starts must be timezone-aware"):
        replace(inputs, index=pd.DatetimeIndex(naive, freq="30min")).validate()
    irregular = pd.DatetimeIndex([inputs.index[0], inputs.index[1], inputs.index[1] + pd.Timedelta(minutes=45)])
    with pytest.raises(
        InputError, match=r"^index: slots are not on a fixed step \(irregular step before 2024-06-01T01:15"
    ):
        replace(inputs, index=irregular).validate()
    seven = pd.date_range("2024-06-01", periods=3, freq="7min", tz="UTC")
    with pytest.raises(UsageError, match=r"^index: slot length 7 min is not supported"):
        replace(inputs, index=seven).validate()
    with pytest.raises(UsageError, match=r"^index: the horizon has no slots"):
        replace(inputs, index=inputs.index[:0]).validate()
    lone = pd.DatetimeIndex([inputs.index[0]])
    with pytest.raises(UsageError, match="one-slot horizon needs a freq"):
        replace(inputs, index=lone).validate()


def test_solver_arguments_are_checked() -> None:
    with pytest.raises(UsageError, match="unknown solver 'gurobi'"):
        solve_plan(good(), solver="gurobi")
    with pytest.raises(UsageError, match="time_limit_s"):
        solve_plan(good(), time_limit_s=0)
    with pytest.raises(UsageError, match="mip_gap_abs"):
        solve_plan(good(), mip_gap_abs=-1.0)


def test_errors_carry_the_contract_exit_codes() -> None:
    with pytest.raises(OptimizerError) as usage:
        replace(good(), initial_soc_pct=-5.0).validate()
    assert usage.value.exit_code == 2
    with pytest.raises(OptimizerError) as bad_input:
        replace(good(), load_kw=good().load_kw * np.nan).validate()
    assert bad_input.value.exit_code == 3


def test_series_may_carry_the_same_instants_in_another_time_zone() -> None:
    inputs = good()
    local = inputs.load_kw.copy()
    local.index = local.index.tz_convert("Europe/Paris")
    replace(inputs, load_kw=local).validate()
    naive = inputs.load_kw.copy()
    naive.index = naive.index.tz_localize(None)
    with pytest.raises(InputError, match=r"^load_kw: its index does not match"):
        replace(inputs, load_kw=naive).validate()
