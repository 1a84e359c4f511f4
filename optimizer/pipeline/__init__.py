"""The one orchestration layer: plan, push, run, backtest, status and doctor all go through here.

Modules, in the order a plan flows through them::

    options    PlanOptions: what a caller may override (tariffs, start, horizon, slot, SoC, end SoC, ...)
    inputs     tariff_specs() → build_horizon() → plan_inputs(): prices, forecasts, SoC → the LP's inputs
    plan       solve_and_compile(): plan, compile, validate, cost; plan_offline() from a history CSV
    account    open_account(): the Fox ESS cloud, or the built-in simulated one without credentials
    device     plan_device() for one inverter; plan_account() for ``optimizer plan``/``push``
    push       push_schedule(): write only what differs, read back, verify, restore on failure
    nightly    run_nightly(): every inverter under one lock, with a log and a per-device report
    backtest   run_backtest(): day-by-day re-planning over history against self-use and perfect foresight
    api        plan(), push(), run(), backtest(): the entry points (exported by :mod:`optimizer` itself: here
               they would clash with the modules of the same names)
    status     read_status(); doctor: run_checks()
    reporting  Reporter: how progress and messages reach the caller (the CLI, a notebook)

Names are imported lazily, so that importing :mod:`optimizer.pipeline` for an offline plan does not load the
Fox ESS client or the simulated cloud.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "PlanOptions": "options",
    "ForecastKind": "options",
    "HorizonData": "inputs",
    "TariffSpecs": "inputs",
    "build_horizon": "inputs",
    "plan_inputs": "inputs",
    "tariff_specs": "inputs",
    "DeviceContext": "plan",
    "PlanOutcome": "plan",
    "compile_for": "plan",
    "default_properties": "plan",
    "plan_offline": "plan",
    "replay": "plan",
    "solve_and_compile": "plan",
    "Account": "account",
    "open_account": "account",
    "AccountPlan": "device",
    "plan_account": "device",
    "plan_device": "device",
    "push_outcome": "device",
    "PushReport": "push",
    "push_schedule": "push",
    "RunReport": "nightly",
    "run_nightly": "nightly",
    "BacktestResult": "backtest",
    "run_backtest": "backtest",
    "StatusReport": "status",
    "read_status": "status",
    "run_checks": "doctor",
    "Reporter": "reporting",
}

__all__ = [
    "Account",
    "AccountPlan",
    "BacktestResult",
    "DeviceContext",
    "ForecastKind",
    "HorizonData",
    "PlanOptions",
    "PlanOutcome",
    "PushReport",
    "Reporter",
    "RunReport",
    "StatusReport",
    "TariffSpecs",
    "build_horizon",
    "compile_for",
    "default_properties",
    "open_account",
    "plan_account",
    "plan_device",
    "plan_inputs",
    "plan_offline",
    "push_outcome",
    "push_schedule",
    "read_status",
    "replay",
    "run_backtest",
    "run_checks",
    "run_nightly",
    "solve_and_compile",
    "tariff_specs",
]

if TYPE_CHECKING:
    from optimizer.pipeline.account import Account, open_account
    from optimizer.pipeline.backtest import BacktestResult, run_backtest
    from optimizer.pipeline.device import AccountPlan, plan_account, plan_device, push_outcome
    from optimizer.pipeline.doctor import run_checks
    from optimizer.pipeline.inputs import HorizonData, TariffSpecs, build_horizon, plan_inputs, tariff_specs
    from optimizer.pipeline.nightly import RunReport, run_nightly
    from optimizer.pipeline.options import ForecastKind, PlanOptions
    from optimizer.pipeline.plan import (
        DeviceContext,
        PlanOutcome,
        compile_for,
        default_properties,
        plan_offline,
        replay,
        solve_and_compile,
    )
    from optimizer.pipeline.push import PushReport, push_schedule
    from optimizer.pipeline.reporting import Reporter
    from optimizer.pipeline.status import StatusReport, read_status


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer.pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"optimizer.pipeline.{module}"), name)
    globals()[name] = value
    return value
