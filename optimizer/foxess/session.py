"""One Open API call, done properly: budget check, throttle, signed headers, send, decode, retry.

:class:`Session` is the only place that talks HTTP to the Open API. It turns every failure into the
project's exception tree (:mod:`optimizer.errors`) at this boundary:

* a non-zero ``errno`` in an HTTP 200 body → the typed :class:`~optimizer.errors.ApiError` of
  :mod:`.errnos` (40402 at once; 40400, 41200-41203 and 41935 after the retries);
* timeouts, connection errors and HTTP 5xx → retried, then :class:`~optimizer.errors.TransportError`;
* HTTP 429 → retried like 40400; other HTTP errors and bodies that are not the ``{errno, result}`` JSON
  object → :class:`~optimizer.errors.TransportError` at once;
* with OAuth, HTTP 401 → one token refresh and one more try.

Secrets never leave: log lines carry redacted headers, and server messages are scrubbed of the key.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from typing import Any

import httpx

from optimizer.errors import ConfigError, FoxEssError, RateLimitError, TransportError
from optimizer.foxess.auth import ApiKeyAuth, OAuthAuth
from optimizer.foxess.clock import Clock, SystemClock
from optimizer.foxess.endpoints import Endpoint
from optimizer.foxess.errnos import api_error, is_retryable
from optimizer.foxess.oauth import CredentialsError, refresh_tokens
from optimizer.foxess.quota import CallCounter
from optimizer.foxess.retry import RetryPolicy
from optimizer.foxess.signing import LANG, USER_AGENT, redact_headers
from optimizer.foxess.throttle import Throttle

log = logging.getLogger("optimizer.foxess")

_QUOTA_ERRNO = 40402


def is_loopback_host(host: str) -> bool:
    """True for this machine: ``localhost``, 127.0.0.0/8 and ``::1``."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str) -> str:
    """``scheme://host[:port]`` without a trailing slash; plain ``http`` only for this machine (loopback),
    so the key never crosses a network unencrypted."""
    text = (base_url or "").strip().rstrip("/")
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"Fox ESS base URL {base_url!r} is not an http(s) URL.",
            hint="Set [foxess] base_url or FOXESS_BASE_URL to e.g. https://www.foxesscloud.com.",
        )
    if url.path not in ("", "/") or url.query or url.fragment or url.userinfo:
        raise ConfigError(
            f"Fox ESS base URL {base_url!r} must be scheme://host[:port] only (no path, query or user).",
            hint="The API paths (/op/v0/...) are added by the client and signed as they are.",
        )
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise ConfigError(
            f"Fox ESS base URL {base_url!r} uses plain http to another machine, which would send the API key "
            "unencrypted.",
            hint="Use https (TLS is always verified); plain http is accepted for this machine only "
            "(127.0.0.1, localhost).",
        )
    return text


def http_client(
    base_url: str, *, timeout_s: float, transport: httpx.BaseTransport | None = None, user_agent: str = USER_AGENT
) -> httpx.Client:
    """The HTTP client for ``base_url``: TLS verified, no redirects, and for a loopback base URL no proxy at
    all, whatever ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` say (the token must never reach a proxy in
    clear text; a remote https base URL may go through a proxy, which then sees only an encrypted tunnel)."""
    host = httpx.URL(normalize_base_url(base_url)).host
    return httpx.Client(
        transport=transport,
        timeout=timeout_s,
        verify=True,
        follow_redirects=False,
        trust_env=not is_loopback_host(host),
        headers={"User-Agent": user_agent},
    )


class _Retry(Exception):
    """Internal: this attempt failed in a way worth repeating; ``error`` is raised if retries run out."""

    def __init__(self, error: FoxEssError, after_s: float = 0.0) -> None:
        super().__init__(str(error))
        self.error = error
        self.after_s = after_s


class _Unauthorized(Exception):
    """Internal: HTTP 401 on a bearer request (the access token may have just expired)."""


class Session:
    """Sends Open API calls for :class:`~optimizer.foxess.FoxEssClient` (see the module docstring).

    ``calls_made`` counts HTTP requests sent to ``/op/`` paths (retries included; OAuth token calls not);
    ``write_calls_made`` the part of them on write endpoints; ``last_server_date`` is the raw HTTP ``Date``
    header of the latest answer (to measure clock skew, the usual cause of errno 40256).
    """

    def __init__(
        self,
        base_url: str,
        auth: ApiKeyAuth | OAuthAuth,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        counter: CallCounter | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        throttle: bool = True,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.auth = auth
        self.clock = clock or SystemClock()
        self.counter = counter or CallCounter(clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.throttle = Throttle(self.clock, enabled=throttle)
        self.timeout_s = timeout_s
        self.http = http_client(self.base_url, timeout_s=timeout_s, transport=transport)
        self.calls_made = 0
        self.write_calls_made = 0
        self.last_server_date: str | None = None

    def close(self) -> None:
        self.http.close()

    # ----- the call loop ---------------------------------------------------------------------------
    def call(
        self,
        endpoint: Endpoint,
        *,
        device: str | None = None,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """Make one logical call and return the ``result`` of the answer (``None`` when absent).

        ``device`` is the inverter the call is about: it keys the write throttle and is the bucket the
        call is charged to (``None``: the shared account bucket).
        """
        failures = 0
        reauthorized = False
        while True:
            try:
                return self._attempt(endpoint, device, params, body, failures)
            except _Retry as retry:
                if failures >= self.retry.max_retries:
                    raise retry.error from None
                delay = self.retry.delay_s(failures, at_least_s=retry.after_s)
                log.info(
                    "%s failed (%s); retry %d of %d in %.1f s",
                    endpoint.path,
                    retry.error,
                    failures + 1,
                    self.retry.max_retries,
                    delay,
                )
                self.clock.sleep(delay)
                failures += 1
            except _Unauthorized:
                if reauthorized:
                    raise CredentialsError(
                        f"Fox ESS refused the OAuth access token on {endpoint.path} (HTTP 401 unauthorized).",
                        endpoint.path,
                        errno=401,
                        hint="The OAuth access token was rejected; run `optimizer oauth login` again.",
                    ) from None
                reauthorized = True
                self._refresh_oauth(force=True)

    def _attempt(
        self,
        endpoint: Endpoint,
        device: str | None,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        failures: int,
    ) -> Any:
        self.counter.check(1, device)
        self.throttle.wait(endpoint.path, write=endpoint.write, sn=device)
        headers = self._headers(endpoint.path)
        log.debug(
            "%s %s device=%s try=%d headers=%s",
            endpoint.method,
            endpoint.path,
            device or "-",
            failures + 1,
            redact_headers(headers),
        )
        try:
            response = self.http.request(
                endpoint.method,
                self.base_url + endpoint.path,
                params=params,
                json=body if endpoint.method == "POST" else None,
                headers=headers,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if _tls_verification_failed(exc):  # retrying cannot help, and "cannot reach" would mislead
                raise TransportError(
                    f"TLS certificate verification failed for {httpx.URL(self.base_url).host}",
                    hint="Check the system clock and CA certificates, and for a proxy or firewall that intercepts "
                    "TLS; verification stays on.",
                ) from None
            raise _Retry(
                TransportError(
                    f"cannot reach the Fox ESS cloud at {self.base_url} ({type(exc).__name__})",
                    hint="Check the network connection and [foxess] base_url / FOXESS_BASE_URL.",
                )
            ) from None
        except httpx.TimeoutException:
            self._count(endpoint, device)
            raise _Retry(TransportError(f"Fox ESS {endpoint.path}: no answer within {self.timeout_s:g} s")) from None
        except httpx.HTTPError as exc:
            self._count(endpoint, device)
            raise _Retry(TransportError(f"Fox ESS {endpoint.path}: connection failed ({type(exc).__name__})")) from None
        self._count(endpoint, device)
        return self._decode(endpoint, response)

    def _decode(self, endpoint: Endpoint, response: httpx.Response) -> Any:
        path = endpoint.path
        status = response.status_code
        self.last_server_date = response.headers.get("date") or self.last_server_date
        log.debug("%s -> HTTP %d", path, status)
        if status == 401 and isinstance(self.auth, OAuthAuth):
            raise _Unauthorized()
        if status in (401, 403):
            errno = _errno_of(response)
            reason = "unauthorized" if status == 401 else "forbidden"
            code = f", errno {errno}" if errno else ""
            what = "the API key" if isinstance(self.auth, ApiKeyAuth) else "the OAuth access token"
            hint = (
                "Check FOXESS_API_KEY or [foxess] api_key: copy the key again from foxesscloud.com "
                "(User profile → API Management)."
                if isinstance(self.auth, ApiKeyAuth)
                else "Run `optimizer oauth login` again."
            )
            raise CredentialsError(
                f"Fox ESS refused {what} on {path} (HTTP {status} {reason}{code}).",
                path,
                errno=errno or status,
                hint=hint,
            )
        if status == 429:
            raise _Retry(
                RateLimitError(40400, "HTTP 429 Too Many Requests", path, name="too-frequent"),
                after_s=_retry_after_s(response),
            )
        if status >= 500:
            raise _Retry(TransportError(f"Fox ESS {path}: HTTP {status} (cloud unavailable)"))
        if status != 200:
            moved = "The endpoint may have moved (the API changes often)." if status in (404, 405) else None
            raise TransportError(f"Fox ESS {path}: unexpected HTTP {status}", hint=moved)
        try:
            payload = response.json()
        except ValueError:
            raise TransportError(
                f"Fox ESS {path}: the answer is not JSON "
                f"({response.headers.get('content-type', 'no content type')}, {len(response.content)} bytes)"
            ) from None
        if not isinstance(payload, dict) or "errno" not in payload:
            raise TransportError(f"Fox ESS {path}: the answer has no errno (not an Open API answer)")
        try:
            errno = int(payload["errno"])
        except (TypeError, ValueError):
            raise TransportError(f"Fox ESS {path}: errno {payload['errno']!r} is not a number") from None
        if errno == 0:
            return payload.get("result")
        error = api_error(errno, self._scrub(str(payload.get("msg") or "")), path)
        log.debug("%s -> errno %d %s", path, errno, error.name)
        if errno != _QUOTA_ERRNO and is_retryable(errno):
            raise _Retry(error)
        raise error

    # ----- helpers ---------------------------------------------------------------------------------
    def _headers(self, path: str) -> dict[str, str]:
        if isinstance(self.auth, OAuthAuth):
            self._refresh_oauth(force=False)
        headers = {"lang": LANG, "Content-Type": "application/json"}
        headers.update(self.auth.headers(path, self.clock.time_ms()))
        return headers

    def _refresh_oauth(self, *, force: bool) -> None:
        assert isinstance(self.auth, OAuthAuth)
        now_ms = self.clock.time_ms()
        if force or self.auth.needs_refresh(now_ms):
            log.info("refreshing the Fox ESS OAuth access token")
            self.auth.replace_tokens(refresh_tokens(self.http, self.base_url, self.auth.tokens, now_ms=now_ms))

    def _count(self, endpoint: Endpoint, device: str | None) -> None:
        self.calls_made += 1
        if endpoint.write:
            self.write_calls_made += 1
        self.counter.record(device)

    def _scrub(self, text: str) -> str:
        for secret in self.auth.secrets():
            text = text.replace(secret, "***")
        return text


def _errno_of(response: httpx.Response) -> int | None:
    """The ``errno`` of an error answer's JSON body, if it has one."""
    try:
        document = response.json()
    except ValueError:
        return None
    errno = document.get("errno") if isinstance(document, dict) else None
    return errno if isinstance(errno, int) and not isinstance(errno, bool) and errno else None


def _tls_verification_failed(exc: BaseException) -> bool:
    """Whether a connection failed because the server's TLS certificate did not verify."""
    seen: BaseException | None = exc
    for _ in range(10):  # the chain httpx → httpcore → ssl is three deep
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after_s(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0
