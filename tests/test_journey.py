"""A new user's first hour, following the README from a clean machine: the commands as a shell runs them.

Every step is a fresh `python -m optimizer` process with its own empty user directories (no account, no config),
so what the README promises is what this checks: a dry-run on the built-in simulated cloud, a push and a second
push that writes nothing, the cron line with `-q` printing nothing on success, a CSV-only user planning from an
imported history, a spreadsheet CSV with semicolons and decimal commas, and `--version`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


@pytest.fixture
def shell(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOXESS_", "OPTIMIZER_"))}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        COLUMNS="100",
    )

    def optimizer(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
        )

    return optimizer


def test_the_first_hour_of_a_new_user(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    version = shell("--version")
    assert version.returncode == 0 and version.stdout.startswith("optimizer (foxess-optimizer) ")

    first = shell("run")  # the Quickstart: a dry-run on the built-in simulated cloud
    assert first.returncode == 0, first.stderr
    assert "simulated Fox ESS cloud" in first.stderr and "dry-run: nothing written" in first.stdout
    assert "…" not in first.stdout  # piped output is never cut

    pushed = shell("-q", "run", "--push")  # the cron line: nothing printed on success
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout == "" and pushed.stderr == ""
    report = json.loads(shell("run", "--push", "--json").stdout)
    assert all(d["writes"] == 0 for d in report["devices"])  # the second push finds the schedule in place
    status = shell("status", "--json")
    groups = {d["sn"]: d.get("groups") for d in json.loads(status.stdout)["devices"]}
    assert groups["66BH5020FC00001"]  # the groups pushed are in force

    imported = shell("history", "import", str(DATA / "household-fr-2024.csv"), "--device", "home")
    assert imported.returncode == 0, imported.stderr
    offline = shell("plan", "--device", "home", "--json")  # a CSV-only user plans from the store, no account
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["api_calls"] == 0

    spreadsheet = shell(
        "plan", "--history", str(DATA / "fr-2024-06-semicolon-decimal-comma.csv"), "--soc", "50", "--json"
    )
    assert spreadsheet.returncode == 0, spreadsheet.stderr
    assert len(json.loads(spreadsheet.stdout)["slots"]) == 48


def test_a_failed_cron_run_prints_one_line_per_inverter(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "fox.toml"
    config.write_text('[tariff]\nimport = "no-such-tariff.toml"\n', encoding="utf-8")
    failed = shell("-q", "run", "--push", "--config", str(config))
    assert failed.returncode == 3
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert len(lines) <= 2 and all(line.endswith(".") for line in lines), failed.stderr
