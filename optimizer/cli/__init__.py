"""The ``optimizer`` command: a thin typer shell over the library.

Each command lives in the module named after it (``plan`` and ``push`` in :mod:`.plan`, ``run`` in :mod:`.run`,
...) and registers itself on :data:`app`. Every command callback is wrapped so that a package error becomes one
line on stderr (:func:`optimizer.cli.errors.error_line`) and the exit code of ``docs/CONTRACT.md``, whether the
app runs from the console script or from typer's ``CliRunner``. Modules import the library only when a command
runs, so ``optimizer --help`` starts fast.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import typer

from optimizer import __version__
from optimizer.cli import backtest, devices, doctor, fakecloud, history, oauth, plan, run, status, tariffs
from optimizer.cli.common import console_err, state
from optimizer.cli.errors import error_line
from optimizer.errors import OptimizerError

app = typer.Typer(
    name="optimizer",
    help="Plan, compile and push cost-optimal battery schedules to Fox ESS inverters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"optimizer (foxess-optimizer) {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only results and errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print debug detail (never secrets)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Plan, compile and push cost-optimal battery schedules to Fox ESS inverters."""
    state.quiet = quiet
    state.verbose = verbose
    if verbose:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger = logging.getLogger("optimizer")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)


def _mapped(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except OptimizerError as exc:
            console_err.print(error_line(exc), markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return run


def _wrap_commands(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        if command.callback is not None:
            command.callback = _mapped(command.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _wrap_commands(group.typer_instance)


for _module in (plan, run, status, doctor, backtest, devices, oauth, history, tariffs, fakecloud):
    _module.register(app)
_wrap_commands(app)


def main() -> None:
    """Console entry point."""
    app()
