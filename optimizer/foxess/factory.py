"""Build a client from the configuration: base URL, credentials, call counter, timeout."""

from __future__ import annotations

from pathlib import Path

import httpx

from optimizer.config import Config
from optimizer.errors import ConfigError
from optimizer.foxess.auth import ApiKeyAuth, OAuthAuth
from optimizer.foxess.client import FoxEssClient
from optimizer.foxess.clock import Clock, SystemClock
from optimizer.foxess.quota import CallCounter

CALL_COUNTER_FILE = "api-calls.json"
DEFAULT_TOKEN_FILE = "oauth-tokens.json"


def token_file_path(config: Config) -> Path:
    """Where the OAuth tokens live: ``[foxess] oauth_token_file``, else ``<data_dir>/oauth-tokens.json``."""
    if config.foxess.oauth_token_file:
        return config.resolve_path(config.foxess.oauth_token_file)
    return config.data_dir / DEFAULT_TOKEN_FILE


def call_counter(config: Config, clock: Clock | None = None) -> CallCounter:
    """The on-disk call counter of ``config`` (``<data_dir>/api-calls.json``)."""
    return CallCounter(
        config.data_dir / CALL_COUNTER_FILE,
        daily_budget=config.foxess.daily_budget,
        max_calls_per_run=config.foxess.max_calls_per_run,
        clock=clock,
    )


def has_credentials(config: Config) -> bool:
    """True when :func:`auth_from_config` would find an API key or an OAuth token file."""
    key = config.api_key
    return bool(key is not None and key.get_secret_value().strip()) or token_file_path(config).exists()


def auth_from_config(config: Config) -> ApiKeyAuth | OAuthAuth:
    """The API key (``$FOXESS_API_KEY``, else ``[foxess] api_key``), else the OAuth token file.

    Raises ConfigError when neither is there, or when a configured token file is missing.
    """
    key = config.api_key
    if key is not None and key.get_secret_value().strip():
        return ApiKeyAuth(key)
    tokens = token_file_path(config)
    if tokens.exists():
        return OAuthAuth.from_file(tokens)
    if config.foxess.oauth_token_file:
        raise ConfigError(
            f"{tokens}: OAuth token file not found ([foxess] oauth_token_file)",
            hint="Run `optimizer oauth login`, or set FOXESS_API_KEY instead.",
        )
    raise ConfigError(
        "no Fox ESS credentials: FOXESS_API_KEY is not set, the config has no [foxess] api_key, "
        f"and there is no OAuth token file at {tokens}",
        hint="Generate an API key on foxesscloud.com (User profile → API Management) and export "
        "FOXESS_API_KEY, or run `optimizer oauth login`.",
    )


def client_from_config(
    config: Config, *, transport: httpx.BaseTransport | None = None, clock: Clock | None = None
) -> FoxEssClient:
    """A client for ``config``: base URL ``$FOXESS_BASE_URL`` or ``[foxess] base_url``, credentials as in
    :func:`auth_from_config`, the on-disk call counter with ``[foxess] daily_budget`` and
    ``max_calls_per_run``, and ``[foxess] timeout_s``."""
    clock = clock or SystemClock()
    return FoxEssClient(
        config.base_url,
        auth_from_config(config),
        transport=transport,
        clock=clock,
        counter=call_counter(config, clock),
        timeout_s=config.foxess.timeout_s,
    )
