"""The two ways to authenticate: the private API key and an OAuth 2.0 access token.

Both sign every request (see :mod:`.signing`); they differ in where the credential goes:

* :class:`ApiKeyAuth`: header ``token: <key>``, signature over the key;
* :class:`OAuthAuth`: header ``Authorization: Bearer <access token>``, signature over the access token.
  The vendor document forbids sending both.

Neither ever shows its secret in ``repr``/``str``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from optimizer.errors import ConfigError
from optimizer.foxess.oauth import OAuthTokens, read_token_file, write_token_file
from optimizer.foxess.signing import sign

_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")  # visible ASCII: anything else would break the header
DEFAULT_REFRESH_MARGIN_S = 300.0


def _secret_text(value: str | SecretStr, what: str) -> str:
    text = (value.get_secret_value() if isinstance(value, SecretStr) else value).strip()
    if not text:
        raise ConfigError(f"the Fox ESS {what} is empty", hint="Set FOXESS_API_KEY or [foxess] api_key.")
    if not _TOKEN_CHARS.fullmatch(text):
        raise ConfigError(
            f"the Fox ESS {what} contains spaces or non-ASCII characters",
            hint="Copy the key again from the API management page of foxesscloud.com.",
        )
    return text


class ApiKeyAuth:
    """The private token generated on the cloud's API management page."""

    kind = "api-key"

    def __init__(self, api_key: str | SecretStr) -> None:
        self._key = SecretStr(_secret_text(api_key, "API key"))

    def headers(self, path: str, timestamp_ms: int) -> dict[str, str]:
        """The credential headers for a request on ``path`` at ``timestamp_ms`` [epoch ms]."""
        key = self._key.get_secret_value()
        return {"token": key, "timestamp": str(timestamp_ms), "signature": sign(path, key, timestamp_ms)}

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output (used to scrub server messages)."""
        return (self._key.get_secret_value(),)

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key='**********')"


class OAuthAuth:
    """An OAuth access token, renewed ``refresh_margin_s`` [s] before it expires and saved back to
    ``token_file`` (mode 0600) whenever it changes."""

    kind = "oauth"

    def __init__(
        self,
        tokens: OAuthTokens,
        *,
        token_file: Path | None = None,
        refresh_margin_s: float = DEFAULT_REFRESH_MARGIN_S,
    ) -> None:
        _secret_text(tokens.access_token, "OAuth access token")
        self._tokens = tokens
        self.token_file = token_file
        self.refresh_margin_s = refresh_margin_s

    @classmethod
    def from_file(cls, path: Path, *, refresh_margin_s: float = DEFAULT_REFRESH_MARGIN_S) -> OAuthAuth:
        return cls(read_token_file(path), token_file=path, refresh_margin_s=refresh_margin_s)

    @property
    def tokens(self) -> OAuthTokens:
        return self._tokens

    def needs_refresh(self, now_ms: int) -> bool:
        return self._tokens.expires_within(now_ms, self.refresh_margin_s)

    def replace_tokens(self, tokens: OAuthTokens) -> None:
        """Use ``tokens`` from now on and persist them to the token file."""
        _secret_text(tokens.access_token, "OAuth access token")
        self._tokens = tokens
        if self.token_file is not None:
            write_token_file(self.token_file, tokens)

    def headers(self, path: str, timestamp_ms: int) -> dict[str, str]:
        token = self._tokens.access_token.get_secret_value()
        return {
            "Authorization": f"Bearer {token}",
            "timestamp": str(timestamp_ms),
            "signature": sign(path, token, timestamp_ms),
        }

    def secrets(self) -> tuple[str, ...]:
        found = [self._tokens.access_token.get_secret_value()]
        for value in (self._tokens.refresh_token, self._tokens.client_secret):
            if value is not None:
                found.append(value.get_secret_value())
        return tuple(found)

    def __repr__(self) -> str:
        return f"OAuthAuth(expires_at={self._tokens.expires_at.isoformat()}, token_file={self.token_file})"


Auth = ApiKeyAuth | OAuthAuth
