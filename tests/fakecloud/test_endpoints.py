"""Every endpoint of the vendor document answers with realistic content; bodies are checked strictly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from optimizer.fakecloud import FakeCloud
from optimizer.fakecloud.endpoints import ROUTES
from tests.fakecloud.conftest import Api

PAGE = {"currentPage": 1, "pageSize": 10}
DOC = Path(__file__).resolve().parents[3] / "shared" / "fox-open-api.md"


def test_every_documented_path_is_served() -> None:
    if not DOC.exists():
        pytest.skip("the vendor document is not available")
    documented = set(re.findall(r"^Path: (/\S+)", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert documented, "no paths found in the document"
    assert documented <= set(ROUTES), sorted(documented - set(ROUTES))


def test_device_list_and_detail(api: Api, cloud: FakeCloud) -> None:
    listed = api.ok("POST", "/op/v0/device/list", PAGE)
    assert listed["total"] == 2 and listed["currentPage"] == 1
    hybrid = next(d for d in listed["data"] if d["deviceSN"] == cloud.hybrid_sn)
    assert hybrid["deviceType"] == "H1-5.0-E-G2" and hybrid["hasBattery"] is True and hybrid["status"] == 1
    detail = api.ok("GET", "/op/v0/device/detail", {"sn": cloud.hybrid_sn})
    assert detail["function"] == {"scheduler": True}
    assert detail["capacity"] == 5
    assert len(detail["batteryList"]) == 4 and detail["batteryList"][0]["type"] == "master"
    plain = api.ok("GET", "/op/v0/device/detail", {"sn": cloud.plain_sn})
    assert plain["capacity"] == 3  # 3.68 kW truncated to whole kW, as the real server does
    assert api.errno("GET", "/op/v0/device/detail", {"sn": "NOPE"}) == 40261
    assert api.errno("GET", "/op/v0/device/detail", {}) == 40257
    second_page = api.ok("POST", "/op/v0/device/list", {"currentPage": 2, "pageSize": 10})
    assert second_page["data"] == [] and second_page["total"] == 2
    assert api.errno("POST", "/op/v0/device/list", {"currentPage": 1, "pageSize": 5}) == 40257


def test_plants_loggers_meters(api: Api, cloud: FakeCloud) -> None:
    plants = api.ok("POST", "/op/v0/plant/list", PAGE)["data"]
    assert {p["ianaTimezone"] for p in plants} == {"Europe/London", "Europe/Paris"}
    home = next(p for p in plants if p["name"] == "Fake Home")
    detail = api.ok("GET", "/op/v0/plant/detail", {"id": home["stationID"]})
    assert detail["timezone"] == "Europe/London"
    assert detail["modules"] == [{"moduleSN": "609W6EUF46FC001", "deviceSN": cloud.hybrid_sn}]
    loggers = api.ok("POST", "/op/v0/module/list", PAGE)
    assert loggers["total"] == 2 and {"moduleSN", "stationID", "status", "signal"} <= set(loggers["data"][0])
    meters = api.ok("POST", "/op/v0/gw/list", PAGE)["data"]
    assert meters == [
        {"sn": "MT0DDSU666FC001", "stationID": home["stationID"], "stationName": "Fake Home", "status": 1}
    ]
    settings = api.ok("POST", "/op/v0/gw/setting/get", {"sn": meters[0]["sn"]})
    assert settings["mode"]["value"] == "normal"
    assert (
        api.errno("POST", "/op/v0/gw/setting/set", {"sn": meters[0]["sn"], "mode": "normal", "feedinPower": "10"})
        == 40257
    )
    assert (
        api.errno(
            "POST", "/op/v0/gw/setting/set", {"sn": meters[0]["sn"], "mode": "feedinLimit", "feedinPower": "3000"}
        )
        == 0
    )
    assert api.ok("POST", "/op/v0/gw/setting/get", {"sn": meters[0]["sn"]})["feedinPower"]["value"] == "3000"


def test_plant_create_update_delete(api: Api, cloud: FakeCloud) -> None:
    details = {
        "name": "Barn",
        "type": 2,
        "countryCode": "GB",
        "city": "York",
        "address": "3 Lane",
        "postcode": "YO1 1AA",
        "price": 0.3,
        "currency": "GBP(£)",
        "systemCapacity": 6.0,
    }
    created = api.ok("POST", "/op/v0/plant/create", {"details": details, "timezone": "Europe/London"})
    station = created["stationID"]
    assert api.ok("GET", "/op/v0/plant/detail", {"id": station})["stationName"] == "Barn"
    update = {
        "details": {**details, "stationID": station, "name": "Big Barn"},
        "timezone": "Europe/Dublin",
        "devices": [{"sn": cloud.plain_sn}, {"sn": "NOT-MINE"}],
    }
    answer = api.ok("POST", "/op/v0/plant/update", update)
    assert [d["errno"] for d in answer["devices"]] == [0, 41930]
    assert cloud.device(cloud.plain_sn).timezone == "Europe/Dublin"
    real = api.ok("POST", "/op/v1/device/real/query", {"sns": [cloud.plain_sn], "variables": ["SoC"]})
    assert real[0]["time"].endswith("IST+0100")
    assert api.errno("POST", "/op/v0/plant/delete", {"stationID": station}) == 40257  # still holds an inverter
    assert api.errno("POST", "/op/v0/plant/create", {"details": details, "timezone": "Mars/Olympus"}) == 40257
    assert api.errno("POST", "/op/v0/plant/create", {"details": {**details, "type": 9}, "timezone": "UTC"}) == 40257
    other = api.ok("POST", "/op/v0/plant/create", {"details": details, "timezone": "UTC"})["stationID"]
    assert api.errno("POST", "/op/v0/plant/delete", {"stationID": other}) == 0
    assert api.errno("GET", "/op/v0/plant/detail", {"id": other}) == 40257


def test_variables_faults_and_access_count(api: Api) -> None:
    variables = api.ok("GET", "/op/v0/device/variable/get")
    names = [next(iter(v)) for v in variables]
    assert {"pvPower", "SoC", "ResidualEnergy", "invBatPower", "meterPower2"} <= set(names)
    soc = next(v["SoC"] for v in variables if "SoC" in v)
    assert soc["unit"] == "%" and set(soc["name"]) == {"zh_CN", "en", "pl", "fr", "pt", "de"}
    faults = api.ok("GET", "/op/v0/device/fault/get")
    assert faults and set(next(iter(faults[0].values()))) == {"en", "zh_CN", "pl"}
    count = api.ok("GET", "/op/v0/user/getAccessCount")
    assert count["total"] == "2880" and int(count["remaining"]) < 2880


def test_battery_and_settings(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    assert api.ok("GET", "/op/v0/device/battery/soc/get", {"sn": sn}) == {"minSoc": 10, "minSocOnGrid": 10}
    assert api.errno("POST", "/op/v0/device/battery/soc/set", {"sn": sn, "minSoc": 15, "minSocOnGrid": 20}) == 0
    assert api.ok("GET", "/op/v0/device/battery/soc/get", {"sn": sn}) == {"minSoc": 15, "minSocOnGrid": 20}
    assert api.errno("POST", "/op/v0/device/battery/soc/set", {"sn": sn, "minSoc": 5, "minSocOnGrid": 20}) == 40257
    mode = api.ok("POST", "/op/v0/device/setting/get", {"sn": sn, "key": "WorkMode"})
    assert mode["value"] == "SelfUse" and "Feedin" in mode["enumList"]
    limit = api.ok("POST", "/op/v0/device/setting/get", {"sn": sn, "key": "ExportLimit"})
    assert limit == {"value": "5000", "unit": "W", "precision": 1.0, "range": {"min": 0, "max": 5000}}
    assert api.errno("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "ExportLimit", "value": "99999"}) == 40257
    assert api.errno("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "WorkMode", "value": "Turbo"}) == 40257
    assert api.errno("POST", "/op/v0/device/setting/get", {"sn": sn, "key": "Colour"}) == 40257
    assert api.errno("POST", "/op/v0/device/setting/set", {"sn": sn, "key": "MaxSoc", "value": "95"}) == 0
    assert api.ok("POST", "/op/v0/device/setting/get", {"sn": sn, "key": "MaxSoc"})["value"] == "95"
    peak = api.ok("POST", "/op/v0/device/peakShaving/get", {"sn": sn})
    assert set(peak) == {"importLimit", "soc"}
    assert api.errno("POST", "/op/v0/device/peakShaving/set", {"sn": sn, "importLimit": 8.5, "soc": 40}) == 0
    assert api.ok("POST", "/op/v0/device/peakShaving/get", {"sn": sn})["soc"]["value"] == "40"
    assert api.errno("POST", "/op/v0/device/peakShaving/get", {"sn": cloud.plain_sn}) == 40257
    now = api.ok("POST", "/op/v0/device/time/get", {"sn": sn})
    assert now == {"year": "2025", "month": "6", "day": "10", "hour": "11", "minute": "2", "second": "30"}


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/op/v0/device/list", {"currentPage": 1, "pageSize": 10, "extra": True}),
        ("POST", "/op/v0/device/list", {"currentPage": 0, "pageSize": 10}),
        ("POST", "/op/v0/device/list", {"currentPage": "1", "pageSize": 10}),
        ("POST", "/op/v0/device/list", [1, 2]),
        ("POST", "/op/v0/device/setting/get", {"sn": "66BH5020FC00001", "key": "WorkMode", "value": "x"}),
        ("POST", "/op/v1/device/scheduler/get", {"deviceSN": "66BH5020FC00001", "id": 1}),
        ("POST", "/op/v0/device/history/query", {"sn": "66BH5020FC00001", "variables": "SoC"}),
        ("POST", "/op/v0/device/battery/soc/set", {"sn": "66BH5020FC00001", "minSoc": 10}),
    ],
)
def test_unknown_keys_and_bad_values_get_40257(api: Api, method: str, path: str, payload: Any) -> None:
    assert api.errno(method, path, payload) == 40257


def test_bodies_that_are_not_json(api: Api) -> None:
    path = "/op/v0/device/list"
    response = api.http.post(path, content=b"currentPage=1", headers=api.headers(path))
    assert response.json()["errno"] == 40257


def test_unknown_path_and_wrong_method(api: Api) -> None:
    assert api.post("/op/v0/device/nothing", {}).status_code == 404
    assert api.get("/op/v0/device/list").status_code == 405


def test_legacy_error_messages_need_no_token(api: Api) -> None:
    answer = api.http.get("/c/v0/errors/message").json()
    assert answer["errno"] == 0 and answer["result"]["messages"]["en"]["40256"]
