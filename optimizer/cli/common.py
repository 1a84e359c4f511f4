"""What every command shares: console objects, the --json printer, verbosity, and config loading."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from optimizer.config import Config, load_config


@dataclass
class _State:
    quiet: bool = False
    verbose: bool = False


state = _State()
console = Console(highlight=False)
console_err = Console(stderr=True, highlight=False)

ConfigOption = typer.Option(
    None, "--config", "-c", help="Config TOML (default: $OPTIMIZER_CONFIG, then the user config dir)."
)
JsonOption = typer.Option(False, "--json", help="Print the result as JSON on stdout.")


def get_config(path: Path | None) -> Config:
    return load_config(path)


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    sys.stdout.flush()


def info(message: str) -> None:
    """A progress or status line on stderr, silenced by --quiet."""
    if not state.quiet:
        console_err.print(message, markup=False)


def debug(message: str) -> None:
    if state.verbose:
        console_err.print(message, markup=False, style="dim")
