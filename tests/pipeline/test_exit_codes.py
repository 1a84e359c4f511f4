"""Each kind of failure exits with its own code (CONTRACT.md) and one sentence, and writes nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.fakecloud import FakeCloud, FakeCloudConfig

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_usage_error_exits_2() -> None:
    code, out = invoke("plan", "--history", str(HISTORY), "--slot", "7min")
    assert code == 2 and "slot length" in out


def test_invalid_config_exits_3_naming_field_and_value(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[battery]\ncapacity_kwh = -4\n", encoding="utf-8")
    code, out = invoke("plan", "--config", str(config), "--history", str(HISTORY))
    assert code == 3
    assert "battery.capacity_kwh" in out and "-4" in out and str(config) in out


def test_broken_tariff_exits_3(tmp_path: Path) -> None:
    tariff = tmp_path / "broken.toml"
    tariff.write_text('name = "x"\ncurrency = "GBP"\n', encoding="utf-8")
    code, out = invoke("plan", "--history", str(HISTORY), "--tariff", str(tariff), "--forecast", "perfect")
    assert code == 3 and "broken.toml" in out


def test_unreachable_end_soc_exits_7() -> None:
    code, out = invoke(
        "plan", "--history", str(HISTORY), "--forecast", "perfect", "--start", "2024-06-12T12:00:00+02:00",
        "--horizon", "1h", "--soc", "10", "--end-soc", "100",
    )  # fmt: skip
    assert code == 7 and "end" in out.lower()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cloud_unreachable_exits_5(monkeypatch: pytest.MonkeyPatch, fast_client: None) -> None:
    """The retries' back-off runs on a manual clock: the test does not wait for it."""
    monkeypatch.setenv("FOXESS_API_KEY", "some-key-123")
    monkeypatch.setenv("FOXESS_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    code, out = invoke("status")
    assert code == 5 and "some-key-123" not in out


def test_wrong_key_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeCloud(FakeCloudConfig(api_key="right-key-0001", throttle=False)) as cloud:
        monkeypatch.setenv("FOXESS_API_KEY", "wrong-key-0002")
        monkeypatch.setenv("FOXESS_BASE_URL", cloud.base_url)
        code, out = invoke("devices")
    assert code == 4 and "40256" in out and "wrong-key-0002" not in out


def test_quota_exhausted_exits_6(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeCloud(FakeCloudConfig(api_key="quota-key-0003", throttle=False, daily_quota_per_inverter=1)) as cloud:
        monkeypatch.setenv("FOXESS_API_KEY", cloud.api_key)
        monkeypatch.setenv("FOXESS_BASE_URL", cloud.base_url)
        code, out = invoke("plan", "--device", cloud.hybrid_sn)
        assert code == 6, out
        assert cloud.requests.writes() == []


def test_config_error_never_shows_the_api_key(tmp_path: Path) -> None:
    config = tmp_path / "key.toml"
    config.write_text("[foxess]\napi_key = 987654321987\n", encoding="utf-8")  # a number, not a string
    code, out = invoke("doctor", "--config", str(config))
    assert code == 3 and "foxess.api_key" in out and "987654321987" not in out
