"""The ``errno`` values the Fox ESS Open API returns in HTTP 200 bodies: names, hints, exception class, retry.

Sources: the vendor document (40256, 40257, 40400) and what the real server does according to working
clients (``fox-api-field-notes.md`` §2). An unknown errno becomes a plain :class:`~optimizer.errors.ApiError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import (
    ApiError,
    AuthError,
    QuotaExhaustedError,
    RateLimitError,
    TransientApiError,
)


@dataclass(frozen=True)
class ErrnoInfo:
    """What one errno means and what the client does with it."""

    name: str
    hint: str
    error: type[ApiError] = ApiError
    retry: bool = False


_TRANSIENT_HINT = "The Fox ESS cloud failed to answer; it usually recovers within minutes. Try again later."
_WRONG_SN_HINT = "Check the serial number against `optimizer devices` and [foxess] devices in the config."

ERRNOS: dict[int, ErrnoInfo] = {
    40256: ErrnoInfo(
        "header-invalid",
        "The token, signature or timestamp was refused: check FOXESS_API_KEY (or the OAuth token file) "
        "and that this computer's clock is right (keep NTP on).",
        AuthError,
    ),
    40257: ErrnoInfo(
        "body-invalid",
        "The server rejected a field or value in the request body (e.g. fdSoc below minSocOnGrid, "
        "a setting this inverter lacks, or an unexpected key).",
    ),
    40400: ErrnoInfo(
        "too-frequent",
        "Requests were too frequent even after backing off; wait a minute and try again.",
        RateLimitError,
        retry=True,
    ),
    40402: ErrnoInfo(
        "quota-exhausted",
        "The account's daily API quota (1,440 calls per inverter) is used up; wait until it resets "
        "and lower the polling of other tools sharing this key.",
        QuotaExhaustedError,
    ),
    41200: ErrnoInfo("query-failed", _TRANSIENT_HINT, TransientApiError, retry=True),
    41201: ErrnoInfo("cloud-busy", _TRANSIENT_HINT, TransientApiError, retry=True),
    41202: ErrnoInfo("cloud-busy", _TRANSIENT_HINT, TransientApiError, retry=True),
    41203: ErrnoInfo("cloud-busy", _TRANSIENT_HINT, TransientApiError, retry=True),
    41930: ErrnoInfo("incorrect-inverter-id", _WRONG_SN_HINT),
    40261: ErrnoInfo("incorrect-inverter-id", _WRONG_SN_HINT),
    41935: ErrnoInfo(
        "device-offline",
        "The inverter is offline (no data logger connection); check its Wi-Fi/LAN link and try later.",
        TransientApiError,
        retry=True,
    ),
    42015: ErrnoInfo(
        "unsupported-feature",
        "This inverter does not support that feature or setting.",
    ),
    42023: ErrnoInfo(
        "time-overlap",
        "Two scheduler groups overlap in time; each minute of the day may belong to one group only.",
    ),
    44096: ErrnoInfo(
        "unsupported-function-code",
        "The setting is not supported, or it cannot change while the mode scheduler is enabled "
        "(disable the scheduler flag first).",
    ),
    44098: ErrnoInfo(
        "write-failed",
        "The inverter did not accept the write; if the mode scheduler is on, settings such as MinSocOnGrid "
        "cannot change. Check that the inverter supports the scheduler and is online.",
    ),
}


def errno_info(errno: int) -> ErrnoInfo | None:
    """The table entry for ``errno``, or ``None`` for an errno the project has not met."""
    return ERRNOS.get(errno)


def api_error(errno: int, msg: str, path: str) -> ApiError:
    """The typed exception for a non-zero ``errno`` answered on ``path`` (carries no credentials)."""
    info = ERRNOS.get(errno)
    if info is None:
        return ApiError(errno, msg or "no message", path)
    return info.error(errno, msg or "no message", path, name=info.name, hint=info.hint)


def is_retryable(errno: int) -> bool:
    """True for the rate-limit and transient errnos that are retried with back-off."""
    info = ERRNOS.get(errno)
    return bool(info and info.retry)
