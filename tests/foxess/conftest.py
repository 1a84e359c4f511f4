"""A scripted Fox ESS cloud on ``httpx.MockTransport`` that checks signatures the way the real one does."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from optimizer.foxess import ApiKeyAuth, FoxEssClient, ManualClock, RetryPolicy, sign

API_KEY = "7f3c1e2a-90b4-4d2e-8c1f-5a6b7c8d9e0f"
BASE_URL = "https://www.foxesscloud.com"

Answer = dict[str, Any] | httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def ok(result: Any = None) -> dict[str, Any]:
    return {"errno": 0, "msg": "success", "result": result}


def fail(errno: int, msg: str = "refused") -> dict[str, Any]:
    return {"errno": errno, "msg": msg, "result": None}


@dataclass
class Seen:
    """One request as the cloud saw it."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: httpx.Headers
    at_ms: int


@dataclass
class MockCloud:
    """Answers queued per path (FIFO; the last one repeats), signature checked first.

    A request whose ``signature`` is not md5(path ``\\r\\n`` token ``\\r\\n`` timestamp) with literal
    backslashes gets errno 40256, exactly like the real server.
    """

    clock: ManualClock
    token: str = API_KEY
    bearer: bool = False
    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    seen: list[Seen] = field(default_factory=list)

    def reply(self, path: str, *answers: Answer) -> None:
        self.answers[path].extend(answers)

    def calls(self, path: str | None = None) -> list[Seen]:
        return [s for s in self.seen if path is None or s.path == path]

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append(
            Seen(
                request.method,
                request.url.path,
                dict(request.url.params),
                body,
                request.headers,
                self.clock.time_ms(),
            )
        )
        if request.url.path.startswith("/op/") and not self._signed(request):
            return httpx.Response(200, json=fail(40256, "Parameter could not be parsed correctly illegal signature"))
        queue = self.answers.get(request.url.path) or [ok()]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        if callable(answer):
            return answer(request)
        return httpx.Response(200, json=answer, headers={"Date": "Tue, 14 Nov 2023 22:13:20 GMT"})

    def _signed(self, request: httpx.Request) -> bool:
        if self.bearer:
            auth = request.headers.get("authorization", "")
            token = auth.removeprefix("Bearer ")
            if "token" in request.headers or not auth.startswith("Bearer "):
                return False
        else:
            token = request.headers.get("token", "")
            if token != self.token:
                return False
        stamp = request.headers.get("timestamp", "")
        return stamp.isdigit() and request.headers.get("signature") == sign(request.url.path, token, int(stamp))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_ms=1_700_000_000_000)


@pytest.fixture
def cloud(clock: ManualClock) -> MockCloud:
    return MockCloud(clock)


@pytest.fixture
def client(cloud: MockCloud, clock: ManualClock) -> Iterator[FoxEssClient]:
    with FoxEssClient(
        BASE_URL,
        ApiKeyAuth(API_KEY),
        transport=cloud.transport,
        clock=clock,
        retry=RetryPolicy(rng=random.Random(7)),
        page_size=10,
    ) as made:
        yield made
