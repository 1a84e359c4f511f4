"""foxess-optimizer: cost-optimal battery schedules for Fox ESS inverters.

The public surface, for notebooks and scripts (the CLI is a thin shell over the same)::

    config = optimizer.load_config("fox.toml")            # or optimizer.Config() for the defaults
    outcome = optimizer.plan(config, optimizer.PlanOptions(history=Path("home.csv"), forecast="perfect"))
    outcome.groups, outcome.costs, outcome.to_json()      # the groups that would be sent, their costs
    optimizer.push(config)                                # plan for the account's inverter and write safely
    optimizer.run(config, push=True)                      # the nightly run over every inverter
    optimizer.backtest(config, history, first_day, last_day, options)
    optimizer.read_tariff(path).prices(index)             # a tariff's prices on any slot grid
    optimizer.read_history_csv(path)                      # a measured history

Every error the package raises derives from :class:`OptimizerError` (see :mod:`optimizer.errors` for the tree
and the exit codes). Names are imported on first use, so ``import optimizer`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "Config": "optimizer.config",
    "load_config": "optimizer.config",
    "PlanOptions": "optimizer.pipeline.options",
    "PlanOutcome": "optimizer.pipeline.plan",
    "BacktestResult": "optimizer.pipeline.backtest",
    "plan": "optimizer.pipeline.api",
    "push": "optimizer.pipeline.api",
    "run": "optimizer.pipeline.api",
    "backtest": "optimizer.pipeline.api",
    "read_tariff": "optimizer.tariffs",
    "read_history_csv": "optimizer.history",
    "OptimizerError": "optimizer.errors",
    "UsageError": "optimizer.errors",
    "ConfigError": "optimizer.errors",
    "InputError": "optimizer.errors",
    "TariffError": "optimizer.errors",
    "HistoryError": "optimizer.errors",
    "FoxEssError": "optimizer.errors",
    "SolveError": "optimizer.errors",
    "InfeasibleError": "optimizer.errors",
    "ScheduleError": "optimizer.errors",
}

__all__ = [
    "BacktestResult",
    "Config",
    "ConfigError",
    "FoxEssError",
    "HistoryError",
    "InfeasibleError",
    "InputError",
    "OptimizerError",
    "PlanOptions",
    "PlanOutcome",
    "ScheduleError",
    "SolveError",
    "TariffError",
    "UsageError",
    "__version__",
    "backtest",
    "load_config",
    "plan",
    "push",
    "read_history_csv",
    "read_tariff",
    "run",
]

if TYPE_CHECKING:
    from optimizer.config import Config, load_config
    from optimizer.errors import (
        ConfigError,
        FoxEssError,
        HistoryError,
        InfeasibleError,
        InputError,
        OptimizerError,
        ScheduleError,
        SolveError,
        TariffError,
        UsageError,
    )
    from optimizer.history import read_history_csv
    from optimizer.pipeline.api import backtest, plan, push, run
    from optimizer.pipeline.backtest import BacktestResult
    from optimizer.pipeline.options import PlanOptions
    from optimizer.pipeline.plan import PlanOutcome
    from optimizer.tariffs import read_tariff


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
