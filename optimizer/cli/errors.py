"""Library errors as the command line shows them: one line on stderr and the exit code of the contract.

Library errors speak of the library's options (``end_soc_pct``, ``start``); where an error names the option at
fault (:attr:`optimizer.errors.OptimizerError.option`), the line also names the flag that sets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optimizer.errors import OptimizerError

FLAGS = {
    "config": "--config",
    "end_soc_pct": "--end-soc",
    "forecast": "--forecast",
    "history": "--history",
    "horizon": "--horizon",
    "pv_forecast": "--pv-forecast",
    "slot_minutes": "--slot",
    "soc_pct": "--soc",
    "start": "--start",
    "terminal_value": "--terminal-value",
    "to": "--to",
    "wait_s": "--wait",
}
"""The command-line flag of each library option that errors may name."""


def error_line(exc: OptimizerError) -> str:
    """``error: <message> <hint>`` with the flag that sets the option at fault, when there is one."""
    text = exc.explain()
    flag = FLAGS.get(exc.option or "")
    if flag and flag not in text:
        text += f" Command-line option: {flag}."
    return f"error: {text}"
