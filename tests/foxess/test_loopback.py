"""The done-when check over real sockets: ``optimizer devices --json`` in a fresh process, with only
``FOXESS_API_KEY`` and ``FOXESS_BASE_URL`` set, against a server on 127.0.0.1 that verifies signatures the
way the real cloud does (and answers 40256 otherwise)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

KEY = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def _answer(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _check(self) -> bool:
        path = urlsplit(self.path).path
        expected = hashlib.md5(
            f"{path}\\r\\n{self.headers.get('token', '')}\\r\\n{self.headers.get('timestamp', '')}".encode()
        ).hexdigest()
        self.seen.append({"path": self.path, "headers": dict(self.headers), "expected": expected})
        return self.headers.get("token") == KEY and self.headers.get("signature") == expected

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self._check():
            self._answer({"errno": 40256, "msg": "illegal signature", "result": None})
        elif self.path == "/op/v0/device/list" and body == {"currentPage": 1, "pageSize": 100}:
            data = [{"deviceSN": "60KH10123456789", "deviceType": "KH10", "stationName": "Home", "status": 1}]
            self._answer({"errno": 0, "msg": "success", "result": {"total": 1, "data": data}})
        else:
            self._answer({"errno": 40257, "msg": "Parameters do not meet expectations", "result": None})

    def do_GET(self) -> None:
        if not self._check():
            self._answer({"errno": 40256, "msg": "illegal signature", "result": None})
        elif self.path == "/op/v1/device/detail?sn=60KH10123456789":
            detail = {"deviceSN": "60KH10123456789", "capacity": 10, "function": {"scheduler": True}}
            self._answer({"errno": 0, "msg": "success", "result": detail})
        else:
            self._answer({"errno": 40257, "msg": "Parameters do not meet expectations", "result": None})

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def devices_json(server: str, key: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``optimizer devices --json`` in a new process whose only Fox ESS settings are the two variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOXESS_", "OPTIMIZER_"))}
    env.update(FOXESS_API_KEY=key, FOXESS_BASE_URL=server, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    return subprocess.run(
        [sys.executable, "-m", "optimizer", "devices", "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_devices_json_in_a_fresh_process(server: str, tmp_path: Path) -> None:
    proc = devices_json(server, KEY, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["sn"], r["model"], r["scheduler_support"]) for r in rows] == [("60KH10123456789", "KH10", True)]
    assert [s["path"] for s in Handler.seen] == ["/op/v0/device/list", "/op/v1/device/detail?sn=60KH10123456789"]
    for seen in Handler.seen:
        headers = {k.lower(): v for k, v in seen["headers"].items()}
        assert headers["signature"] == seen["expected"]
        assert headers["lang"] == "en" and headers["content-type"] == "application/json"
        assert headers["user-agent"].startswith("foxess-optimizer/")
    assert KEY not in proc.stdout and KEY not in proc.stderr


def test_a_wrong_key_is_refused_with_exit_4(server: str, tmp_path: Path) -> None:
    proc = devices_json(server, "not-the-key", tmp_path)
    assert proc.returncode == 4 and proc.stdout == ""
    assert "errno 40256 header-invalid" in proc.stderr and "not-the-key" not in proc.stderr
