"""OAuth 2.0 (authorization-code grant) against the Fox ESS cloud, and the 0600 token file.

The flow, per the vendor document:

1. the user opens :func:`authorization_url` in a browser and approves access;
2. the cloud redirects to ``redirect_uri?code=...``; :func:`exchange_code` trades the code for tokens;
3. the access token lives one day; :func:`refresh_tokens` renews it before it expires;
4. :func:`revoke` withdraws it.

Token requests send their parameters as an ``application/x-www-form-urlencoded`` body (RFC 6749 §4.1.3)
rather than in the query string the vendor examples show: servers read both, and a query string would put
the client secret and tokens into every proxy and HTTP log line. Bearer API requests are still signed, with
the access token in place of the API key (the server answers 40256 "no signature" otherwise).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from optimizer.errors import AuthError, ConfigError, OptimizerError, TransportError
from optimizer.foxess.signing import USER_AGENT
from optimizer.timegrid import iso

log = logging.getLogger("optimizer.foxess")

AUTHORIZE_PATH = "/public/auth/index.html"
TOKEN_PATH = "/oauth2/token"
REFRESH_PATH = "/oauth2/refresh"
REVOKE_PATH = "/oauth2/revoke"
DEFAULT_LIFETIME_S = 86_400  # "valid for one day"
TOKEN_FILE_MODE = 0o600


class CredentialsError(AuthError):
    """The cloud refused our credentials outside the errno scheme: an OAuth endpoint said no, the access
    token expired with no way to refresh it, or the API answered HTTP 401/403."""

    def __init__(self, message: str, path: str, *, errno: int = 0, hint: str | None = None) -> None:
        self.errno = errno
        self.msg = message
        self.path = path
        self.name = "credentials"
        OptimizerError.__init__(self, message, hint=hint)


class OAuthTokens(BaseModel):
    """The tokens of one OAuth grant, with what is needed to refresh them. Secrets print as ``**********``.

    ``expires_at`` is the aware UTC instant the access token stops working.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_at: datetime
    token_type: str = "Bearer"
    scope: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    def expires_within(self, now_ms: int, margin_s: float) -> bool:
        """True when the access token expires less than ``margin_s`` [s] after ``now_ms`` [epoch ms]."""
        now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
        return self.expires_at - now < timedelta(seconds=margin_s)

    def file_document(self) -> dict[str, Any]:
        """The JSON stored in the token file (secrets revealed: only for the 0600 file)."""

        def reveal(value: SecretStr | None) -> str | None:
            return value.get_secret_value() if value is not None else None

        return {
            "access_token": self.access_token.get_secret_value(),
            "refresh_token": reveal(self.refresh_token),
            "expires_at": iso(self.expires_at),
            "token_type": self.token_type,
            "scope": self.scope,
            "client_id": self.client_id,
            "client_secret": reveal(self.client_secret),
        }


class _TokenAnswer(BaseModel):
    """What a token endpoint returns (snake_case per RFC 6749, camelCase tolerated)."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(validation_alias=AliasChoices("access_token", "accessToken"), min_length=1)
    refresh_token: str | None = Field(None, validation_alias=AliasChoices("refresh_token", "refreshToken"))
    expires_in: float | None = Field(None, validation_alias=AliasChoices("expires_in", "expiresIn"))
    token_type: str | None = Field(None, validation_alias=AliasChoices("token_type", "tokenType"))
    scope: str | None = None


# ----- the flow -------------------------------------------------------------------------------------


def authorization_url(
    base_url: str, client_id: str, redirect_uri: str, *, scope: str | None = None, state: str | None = None
) -> str:
    """The page where the user approves access (step 1); it redirects to ``redirect_uri?code=...``."""
    query: dict[str, str] = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    if scope:
        query["scope"] = scope
    if state:
        query["state"] = state
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{urlencode(query)}"


def exchange_code(
    http: httpx.Client,
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str | None,
    now_ms: int,
) -> OAuthTokens:
    """Trade an authorization code for tokens (step 3)."""
    form = {"grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret}
    form["code"] = code
    if redirect_uri:
        form["redirect_uri"] = redirect_uri
    answer = _post(http, base_url, TOKEN_PATH, form, secrets=(client_secret, code))
    return _tokens(answer, now_ms, client_id=client_id, client_secret=client_secret)


def refresh_tokens(http: httpx.Client, base_url: str, tokens: OAuthTokens, *, now_ms: int) -> OAuthTokens:
    """New tokens from the refresh token (step 4); the old refresh token is kept if none is returned."""
    if tokens.refresh_token is None or not tokens.client_id or tokens.client_secret is None:
        raise CredentialsError(
            "the OAuth access token has expired and the token file holds no refresh token and client "
            "credentials to renew it",
            REFRESH_PATH,
            hint="Run `optimizer oauth login` again.",
        )
    secret = tokens.client_secret.get_secret_value()
    refresh = tokens.refresh_token.get_secret_value()
    form = {
        "grant_type": "refresh_token",
        "client_id": tokens.client_id,
        "client_secret": secret,
        "refresh_token": refresh,
    }
    answer = _post(http, base_url, REFRESH_PATH, form, secrets=(secret, refresh))
    renewed = _tokens(answer, now_ms, client_id=tokens.client_id, client_secret=secret)
    if renewed.refresh_token is None:
        renewed = renewed.model_copy(update={"refresh_token": tokens.refresh_token})
    if renewed.scope is None and tokens.scope:
        renewed = renewed.model_copy(update={"scope": tokens.scope})
    return renewed


def revoke(http: httpx.Client, base_url: str, tokens: OAuthTokens) -> None:
    """Withdraw the access token before it expires (step 5)."""
    if not tokens.client_id or tokens.client_secret is None:
        raise CredentialsError("cannot revoke: the token file holds no client id and secret", REVOKE_PATH)
    secret = tokens.client_secret.get_secret_value()
    access = tokens.access_token.get_secret_value()
    form = {"client_id": tokens.client_id, "client_secret": secret, "access_token": access}
    _post(http, base_url, REVOKE_PATH, form, secrets=(secret, access), expect_tokens=False)


def _post(
    http: httpx.Client,
    base_url: str,
    path: str,
    form: dict[str, str],
    *,
    secrets: tuple[str, ...],
    expect_tokens: bool = True,
) -> dict[str, Any]:
    url = base_url.rstrip("/") + path
    try:
        response = http.post(url, data=form, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    except httpx.TimeoutException:
        raise TransportError(f"Fox ESS OAuth {path}: no answer in time") from None
    except httpx.HTTPError as exc:
        raise TransportError(f"Fox ESS OAuth {path}: cannot reach the cloud ({type(exc).__name__})") from None
    log.debug("POST %s -> HTTP %s", path, response.status_code)
    if response.status_code >= 500:
        raise TransportError(f"Fox ESS OAuth {path}: HTTP {response.status_code}")
    try:
        payload = response.json() if response.content else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        if response.is_success and not expect_tokens:
            return {}
        raise TransportError(f"Fox ESS OAuth {path}: HTTP {response.status_code}, answer is not a JSON object")
    problem = _problem(payload, response.status_code)
    if problem:
        for secret in secrets:
            problem = problem.replace(secret, "***") if secret else problem
        errno = str(payload.get("errno") or "0")
        raise CredentialsError(
            f"Fox ESS OAuth {path} refused: {problem}",
            path,
            errno=int(errno) if errno.isdigit() else 0,
            hint="Check the client id and secret and run `optimizer oauth login` again.",
        )
    result = payload.get("result")
    return result if isinstance(result, dict) and "errno" in payload else payload


def _problem(payload: dict[str, Any], status: int) -> str:
    """Why a token endpoint answer is a failure, or '' when it is a success."""
    errno = payload.get("errno")
    if errno not in (None, 0, "0"):
        return f"errno {errno}: {payload.get('msg') or 'no message'}"
    if payload.get("error"):
        detail = payload.get("error_description") or ""
        return f"{payload['error']} {detail}".strip()
    if status >= 400:
        return f"HTTP {status}"
    return ""


def _tokens(answer: dict[str, Any], now_ms: int, *, client_id: str, client_secret: str) -> OAuthTokens:
    try:
        parsed = _TokenAnswer.model_validate(answer)
    except ValidationError:
        raise TransportError("Fox ESS OAuth: the token answer has no access_token") from None
    lifetime = parsed.expires_in if parsed.expires_in and parsed.expires_in > 0 else DEFAULT_LIFETIME_S
    return OAuthTokens(
        access_token=SecretStr(parsed.access_token),
        refresh_token=SecretStr(parsed.refresh_token) if parsed.refresh_token else None,
        expires_at=datetime.fromtimestamp(now_ms / 1000, tz=UTC) + timedelta(seconds=lifetime),
        token_type=parsed.token_type or "Bearer",
        scope=parsed.scope,
        client_id=client_id,
        client_secret=SecretStr(client_secret),
    )


# ----- the token file -------------------------------------------------------------------------------


def write_token_file(path: Path, tokens: OAuthTokens) -> None:
    """Write ``tokens`` to ``path`` atomically, readable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, TOKEN_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(tokens.file_document(), handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.chmod(path, TOKEN_FILE_MODE)


def read_token_file(path: Path) -> OAuthTokens:
    """Read the token file; a group- or world-readable file is tightened to 0600 with a warning."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: OAuth token file not found", hint="Run `optimizer oauth login` to create it."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the OAuth token file: {exc.strerror}") from None
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); setting it to 0600", path, mode)
        with contextlib.suppress(OSError):
            os.chmod(path, TOKEN_FILE_MODE)
    try:
        return OAuthTokens.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: OAuth token file is not valid JSON ({exc.msg})") from None
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) + f" ({e['msg']})" for e in exc.errors())
        raise ConfigError(
            f"{path}: invalid OAuth token file: {fields}",
            hint="Run `optimizer oauth login` to write a fresh one.",
        ) from None
