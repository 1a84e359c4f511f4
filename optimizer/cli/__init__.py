"""The ``optimizer`` command: a thin typer shell over the library.

Each command group lives in its own module and registers itself on :data:`app`. Every command callback is then
wrapped so that a package error becomes one sentence on stderr and the exit code of ``CONTRACT.md``, whether
the app runs from the console script or from typer's ``CliRunner``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import typer

from optimizer.cli import devices, fakecloud, history, planning, tariffs
from optimizer.cli.common import console_err, state
from optimizer.errors import OptimizerError

app = typer.Typer(
    name="optimizer",
    help="Plan, compile and push cost-optimal battery schedules to Fox ESS inverters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only results and errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print debug detail (never secrets)."),
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
            console_err.print(f"error: {exc.explain()}", markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return run


def _wrap_commands(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        if command.callback is not None:
            command.callback = _mapped(command.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _wrap_commands(group.typer_instance)


for _module in (devices, fakecloud, tariffs, history, planning):
    _module.register(app)
_wrap_commands(app)


def main() -> None:
    """Console entry point."""
    app()
