"""The names other modules code against exist with the agreed signatures."""

from __future__ import annotations

import inspect

import optimizer.foxess as foxess


def test_agreed_names_are_exported() -> None:
    names = [
        "FoxEssClient",
        "ApiKeyAuth",
        "OAuthAuth",
        "OAuthTokens",
        "CallCounter",
        "Clock",
        "SystemClock",
        "sign",
        "parse_fox_time",
        "DeviceSummary",
        "DeviceDetail",
        "SchedulerState",
        "SchedulerFlag",
        "RealTimeData",
        "HistoryPoint",
        "ReportVariable",
        "client_from_config",
    ]
    for name in names:
        assert hasattr(foxess, name), name
    assert set(foxess.__all__) >= set(names)


def test_client_signature() -> None:
    params = inspect.signature(foxess.FoxEssClient).parameters
    assert list(params)[:2] == ["base_url", "auth"]
    assert {
        k: params[k].default for k in ("transport", "clock", "counter", "timeout_s", "max_retries", "throttle")
    } == {
        "transport": None,
        "clock": None,
        "counter": None,
        "timeout_s": 30.0,
        "max_retries": 4,
        "throttle": True,
    }
    for method in [
        "close",
        "list_devices",
        "device_detail",
        "real_time",
        "history",
        "history_window",
        "report",
        "scheduler_get_flag",
        "scheduler_set_flag",
        "scheduler_get",
        "scheduler_enable",
        "access_count",
    ]:
        assert callable(getattr(foxess.FoxEssClient, method)), method
    assert list(inspect.signature(foxess.FoxEssClient.history).parameters) == [
        "self",
        "sn",
        "begin",
        "end",
        "variables",
    ]
    assert list(inspect.signature(foxess.FoxEssClient.report).parameters) == [
        "self",
        "sn",
        "dimension",
        "year",
        "month",
        "day",
        "variables",
    ]
    assert list(inspect.signature(foxess.client_from_config).parameters) == ["config", "transport", "clock"]
    assert list(inspect.signature(foxess.sign).parameters) == ["path", "token", "timestamp_ms"]


def test_system_clock_is_a_clock() -> None:
    clock = foxess.SystemClock()
    assert isinstance(clock, foxess.Clock) and isinstance(foxess.ManualClock(), foxess.Clock)
    assert clock.time_ms() > 1_700_000_000_000 and clock.monotonic() >= 0
    clock.sleep(0)  # returns at once
