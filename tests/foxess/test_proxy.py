"""Secrets and proxies (issue 12, point 6): with ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` set, the token
never goes to a proxy for a loopback base URL, and it is never sent over plain http to anything but this
machine. The proxy here is a recorder on 127.0.0.1 that answers every request with HTTP 502 and forwards
nothing.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import BaseRequestHandler, ThreadingTCPServer

import pytest

from optimizer.errors import ConfigError, TransportError
from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.foxess import ApiKeyAuth, FoxEssClient, RetryPolicy
from optimizer.foxess.session import is_loopback_host

KEY = "proxy-test-key-0123456789"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class RecordingProxy(ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.received: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Record)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Record(BaseRequestHandler):
    server: RecordingProxy

    def handle(self) -> None:
        self.request.settimeout(2.0)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        self.server.received.append(data)
        self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    server = RecordingProxy()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, server.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_calls_bypass_every_proxy(proxy: RecordingProxy, host: str) -> None:
    with FakeCloud(FakeCloudConfig(api_key=KEY, throttle=False)) as cloud:
        base = cloud.base_url.replace("127.0.0.1", host)
        with FoxEssClient(base, ApiKeyAuth(KEY), throttle=False) as client:
            assert len(client.list_devices()) == 2
            assert client.scheduler_get_flag(cloud.hybrid_sn).support
    assert proxy.received == []
    assert len(cloud.requests) == 2


def test_remote_https_goes_through_the_proxy_as_an_encrypted_tunnel_only(proxy: RecordingProxy) -> None:
    """The proxy is honoured for a remote https URL; it sees a CONNECT line, never the token (the tunnel
    is refused here, so nothing leaves this machine)."""
    client = FoxEssClient(
        "https://cloud.example.invalid", ApiKeyAuth(KEY), throttle=False, retry=RetryPolicy(max_retries=0)
    )
    with client, pytest.raises(TransportError):
        client.list_devices()
    assert len(proxy.received) == 1
    request = proxy.received[0]
    assert request.startswith(b"CONNECT cloud.example.invalid:443 ")
    assert KEY.encode() not in request and b"signature" not in request.lower()


@pytest.mark.parametrize("url", ["http://192.0.2.10", "http://www.foxesscloud.com", "http://10.0.0.5:8765"])
def test_plain_http_to_another_machine_is_refused_before_any_call(proxy: RecordingProxy, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        FoxEssClient(url, ApiKeyAuth(KEY))
    assert caught.value.exit_code == 3
    assert url in caught.value.message and caught.value.message.endswith(".")
    assert KEY not in caught.value.explain()
    assert proxy.received == []


def test_plain_http_refusal_from_the_command_line(proxy: RecordingProxy, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "FOXESS_API_KEY": KEY,
        "FOXESS_BASE_URL": "http://192.0.2.10:8765",
        **{name: proxy.url for name in PROXY_VARIABLES},
    }
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer", "devices"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert "http://192.0.2.10:8765" in proc.stderr and "plain http" in proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    assert proxy.received == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("10.0.0.1", False),
        ("192.168.1.2", False),
        ("localhost.example.com", False),
        ("www.foxesscloud.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_the_recording_proxy_records(proxy: RecordingProxy) -> None:
    """The recorder itself works, so an empty record above means nothing was sent to it."""
    with socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1])), timeout=2) as conn:
        conn.sendall(b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 502")
    assert proxy.received and proxy.received[0].startswith(b"GET http://x/")
