"""The mode scheduler: v1 (and the deprecated v0), v2 reads and v3, over one store per inverter.

The flag endpoints (``/op/v1/device/scheduler/get/flag`` and ``set/flag``, and their v0 twins) serve every
version: foxesscloud 2.9.19 and Predbat call the v1 flag paths next to v3 ``scheduler/get``/``enable``. On a
model without v1 support (EVO, productType 812) the v1 and v0 ``scheduler/get`` and ``scheduler/enable``
answer **41200** "Query data failed" for good, as the real server does (fox-api-field-notes.md §2, §3).
Rules of each version: :mod:`optimizer.fakecloud.scheduler`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optimizer.fakecloud import scheduler as sched
from optimizer.fakecloud.bodies import check_keys, integer
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.endpoints.routing import ROUTES, Handler, Route, device_of
from optimizer.fakecloud.replies import (
    ERRNO_QUERY_FAILED,
    ERRNO_UNSUPPORTED_FUNCTION,
    ERRNO_WRITE_FAILED,
    Refusal,
)

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState


def _scheduler_device(cloud: CloudState, body: dict[str, Any], extra: tuple[str, ...] = ()) -> SimulatedDevice:
    check_keys(body, ("deviceSN", *extra))
    return device_of(cloud, body["deviceSN"], "deviceSN")


def _device_v3(cloud: CloudState, body: dict[str, Any]) -> SimulatedDevice:
    check_keys(body, ("deviceSN",), ("groups", "isDefault"))
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


def _require_v1(device: SimulatedDevice, version: str) -> None:
    if not device.spec.model.scheduler_v1:
        raise Refusal(ERRNO_QUERY_FAILED, detail=f"{device.spec.model.device_type} has no scheduler {version}")


def _groups_get(cloud: CloudState, body: dict[str, Any], version: str) -> Any:
    device = _scheduler_device(cloud, body)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_UNSUPPORTED_FUNCTION, detail=f"{device.spec.model.device_type} has no scheduler")
    _require_v1(device, version)
    return device.scheduler.read(device.spec.model, version)


def _groups_set(cloud: CloudState, body: dict[str, Any], version: str) -> Any:
    device = _scheduler_device(cloud, body, ("groups",))
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_WRITE_FAILED, detail=f"{device.spec.model.device_type} has no scheduler")
    _require_v1(device, version)
    groups = sched.validate_groups(body, device.spec.model, version)
    device.scheduler.store(groups)
    return None


def _groups_get_v2(cloud: CloudState, body: dict[str, Any]) -> Any:
    device = _scheduler_device(cloud, body)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_UNSUPPORTED_FUNCTION, detail=f"{device.spec.model.device_type} has no scheduler")
    return device.scheduler.read_v2(device.spec.model, device.base_group())


def _groups_get_v3(cloud: CloudState, body: dict[str, Any]) -> Any:
    device = _scheduler_device(cloud, body)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_UNSUPPORTED_FUNCTION, detail=f"{device.spec.model.device_type} has no scheduler")
    return device.scheduler.read_v3(device.spec.model, device.base_group())


def _groups_set_v3(cloud: CloudState, body: dict[str, Any]) -> Any:
    device = _device_v3(cloud, body)
    if not device.spec.model.scheduler:
        raise Refusal(ERRNO_WRITE_FAILED, detail=f"{device.spec.model.device_type} has no scheduler")
    groups, _ = sched.validate_groups_v3(body, device.spec.model, device.scheduler.limits_memory)
    device.scheduler.store(groups, switch_on=False)
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

ROUTES["/op/v2/device/scheduler/get"] = Route("/op/v2/device/scheduler/get", "POST", "query", _groups_get_v2)
ROUTES["/op/v3/device/scheduler/get"] = Route("/op/v3/device/scheduler/get", "POST", "query", _groups_get_v3)
ROUTES["/op/v3/device/scheduler/enable"] = Route("/op/v3/device/scheduler/enable", "POST", "write", _groups_set_v3)
