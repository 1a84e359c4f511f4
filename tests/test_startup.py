"""What the CLI imports at start: `--help` and `tariffs list` need neither pandas nor httpx, and an offline plan
loads nothing of the Fox ESS client, OAuth or the simulated cloud (measured with `python -X importtime`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "tests" / "data" / "household-fr-2024.csv"


def imported(*args: str, tmp_path: Path) -> set[str]:
    """The modules a fresh ``python -m optimizer ARGS`` imports (it must exit 0)."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "optimizer", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("args", [("--help",), ("plan", "--help"), ("--version",)])
def test_help_imports_no_library(args: tuple[str, ...], tmp_path: Path) -> None:
    names = imported(*args, tmp_path=tmp_path)
    assert "optimizer.cli" in names  # the measurement sees the package
    assert not {"pandas", "httpx", "pulp", "numpy"} & names


def test_tariffs_list_imports_neither_pandas_nor_httpx(tmp_path: Path) -> None:
    names = imported("tariffs", "list", tmp_path=tmp_path)
    assert "optimizer.tariffs.library" in names
    assert not {"pandas", "httpx", "pulp"} & names


def test_an_offline_plan_loads_no_fox_client_oauth_or_simulated_cloud(tmp_path: Path) -> None:
    names = imported(
        "plan", "--history", str(HISTORY), "--start", "2024-06-12", "--soc", "50", "--json", tmp_path=tmp_path
    )
    assert "optimizer.pipeline.plan" in names and "pandas" in names
    loaded = sorted(n for n in names if n.startswith(("optimizer.foxess", "optimizer.fakecloud", "httpx")))
    assert loaded == []
