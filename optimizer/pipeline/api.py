"""The entry points of the public surface: :func:`plan`, :func:`push`, :func:`run` and :func:`backtest`.

The CLI's commands and the notebooks call these; each is a few lines over the pipeline's modules, imported
when called so that an offline plan never loads the Fox ESS client.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.reporting import SILENT, Reporter

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.config import Config
    from optimizer.pipeline.backtest import BacktestResult
    from optimizer.pipeline.device import AccountPlan
    from optimizer.pipeline.nightly import RunReport
    from optimizer.pipeline.plan import PlanOutcome


def plan(config: Config, options: PlanOptions | None = None, *, reporter: Reporter = SILENT) -> PlanOutcome:
    """A dry-run plan: offline from ``options.history`` when given, or from the history of ``options.device``
    when it was imported into the local store from a CSV; else for an inverter of the account (the built-in
    simulated cloud without credentials). Writes nothing."""
    from optimizer.pipeline.plan import imported_history, plan_offline

    options = (options or PlanOptions()).validate()
    if options.history is not None:
        return plan_offline(config, options)
    if options.device is not None and (stored := imported_history(config, options.device)) is not None:
        reporter.info(f"{options.device}: planned offline from the history imported into {config.history_db}.")
        return plan_offline(config, options, stored)
    from optimizer.pipeline.device import plan_account

    return plan_account(config, options, reporter=reporter).outcome


def push(
    config: Config, options: PlanOptions | None = None, *, reporter: Reporter = SILENT, wait_s: float = 300.0
) -> AccountPlan:
    """Plan for an inverter of the account, then write the groups if they differ, read back and verify, under
    the run lock (waiting up to ``wait_s`` seconds for another run)."""
    from optimizer.pipeline.device import plan_account

    return plan_account(config, (options or PlanOptions()).validate(), push=True, reporter=reporter, wait_s=wait_s)


def run(
    config: Config,
    options: PlanOptions | None = None,
    *,
    push: bool = False,
    wait_s: float = 300.0,
    reporter: Reporter = SILENT,
) -> RunReport:
    """The nightly run: every configured inverter under the run lock; ``push`` writes (else a dry-run)."""
    from optimizer.pipeline.nightly import run_nightly

    return run_nightly(config, (options or PlanOptions()).validate(), push=push, wait_s=wait_s, reporter=reporter)


def backtest(
    config: Config,
    history: pd.DataFrame,
    first_day: date,
    last_day: date,
    options: PlanOptions | None = None,
    *,
    reporter: Reporter = SILENT,
    workers: int | None = None,
    replan: timedelta | None = None,
) -> BacktestResult:
    """Re-plan every local day from ``first_day`` to ``last_day`` over ``history`` in ``workers`` processes
    (default: every CPU; see :mod:`optimizer.pipeline.backtest`); ``replan``: replay the intraday loop that
    re-plans every ``replan`` instead of once a day."""
    from optimizer.pipeline.backtest import run_backtest

    progress = reporter.progress("backtest")
    return run_backtest(
        config, history, first_day, last_day, options, progress=progress, workers=workers, replan=replan
    )
