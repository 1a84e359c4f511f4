"""OAuth 2.0: authorization URL, code → tokens, refresh before expiry, 401 recovery, revoke, 0600 file."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from optimizer.errors import AuthError, ConfigError, TransportError
from optimizer.foxess import (
    CredentialsError,
    FoxEssClient,
    ManualClock,
    OAuthAuth,
    OAuthTokens,
    authorization_url,
    exchange_code,
    read_token_file,
    refresh_tokens,
    revoke,
    sign,
    write_token_file,
)
from tests.foxess.conftest import BASE_URL, MockCloud, ok

CLIENT_ID = "app-123"
CLIENT_SECRET = "s3cr3t-client-value"
ACCESS = "access-token-one"
REFRESH = "refresh-token-one"


def _tokens(clock: ManualClock, *, expires_in_s: float, refresh: bool = True) -> OAuthTokens:
    return OAuthTokens(
        access_token=SecretStr(ACCESS),
        refresh_token=SecretStr(REFRESH) if refresh else None,
        expires_at=datetime.fromtimestamp(clock.time_ms() / 1000, tz=UTC) + timedelta(seconds=expires_in_s),
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
    )


def _form(seen_body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(seen_body.decode()).items()}


class TokenServer:
    """The cloud's OAuth endpoints plus one Open API path, recording raw requests."""

    def __init__(self, cloud: MockCloud) -> None:
        self.cloud = cloud
        self.token_requests: list[httpx.Request] = []
        self.next_access = "access-token-two"
        self.answer: httpx.Response | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth2/"):
            self.token_requests.append(request)
            if self.answer is not None:
                return self.answer
            if request.url.path == "/oauth2/revoke":
                return httpx.Response(200, json={"errno": 0, "result": None})
            self.cloud.token = self.next_access
            return httpx.Response(
                200, json={"access_token": self.next_access, "expires_in": 86400, "token_type": "Bearer"}
            )
        return self.cloud.handle(request)


@pytest.fixture
def server(cloud: MockCloud) -> TokenServer:
    cloud.bearer = True
    cloud.token = ACCESS
    return TokenServer(cloud)


def _client(server: TokenServer, clock: ManualClock, auth: OAuthAuth) -> FoxEssClient:
    return FoxEssClient(BASE_URL, auth, transport=httpx.MockTransport(server.handle), clock=clock)


# ----- the flow ----------------------------------------------------------------------------------------


def test_authorization_url() -> None:
    url = authorization_url(BASE_URL, CLIENT_ID, "https://example.org/cb?x=1", scope="data", state="xyz")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.foxesscloud.com/public/auth/index.html"
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": [CLIENT_ID],
        "redirect_uri": ["https://example.org/cb?x=1"],
        "scope": ["data"],
        "state": ["xyz"],
    }


def test_exchange_code_posts_a_form_and_keeps_client_credentials(server: TokenServer, clock: ManualClock) -> None:
    server.next_access = "fresh-access"
    with httpx.Client(transport=httpx.MockTransport(server.handle)) as http:
        tokens = exchange_code(
            http,
            BASE_URL,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code="abc",
            redirect_uri="https://example.org/cb",
            now_ms=clock.time_ms(),
        )
    (request,) = server.token_requests
    assert request.method == "POST" and request.url.path == "/oauth2/token" and not request.url.query
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert _form(request.content) == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": "abc",
        "redirect_uri": "https://example.org/cb",
    }
    assert tokens.access_token.get_secret_value() == "fresh-access" and tokens.refresh_token is None
    assert tokens.expires_at == datetime(2023, 11, 15, 22, 13, 20, tzinfo=UTC)
    assert tokens.client_id == CLIENT_ID and tokens.client_secret.get_secret_value() == CLIENT_SECRET  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "payload",
    [
        {"errno": 0, "result": {"accessToken": "A", "refreshToken": "R", "expiresIn": 3600}},
        {"access_token": "A", "refresh_token": "R", "expires_in": "3600"},
    ],
)
def test_token_answer_shapes(payload: dict[str, object], clock: ManualClock) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=payload))
    with httpx.Client(transport=transport) as http:
        tokens = exchange_code(
            http, BASE_URL, client_id="c", client_secret="s", code="x", redirect_uri=None, now_ms=clock.time_ms()
        )
    assert tokens.refresh_token is not None and tokens.refresh_token.get_secret_value() == "R"
    assert tokens.expires_at - datetime.fromtimestamp(clock.time_ms() / 1000, tz=UTC) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (
            httpx.Response(400, json={"error": "invalid_grant", "error_description": "code abc used"}),
            CredentialsError,
            "invalid_grant",
        ),
        (
            httpx.Response(200, json={"errno": 40256, "msg": "client s3cr3t-client-value unknown"}),
            CredentialsError,
            "errno 40256",
        ),
        (httpx.Response(401, text=""), CredentialsError, "HTTP 401"),
        (httpx.Response(200, json={"token_type": "Bearer"}), TransportError, "no access_token"),
        (httpx.Response(503), TransportError, "HTTP 503"),
        (httpx.Response(200, text="<html/>"), TransportError, "not a JSON object"),
    ],
)
def test_token_failures(response: httpx.Response, error: type[Exception], text: str, clock: ManualClock) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(lambda r: response)) as http,
        pytest.raises(error, match=text) as caught,
    ):
        exchange_code(
            http,
            BASE_URL,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            code="abc",
            redirect_uri=None,
            now_ms=clock.time_ms(),
        )
    assert CLIENT_SECRET not in str(caught.value)
    if error is CredentialsError:
        assert isinstance(caught.value, AuthError) and caught.value.exit_code == 4


def test_refresh_keeps_the_old_refresh_token(server: TokenServer, clock: ManualClock) -> None:
    with httpx.Client(transport=httpx.MockTransport(server.handle)) as http:
        renewed = refresh_tokens(http, BASE_URL, _tokens(clock, expires_in_s=10), now_ms=clock.time_ms())
    assert _form(server.token_requests[0].content) == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
    }
    assert server.token_requests[0].url.path == "/oauth2/refresh"
    assert renewed.access_token.get_secret_value() == "access-token-two"
    assert renewed.refresh_token is not None and renewed.refresh_token.get_secret_value() == REFRESH


def test_revoke(server: TokenServer, clock: ManualClock) -> None:
    with httpx.Client(transport=httpx.MockTransport(server.handle)) as http:
        revoke(http, BASE_URL, _tokens(clock, expires_in_s=100))
    (request,) = server.token_requests
    assert request.url.path == "/oauth2/revoke"
    assert _form(request.content) == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "access_token": ACCESS}


# ----- bearer requests ---------------------------------------------------------------------------------


def test_bearer_requests_are_signed_with_the_access_token(server: TokenServer, clock: ManualClock) -> None:
    with _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=3600))) as c:
        c.access_count()
    seen = server.cloud.seen[-1]
    assert seen.headers["authorization"] == f"Bearer {ACCESS}"
    assert "token" not in seen.headers  # never both credentials
    assert seen.headers["signature"] == sign("/op/v0/user/getAccessCount", ACCESS, clock.time_ms())
    assert server.token_requests == []


def test_refreshes_before_expiry_and_saves_the_file(server: TokenServer, clock: ManualClock, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write_token_file(path, _tokens(clock, expires_in_s=200))  # inside the 300 s margin
    with _client(server, clock, OAuthAuth.from_file(path)) as c:
        c.access_count()
        c.scheduler_get_flag("SN1")
    assert [r.url.path for r in server.token_requests] == ["/oauth2/refresh"]
    assert [s.headers["authorization"] for s in server.cloud.seen] == ["Bearer access-token-two"] * 2
    saved = read_token_file(path)
    assert saved.access_token.get_secret_value() == "access-token-two"
    assert saved.refresh_token is not None and saved.refresh_token.get_secret_value() == REFRESH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_refresh_happens_when_the_clock_reaches_the_margin(server: TokenServer, clock: ManualClock) -> None:
    with _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=3600))) as c:
        c.access_count()
        assert server.token_requests == []
        clock.advance(3600 - 299)
        c.access_count()
    assert len(server.token_requests) == 1


def test_http_401_refreshes_once_and_retries(server: TokenServer, clock: ManualClock) -> None:
    server.cloud.reply("/op/v0/user/getAccessCount", httpx.Response(401), ok({"total": 1440, "remaining": 1000}))
    with _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=3600))) as c:
        assert c.access_count().remaining == 1000
        assert c.calls_made == 2
    assert len(server.token_requests) == 1


def test_repeated_401_is_an_auth_error(server: TokenServer, clock: ManualClock) -> None:
    server.cloud.reply("/op/v0/user/getAccessCount", httpx.Response(401))
    with (
        _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=3600))) as c,
        pytest.raises(CredentialsError, match="HTTP 401") as caught,
    ):
        c.access_count()
    assert caught.value.exit_code == 4 and "oauth login" in (caught.value.hint or "")


def test_expired_without_refresh_token_fails_before_calling(server: TokenServer, clock: ManualClock) -> None:
    with (
        _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=-5, refresh=False))) as c,
        pytest.raises(CredentialsError, match="expired"),
    ):
        c.access_count()
    assert server.cloud.seen == [] and server.token_requests == []


def test_failed_refresh_surfaces_as_auth_error(server: TokenServer, clock: ManualClock) -> None:
    server.answer = httpx.Response(
        400, json={"error": "invalid_grant", "error_description": f"refresh {REFRESH} revoked"}
    )
    with (
        _client(server, clock, OAuthAuth(_tokens(clock, expires_in_s=1))) as c,
        pytest.raises(CredentialsError) as caught,
    ):
        c.access_count()
    assert REFRESH not in str(caught.value) and "invalid_grant" in str(caught.value)


# ----- the token file ----------------------------------------------------------------------------------


def test_token_file_round_trip_is_0600(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "sub" / "tokens.json"
    tokens = _tokens(clock, expires_in_s=60)
    write_token_file(path, tokens)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token_file(path) == tokens
    doc = json.loads(path.read_text())
    assert doc["expires_at"] == "2023-11-14T22:14:20Z" and doc["access_token"] == ACCESS


def test_loose_permissions_are_tightened(tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens.json"
    write_token_file(path, _tokens(clock, expires_in_s=60))
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="optimizer.foxess"):
        read_token_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "readable by others" in caplog.text


@pytest.mark.parametrize(
    ("text", "match"),
    [(None, "not found"), ("{", "not valid JSON"), ('{"access_token": "x"}', "expires_at")],
)
def test_bad_token_files(tmp_path: Path, text: str | None, match: str) -> None:
    path = tmp_path / "tokens.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError, match=match) as caught:
        read_token_file(path)
    assert str(path) in str(caught.value) and caught.value.exit_code == 3


def test_secrets_never_print(clock: ManualClock) -> None:
    tokens = _tokens(clock, expires_in_s=60)
    auth = OAuthAuth(tokens)
    for text in (repr(tokens), str(tokens), repr(auth), tokens.model_dump_json()):
        for secret in (ACCESS, REFRESH, CLIENT_SECRET):
            assert secret not in text
    assert set(auth.secrets()) == {ACCESS, REFRESH, CLIENT_SECRET}
