"""The mode scheduler, v1 and the deprecated v0 (one store per inverter; rules in ``fakecloud.scheduler``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optimizer.fakecloud import scheduler as sched
from optimizer.fakecloud.bodies import check_keys, integer
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.endpoints.routing import ROUTES, Handler, Route, device_of
from optimizer.fakecloud.replies import ERRNO_UNSUPPORTED_FUNCTION, ERRNO_WRITE_FAILED, Refusal

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState


def _scheduler_device(cloud: CloudState, body: dict[str, Any], extra: tuple[str, ...] = ()) -> SimulatedDevice:
    check_keys(body, ("deviceSN", *extra))
    return device_of(cloud, body["deviceSN"], "deviceSN")


def _flag_get(cloud: CloudState, body: dict[str, Any]) -> Any:
    device = _scheduler_device(cloud, body)
    supported = device.spec.model.scheduler
    return {"enable": int(device.scheduler_on), "support": int(supported)}


def _flag_set(cloud: CloudState, body: dict[str, Any]) -> Any:
    device = _scheduler_device(cloud, body, ("enable",))
    flag = integer(body["enable"], "enable", 0, 1)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_WRITE_FAILED, detail=f"{device.spec.model.device_type} has no scheduler")
    device.scheduler.set_enable(bool(flag))
    return None


def _groups_get(cloud: CloudState, body: dict[str, Any], version: str) -> Any:
    device = _scheduler_device(cloud, body)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_UNSUPPORTED_FUNCTION, detail=f"{device.spec.model.device_type} has no scheduler")
    return device.scheduler.read(device.spec.model, version)


def _groups_set(cloud: CloudState, body: dict[str, Any], version: str) -> Any:
    device = _scheduler_device(cloud, body, ("groups",))
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_WRITE_FAILED, detail=f"{device.spec.model.device_type} has no scheduler")
    groups = sched.validate_groups(body, device.spec.model, version)
    device.scheduler.store(groups)
    return None


def _versioned(version: str, handler: Callable[[CloudState, dict[str, Any], str], Any]) -> Handler:
    def bound(cloud: CloudState, body: dict[str, Any]) -> Any:
        return handler(cloud, body, version)

    return bound


for _version in ("v1", "v0"):
    _base = f"/op/{_version}/device/scheduler"
    ROUTES[f"{_base}/get/flag"] = Route(f"{_base}/get/flag", "POST", "query", _flag_get)
    ROUTES[f"{_base}/set/flag"] = Route(f"{_base}/set/flag", "POST", "write", _flag_set)
    ROUTES[f"{_base}/get"] = Route(f"{_base}/get", "POST", "query", _versioned(_version, _groups_get))
    ROUTES[f"{_base}/enable"] = Route(f"{_base}/enable", "POST", "write", _versioned(_version, _groups_set))


# ----- data loggers, meters, platform ------------------------------------------------------------------
