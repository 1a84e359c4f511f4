"""A simulated Fox ESS cloud per test, and a config that points the CLI at it with fast, real-looking clocks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.foxess import client_from_config
from optimizer.foxess.clock import ManualClock
from optimizer.pipeline import account as account_module

API_KEY = "test-key-7f3c9a1e5b2d4c6f8a0b"


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    # speed=0 freezes the simulated clock: the SoC does not drift between two runs of one test
    with FakeCloud(FakeCloudConfig(api_key=API_KEY, throttle=False, history_days=10, speed=0)) as fake:
        yield fake


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client throttle and back-off waits advance a manual clock instead of sleeping (wall time stays real)."""

    def make(config, *, transport=None, clock=None):  # type: ignore[no-untyped-def]
        return client_from_config(config, transport=transport, clock=ManualClock(start_ms=round(time.time() * 1000)))

    monkeypatch.setattr(account_module, "client_from_config", make)


@pytest.fixture
def site_config(tmp_path: Path, cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, fast_client: None) -> Path:
    """A config file for the simulated account, every path inside ``tmp_path``; the key in the environment."""
    monkeypatch.setenv("FOXESS_API_KEY", cloud.api_key)
    monkeypatch.setenv("FOXESS_BASE_URL", cloud.base_url)
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[site]
timezone = "Europe/London"
[battery]
capacity_kwh = 10.4
max_charge_kw = 5.0
max_discharge_kw = 5.0
[tariff]
import = "uk/octopus-go.toml"
export = "uk/outgoing-fixed.toml"
[foxess]
timeout_s = 1.0
[history]
sync_days = 3
forecast_days = 3
[paths]
data_dir = "{tmp_path / "data"}"
log_file = "{tmp_path / "log" / "optimizer.log"}"
""",
        encoding="utf-8",
    )
    return path
