"""Routing of the simulated Open API: the route table, its decorator and the helpers every endpoint shares.

A handler takes the cloud state and the request parameters (the JSON body of a POST, the query string of a
GET) and returns the ``result`` of a success answer, or raises a :class:`Refusal`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.fakecloud.bodies import check_keys, integer, text
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.replies import ERRNO_BAD_SN, Refusal, body_refusal

if TYPE_CHECKING:
    from optimizer.fakecloud.state import CloudState

Kind = Literal["query", "write"]
Handler = Callable[["CloudState", dict[str, Any]], Any]


@dataclass(frozen=True)
class Route:
    """One endpoint: its HTTP method, whether it is a query or a write (throttle class), its handler."""

    path: str
    method: str
    kind: Kind
    handler: Handler


ROUTES: dict[str, Route] = {}

REMOVED: dict[str, date] = {
    "/op/v0/device/variable/get": date(2026, 4, 8),  # failing since (foxesscloud 2.9.10)
    "/op/v0/device/battery/real/query": date.min,  # removed by 2026-06 (foxesscloud 2.9.16); never simulated
}
"""Endpoints the real cloud dropped, and the (simulated, UTC) date from which they answer HTTP 405."""


def removed(path: str, today: date) -> bool:
    """Whether ``path`` no longer exists on ``today`` (it then answers HTTP 405, as removed endpoints do)."""
    since = REMOVED.get(path)
    return since is not None and today >= since


def route(path: str, method: str = "POST", kind: Kind = "query") -> Callable[[Handler], Handler]:
    """Register the decorated handler for ``path``."""

    def register(handler: Handler) -> Handler:
        ROUTES[path] = Route(path, method, kind, handler)
        return handler

    return register


def device_of(cloud: CloudState, sn: Any, where: str = "sn") -> SimulatedDevice:
    sn = text(sn, where)
    device = cloud.devices.get(sn)
    if device is None:
        raise Refusal(ERRNO_BAD_SN, detail=f"{where} {sn!r} is not in this account")
    return device


def paging(body: dict[str, Any]) -> tuple[int, int]:
    check_keys(body, ("currentPage", "pageSize"))
    return integer(body["currentPage"], "currentPage", 1), integer(body["pageSize"], "pageSize", 10, 1000)


def paged(items: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    chunk = items[(page - 1) * size : page * size]
    return {"currentPage": page, "pageSize": size, "total": len(items), "data": chunk}


def station_name(cloud: CloudState, station_id: str) -> str:
    plant = cloud.plants.get(station_id)
    return plant.name if plant else ""


def timezone_name(value: Any, where: str) -> str:
    name = text(value, where)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise body_refusal(f"{where}: unknown time zone {name!r}") from None
    return name
