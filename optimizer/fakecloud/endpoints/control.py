"""Battery and inverter settings: minimum SoC, force-charge times, setting items, device time, peak shaving."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from optimizer.fakecloud import settings as dev_settings
from optimizer.fakecloud.bodies import check_keys, integer_text
from optimizer.fakecloud.endpoints.routing import device_of, route
from optimizer.fakecloud.replies import body_refusal

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState


@route("/op/v0/device/battery/soc/get", method="GET")
def soc_get(cloud: CloudState, query: dict[str, Any]) -> Any:
    return dev_settings.min_soc(device_of(cloud, query.get("sn")).settings)


@route("/op/v0/device/battery/soc/set", kind="write")
def soc_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "minSoc", "minSocOnGrid"))
    device = device_of(cloud, body["sn"])
    dev_settings.set_min_soc(device.settings, body, device.scheduler_on)
    return None


@route("/op/v0/device/battery/forceChargeTime/get", method="GET")
def charge_time_get(cloud: CloudState, query: dict[str, Any]) -> Any:
    return dev_settings.charge_times(device_of(cloud, query.get("sn")).settings)


@route("/op/v0/device/battery/forceChargeTime/set", kind="write")
def charge_time_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "enable1", "enable2", "startTime1", "endTime1", "startTime2", "endTime2"))
    device = device_of(cloud, body["sn"])
    dev_settings.set_charge_times(device.settings, body, device.scheduler_on)
    return None


@route("/op/v0/device/setting/get")
def setting_get(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "key"))
    device = device_of(cloud, body["sn"])
    return dev_settings.get_setting(device.spec, device.settings, body["key"])


@route("/op/v0/device/setting/set", kind="write")
def setting_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "key", "value"))
    device = device_of(cloud, body["sn"])
    dev_settings.set_setting(device.spec, device.settings, body["key"], body["value"], device.scheduler_on)
    return None


@route("/op/v0/device/time/get")
def time_get(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn",))
    device = device_of(cloud, body["sn"])
    local = device.device_clock(cloud.now())
    fields = ("year", "month", "day", "hour", "minute", "second")
    return {name: str(getattr(local, name)) for name in fields}


@route("/op/v0/device/time/set", kind="write")
def time_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    fields = ("year", "month", "day", "hour", "minute", "second")
    check_keys(body, ("sn", *fields))
    device = device_of(cloud, body["sn"])
    values = {name: integer_text(body[name], name, 0, 9999) for name in fields}
    if values["year"] < 100:
        values["year"] += 2000
    try:
        wanted = datetime(
            values["year"],
            values["month"],
            values["day"],
            values["hour"],
            values["minute"],
            values["second"],
            tzinfo=device.tz,
        )
    except ValueError as exc:
        raise body_refusal(f"not a valid time: {exc}") from None
    device.settings.clock_offset_s = (wanted - cloud.now()).total_seconds()
    return None


@route("/op/v0/device/peakShaving/get")
def peak_shaving_get(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn",))
    device = device_of(cloud, body["sn"])
    return dev_settings.peak_shaving(device.spec, device.settings)


@route("/op/v0/device/peakShaving/set", kind="write")
def peak_shaving_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "importLimit", "soc"))
    device = device_of(cloud, body["sn"])
    dev_settings.set_peak_shaving(device.spec, device.settings, body)
    return None


# ----- scheduler (v1, and the deprecated v0) -------------------------------------------------------------
