"""``optimizer doctor``: every precondition of a good nightly run, each with what to fix."""

from __future__ import annotations

from pathlib import Path

import typer

from optimizer.cli.common import console, emit_json
from optimizer.cli.options import ConfigOption, JsonOption


def doctor(config_path: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Check config, tariffs, solver, auth, clock skew, quota and scheduler support; say what to fix."""
    from rich.markup import escape
    from rich.table import Table

    from optimizer.pipeline.doctor import run_checks

    checks = run_checks(config_path)
    if as_json:
        emit_json({"checks": [c.to_json() for c in checks], "ok": all(c.ok for c in checks)})
    else:
        table = Table(title="optimizer doctor", title_justify="left")
        for col in ("check", "result", "detail"):
            table.add_column(col)
        for c in checks:
            table.add_row(escape(c.name), "ok" if c.ok else ("warn" if c.warning else "FAIL"), escape(c.detail))
        console.print(table)
    failed = [c for c in checks if not c.ok and not c.warning]
    if failed:
        raise typer.Exit(failed[0].exit_code)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
