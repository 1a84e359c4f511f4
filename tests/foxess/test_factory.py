"""client_from_config: base URL and credentials from the environment or the config, budgets from the config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from optimizer.config import Config, parse_config
from optimizer.errors import ConfigError
from optimizer.foxess import (
    ApiKeyAuth,
    ManualClock,
    OAuthAuth,
    OAuthTokens,
    client_from_config,
    has_credentials,
    write_token_file,
)
from optimizer.foxess.session import normalize_base_url
from tests.foxess.conftest import API_KEY, MockCloud


def _config(tmp_path: Path, **foxess: object) -> Config:
    return parse_config({"foxess": foxess, "paths": {"data_dir": str(tmp_path / "data")}}, tmp_path / "config.toml")


def test_env_key_and_base_url_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cloud: MockCloud, clock) -> None:
    monkeypatch.setenv("FOXESS_API_KEY", API_KEY)
    monkeypatch.setenv("FOXESS_BASE_URL", "http://127.0.0.1:8765/")
    config = _config(
        tmp_path,
        api_key="config-key",
        base_url="https://example.org",
        max_calls_per_run=7,
        daily_budget=100,
        timeout_s=5,
    )
    with client_from_config(config, transport=cloud.transport, clock=clock) as client:
        assert client.base_url == "http://127.0.0.1:8765"
        assert isinstance(client.auth, ApiKeyAuth) and client.auth.secrets() == (API_KEY,)
        assert client.counter.path == tmp_path / "data" / "api-calls.json"
        assert (client.counter.daily_budget, client.counter.max_calls_per_run) == (100, 7)
        assert client._session.timeout_s == 5
        client.access_count()
    assert cloud.seen[0].headers["token"] == API_KEY
    assert (tmp_path / "data" / "api-calls.json").exists()


def test_config_key_is_used_without_env(tmp_path: Path) -> None:
    with client_from_config(_config(tmp_path, api_key="config-key")) as client:
        assert client.auth.secrets() == ("config-key",)
        assert client.base_url == "https://www.foxesscloud.com"


def test_oauth_token_file(tmp_path: Path, clock: ManualClock) -> None:
    tokens = OAuthTokens(access_token=SecretStr("A"), expires_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=1))
    write_token_file(tmp_path / "tokens.json", tokens)
    with client_from_config(_config(tmp_path, oauth_token_file="tokens.json"), clock=clock) as client:
        assert isinstance(client.auth, OAuthAuth) and client.auth.token_file == tmp_path / "tokens.json"


def test_default_token_file_in_the_data_dir(tmp_path: Path) -> None:
    write_token_file(
        tmp_path / "data" / "oauth-tokens.json",
        OAuthTokens(access_token=SecretStr("A"), expires_at=datetime(2030, 1, 1, tzinfo=UTC)),
    )
    with client_from_config(_config(tmp_path)) as client:
        assert isinstance(client.auth, OAuthAuth)


def test_has_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert not has_credentials(_config(tmp_path))
    assert has_credentials(_config(tmp_path, api_key="k"))
    write_token_file(
        tmp_path / "data" / "oauth-tokens.json",
        OAuthTokens(access_token=SecretStr("A"), expires_at=datetime(2030, 1, 1, tzinfo=UTC)),
    )
    assert has_credentials(_config(tmp_path))


def test_no_credentials(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no Fox ESS credentials") as caught:
        client_from_config(_config(tmp_path))
    assert caught.value.exit_code == 3 and "FOXESS_API_KEY" in (caught.value.hint or "")


def test_configured_token_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tokens\.json: OAuth token file not found"):
        client_from_config(_config(tmp_path, oauth_token_file="tokens.json"))


def test_blank_env_key_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FOXESS_API_KEY", "")
    with pytest.raises(ConfigError, match="no Fox ESS credentials"):
        client_from_config(_config(tmp_path))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.foxesscloud.com/", "https://www.foxesscloud.com"),
        (" https://eu.example.com:8443 ", "https://eu.example.com:8443"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://localhost:9000/", "http://localhost:9000"),
    ],
)
def test_base_urls_accepted(url: str, expected: str) -> None:
    assert normalize_base_url(url) == expected


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("www.foxesscloud.com", "not an http"),
        ("ftp://www.foxesscloud.com", "not an http"),
        ("https://www.foxesscloud.com/op/v0", "no path"),
        ("https://www.foxesscloud.com/?a=1", "no path"),
        ("https://user:pw@www.foxesscloud.com", "no path"),
        ("http://www.foxesscloud.com", "plain http"),
        ("", "not an http"),
    ],
)
def test_base_urls_refused(url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as caught:
        normalize_base_url(url)
    assert caught.value.exit_code == 3
