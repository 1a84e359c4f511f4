"""Data loggers, meters and their settings, the access count, and the legacy error-message table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optimizer.fakecloud.bodies import check_keys, integer_text, text
from optimizer.fakecloud.endpoints.routing import paged, paging, route, station_name
from optimizer.fakecloud.replies import ERRNO_BAD_SN, MESSAGES, Refusal, body_refusal

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState


@route("/op/v0/module/list")
def module_list(cloud: CloudState, body: dict[str, Any]) -> Any:
    page_no, size = paging(body)
    items = [
        {
            "moduleSN": m.module_sn,
            "stationID": m.station_id,
            "plantName": station_name(cloud, m.station_id),
            "status": m.status,
            "signal": m.signal,
        }
        for m in cloud.account.loggers
    ]
    return paged(items, page_no, size)


@route("/op/v0/gw/list")
def meter_list(cloud: CloudState, body: dict[str, Any]) -> Any:
    page_no, size = paging(body)
    items = [
        {
            "sn": m.sn,
            "stationID": m.station_id,
            "stationName": station_name(cloud, m.station_id),
            "status": m.status,
        }
        for m in cloud.account.meters
    ]
    return paged(items, page_no, size)


METER_MODES = ("normal", "feedinLimit", "G100")
_METER_G100_KEYS = ("outputMaxCurrent", "inputMaxCurrent", "overVoltageMaxValue", "underVoltageMinValue")
_METER_RANGES: dict[str, tuple[str, float, float]] = {
    "feedinPower": ("W", 0, 30000),
    "outputMaxCurrent": ("A", 0, 100),
    "inputMaxCurrent": ("A", 0, 100),
    "overVoltageMaxValue": ("V", 230, 270),
    "underVoltageMinValue": ("V", 180, 230),
    "sysOnOffPowerValue": ("W", 0, 30000),
    "deviceQuantity": ("", 1, 10),
}


def _meter(cloud: CloudState, sn: Any) -> dict[str, str]:
    sn = text(sn, "sn")
    if sn not in cloud.meter_settings:
        raise Refusal(ERRNO_BAD_SN, detail=f"meter {sn!r} is not in this account")
    return cloud.meter_settings[sn]


@route("/op/v0/gw/setting/get")
def meter_setting_get(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn",))
    values = _meter(cloud, body["sn"])
    result: dict[str, Any] = {
        "mode": {"value": values["mode"], "unit": "", "precision": 1, "range": {}, "enumList": list(METER_MODES)}
    }
    for key, (unit, low, high) in _METER_RANGES.items():
        result[key] = {
            "value": values[key],
            "unit": unit,
            "precision": 1,
            "range": {"min": low, "max": high},
            "enumList": [],
        }
    return result


@route("/op/v0/gw/setting/set", kind="write")
def meter_setting_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    optional = ("feedinPower", *_METER_G100_KEYS, "sysOnOffPowerValue")
    check_keys(body, ("sn", "mode"), optional)
    values = _meter(cloud, body["sn"])
    mode = body["mode"]
    if mode not in METER_MODES:
        raise body_refusal(f"mode: {mode!r} is not one of {list(METER_MODES)}")
    updates = {"mode": mode}
    for key in optional:
        if key not in body:
            continue
        if key == "feedinPower" and mode == "normal":
            raise body_refusal("feedinPower is only available outside normal mode")
        if key in (*_METER_G100_KEYS, "sysOnOffPowerValue") and mode != "G100":
            raise body_refusal(f"{key} is only available in G100 mode")
        _, low, high = _METER_RANGES[key]
        updates[key] = str(integer_text(body[key], key, low, high))
    values.update(updates)
    return None


@route("/op/v0/user/getAccessCount", method="GET")
def access_count(cloud: CloudState, query: dict[str, Any]) -> Any:
    quota = cloud.quota
    total = quota.total if quota.total is not None else 1440 * quota.inverters
    remaining = max(0, total - quota.used())
    return {"total": str(total), "remaining": str(remaining)}


def error_messages() -> dict[str, Any]:
    """The legacy token-less ``/c/v0/errors/message`` result: errno → message per language."""
    english = {str(errno): msg for errno, msg in MESSAGES.items() if errno}
    return {"messages": {"en": english}}
