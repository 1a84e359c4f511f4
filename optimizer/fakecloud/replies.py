"""The errno answers of the simulated cloud, with the messages the real server sends.

:class:`Refusal` is the server's internal way to answer a request with a non-zero ``errno``; the HTTP layer
turns it into an HTTP 200 ``{"errno", "msg", "result": null}`` body (or another status where the real
server uses one). It never leaves the server: clients see the HTTP answer, which the project's client
translates into :mod:`optimizer.errors`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# errno → the message the real server sends (see fox-api-field-notes.md §2). No text is known for
# 41201-41203 (peers only retry on them): those messages are this simulator's own.
MESSAGES: dict[int, str] = {
    0: "success",
    40256: "Request header parameters are missing",
    40257: "Parameters do not meet expectations",
    40261: "incorrect inverter id",
    40400: "The number of requests is too frequent",
    40402: "Your request exceeds the limit. Please try again later",
    41200: "Query data failed",
    41201: "Device communication failed",
    41202: "Device communication failed",
    41203: "Device communication failed",
    41930: "incorrect inverter id",
    41935: "Device offline",
    42015: "This device does not currently support this feature",
    42023: "Time overlap, please reselect time",
    44096: "Unsupported function code",
    44098: "Write failed",
}

ERRNO_HEADER = 40256
ERRNO_BODY = 40257
ERRNO_BAD_SN = 40261
ERRNO_THROTTLED = 40400
ERRNO_QUOTA = 40402
ERRNO_QUERY_FAILED = 41200
ERRNO_UNSUPPORTED_SETTING = 42015
ERRNO_OVERLAP = 42023
ERRNO_UNSUPPORTED_FUNCTION = 44096
ERRNO_WRITE_FAILED = 44098

HEADER_PREFIX = "Parameter could not be parsed correctly"
JSON_TYPE = "application/json;charset=UTF-8"


def message(errno: int) -> str:
    return MESSAGES.get(errno, "Unknown error")


class Refusal(Exception):
    """Answer the current request with ``errno`` (internal to the server; never raised to callers).

    ``detail`` says why, for the request log only (the real server's message is terse).
    """

    def __init__(self, errno: int, msg: str | None = None, *, detail: str = "", http_status: int = 200):
        self.errno = errno
        self.msg = msg if msg is not None else message(errno)
        self.detail = detail or self.msg
        self.http_status = http_status
        super().__init__(f"{errno} {self.msg} ({self.detail})")

    def body(self) -> dict[str, Any]:
        return {"errno": self.errno, "msg": self.msg, "result": None}


def header_refusal(reason: str, *, http_status: int = 200) -> Refusal:
    """40256 with the real message shape, e.g. ``... illegal signature``."""
    return Refusal(ERRNO_HEADER, f"{HEADER_PREFIX} {reason}", detail=reason, http_status=http_status)


def body_refusal(detail: str) -> Refusal:
    """40257 "Parameters do not meet expectations", with the reason kept for the request log."""
    return Refusal(ERRNO_BODY, detail=detail)


def success(result: Any) -> dict[str, Any]:
    return {"errno": 0, "msg": "success", "result": result}


@dataclass(frozen=True)
class Incoming:
    """One HTTP request: method, target (path and query), lowercase headers, raw body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Reply:
    """What to answer: status, headers, body; ``delay_s`` before answering; ``drop`` = close unanswered."""

    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False

    @classmethod
    def json(cls, document: Any, status: int = 200) -> Reply:
        return cls(status=status, body=json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
