"""Answers shaped like the real cloud's parse into the typed models (unknown keys kept, quirks handled)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from optimizer.errors import TransportError
from optimizer.foxess import FoxEssClient, PlantCreateRequest
from optimizer.foxess.models import DeviceDetail, RealTimeData
from tests.foxess.conftest import MockCloud, ok
from tests.foxess.test_endpoints import PLANT

KH_DETAIL = {
    "deviceType": "KH8",
    "masterVersion": "1.34",
    "afciVersion": "",
    "hasPV": True,
    "deviceSN": "60KE8020479C034",
    "slaveVersion": "1.01",
    "capacity": 8,
    "hasBattery": True,
    "function": {"scheduler": True},
    "hardwareVersion": "--",
    "managerVersion": "1.28",
    "stationName": "Home",
    "moduleSN": "609W6EUF46MB519",
    "batteryList": [
        {"batterySN": "60EP01104APP050", "model": "EP11", "type": "bcu", "version": "1.005"},
        {"batterySN": "60EP01104APP050", "model": "EP11", "type": "bmu", "version": "1.05", "capacity": 10360},
        {"batterySN": "60EP01104APP050", "model": "EP11", "type": "ivu", "version": "0.00"},
    ],
    "productType": "KH",
    "stationID": "2958ff16-13a5-4ab9-957a-79e938f86a19",
    "status": 1,
    "newFieldFromAFutureRelease": {"x": 1},
}

PLACEHOLDER = {
    "endHour": 0,
    "fdPwr": 0,
    "minSocOnGrid": 10,
    "workMode": "Invalid",
    "fdSoc": 10,
    "enable": 0,
    "startHour": 0,
    "maxSoc": 100,
    "startMinute": 0,
    "endMinute": 0,
}
PROPERTIES = {
    "startminute": {"unit": "", "precision": 1.0, "range": {"min": 0.0, "max": 59.0}},
    "fdpwr": {"unit": "W", "precision": 1.0, "range": {"min": 0.0, "max": 10500.0}},
    "fdsoc": {"unit": "%", "precision": 1.0, "range": {"min": 10.0, "max": 100.0}},
    "workmode": {"enumList": ["ForceDischarge", "Feedin", "SelfUse", "ForceCharge"], "unit": "", "precision": 1.0},
    "minsocongrid": {"unit": "%", "precision": 1.0, "range": {"min": 10.0, "max": 100.0}},
    "maxsoc": {"unit": "%", "precision": 1.0, "range": {"min": 10.0, "max": 100.0}},
}


def test_device_detail(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply("/op/v1/device/detail", ok(KH_DETAIL))
    detail = client.device_detail("60KE8020479C034")
    assert detail.sn == "60KE8020479C034" and detail.deviceType == "KH8"
    assert detail.function.scheduler is True
    assert detail.capacity == 8 and detail.capacity_kw == 8
    assert len(detail.batteries) == 3 and detail.battery_models == ["EP11"]
    assert detail.battery_capacity_kwh == 10.36
    assert detail.status_text == "online"
    assert detail.model_extra == {"newFieldFromAFutureRelease": {"x": 1}}


def test_battery_capacity_under_the_documented_misspelling() -> None:
    detail = DeviceDetail.model_validate(
        {"deviceSN": "X", "batteryList": [{"model": "HV2600", "capicty": "2560"}, {"model": "HV2600", "capicty": ""}]}
    )
    assert detail.battery_capacity_kwh == 2.56 and detail.function.scheduler is False


def test_detail_with_nulls() -> None:
    detail = DeviceDetail.model_validate({"deviceSN": "X", "batteryList": None, "function": None, "status": 3})
    assert detail.batteries == [] and detail.battery_capacity_kwh is None and detail.status_text == "offline"


def test_scheduler_get_with_placeholders(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply("/op/v1/device/scheduler/get", ok({"enable": 0, "groups": [PLACEHOLDER] * 8, "properties": PROPERTIES}))
    state = client.scheduler_get("SN1")
    assert state.enable is False and len(state.groups) == 8
    assert all(not g.is_active for g in state.groups)
    assert state.properties.work_modes == ("ForceDischarge", "Feedin", "SelfUse", "ForceCharge")
    assert state.properties.spec("fdPwr").range.max == 10500.0  # type: ignore[union-attr]
    assert state.properties.supports_max_soc


def test_scheduler_get_string_enable_and_string_maxsoc(client: FoxEssClient, cloud: MockCloud) -> None:
    group = {**PLACEHOLDER, "enable": 1, "workMode": "SelfUse", "endHour": 23, "endMinute": 59, "maxSoc": "95"}
    cloud.reply("/op/v1/device/scheduler/get", ok({"enable": "1", "groups": [group], "properties": {}}))
    state = client.scheduler_get("SN1")
    assert state.enable is True and state.groups[0].maxSoc == 95 and state.groups[0].is_active


def test_scheduler_null_result_reads_as_off(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply("/op/v0/device/scheduler/get", ok(None))
    state = client.scheduler_v0_get("SN1")
    assert (state.enable, state.groups, state.properties.fields) == (False, [], {})


def test_scheduler_flag(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply("/op/v1/device/scheduler/get/flag", ok({"enable": 1, "support": 1}), ok({"enable": 0, "support": 0}))
    assert client.scheduler_get_flag("SN1").model_dump() == {"enable": True, "support": True}
    assert client.scheduler_get_flag("SN1").model_dump() == {"enable": False, "support": False}


def test_real_time_v1(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v1/device/real/query",
        ok(
            [
                {
                    "datas": [
                        {"unit": "%", "name": "SoC", "variable": "SoC", "value": 57.0},
                        {"unit": "kW", "name": "PVPower", "variable": "pvPower", "value": 1.234},
                        {
                            "unit": "0.01kWh",
                            "name": "Battery Residual Energy",
                            "variable": "ResidualEnergy",
                            "value": 512,
                        },
                        {"name": "Running State", "variable": "runningState", "value": "163"},
                        {"name": "Battery Status Name", "variable": "batStatusV2", "value": "Charging"},
                    ],
                    "time": "2025-09-14 18:43:09 BST+0100",
                    "deviceSN": "SN1",
                }
            ]
        ),
    )
    (data,) = client.real_time(["SN1"], ["SoC", "pvPower", "ResidualEnergy"])
    assert data.sn == "SN1" and data.updated == datetime(2025, 9, 14, 17, 43, 9, tzinfo=UTC)
    assert data.number("SoC") == 57.0 and data.number("runningState") == 163.0
    assert data.number("batStatusV2") is None and data.get("batStatusV2").value == "Charging"  # type: ignore[union-attr]
    assert data.number("missing") is None
    assert [d.variable for d in data.datas][:2] == ["SoC", "pvPower"]


def test_real_time_per_variable_times() -> None:
    data = RealTimeData.model_validate(
        {
            "deviceSN": "X",
            "datas": [
                {"variable": "a", "value": 1, "time": "2025-02-21 16:38:29 GMT+0000"},
                {"variable": "b", "value": 2, "time": "2025-02-21 16:39:29 GMT+0000"},
            ],
        }
    )
    assert data.updated == datetime(2025, 2, 21, 16, 39, 29, tzinfo=UTC)


def test_bad_time_in_an_answer_is_a_transport_error(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply("/op/v1/device/real/query", ok([{"deviceSN": "SN1", "time": "soon", "datas": []}]))
    with pytest.raises(TransportError, match=r"real/query: unexpected answer: time"):
        client.real_time(["SN1"])


def test_history_points_are_aware_and_sorted(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/device/history/query",
        ok(
            [
                {
                    "datas": [
                        {
                            "unit": "kW",
                            "name": "PVPower",
                            "variable": "pvPower",
                            "data": [
                                {"time": "2025-03-30 02:05:00 BST+0100", "value": 0.5},
                                {"time": "2025-03-30 00:55:00 GMT+0000", "value": None},
                            ],
                        },
                        {"unit": "kW", "name": "Load Power", "variable": "loadsPower", "data": None},
                    ],
                    "deviceSN": "SN1",
                }
            ]
        ),
    )
    begin = datetime(2025, 3, 30, 0, 0, tzinfo=UTC)
    series = client.history_window("SN1", begin, begin + timedelta(hours=2), ["pvPower", "loadsPower"])
    points = series["pvPower"]
    assert [p.time.astimezone(UTC).strftime("%H:%M") for p in points] == ["00:55", "01:05"]
    assert points[0].value is None and points[1].value == 0.5
    assert series["loadsPower"] == []


def test_report_year_names_are_reassigned_in_request_order(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/device/report/query",
        ok(
            [
                {"variable": "generation", "unit": "kWh", "values": [1.0] * 12},
                {"variable": "generation", "unit": "kWh", "values": [2.0] * 12},
            ]
        ),
        ok(
            [
                {"variable": "feedin", "unit": "kWh", "values": [2.0] * 12},
                {"variable": "generation", "unit": "kWh", "values": [1.0] * 12},
            ]
        ),
    )
    wrong = client.report("SN1", "year", 2024, variables=["generation", "feedin"])
    assert [(r.variable, r.values[0]) for r in wrong] == [("generation", 1.0), ("feedin", 2.0)]
    reordered = client.report("SN1", "year", 2024, variables=["generation", "feedin"])
    assert [(r.variable, r.values[0]) for r in reordered] == [("feedin", 2.0), ("generation", 1.0)]


def test_report_values_keep_float_noise_and_gaps(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/device/report/query", ok([{"variable": "loads", "unit": "kWh", "values": [0.39999999999963, None]}])
    )
    (row,) = client.report("SN1", "day", 2025, 2, 21, ["loads"])
    assert row.values == [0.39999999999963, None] and row.unit == "kWh"


def test_variables_and_fault_codes_tables(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/device/variable/get",
        ok(
            [
                {"pvPower": {"unit": "kW", "name": {"en": "PVPower", "de": "PV Leistung"}, "Grid-tied inverter": True}},
                {"SoC": {"unit": "%", "name": "SoC"}},
            ]
        ),
    )
    cloud.reply(
        "/op/v0/device/fault/get", ok([{"1001": {"en": "Grid lost", "zh_CN": "电网丢失"}}, {"1002": "Bus fault"}])
    )
    variables = client.variables()
    assert [(v.variable, v.unit, v.name_en) for v in variables] == [("pvPower", "kW", "PVPower"), ("SoC", "%", "SoC")]
    assert variables[0].model_extra == {"Grid-tied inverter": True}
    faults = client.fault_codes()
    assert [(f.code, f.en) for f in faults] == [("1001", "Grid lost"), ("1002", "Bus fault")]


def test_settings_and_small_answers(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/device/setting/get",
        ok({"enumList": ["PeakShaving", "Feedin", "SelfUse"], "unit": "", "precision": 1.0, "value": "SelfUse"}),
        ok({"value": "5000", "unit": "W", "precision": 1, "range": {"min": "0", "max": "10000"}}),
    )
    mode = client.setting_get("SN1", "WorkMode")
    assert mode.value == "SelfUse" and mode.enumList == ["PeakShaving", "Feedin", "SelfUse"] and mode.number is None
    limit = client.setting_get("SN1", "ExportLimit")
    assert limit.number == 5000.0 and limit.range is not None and limit.range.max == 10000.0
    cloud.reply("/op/v0/device/battery/soc/get", ok({"minSoc": 10, "minSocOnGrid": 15}))
    assert client.battery_soc_get("SN1").minSocOnGrid == 15
    cloud.reply(
        "/op/v0/device/battery/forceChargeTime/get",
        ok(
            {
                "enable1": "true",
                "startTime1": {"hour": 23, "minute": 30},
                "endTime1": {"hour": 23, "minute": 59},
                "enable2": "false",
                "startTime2": {"hour": 0, "minute": 0},
                "endTime2": {"hour": 5, "minute": 30},
            }
        ),
    )
    times = client.force_charge_time_get("SN1")
    assert times.enable1 is True and times.enable2 is False and times.endTime2.minute == 30
    cloud.reply("/op/v0/device/generation", ok({"month": 867.5999999999995, "today": 17.7, "cumulative": 5765.7}))
    assert client.generation("SN1").today == 17.7
    cloud.reply(
        "/op/v0/device/time/get",
        ok({"year": "2025", "month": "3", "day": "30", "hour": "1", "minute": "2", "second": "3"}),
    )
    assert client.device_time_get("SN1").as_datetime() == datetime(2025, 3, 30, 1, 2, 3)
    cloud.reply(
        "/op/v0/device/peakShaving/get",
        ok(
            {
                "importLimit": {"value": "7.5", "unit": "kW", "precision": 0.1, "range": {"min": 0, "max": 20}},
                "soc": {"value": "20", "unit": "%"},
            }
        ),
    )
    shaving = client.peak_shaving_get("SN1")
    assert shaving.importLimit is not None and shaving.importLimit.number == 7.5 and shaving.soc.number == 20  # type: ignore[union-attr]
    cloud.reply(
        "/op/v0/gw/setting/get",
        ok({"mode": {"value": "G100", "enumList": ["Normal", "G100"]}, "feedinPower": {"value": "3600", "unit": "W"}}),
    )
    meter = client.meter_settings_get("MTR1")
    assert meter.mode is not None and meter.mode.value == "G100" and meter.feedinPower.number == 3600  # type: ignore[union-attr]
    cloud.reply("/op/v0/user/getAccessCount", ok({"total": 1440.0, "remaining": "1203"}))
    count = client.access_count()
    assert (count.total, count.remaining) == (1440, 1203)


def test_plants(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/plant/list",
        ok(
            {
                "currentPage": 1,
                "pageSize": 10,
                "total": 1,
                "data": [{"stationID": "ST1", "name": "Home", "ianaTimezone": "Europe/London"}],
            }
        ),
    )
    assert [(p.stationID, p.ianaTimezone) for p in client.plant_list()] == [("ST1", "Europe/London")]
    cloud.reply(
        "/op/v0/plant/detail",
        ok(
            {
                "stationName": "Home",
                "capacity": 4.2,
                "timezone": "Europe/London",
                "user": {"name": "A"},
                "modules": [{"moduleSN": "M", "deviceSN": "D"}],
            }
        ),
    )
    plant = client.plant_detail("ST1")
    assert plant.capacity == 4.2 and plant.modules[0].deviceSN == "D" and plant.user is not None
    cloud.reply("/op/v0/plant/create", ok({"stationID": "ST2", "devices": [{"device": {"sn": "M"}, "errno": 0}]}))
    created = client.plant_create(PlantCreateRequest.model_validate(PLANT))
    assert created.stationID == "ST2" and created.devices[0].errno == 0


def test_loggers_and_meters(client: FoxEssClient, cloud: MockCloud) -> None:
    cloud.reply(
        "/op/v0/module/list",
        ok({"total": 1, "data": [{"moduleSN": "M1", "stationID": "ST", "status": 2, "signal": 71}]}),
    )
    (logger,) = client.list_data_loggers()
    assert (logger.moduleSN, logger.status_text, logger.signal) == ("M1", "offline", 71)
    cloud.reply(
        "/op/v0/gw/list",
        ok({"total": 1, "data": [{"sn": "MTR1", "stationID": "ST", "stationName": "Home", "status": 1}]}),
    )
    (meter,) = client.list_meters()
    assert (meter.sn, meter.status_text) == ("MTR1", "online")
