"""Every endpoint of the Open API document, plus the newer ones the real server answers (``device/detail``
v1, scheduler v2/v3), in one table: method, path, and whether it writes.

The client calls endpoints only through this table; the simulated cloud and the tests read it too.
``write`` endpoints are spaced 2 s apart per device and counted in ``FoxEssClient.write_calls_made``;
the others are queries, spaced 1 s apart per path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: Literal["GET", "POST"]
    path: str
    write: bool = False
    deprecated: bool = False


def _table(*endpoints: Endpoint) -> dict[str, Endpoint]:
    return {e.name: e for e in endpoints}


ENDPOINTS: dict[str, Endpoint] = _table(
    # Power stations
    Endpoint("plant_create", "POST", "/op/v0/plant/create", write=True),
    Endpoint("plant_delete", "POST", "/op/v0/plant/delete", write=True),
    Endpoint("plant_update", "POST", "/op/v0/plant/update", write=True),
    Endpoint("plant_detail", "GET", "/op/v0/plant/detail"),
    Endpoint("plant_list", "POST", "/op/v0/plant/list"),
    # Inverter v1
    Endpoint("real_time", "POST", "/op/v1/device/real/query"),
    # Scheduler v1
    Endpoint("scheduler_get_flag", "POST", "/op/v1/device/scheduler/get/flag"),
    Endpoint("scheduler_set_flag", "POST", "/op/v1/device/scheduler/set/flag", write=True),
    Endpoint("scheduler_get", "POST", "/op/v1/device/scheduler/get"),
    Endpoint("scheduler_enable", "POST", "/op/v1/device/scheduler/enable", write=True),
    # Scheduler v2 and v3 (not in the vendor document; fox-api-field-notes.md §8)
    Endpoint("scheduler_v2_get", "POST", "/op/v2/device/scheduler/get"),
    Endpoint("scheduler_v3_get", "POST", "/op/v3/device/scheduler/get"),
    Endpoint("scheduler_v3_enable", "POST", "/op/v3/device/scheduler/enable", write=True),
    # Inverter
    Endpoint("device_list", "POST", "/op/v0/device/list"),
    Endpoint("device_detail", "GET", "/op/v1/device/detail"),
    Endpoint("device_detail_v0", "GET", "/op/v0/device/detail", deprecated=True),
    Endpoint("variables", "GET", "/op/v0/device/variable/get"),
    Endpoint("fault_codes", "GET", "/op/v0/device/fault/get"),
    Endpoint("real_time_v0", "POST", "/op/v0/device/real/query", deprecated=True),
    Endpoint("history", "POST", "/op/v0/device/history/query"),
    Endpoint("report", "POST", "/op/v0/device/report/query"),
    Endpoint("generation", "GET", "/op/v0/device/generation"),
    Endpoint("battery_soc_get", "GET", "/op/v0/device/battery/soc/get"),
    Endpoint("battery_soc_set", "POST", "/op/v0/device/battery/soc/set", write=True),
    Endpoint("force_charge_time_get", "GET", "/op/v0/device/battery/forceChargeTime/get"),
    Endpoint("force_charge_time_set", "POST", "/op/v0/device/battery/forceChargeTime/set", write=True),
    Endpoint("setting_get", "POST", "/op/v0/device/setting/get"),
    Endpoint("setting_set", "POST", "/op/v0/device/setting/set", write=True),
    Endpoint("device_time_get", "POST", "/op/v0/device/time/get"),
    Endpoint("device_time_set", "POST", "/op/v0/device/time/set", write=True),
    Endpoint("peak_shaving_get", "POST", "/op/v0/device/peakShaving/get"),
    Endpoint("peak_shaving_set", "POST", "/op/v0/device/peakShaving/set", write=True),
    # Scheduler v0 (deprecated)
    Endpoint("scheduler_v0_get_flag", "POST", "/op/v0/device/scheduler/get/flag", deprecated=True),
    Endpoint("scheduler_v0_get", "POST", "/op/v0/device/scheduler/get", deprecated=True),
    Endpoint("scheduler_v0_set_flag", "POST", "/op/v0/device/scheduler/set/flag", write=True, deprecated=True),
    Endpoint("scheduler_v0_enable", "POST", "/op/v0/device/scheduler/enable", write=True, deprecated=True),
    # Data loggers
    Endpoint("data_logger_list", "POST", "/op/v0/module/list"),
    # Meters
    Endpoint("meter_list", "POST", "/op/v0/gw/list"),
    Endpoint("meter_setting_get", "POST", "/op/v0/gw/setting/get"),
    Endpoint("meter_setting_set", "POST", "/op/v0/gw/setting/set", write=True),
    # Platform
    Endpoint("access_count", "GET", "/op/v0/user/getAccessCount"),
)
