"""The history commands as a user runs them: exit codes, messages, JSON, and a sync against the fake cloud."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from optimizer.cli import main
from optimizer.fakecloud import FakeCloud, FakeCloudConfig


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["optimizer", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())  # stderr lines are wrapped to the terminal


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[site]\ntimezone = "Europe/Paris"\n[paths]\nhistory_db = "store/h.sqlite"\n', encoding="utf-8")
    return path


def test_import_then_status(
    config: Path, dst_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["history", "import", str(dst_csv), "--config", str(config)], monkeypatch, capsys)
    assert code == 0
    assert f"imported 384 rows (30-min step) from {dst_csv} as device 'csv'" in out
    assert "empty cells (gaps): load_kw 9890, pv_kw 10087" in out

    code, out, _ = run(
        ["history", "import", str(dst_csv), "-c", str(config), "--device", "home", "--json"], monkeypatch, capsys
    )
    document = json.loads(out)
    assert code == 0 and document["sn"] == "home" and document["samples_written"] > 0
    assert document["first"] == "2024-03-29T23:00:00Z" and document["db"].endswith("store/h.sqlite")

    code, out, _ = run(["history", "status", "-c", str(config), "--json"], monkeypatch, capsys)
    devices = {d["sn"]: d for d in json.loads(out)["devices"]}
    assert code == 0 and set(devices) == {"csv", "home"} and devices["csv"]["variables"] == ["load_kw", "pv_kw"]
    code, out, _ = run(["history", "status", "-c", str(config)], monkeypatch, capsys)
    assert "csv: " in out and "h fetched from the API" in out


def test_bad_file_exits_3_naming_line_and_value(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,load_kw,pv_kw\n2024-01-01T00:00Z,1,0\n2024-01-01T00:30Z,1.2.3,0\n", encoding="utf-8")
    code, out, err = run(["history", "import", str(bad), "-c", str(config)], monkeypatch, capsys)
    assert code == 3 and out == ""
    assert f"error: {bad}, line 3: load_kw = '1.2.3' is not a number" in err


def test_status_before_any_import(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["history", "status", "-c", str(config)], monkeypatch, capsys)
    assert code == 0 and "(not created yet)" in out


def test_sync_against_the_fake_cloud(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeCloud(FakeCloudConfig(throttle=False, history_days=3)) as cloud:
        monkeypatch.setenv("FOXESS_BASE_URL", cloud.base_url)
        monkeypatch.setenv("FOXESS_API_KEY", cloud.api_key)
        args = ["history", "sync", "-c", str(config), "--days", "1", "--no-reports"]
        code, out, err = run([*args, "--device", cloud.hybrid_sn, "--json"], monkeypatch, capsys)
        assert code == 0, err
        (device,) = json.loads(out)["devices"]
        assert device["sn"] == cloud.hybrid_sn and device["history_calls"] == 2 and device["api_calls"] == 2
        assert device["samples_written"] > 0 and device["complete"] and device["error"] is None
        assert cloud.api_key not in out + err

        code, out, _ = run([*args, "--device", cloud.hybrid_sn], monkeypatch, capsys)
        assert code == 0 and f"{cloud.hybrid_sn}: " in out and "API calls: " in out

        code, out, _ = run(args, monkeypatch, capsys)  # no device: every inverter of the account
        assert code == 0 and cloud.plain_sn in out


def test_sync_quota_error_exits_6_and_the_next_run_resumes(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeCloud(FakeCloudConfig(throttle=False, history_days=3)) as cloud:
        monkeypatch.setenv("FOXESS_BASE_URL", cloud.base_url)
        monkeypatch.setenv("FOXESS_API_KEY", cloud.api_key)
        cloud.faults.errno("/op/v0/device/history/query", 40402, count=1)
        args = ["history", "sync", "-c", str(config), "--days", "2", "--device", cloud.hybrid_sn, "--no-reports"]
        code, out, err = run(args, monkeypatch, capsys)
        assert code == 6, err
        assert "fetched 0/3 windows" in out and "run the command again to resume" in err
        assert "40402" in err
        code, out, _ = run([*args, "--json"], monkeypatch, capsys)
        assert code == 0 and json.loads(out)["devices"][0]["history_calls"] == 3
