"""Every endpoint of the vendor document: the exact request each client method sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from optimizer.errors import UsageError
from optimizer.foxess import ENDPOINTS, ForceChargeTimes, FoxEssClient, PlantCreateRequest, PlantUpdateRequest, sign
from optimizer.foxess.models import FoxRequest, SchedulerEnableRequest
from optimizer.scheduler import SchedulerGroup
from tests.foxess.conftest import API_KEY, MockCloud

GROUP = SchedulerGroup(
    enable=1,
    startHour=2,
    startMinute=0,
    endHour=4,
    endMinute=59,
    workMode="ForceCharge",
    minSocOnGrid=10,
    fdSoc=90,
    fdPwr=3000,
    maxSoc=90,
)
GROUP_WIRE = {
    "enable": 1,
    "startHour": 2,
    "startMinute": 0,
    "endHour": 4,
    "endMinute": 59,
    "workMode": "ForceCharge",
    "minSocOnGrid": 10,
    "fdSoc": 90,
    "fdPwr": 3000,
    "maxSoc": 90,
}
GROUP_V3_WIRE = {
    "startHour": 2,
    "startMinute": 0,
    "endHour": 4,
    "endMinute": 59,
    "workMode": "ForceCharge",
    "extraParam": {"minSocOnGrid": 10.0, "fdSoc": 90.0, "fdPwr": 3000.0, "maxSoc": 90.0},
}
DETAILS: dict[str, Any] = {
    "name": "Home",
    "type": 2,
    "countryCode": "GB",
    "city": "Leeds",
    "address": "1 Road",
    "postcode": "LS1 1AA",
    "price": 0.25,
    "currency": "GBP(£)",
    "systemCapacity": 4.2,
}
PLANT: dict[str, Any] = {
    "devices": [{"sn": "MOD1"}],
    "details": DETAILS,
    "timezone": "Europe/London",
}
BEGIN = datetime(2025, 2, 21, 0, 0, tzinfo=UTC)
END = datetime(2025, 2, 21, 12, 0, tzinfo=UTC)
PAGE = {"currentPage": 1, "pageSize": 10}

# name -> (call, method, query params, JSON body)
CASES: dict[str, tuple[Callable[[FoxEssClient], Any], str, dict[str, str], Any]] = {
    "plant_create": (lambda c: c.plant_create(PlantCreateRequest.model_validate(PLANT)), "POST", {}, PLANT),
    "plant_update": (
        lambda c: c.plant_update(
            PlantUpdateRequest.model_validate({**PLANT, "details": {**DETAILS, "stationID": "ST1"}})
        ),
        "POST",
        {},
        {**PLANT, "details": {**DETAILS, "stationID": "ST1"}},
    ),
    "plant_delete": (lambda c: c.plant_delete("ST1"), "POST", {}, {"stationID": "ST1"}),
    "plant_detail": (lambda c: c.plant_detail("ST1"), "GET", {"id": "ST1"}, None),
    "plant_list": (lambda c: c.plant_list(), "POST", {}, PAGE),
    "real_time": (
        lambda c: c.real_time(["SN1", "SN2"], ["pvPower", "SoC"]),
        "POST",
        {},
        {"sns": ["SN1", "SN2"], "variables": ["pvPower", "SoC"]},
    ),
    "scheduler_get_flag": (lambda c: c.scheduler_get_flag("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_set_flag": (lambda c: c.scheduler_set_flag("SN1", True), "POST", {}, {"deviceSN": "SN1", "enable": 1}),
    "scheduler_get": (lambda c: c.scheduler_get("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_enable": (
        lambda c: c.scheduler_enable("SN1", [GROUP]),
        "POST",
        {},
        {"deviceSN": "SN1", "groups": [GROUP_WIRE]},
    ),
    "device_list": (lambda c: c.list_devices(), "POST", {}, PAGE),
    "device_detail": (lambda c: c.device_detail("SN1"), "GET", {"sn": "SN1"}, None),
    "device_detail_v0": (lambda c: c.device_detail_v0("SN1"), "GET", {"sn": "SN1"}, None),
    "scheduler_v2_get": (lambda c: c.scheduler_v2_get("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_v3_get": (lambda c: c.scheduler_v3_get("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_v3_enable": (
        lambda c: c.scheduler_v3_enable("SN1", [GROUP]),
        "POST",
        {},
        {"deviceSN": "SN1", "isDefault": False, "groups": [GROUP_V3_WIRE]},
    ),
    "variables": (lambda c: c.variables(), "GET", {}, None),
    "fault_codes": (lambda c: c.fault_codes(), "GET", {}, None),
    "real_time_v0": (lambda c: c.real_time_v0("SN1", ["SoC"]), "POST", {}, {"sn": "SN1", "variables": ["SoC"]}),
    "history": (
        lambda c: c.history_window("SN1", BEGIN, END, ["pvPower", "loadsPower"]),
        "POST",
        {},
        {"sn": "SN1", "variables": ["pvPower", "loadsPower"], "begin": 1740096000000, "end": 1740139200000},
    ),
    "report": (
        lambda c: c.report("SN1", "day", 2025, 2, 21, ["generation", "feedin"]),
        "POST",
        {},
        {"sn": "SN1", "year": 2025, "month": 2, "day": 21, "dimension": "day", "variables": ["generation", "feedin"]},
    ),
    "generation": (lambda c: c.generation("SN1"), "GET", {"sn": "SN1"}, None),
    "battery_soc_get": (lambda c: c.battery_soc_get("SN1"), "GET", {"sn": "SN1"}, None),
    "battery_soc_set": (
        lambda c: c.battery_soc_set("SN1", 10, 15),
        "POST",
        {},
        {"sn": "SN1", "minSoc": 10, "minSocOnGrid": 15},
    ),
    "force_charge_time_get": (lambda c: c.force_charge_time_get("SN1"), "GET", {"sn": "SN1"}, None),
    "force_charge_time_set": (
        lambda c: c.force_charge_time_set(
            "SN1",
            ForceChargeTimes.model_validate(
                {"enable1": True, "startTime1": {"hour": 2, "minute": 0}, "endTime1": {"hour": 4, "minute": 59}}
            ),
        ),
        "POST",
        {},
        {
            "sn": "SN1",
            "enable1": True,
            "enable2": False,
            "startTime1": {"hour": 2, "minute": 0},
            "endTime1": {"hour": 4, "minute": 59},
            "startTime2": {"hour": 0, "minute": 0},
            "endTime2": {"hour": 0, "minute": 0},
        },
    ),
    "setting_get": (lambda c: c.setting_get("SN1", "ExportLimit"), "POST", {}, {"sn": "SN1", "key": "ExportLimit"}),
    "setting_set": (
        lambda c: c.setting_set("SN1", "ExportLimit", 5000.0),
        "POST",
        {},
        {"sn": "SN1", "key": "ExportLimit", "value": "5000"},
    ),
    "device_time_get": (lambda c: c.device_time_get("SN1"), "POST", {}, {"sn": "SN1"}),
    "device_time_set": (
        lambda c: c.device_time_set("SN1", datetime(2025, 3, 30, 1, 59, 58)),
        "POST",
        {},
        {"sn": "SN1", "year": "2025", "month": "3", "day": "30", "hour": "1", "minute": "59", "second": "58"},
    ),
    "peak_shaving_get": (lambda c: c.peak_shaving_get("SN1"), "POST", {}, {"sn": "SN1"}),
    "peak_shaving_set": (
        lambda c: c.peak_shaving_set("SN1", 7.5, 20),
        "POST",
        {},
        {"sn": "SN1", "importLimit": 7.5, "soc": 20},
    ),
    "scheduler_v0_get_flag": (lambda c: c.scheduler_v0_get_flag("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_v0_get": (lambda c: c.scheduler_v0_get("SN1"), "POST", {}, {"deviceSN": "SN1"}),
    "scheduler_v0_set_flag": (
        lambda c: c.scheduler_v0_set_flag("SN1", False),
        "POST",
        {},
        {"deviceSN": "SN1", "enable": 0},
    ),
    "scheduler_v0_enable": (
        lambda c: c.scheduler_v0_enable("SN1", [GROUP]),
        "POST",
        {},
        {"deviceSN": "SN1", "groups": [{k: v for k, v in GROUP_WIRE.items() if k != "maxSoc"}]},
    ),
    "data_logger_list": (lambda c: c.list_data_loggers(), "POST", {}, PAGE),
    "meter_list": (lambda c: c.list_meters(), "POST", {}, PAGE),
    "meter_setting_get": (lambda c: c.meter_settings_get("MTR1"), "POST", {}, {"sn": "MTR1"}),
    "meter_setting_set": (
        lambda c: c.meter_settings_set("MTR1", "G100", feedinPower=3600, outputMaxCurrent="60"),
        "POST",
        {},
        {"sn": "MTR1", "mode": "G100", "feedinPower": "3600", "outputMaxCurrent": "60"},
    ),
    "access_count": (lambda c: c.access_count(), "GET", {}, None),
}


def test_every_documented_endpoint_is_covered() -> None:
    """The vendor document's 37 endpoints, plus device/detail v1 and scheduler v2/v3 (field notes §8)."""
    assert set(CASES) == set(ENDPOINTS)
    assert len(ENDPOINTS) == 41
    assert len({e.path for e in ENDPOINTS.values()}) == 41


# Answers for the endpoints whose result has required fields.
RESULTS = {
    "device_detail": {"deviceSN": "SN1"},
    "device_detail_v0": {"deviceSN": "SN1"},
    "device_time_get": {"year": "2025", "month": "3", "day": "30", "hour": "1", "minute": "59", "second": "58"},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_request_shape(name: str, client: FoxEssClient, cloud: MockCloud) -> None:
    call, method, params, body = CASES[name]
    endpoint = ENDPOINTS[name]
    assert endpoint.method == method
    cloud.reply(endpoint.path, {"errno": 0, "result": RESULTS.get(name)})
    call(client)
    seen = cloud.seen[-1]
    assert (seen.method, seen.path) == (method, endpoint.path)
    assert seen.params == params
    assert seen.body == body
    stamp = int(seen.headers["timestamp"])
    assert seen.headers["signature"] == sign(endpoint.path, API_KEY, stamp)
    assert client.write_calls_made == (1 if endpoint.write else 0)


def test_write_flags_match_the_document() -> None:
    writes = {n for n, e in ENDPOINTS.items() if e.write}
    assert writes == {
        "plant_create",
        "plant_delete",
        "plant_update",
        "scheduler_set_flag",
        "scheduler_enable",
        "battery_soc_set",
        "force_charge_time_set",
        "setting_set",
        "device_time_set",
        "peak_shaving_set",
        "scheduler_v0_set_flag",
        "scheduler_v0_enable",
        "scheduler_v3_enable",
        "meter_setting_set",
    }


def test_v0_paths_are_the_documented_ones() -> None:
    assert ENDPOINTS["scheduler_v0_set_flag"].path == "/op/v0/device/scheduler/set/flag"
    assert all(e.deprecated for n, e in ENDPOINTS.items() if n.startswith("scheduler_v0") or n == "real_time_v0")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.battery_soc_set("SN1", 5, 10), "minSoc"),
        (lambda c: c.battery_soc_set("", 10, 10), "sn"),
        (lambda c: c.report("SN1", "week", 2025), "dimension"),
        (lambda c: c.report("SN1", "day", 2025, 2), "needs day"),
        (lambda c: c.report("SN1", "year", 2025, 2), "takes no month"),
        (lambda c: c.report("SN1", "month", 2019, 2), "year"),
        (lambda c: c.scheduler_enable("SN1", [GROUP] * 9), "groups"),
        (lambda c: c.peak_shaving_set("SN1", 1.0, 101), "soc"),
        (lambda c: c.plant_delete(""), "stationID"),
        (lambda c: c.real_time([]), "at least one"),
        (lambda c: c.history_window("SN1", BEGIN, BEGIN, []), "not after begin"),
        (lambda c: c.meter_settings_set("MTR1", "G100", voltage="1"), "voltage"),
    ],
)
def test_bad_arguments_are_usage_errors_before_any_call(
    call: Callable[[FoxEssClient], Any], field: str, client, cloud
) -> None:
    with pytest.raises(UsageError, match=field) as caught:
        call(client)
    assert caught.value.exit_code == 2
    assert cloud.seen == []


def test_request_models_forbid_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        SchedulerEnableRequest.model_validate({"deviceSN": "SN1", "groups": [], "id": 3})
    assert issubclass(SchedulerEnableRequest, FoxRequest)


def test_read_back_groups_drop_server_only_keys(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v1/device/scheduler/get",
        {
            "errno": 0,
            "result": {"enable": "1", "groups": [{**GROUP_WIRE, "id": 17, "properties": {}}], "properties": {}},
        },
    )
    state = client.scheduler_get("SN1")
    client.scheduler_enable("SN1", state.groups)
    assert cloud.seen[-1].body == {"deviceSN": "SN1", "groups": [GROUP_WIRE]}


def test_empty_variables_mean_all(client: FoxEssClient, cloud: MockCloud) -> None:
    client.real_time(["SN1"])
    client.history_window("SN1", BEGIN, END, [])
    assert cloud.seen[0].body == {"sns": ["SN1"]}
    assert "variables" not in cloud.seen[1].body


def test_report_defaults_to_the_standard_variables(client: FoxEssClient, cloud: MockCloud) -> None:
    client.report("SN1", "month", 2025, 2)
    assert cloud.seen[-1].body["variables"] == [
        "generation",
        "feedin",
        "loads",
        "gridConsumption",
        "chargeEnergyToTal",
        "dischargeEnergyToTal",
        "PVEnergyTotal",
    ]
