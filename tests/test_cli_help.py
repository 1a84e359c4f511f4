"""Every command has help, and every command is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from typer.main import get_command
from typer.testing import CliRunner

from optimizer.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if hasattr(cmd, "commands"):  # a command group
            found.extend(_commands(cmd, path))
    return found


def all_commands() -> list[tuple[str, ...]]:
    return _commands(get_command(app))


def test_root_help() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Fox ESS" in result.output


def test_every_command_has_help_and_is_in_readme() -> None:
    runner = CliRunner()
    readme = README.read_text(encoding="utf-8")
    for path in all_commands():
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output
        assert re.search(r"optimizer " + r"\s+".join(path) + r"\b", readme), (
            f"`optimizer {' '.join(path)}` not in README"
        )


def test_typer_app_is_typer() -> None:
    assert isinstance(app, typer.Typer)


def test_help_texts_are_free_of_formatting_defects() -> None:
    """No `<bool>` on flags, no `%%`, no `{name}` placeholders, no type labels where a metavar says more, and
    config section names such as [tariff] survive the formatting."""
    runner = CliRunner()
    for path in all_commands():
        text = runner.invoke(app, [*path, "--help"], terminal_width=120).output
        where = " ".join(path)
        assert "<bool>" not in text and "%%" not in text, where
        assert not re.search(r"\{[a-z_]+\}", text), where
        options = [line for line in text.splitlines() if re.match(r"\s+-", line)]
        assert not [line for line in options if re.search(r"<[a-z]+>", line)], (where, options)
    plan_help = runner.invoke(app, ["plan", "--help"], terminal_width=120).output
    assert "[tariff] import" in plan_help and "[planner] slot_minutes" in plan_help


def test_version() -> None:
    from optimizer import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"optimizer (foxess-optimizer) {__version__}"
