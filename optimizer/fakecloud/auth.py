"""Request authentication: the signed private-token headers and OAuth 2.0 bearer tokens.

**Private token** (headers ``token``, ``timestamp``, ``signature``, ``lang``; names are case-insensitive):
``signature`` must be ``md5(path + "\\r\\n" + token + "\\r\\n" + timestamp)`` in hex, where each ``\\r\\n`` is the
four literal characters backslash, r, backslash, n (real CR LF bytes are refused) and ``path`` is the
request path without the query string (the query string is not signed). ``timestamp`` is epoch
milliseconds of the host clock and must lie within ``tolerance_s`` of the server's real clock.

**OAuth**: ``Authorization: Bearer <access_token>`` with the same ``timestamp`` / ``signature`` headers,
signed with the access token in place of the key (no ``token`` header: the two may not be combined).
An unknown, revoked or expired access token gets HTTP 401, and so does an unknown API key (as the real
server answers, fox-api-field-notes.md §8; the body keeps the 40256 document, *choice*: the real 401
body is not recorded).

Every other refusal is HTTP 200 with errno **40256** with the real server's message shape, e.g.
``Parameter could not be parsed correctly illegal signature``; missing headers read ``... no signature``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from optimizer.fakecloud.replies import header_refusal

LITERAL_CRLF = "\\r\\n"


def _same(a: str, b: str) -> bool:
    """Constant-time string comparison that accepts any characters."""
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def signature(path: str, token: str, timestamp: str) -> str:
    """The Fox ESS request signature: md5 over ``path\\r\\ntoken\\r\\ntimestamp`` with literal ``\\r\\n``."""
    text = f"{path}{LITERAL_CRLF}{token}{LITERAL_CRLF}{timestamp}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@dataclass
class _Grant:
    expires: datetime
    client_id: str


class OAuthTokens:
    """Authorisation codes, access tokens (valid ``ttl``) and refresh tokens of the simulated account."""

    def __init__(self, client_id: str, client_secret: str, ttl: timedelta, now: Callable[[], datetime]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.ttl = ttl
        self._now = now
        self._codes: dict[str, tuple[str, datetime]] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, str] = {}
        self._lock = threading.Lock()

    def client_ok(self, client_id: str | None, client_secret: str | None = None, *, secret: bool = True) -> bool:
        if not client_id or not _same(client_id, self.client_id):
            return False
        return not secret or (client_secret is not None and _same(client_secret, self.client_secret))

    def issue_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(12)
        with self._lock:
            self._codes[code] = (redirect_uri, self._now() + timedelta(minutes=10))
        return code

    def redeem_code(self, code: str, redirect_uri: str | None) -> dict[str, object] | None:
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or entry[1] < self._now():
            return None
        if redirect_uri is not None and redirect_uri != entry[0]:
            return None
        return self._issue()

    def refresh(self, refresh_token: str) -> dict[str, object] | None:
        with self._lock:
            old_access = self._refresh.pop(refresh_token, None)
            if old_access is None:
                return None
            self._access.pop(old_access, None)
        return self._issue()

    def revoke(self, access_token: str) -> bool:
        with self._lock:
            found = self._access.pop(access_token, None) is not None
            for refresh, access in list(self._refresh.items()):
                if access == access_token:
                    del self._refresh[refresh]
        return found

    def _issue(self) -> dict[str, object]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(20)
        with self._lock:
            self._access[access] = _Grant(self._now() + self.ttl, self.client_id)
            self._refresh[refresh] = access
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.ttl.total_seconds()),
            "refresh_token": refresh,
            "scope": "openapi",
        }

    def status(self, access_token: str) -> str:
        """``"ok"``, ``"expired"`` or ``"invalid"``."""
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None:
            return "invalid"
        return "ok" if grant.expires > self._now() else "expired"


class Authenticator:
    """Checks the headers of an Open API request; returns the principal (the account) or refuses."""

    def __init__(
        self,
        api_key: str,
        oauth: OAuthTokens,
        tolerance_s: float = 300.0,
        wall_clock_s: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key
        self.oauth = oauth
        self.tolerance_s = tolerance_s
        self._wall_clock_s = wall_clock_s

    def check(self, headers: Mapping[str, str], path: str) -> str:
        """Validate lowercase-keyed ``headers`` for a request to ``path``; returns the principal."""
        token = headers.get("token")
        authorization = headers.get("authorization")
        if token and authorization:
            raise header_refusal("token and Authorization may not both be sent")
        if not token and not authorization:
            raise header_refusal("no token")
        if not headers.get("lang"):
            raise header_refusal("no lang")
        timestamp = self._checked_timestamp(headers.get("timestamp"))
        sent = headers.get("signature")
        if not sent:
            raise header_refusal("no signature")
        secret = _bearer_secret(authorization) if authorization else token or ""
        if not _same(sent.lower(), signature(path, secret, timestamp)):
            raise header_refusal("illegal signature")
        if authorization:
            state = self.oauth.status(secret)
            if state != "ok":
                raise header_refusal(f"{state} access token", http_status=401)
            return "oauth"
        if not _same(secret, self._api_key):
            raise header_refusal("illegal token", http_status=401)
        return "api-key"

    def _checked_timestamp(self, timestamp: str | None) -> str:
        """The ``timestamp`` header if it is epoch milliseconds within ``tolerance_s`` of the real clock."""
        if not timestamp:
            raise header_refusal("no timestamp")
        if not timestamp.isdigit():
            raise header_refusal("illegal timestamp")
        skew_s = abs(int(timestamp) / 1000.0 - self._wall_clock_s())
        if skew_s > self.tolerance_s:
            raise header_refusal("illegal timestamp")
        return timestamp


def _bearer_secret(authorization: str) -> str:
    """The access token of an ``Authorization: Bearer <access_token>`` header."""
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise header_refusal("illegal Authorization", http_status=401)
    return secret.strip()
