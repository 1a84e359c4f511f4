"""``optimizer fakecloud serve``: a real process, its banner, its access log, Ctrl-C, bad flags."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import IO

import httpx
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from tests.fakecloud.conftest import SSL_CONTEXT, sign_md5


def _serve(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "optimizer", "fakecloud", "serve", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _read_json_document(stream: IO[str]) -> dict[str, object]:
    lines = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if line.rstrip() == "}":
            document: dict[str, object] = json.loads("".join(lines))
            return document
    raise AssertionError(f"no JSON document on stdout: {''.join(lines)!r}")


@pytest.fixture
def server() -> Iterator[subprocess.Popen[str]]:
    process = _serve(
        "--port", "0", "--json", "--speed", "0", "--history-days", "1", "--no-throttle",
        "--fault", "/op/v0/plant/list=41200",
    )  # fmt: skip
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def test_serve_answers_and_stops_on_ctrl_c(server: subprocess.Popen[str]) -> None:
    assert server.stdout is not None and server.stderr is not None
    document = _read_json_document(server.stdout)
    base_url, key = str(document["base_url"]), str(document["api_key"])
    assert base_url.startswith("http://127.0.0.1:")
    devices = document["devices"]
    assert isinstance(devices, list) and {d["scheduler"] for d in devices} == {True, False}
    path = "/op/v0/plant/list"
    with httpx.Client(base_url=base_url, verify=SSL_CONTEXT) as http:
        answers = []
        for _ in range(2):
            ts = str(round(time.time() * 1000))
            headers = {"token": key, "timestamp": ts, "lang": "en", "signature": sign_md5(path, key, ts)}
            answers.append(http.post(path, json={"currentPage": 1, "pageSize": 10}, headers=headers).json()["errno"])
    assert answers == [41200, 0]
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=10) == 0
    log = server.stderr.read()
    assert "POST /op/v0/plant/list  errno 41200  [fault: /op/v0/plant/list: errno 41200, 1×]" in log
    assert "POST /op/v0/plant/list  errno 0" in log


def test_banner_prints_the_exports() -> None:
    process = _serve("--port", "0", "--speed", "0", "--history-days", "0", "--api-key", "my-test-key")
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = process.stdout.readline()
            assert line, f"the banner ended early: {lines}"
            lines.append(line)
        text = "".join(lines)
        assert "Simulated Fox ESS cloud at http://127.0.0.1:" in text
        assert "export FOXESS_API_KEY=my-test-key" in text
        assert "export FOXESS_BASE_URL=http://127.0.0.1:" in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_bad_fault_spec_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "optimizer", "fakecloud", "serve", "--port", "0", "--fault", "/x=teapot"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown kind 'teapot'" in result.stderr


def test_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "optimizer", "fakecloud", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_help() -> None:
    result = CliRunner().invoke(app, ["fakecloud", "serve", "--help"])
    assert result.exit_code == 0
    for flag in ("--port", "--api-key", "--speed", "--fault", "--start", "--no-throttle", "--quota"):
        assert flag in result.output


def test_evo_and_strict_throttle_flags() -> None:
    process = _serve("--port", "0", "--json", "--speed", "0", "--history-days", "0", "--evo", "--throttle", "strict")
    try:
        assert process.stdout is not None
        document = _read_json_document(process.stdout)
        versions = {d["sn"]: d["scheduler_versions"] for d in document["devices"]}  # type: ignore[union-attr]
        assert versions == {"66BH5020FC00001": ["v1", "v3"], "60BH3720FC00002": [], "60EVO1020FC0003": ["v3"]}
        base_url, key, path = str(document["base_url"]), str(document["api_key"]), "/op/v0/device/list"
        with httpx.Client(base_url=base_url, verify=SSL_CONTEXT) as http:
            answers = []
            for _ in range(2):  # strict: a path without "query" is throttled too
                ts = str(round(time.time() * 1000))
                headers = {"token": key, "timestamp": ts, "lang": "en", "signature": sign_md5(path, key, ts)}
                answers.append(http.post(path, json={"currentPage": 1, "pageSize": 10}, headers=headers).json())
        assert [a["errno"] for a in answers] == [0, 40400] and answers[0]["result"]["total"] == 3
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_unknown_throttle_mode_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "optimizer", "fakecloud", "serve", "--port", "0", "--throttle", "sometimes"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--throttle: 'sometimes' is not one of off, evidence, strict." in result.stderr
