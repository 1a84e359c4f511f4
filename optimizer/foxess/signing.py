"""The request signature, exactly as the real Fox ESS cloud checks it.

``signature = md5(path + "\\r\\n" + token + "\\r\\n" + timestamp)`` in lowercase hex, where:

* ``path`` is the request path only (``/op/v0/device/detail``): no scheme, host or query string;
* each ``\\r\\n`` is the **four literal characters** backslash, ``r``, backslash, ``n`` (real CR LF bytes get
  errno 40256 "illegal signature");
* ``token`` is the API key, or the OAuth access token for bearer requests;
* ``timestamp`` is the epoch time in milliseconds, sent unchanged in the ``timestamp`` header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import httpx

from optimizer import __version__

SEPARATOR = "\\r\\n"  # four characters: \ r \ n
LANG = "en"
USER_AGENT = f"foxess-optimizer/{__version__} python-httpx/{httpx.__version__}"
SECRET_HEADERS = frozenset({"token", "signature", "authorization"})


def signature_input(path: str, token: str, timestamp_ms: int) -> str:
    """The exact text that is hashed (useful to explain a signature; it contains the token)."""
    if not path.startswith("/") or "?" in path or "#" in path:
        raise ValueError(f"sign the request path only (e.g. /op/v0/device/list), got {path!r}")
    return f"{path}{SEPARATOR}{token}{SEPARATOR}{int(timestamp_ms)}"


def sign(path: str, token: str, timestamp_ms: int) -> str:
    """The lowercase hex md5 the cloud expects in the ``signature`` header."""
    return hashlib.md5(signature_input(path, token, timestamp_ms).encode("utf-8")).hexdigest()


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: the token, signature and bearer token replaced by ``***``."""
    return {name: ("***" if name.lower() in SECRET_HEADERS else value) for name, value in headers.items()}
