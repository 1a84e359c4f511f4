"""The OAuth 2.0 pages of the simulated cloud (authorisation-code flow, fox-open-api.md "Oauth").

* ``GET /public/auth/index.html?response_type=code&client_id=…&redirect_uri=…[&scope=…][&state=…]``: the
  simulated user consents at once: HTTP 302 to ``{redirect_uri}?code=…[&state=…]``.
* ``/oauth2/token?grant_type=authorization_code&client_id&client_secret&code[&redirect_uri]``,
  ``/oauth2/refresh?grant_type=refresh_token&client_id&client_secret&refresh_token`` and
  ``/oauth2/revoke?client_id&client_secret&access_token`` (GET or POST; parameters in the query string, a
  form body or a JSON body). Token answers carry the RFC 6749 fields (``access_token``, ``token_type``,
  ``expires_in`` [s], ``refresh_token``, ``scope``) at the top level and, for clients written against the
  Fox envelope, ``errno: 0`` and the same fields under ``result``. Errors are HTTP 400 with the RFC 6749
  ``error`` / ``error_description`` and ``errno`` 40257 (40256 for a bad client).
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from optimizer.fakecloud.auth import OAuthTokens
from optimizer.fakecloud.replies import Reply


class CloudState(Protocol):
    """What the OAuth routes need of the cloud's state: its token store."""

    oauth: OAuthTokens


AUTHORIZE_PATH = "/public/auth/index.html"
PUBLIC_PATHS = frozenset({AUTHORIZE_PATH, "/oauth2/token", "/oauth2/refresh", "/oauth2/revoke"})


def _params(query: dict[str, str], body: bytes) -> dict[str, str]:
    params = dict(query)
    if body:
        try:
            document = json.loads(body)
        except ValueError:
            document = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if isinstance(document, dict):
            params.update({str(k): str(v) for k, v in document.items()})
    return params


def _error(error: str, description: str, errno: int = 40257, status: int = 400) -> Reply:
    document = {"error": error, "error_description": description, "errno": errno, "msg": description}
    return Reply.json({**document, "result": None}, status=status)


def _tokens(grant: dict[str, Any]) -> Reply:
    return Reply.json({**grant, "errno": 0, "msg": "success", "result": dict(grant)})


def _authorize(cloud: CloudState, params: dict[str, str]) -> Reply:
    redirect = params.get("redirect_uri", "")
    if params.get("response_type") != "code":
        return _error("unsupported_response_type", "response_type must be 'code'")
    if not cloud.oauth.client_ok(params.get("client_id"), secret=False):
        return _error("unauthorized_client", "unknown client_id", errno=40256)
    parts = urlsplit(redirect)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _error("invalid_request", "redirect_uri must be an absolute http(s) URL")
    answer = {"code": cloud.oauth.issue_code(redirect)}
    if params.get("state"):
        answer["state"] = params["state"]
    query = "&".join(q for q in (parts.query, urlencode(answer)) if q)
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return Reply(status=302, body=b"", content_type="text/html", headers={"Location": location})


def handle(cloud: CloudState, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
    """Answer one OAuth page or endpoint."""
    params = _params(query, body)
    if path == AUTHORIZE_PATH:
        return _authorize(cloud, params)
    if not cloud.oauth.client_ok(params.get("client_id"), params.get("client_secret")):
        return _error("invalid_client", "unknown client_id or wrong client_secret", errno=40256, status=401)
    if path == "/oauth2/revoke":
        token = params.get("access_token", "")
        if not token:
            return _error("invalid_request", "access_token is required")
        cloud.oauth.revoke(token)
        return Reply.json({"errno": 0, "msg": "success", "result": None})
    if path == "/oauth2/token":
        if params.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type", "grant_type must be authorization_code")
        grant = cloud.oauth.redeem_code(params.get("code", ""), params.get("redirect_uri"))
        if grant is None:
            return _error("invalid_grant", "unknown, used or expired authorisation code")
        return _tokens(grant)
    if params.get("grant_type") != "refresh_token":
        return _error("unsupported_grant_type", "grant_type must be refresh_token")
    grant = cloud.oauth.refresh(params.get("refresh_token", ""))
    if grant is None:
        return _error("invalid_grant", "unknown or already used refresh token")
    return _tokens(grant)
