"""Inverters: list, detail, variables, fault codes, real-time data, history, reports and generation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from optimizer.fakecloud import telemetry
from optimizer.fakecloud.bodies import check_keys, integer, string_list
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.endpoints.routing import device_of, paged, paging, route, station_name
from optimizer.fakecloud.replies import body_refusal
from optimizer.fakecloud.variables import REPORT_VARIABLES, catalogue

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState

HISTORY_MAX_SPAN = timedelta(hours=24)
HISTORY_DEFAULT_SPAN = timedelta(days=3)
MAX_SNS_PER_QUERY = 50


def _list_item(cloud: CloudState, device: SimulatedDevice) -> dict[str, Any]:
    model = device.spec.model
    return {
        "deviceSN": device.sn,
        "moduleSN": device.spec.module_sn,
        "stationID": device.plant.station_id,
        "stationName": station_name(cloud, device.plant.station_id),
        "status": 1,
        "hasPV": model.has_pv,
        "hasBattery": model.has_battery,
        "deviceType": model.device_type,
        "productType": model.product_type,
    }


@route("/op/v0/device/list")
def device_list(cloud: CloudState, body: dict[str, Any]) -> Any:
    page_no, size = paging(body)
    return paged([_list_item(cloud, d) for d in cloud.devices.values()], page_no, size)


def _detail(cloud: CloudState, device: SimulatedDevice, battery_list: list[dict[str, Any]]) -> dict[str, Any]:
    model = device.spec.model
    return {
        **_list_item(cloud, device),
        "afciVersion": model.afci_version,
        "managerVersion": model.manager_version,
        "masterVersion": model.master_version,
        "slaveVersion": model.slave_version,
        "hardwareVersion": model.hardware_version,
        "capacity": model.capacity_kw_reported,
        "function": {"scheduler": model.scheduler},
        "batteryList": battery_list,
    }


@route("/op/v0/device/detail", method="GET")
def device_detail_v0(cloud: CloudState, query: dict[str, Any]) -> Any:
    """The deprecated v0 detail (still answering): one ``batteryList`` entry per pack, as the vendor document
    shows it (``capicty`` as a string)."""
    device = device_of(cloud, query.get("sn"))
    packs = [
        {
            "batterySN": m.battery_sn,
            "type": m.kind,
            "version": m.version,
            "model": m.model,
            "capicty": str(m.capacity_wh),
        }
        for m in device.spec.modules
    ]
    return _detail(cloud, device, packs)


@route("/op/v1/device/detail", method="GET")
def device_detail_v1(cloud: CloudState, query: dict[str, Any]) -> Any:
    """The current detail (foxesscloud 2.9.3 on): ``batteryList`` names the battery management unit (``bcu``)
    and then each pack (``bmu``) with its rated ``capacity`` [Wh] as a number, as foxesscloud 2.9.16 reads it."""
    device = device_of(cloud, query.get("sn"))
    modules = device.spec.modules
    parts: list[dict[str, Any]] = []
    if modules:
        first = modules[0]
        parts.append(
            {"batterySN": f"{first.battery_sn[:-4]}B000", "type": "bcu", "version": first.version, "model": first.model}
        )
    parts += [
        {"batterySN": m.battery_sn, "type": "bmu", "version": m.version, "model": m.model, "capacity": m.capacity_wh}
        for m in modules
    ]
    return _detail(cloud, device, parts)


@route("/op/v0/device/variable/get", method="GET")
def variable_get(cloud: CloudState, query: dict[str, Any]) -> Any:
    """Answers until 2026-04-08 (simulated date); HTTP 405 from then on (see ``optimizer.fakecloud.churn.REMOVED``)."""
    return [var.catalogue_entry() for var in catalogue().values()]


# Inverter fault codes (a representative subset of the Fox ESS hybrid fault table).
FAULT_CODES: dict[str, tuple[str, str, str]] = {
    "1": ("Grid Lost Fault", "电网丢失故障", "Brak sieci"),
    "2": ("Grid Voltage Fault", "电网电压故障", "Błąd napięcia sieci"),
    "3": ("Grid Frequency Fault", "电网频率故障", "Błąd częstotliwości sieci"),
    "4": ("10min Voltage Fault", "10分钟电压故障", "Błąd napięcia 10 min"),
    "5": ("EPS Overload Fault", "EPS过载故障", "Przeciążenie EPS"),
    "6": ("Bus Voltage Fault", "母线电压故障", "Błąd napięcia szyny DC"),
    "7": ("Inverter Over Temperature", "逆变器过温", "Przegrzanie falownika"),
    "8": ("Isolation Fault", "绝缘故障", "Błąd izolacji"),
    "9": ("Residual Current Fault", "漏电流故障", "Błąd prądu upływu"),
    "10": ("Battery Over Temperature", "电池过温", "Przegrzanie baterii"),
    "11": ("BMS Lost", "BMS通讯丢失", "Utrata komunikacji z BMS"),
    "12": ("Meter Lost", "电表通讯丢失", "Utrata komunikacji z licznikiem"),
}


@route("/op/v0/device/fault/get", method="GET")
def fault_get(cloud: CloudState, query: dict[str, Any]) -> Any:
    return [{code: {"en": en, "zh_CN": zh, "pl": pl}} for code, (en, zh, pl) in FAULT_CODES.items()]


def _variables(body: dict[str, Any]) -> list[str] | None:
    if body.get("variables") is None:
        return None
    return string_list(body["variables"], "variables")


@route("/op/v1/device/real/query")
def real_query_v1(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sns",), ("variables",))
    sns = string_list(body["sns"], "sns")
    if not 1 <= len(sns) <= MAX_SNS_PER_QUERY:
        raise body_refusal(f"sns: between 1 and {MAX_SNS_PER_QUERY} serial numbers, got {len(sns)}")
    variables = _variables(body)
    return [telemetry.realtime(cloud.devices[sn], variables) for sn in dict.fromkeys(sns) if sn in cloud.devices]


@route("/op/v0/device/real/query")
def real_query_v0(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, (), ("sn", "variables"))
    variables = _variables(body)
    if body.get("sn") is not None:
        return [telemetry.realtime(device_of(cloud, body["sn"]), variables)]
    return [telemetry.realtime(d, variables) for d in cloud.devices.values()]


def _epoch_ms(value: Any, where: str) -> datetime:
    ms = integer(value, where, 0, 4102444800000)
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)


@route("/op/v0/device/history/query")
def history_query(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn",), ("variables", "begin", "end"))
    device = device_of(cloud, body["sn"])
    variables = _variables(body)
    has_begin, has_end = body.get("begin") is not None, body.get("end") is not None
    if has_begin != has_end:
        raise body_refusal("begin and end: give both or neither")
    if has_begin:
        begin, end = _epoch_ms(body["begin"], "begin"), _epoch_ms(body["end"], "end")
        if end < begin:
            raise body_refusal("end is before begin")
        if end - begin > HISTORY_MAX_SPAN:
            raise body_refusal(f"the window {end - begin} exceeds 24 h")
    else:
        end = cloud.now()
        begin = end - HISTORY_DEFAULT_SPAN
    return [telemetry.history(device, begin, end, variables)]


@route("/op/v0/device/report/query")
def report_query(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("sn", "year", "dimension", "variables"), ("month", "day"))
    device = device_of(cloud, body["sn"])
    dimension = body["dimension"]
    if dimension not in ("day", "month", "year"):
        raise body_refusal(f"dimension: {dimension!r} is not one of day, month, year")
    year = integer(body["year"], "year", 2020, 2100)
    month = integer(body.get("month"), "month", 1, 12) if dimension != "year" else 1
    day = integer(body.get("day"), "day", 1, 31) if dimension == "day" else 1
    try:
        date(year, month, day)
    except ValueError:
        raise body_refusal(f"{year}-{month}-{day} is not a date") from None
    variables = string_list(body["variables"], "variables")
    unknown = [v for v in variables if v not in REPORT_VARIABLES]
    if not variables or unknown:
        raise body_refusal(f"variables: {unknown or 'none'}; use {list(REPORT_VARIABLES)}")
    return telemetry.report(device, dimension, year, month, day, variables, cloud.config.report_hour_undercount)


@route("/op/v0/device/generation", method="GET")
def generation(cloud: CloudState, query: dict[str, Any]) -> Any:
    device = device_of(cloud, query.get("sn"))
    today = cloud.now().astimezone(device.tz).date()
    month = telemetry.report(device, "month", today.year, today.month, 1, ["generation"])[0]["values"]
    total = telemetry.lifetime_kwh(device)["generation"]
    return {"today": round(month[today.day - 1], 2), "month": round(sum(month), 2), "cumulative": round(total, 2)}


# ----- battery and settings ------------------------------------------------------------------------------
