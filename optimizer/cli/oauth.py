"""CLI commands: ``optimizer oauth login / status / revoke``: OAuth 2.0 credentials for the Fox ESS cloud,
kept in a 0600 token file (``[foxess] oauth_token_file``, default ``<data_dir>/oauth-tokens.json``)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import typer

from optimizer.cli.common import console, emit_json, get_config, info
from optimizer.cli.options import ConfigOption, JsonOption

if TYPE_CHECKING:
    import httpx

    from optimizer.config import Config
    from optimizer.foxess import Clock


def _default_http(config: Config) -> httpx.Client:
    from optimizer.foxess.session import http_client

    return http_client(config.base_url, timeout_s=config.foxess.timeout_s)


_QUERY_KEY = re.compile(r"(^|[?&])(code|state|error)=")

#: How the commands reach the cloud, and their clock; tests swap these.
http_factory: Callable[[Config], httpx.Client] = _default_http
clock: Clock | None = None  # None: the system clock


def _clock() -> Clock:
    from optimizer.foxess import SystemClock

    return clock if clock is not None else SystemClock()


oauth_app = typer.Typer(help="Sign in to the Fox ESS cloud with OAuth 2.0 instead of an API key.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``oauth`` command group to ``app``."""
    app.add_typer(oauth_app, name="oauth")


def code_from_answer(answer: str, expected_state: str | None) -> str:
    """The authorization code from what the user pasted: the bare code, or the whole redirect address
    (``...?code=abc&state=xyz``), whose ``state`` must then match the one sent."""
    from optimizer.errors import UsageError
    from optimizer.foxess import CredentialsError

    text = answer.strip()
    if not text:
        raise UsageError("no authorization code given")
    if "://" not in text and not _QUERY_KEY.search(text):
        return text
    query = parse_qs(urlsplit(text).query if "?" in text else text.lstrip("?"))
    if "error" in query:
        detail = (query.get("error_description") or [""])[0]
        raise CredentialsError(f"the authorization was refused: {query['error'][0]} {detail}".strip(), "/oauth2")
    states = query.get("state")
    if expected_state and states and states[0] != expected_state:
        raise UsageError("the redirect address carries a different state than this login sent; start again")
    code = (query.get("code") or [""])[0]
    if not code:
        raise UsageError("the redirect address carries no code")
    return code


@oauth_app.command("login")
def login(
    client_id: str = typer.Option(
        ..., "--client-id", metavar="ID", envvar="FOXESS_OAUTH_CLIENT_ID", help="The OAuth application's client id."
    ),
    client_secret: str = typer.Option(
        ...,
        "--client-secret",
        metavar="SECRET",
        envvar="FOXESS_OAUTH_CLIENT_SECRET",
        prompt="Client secret",
        hide_input=True,
        help="The OAuth application's secret (asked for when not given; prefer the environment variable).",
    ),
    redirect_uri: str = typer.Option(
        ...,
        "--redirect-uri",
        metavar="URL",
        envvar="FOXESS_OAUTH_REDIRECT_URI",
        help="The callback address registered for the application.",
    ),
    scope: str | None = typer.Option(
        None, "--scope", metavar="SCOPE", help="Scope to ask for (if the application needs one)."
    ),
    code: str | None = typer.Option(
        None,
        "--code",
        metavar="CODE",
        help="The authorization code, or the whole redirect address; asked for when absent.",
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Authorize this tool: open the approval page, trade the code for tokens, save them (mode 0600)."""
    from optimizer.foxess import authorization_url, exchange_code, token_file_path, write_token_file
    from optimizer.foxess.session import normalize_base_url
    from optimizer.timegrid import iso

    cfg = get_config(config)
    base_url = normalize_base_url(cfg.base_url)
    state: str | None = None  # only checked when this run sent the user to the approval page
    if code is None:
        state = secrets.token_urlsafe(16)
        url = authorization_url(base_url, client_id, redirect_uri, scope=scope, state=state)
        info("Open this address in a browser, approve access, then paste the address you were sent to:")
        console.print(url, soft_wrap=True, markup=False)
        code = typer.prompt("Code or redirect address")
    with http_factory(cfg) as http:
        tokens = exchange_code(
            http,
            base_url,
            client_id=client_id,
            client_secret=client_secret,
            code=code_from_answer(code, state),
            redirect_uri=redirect_uri,
            now_ms=_clock().time_ms(),
        )
    path = token_file_path(cfg)
    write_token_file(path, tokens)
    info(f"Saved the OAuth tokens to {path} (mode 0600); the access token expires {iso(tokens.expires_at)}.")


@oauth_app.command("status")
def status(config: Path | None = ConfigOption, json_out: bool = JsonOption) -> None:
    """Show the saved OAuth grant: expiry, refresh ability, client id (never the tokens)."""
    from optimizer.foxess import read_token_file, token_file_path
    from optimizer.timegrid import iso

    cfg = get_config(config)
    path = token_file_path(cfg)
    tokens = read_token_file(path)
    now = datetime.fromtimestamp(_clock().time_ms() / 1000, tz=UTC)
    document = {
        "token_file": str(path),
        "client_id": tokens.client_id,
        "scope": tokens.scope,
        "expires_at": iso(tokens.expires_at),
        "expired": tokens.expires_at <= now,
        "refreshable": tokens.refresh_token is not None and tokens.client_secret is not None,
    }
    if json_out:
        emit_json(document)
        return
    for key, value in document.items():
        console.print(f"{key}: {value}", markup=False)


@oauth_app.command("revoke")
def revoke_command(config: Path | None = ConfigOption) -> None:
    """Revoke the saved access token at the cloud and delete the token file."""
    from optimizer.foxess import read_token_file, revoke, token_file_path
    from optimizer.foxess.session import normalize_base_url

    cfg = get_config(config)
    path = token_file_path(cfg)
    tokens = read_token_file(path)
    with http_factory(cfg) as http:
        revoke(http, normalize_base_url(cfg.base_url), tokens)
    path.unlink(missing_ok=True)
    info(f"Revoked the OAuth access token and deleted {path}.")
