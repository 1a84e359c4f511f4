"""Power stations: list, detail, create, update, delete (a station that still holds inverters stays)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

from optimizer.fakecloud.account import PlantSpec
from optimizer.fakecloud.bodies import check_keys, integer, number, text
from optimizer.fakecloud.endpoints.routing import paged, paging, route, timezone_name
from optimizer.fakecloud.replies import body_refusal

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState


_PLANT_DETAIL_REQUIRED = ("name", "type", "countryCode", "city", "address", "postcode")
_PLANT_DETAIL_OPTIONAL = ("price", "currency", "systemCapacity")
_PLANT_OPTIONAL = ("devices", "pileSN", "position", "electricmeterSN", "layoutByMini")


def _plant_details(raw: Any, plant: PlantSpec, *, update: bool) -> PlantSpec:
    optional = (*_PLANT_DETAIL_OPTIONAL, "stationID") if update else _PLANT_DETAIL_OPTIONAL
    required = (*_PLANT_DETAIL_REQUIRED, "stationID") if update else _PLANT_DETAIL_REQUIRED
    details = check_keys(raw, required, optional)
    integer(details["type"], "details.type", 1, 4)
    changes: dict[str, Any] = {
        "name": text(details["name"], "details.name"),
        "country_code": text(details["countryCode"], "details.countryCode"),
        "city": text(details["city"], "details.city"),
        "address": text(details["address"], "details.address"),
        "postcode": text(details["postcode"], "details.postcode"),
    }
    if "price" in details:
        changes["price_per_kwh"] = number(details["price"], "details.price", 0)
    if "currency" in details:
        changes["currency"] = text(details["currency"], "details.currency")
    if "systemCapacity" in details:
        changes["capacity_kw"] = number(details["systemCapacity"], "details.systemCapacity", 0)
    return dataclasses.replace(plant, **changes)


def _attach_devices(cloud: CloudState, raw: Any, plant: PlantSpec) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise body_refusal(f"devices: expected a list, got {raw!r}")
    answers = []
    for i, item in enumerate(raw):
        entry = check_keys(item, ("sn",), ("key",))
        sn = text(entry["sn"], f"devices[{i}].sn")
        device = cloud.devices.get(sn)
        if device is not None:
            device.move_to(plant)
        answers.append({"device": {"sn": sn, "key": entry.get("key", "")}, "errno": 0 if device else 41930})
    return answers


@route("/op/v0/plant/create", kind="write")
def plant_create(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("details", "timezone"), _PLANT_OPTIONAL)
    base = PlantSpec(station_id=str(uuid.uuid4()), name="", timezone=timezone_name(body["timezone"], "timezone"))
    plant = dataclasses.replace(_plant_details(body["details"], base, update=False), created=cloud.now())
    cloud.plants[plant.station_id] = plant
    devices = _attach_devices(cloud, body.get("devices"), plant)
    return {"stationID": plant.station_id, "devices": devices}


@route("/op/v0/plant/update", kind="write")
def plant_update(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("details", "timezone"), _PLANT_OPTIONAL)
    details = body["details"]
    station = text(details.get("stationID") if isinstance(details, dict) else None, "details.stationID")
    old = cloud.plants.get(station)
    if old is None:
        raise body_refusal(f"details.stationID {station!r} is not in this account")
    plant = dataclasses.replace(
        _plant_details(body["details"], old, update=True), timezone=timezone_name(body["timezone"], "timezone")
    )
    cloud.plants[station] = plant
    for device in cloud.devices.values():
        if device.plant.station_id == station:
            device.move_to(plant)
    devices = _attach_devices(cloud, body.get("devices"), plant)
    return {"stationID": station, "devices": devices}


@route("/op/v0/plant/delete", kind="write")
def plant_delete(cloud: CloudState, body: dict[str, Any]) -> Any:
    check_keys(body, ("stationID",))
    station = text(body["stationID"], "stationID")
    if station not in cloud.plants:
        raise body_refusal(f"stationID {station!r} is not in this account")
    if any(d.plant.station_id == station for d in cloud.devices.values()):
        raise body_refusal(f"station {station} still holds inverters")
    del cloud.plants[station]
    return None


@route("/op/v0/plant/detail", method="GET")
def plant_detail(cloud: CloudState, query: dict[str, Any]) -> Any:
    station = text(query.get("id"), "id")
    plant = cloud.plants.get(station)
    if plant is None:
        raise body_refusal(f"id {station!r} is not a station of this account")
    account = cloud.account
    return {
        "stationName": plant.name,
        "country": plant.country,
        "city": plant.city,
        "address": plant.address,
        "createDate": str(int(plant.created.timestamp() * 1000)),
        "postcode": plant.postcode,
        "capacity": plant.capacity_kw,
        "timezone": plant.timezone,
        "user": {"name": account.user_name, "email": account.user_email, "phone": account.user_phone},
        "installer": {
            "name": account.installer_name,
            "email": account.installer_email,
            "phone": account.installer_phone,
        },
        "modules": [
            {"moduleSN": d.spec.module_sn, "deviceSN": d.sn}
            for d in cloud.devices.values()
            if d.plant.station_id == station
        ],
    }


@route("/op/v0/plant/list")
def plant_list(cloud: CloudState, body: dict[str, Any]) -> Any:
    page_no, size = paging(body)
    items = [{"stationID": p.station_id, "name": p.name, "ianaTimezone": p.timezone} for p in cloud.plants.values()]
    return paged(items, page_no, size)
