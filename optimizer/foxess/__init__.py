"""The Fox ESS Open API client.

A small public surface (this module); one module per concept below it:

========================  ==================================================================================
``signing``               ``sign(path, token, timestamp_ms)``: md5 over path ``\\r\\n`` token ``\\r\\n`` ms
``auth``, ``oauth``       :class:`ApiKeyAuth`, :class:`OAuthAuth`, :class:`OAuthTokens`, the 0600 token file
``endpoints``             every endpoint of the vendor document: method, path, query or write
``models``                pydantic request (no unknown keys) and response (unknown keys kept) models
``wire``                  arguments → request models (UsageError), answers → response models (TransportError)
``session``               one call: budget → throttle → signed headers → send → errno → retry
``throttle``, ``retry``   1 s per query path, 2 s per write path and device (+0.1 s); bounded back-off, jitter
``quota``                 :class:`CallCounter`: per-inverter daily counts on disk, run budget, reconcile
``errnos``                the errno table: names, hints, exception class, retry or not
``timeparse``             :func:`parse_fox_time`: ``2025-09-14 18:43:09 BST+0100`` → aware datetime
``clock``                 :class:`Clock`, :class:`SystemClock`, :class:`ManualClock` (tests, simulations)
``client``                :class:`FoxEssClient`: one typed method per endpoint; scheduler v1/v3 per device
``factory``               :func:`client_from_config`
``inventory``             the account's inverters as ``optimizer devices`` shows them
========================  ==================================================================================

Errors are those of :mod:`optimizer.errors`::

    FoxEssError                     exit 5
    ├── TransportError              exit 5  network, timeout, HTTP 5xx (after retries), malformed answer
    └── ApiError                    exit 4  non-zero errno (errno, msg, path; never the key)
        ├── AuthError               exit 4  40256; OAuth refusals and HTTP 401/403 (CredentialsError)
        ├── RateLimitError          exit 4  40400 / HTTP 429 after the retries
        ├── TransientApiError       exit 5  41200-41203, 41935 after the retries
        └── QuotaExhaustedError     exit 6  40402, never retried
    QuotaBudgetError                exit 6  the local budget would be exceeded: refused before calling
"""

import typing as _typing

from optimizer._lazy import exports_of as _exports_of
from optimizer._lazy import lazy_exports as _lazy_exports

_MODULES = {
    ".auth": (
        "ApiKeyAuth",
        "OAuthAuth",
    ),
    ".client": (
        "V3_PRODUCT_TYPES",
        "FoxEssClient",
        "HistoryWindowError",
        "history_windows",
    ),
    ".clock": (
        "Clock",
        "ManualClock",
        "SystemClock",
    ),
    ".endpoints": (
        "ENDPOINTS",
        "Endpoint",
    ),
    ".errnos": (
        "ERRNOS",
        "ErrnoInfo",
        "api_error",
    ),
    ".factory": (
        "auth_from_config",
        "call_counter",
        "client_from_config",
        "has_credentials",
        "token_file_path",
    ),
    ".models": (
        "AccessCount",
        "BatteryInfo",
        "BatterySoc",
        "DataLogger",
        "DeviceDetail",
        "DeviceSetting",
        "DeviceSummary",
        "DeviceTime",
        "FaultCode",
        "ForceChargeTimes",
        "Generation",
        "HistoryPoint",
        "Meter",
        "MeterSettings",
        "PeakShaving",
        "PlantCreateRequest",
        "PlantDetail",
        "PlantSummary",
        "PlantUpdateRequest",
        "PlantWriteResult",
        "RealTimeData",
        "RealTimeValue",
        "ReportVariable",
        "SchedulerFlag",
        "SchedulerState",
        "SchedulerV3Answer",
        "SettingValue",
        "TimeOfDay",
        "VariableInfo",
    ),
    ".oauth": (
        "CredentialsError",
        "OAuthTokens",
        "authorization_url",
        "exchange_code",
        "read_token_file",
        "refresh_tokens",
        "revoke",
        "write_token_file",
    ),
    ".quota": (
        "ACCOUNT_BUCKET",
        "CallCounter",
    ),
    ".retry": ("RetryPolicy",),
    ".session": (
        "http_client",
        "is_loopback_host",
    ),
    ".signing": (
        "USER_AGENT",
        "redact_headers",
        "sign",
    ),
    ".timeparse": (
        "epoch_ms",
        "parse_fox_time",
    ),
}
__getattr__, __dir__ = _lazy_exports(__name__, _exports_of(_MODULES), globals())

if _typing.TYPE_CHECKING:
    from optimizer.foxess.auth import ApiKeyAuth, OAuthAuth
    from optimizer.foxess.client import V3_PRODUCT_TYPES, FoxEssClient, HistoryWindowError, history_windows
    from optimizer.foxess.clock import Clock, ManualClock, SystemClock
    from optimizer.foxess.endpoints import ENDPOINTS, Endpoint
    from optimizer.foxess.errnos import ERRNOS, ErrnoInfo, api_error
    from optimizer.foxess.factory import (
        auth_from_config,
        call_counter,
        client_from_config,
        has_credentials,
        token_file_path,
    )
    from optimizer.foxess.models import (
        AccessCount,
        BatteryInfo,
        BatterySoc,
        DataLogger,
        DeviceDetail,
        DeviceSetting,
        DeviceSummary,
        DeviceTime,
        FaultCode,
        ForceChargeTimes,
        Generation,
        HistoryPoint,
        Meter,
        MeterSettings,
        PeakShaving,
        PlantCreateRequest,
        PlantDetail,
        PlantSummary,
        PlantUpdateRequest,
        PlantWriteResult,
        RealTimeData,
        RealTimeValue,
        ReportVariable,
        SchedulerFlag,
        SchedulerState,
        SchedulerV3Answer,
        SettingValue,
        TimeOfDay,
        VariableInfo,
    )
    from optimizer.foxess.oauth import (
        CredentialsError,
        OAuthTokens,
        authorization_url,
        exchange_code,
        read_token_file,
        refresh_tokens,
        revoke,
        write_token_file,
    )
    from optimizer.foxess.quota import ACCOUNT_BUCKET, CallCounter
    from optimizer.foxess.retry import RetryPolicy
    from optimizer.foxess.session import http_client, is_loopback_host
    from optimizer.foxess.signing import USER_AGENT, redact_headers, sign
    from optimizer.foxess.timeparse import epoch_ms, parse_fox_time

__all__ = [
    "ACCOUNT_BUCKET",
    "ENDPOINTS",
    "ERRNOS",
    "USER_AGENT",
    "V3_PRODUCT_TYPES",
    "AccessCount",
    "ApiKeyAuth",
    "BatteryInfo",
    "BatterySoc",
    "CallCounter",
    "Clock",
    "CredentialsError",
    "DataLogger",
    "DeviceDetail",
    "DeviceSetting",
    "DeviceSummary",
    "DeviceTime",
    "Endpoint",
    "ErrnoInfo",
    "FaultCode",
    "ForceChargeTimes",
    "FoxEssClient",
    "Generation",
    "HistoryPoint",
    "HistoryWindowError",
    "ManualClock",
    "Meter",
    "MeterSettings",
    "OAuthAuth",
    "OAuthTokens",
    "PeakShaving",
    "PlantCreateRequest",
    "PlantDetail",
    "PlantSummary",
    "PlantUpdateRequest",
    "PlantWriteResult",
    "RealTimeData",
    "RealTimeValue",
    "ReportVariable",
    "RetryPolicy",
    "SchedulerFlag",
    "SchedulerState",
    "SchedulerV3Answer",
    "SettingValue",
    "SystemClock",
    "TimeOfDay",
    "VariableInfo",
    "api_error",
    "auth_from_config",
    "authorization_url",
    "call_counter",
    "client_from_config",
    "epoch_ms",
    "exchange_code",
    "has_credentials",
    "history_windows",
    "http_client",
    "is_loopback_host",
    "parse_fox_time",
    "read_token_file",
    "redact_headers",
    "refresh_tokens",
    "revoke",
    "sign",
    "token_file_path",
    "write_token_file",
]
