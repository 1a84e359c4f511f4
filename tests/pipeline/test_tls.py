"""Issue 12, item 6: a TLS certificate that does not verify showed as a ConnectError ("cannot reach the cloud").

A real TLS server on 127.0.0.1 with a self-signed certificate (made with ``openssl`` for the test): the client
keeps verification on, fails at once (retrying cannot help) and names the host and the cause.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from optimizer.errors import TransportError
from optimizer.foxess import ApiKeyAuth, FoxEssClient

KEY = "tls-test-key-3c1f0e9d8b7a"


def test_tls_certificate_failure_is_named(tmp_path: Path) -> None:
    """Item 6: a certificate that does not verify showed as ConnectError ("cannot reach")."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = FoxEssClient(f"https://127.0.0.1:{server.server_address[1]}", ApiKeyAuth(KEY), throttle=False)
        with client, pytest.raises(TransportError) as info:
            client.list_devices()
    finally:
        server.shutdown()
        server.server_close()
    assert info.value.message == "TLS certificate verification failed for 127.0.0.1"
    assert "verification stays on" in info.value.explain() and KEY not in info.value.explain()
