"""Fixtures of the simulated-cloud tests: a frozen-clock cloud and a raw, signing HTTP caller."""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from optimizer.fakecloud import FakeCloud, FakeCloudConfig

# Building an SSL context costs ~50 ms per httpx client; the tests talk plain http to 127.0.0.1, so one
# shared default context serves every client.
SSL_CONTEXT = ssl.create_default_context()

# A Tuesday in British Summer Time, a few seconds after a 5-min step boundary.
START = datetime(2025, 6, 10, 10, 2, 30, tzinfo=UTC)


def sign_md5(path: str, token: str, timestamp: str) -> str:
    """The signature written out independently of the server code: literal backslash-r-backslash-n."""
    text = path + "\\r\\n" + token + "\\r\\n" + timestamp
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class Api:
    """Signs and sends raw requests to a fake cloud, the way the vendor's demo code does."""

    def __init__(self, cloud: FakeCloud, key: str | None = None, timeout_s: float = 5.0) -> None:
        self.cloud = cloud
        self.key = key if key is not None else cloud.api_key
        self.http = httpx.Client(base_url=cloud.base_url, timeout=timeout_s, verify=SSL_CONTEXT)

    def headers(
        self,
        path: str,
        *,
        key: str | None = None,
        timestamp: str | None = None,
        drop: tuple[str, ...] = (),
        signature: str | None = None,
    ) -> dict[str, str]:
        token = self.key if key is None else key
        ts = timestamp if timestamp is not None else str(round(time.time() * 1000))
        headers = {
            "token": token,
            "timestamp": ts,
            "lang": "en",
            "signature": signature if signature is not None else sign_md5(path, token, ts),
            "Content-Type": "application/json",
        }
        return {k: v for k, v in headers.items() if k not in drop}

    def post(self, path: str, body: Any, **header_options: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.headers(path, **header_options))

    def get(self, path: str, params: dict[str, Any] | None = None, **header_options: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers(path, **header_options))

    def call(self, method: str, path: str, payload: Any = None, **header_options: Any) -> dict[str, Any]:
        """The decoded answer document (HTTP 200 expected)."""
        if method == "GET":
            response = self.get(path, payload, **header_options)
        else:
            response = self.post(path, payload, **header_options)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def ok(self, method: str, path: str, payload: Any = None) -> Any:
        """The ``result`` of a call that must succeed."""
        document = self.call(method, path, payload)
        assert document["errno"] == 0, document
        return document["result"]

    def errno(self, method: str, path: str, payload: Any = None, **header_options: Any) -> int:
        return int(self.call(method, path, payload, **header_options)["errno"])

    def close(self) -> None:
        self.http.close()


def make_cloud(**overrides: Any) -> FakeCloud:
    """A cloud with a frozen clock at :data:`START`, one day of past, throttle off unless asked."""
    options: dict[str, Any] = {
        "speed": 0.0,
        "start": START,
        "history_days": 1,
        "throttle": False,
        "limits_clock": "simulated",
    }
    options.update(overrides)
    return FakeCloud(FakeCloudConfig(**options))


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    with make_cloud() as running:
        yield running


@pytest.fixture
def api(cloud: FakeCloud) -> Iterator[Api]:
    caller = Api(cloud)
    yield caller
    caller.close()
