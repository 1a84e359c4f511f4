"""The ``optimizer`` command: a thin typer shell over the library.

Each command group lives in its own module and registers itself on :data:`app`; errors of the package are
mapped to the exit codes of ``CONTRACT.md`` in :func:`main`.
"""

from __future__ import annotations

import sys

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


for _module in (devices, fakecloud, tariffs, history, planning):
    _module.register(app)


def main() -> None:
    """Console entry point: run the app, turning package errors into one sentence and an exit code."""
    try:
        app(standalone_mode=False)
    except OptimizerError as exc:
        console_err.print(f"error: {exc.explain()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console_err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors and the unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
