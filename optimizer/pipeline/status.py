"""``optimizer status``: what each inverter holds now (groups in time order, flag), its SoC, the quota left.

API calls: the device list, one access count, and per inverter ``scheduler/get/flag``, ``scheduler/get`` (where
supported) and one real-time query for the SoC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optimizer.config import Config
from optimizer.errors import FoxEssError
from optimizer.foxess import FoxEssClient
from optimizer.pipeline.account import open_account
from optimizer.pipeline.device import live_soc_pct, scheduler_devices
from optimizer.scheduler import SchedulerGroup, active_groups


@dataclass
class DeviceStatus:
    """One inverter now: scheduler support and flag, the enabled groups sorted by start, the SoC [%]."""

    sn: str
    scheduler_support: bool
    enable: bool
    groups: list[SchedulerGroup] = field(default_factory=list)
    soc_pct: float | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"sn": self.sn, "scheduler_support": self.scheduler_support, "enable": self.enable}
        if self.scheduler_support:
            doc["groups"] = [g.wire() for g in self.groups]
        doc["soc_pct"] = self.soc_pct
        return doc


@dataclass
class StatusReport:
    devices: list[DeviceStatus]
    quota: dict[str, Any] | None
    api_calls: int
    simulated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "devices": [d.to_json() for d in self.devices],
            "quota": self.quota,
            "api_calls": self.api_calls,
            "simulated_cloud": self.simulated,
        }


def quota_left(client: FoxEssClient) -> dict[str, Any] | None:
    """``{"remaining", "total"}`` calls of today's quota, or ``None`` when the cloud does not say."""
    try:
        count = client.access_count()
    except FoxEssError:
        return None
    return {"remaining": getattr(count, "remaining", None), "total": getattr(count, "total", None)}


def read_status(config: Config, device: str | None = None) -> StatusReport:
    """The status of every configured inverter (or of ``device`` only)."""
    with open_account(config) as account:
        client = account.client
        quota = quota_left(client)
        found: list[DeviceStatus] = []
        for summary in scheduler_devices(client, config):
            sn = summary.deviceSN
            if device and sn != device:
                continue
            flag = client.scheduler_get_flag(sn)
            status = DeviceStatus(sn=sn, scheduler_support=bool(flag.support), enable=bool(flag.enable))
            if flag.support:
                status.groups = active_groups(list(client.scheduler_get(sn).groups))
            status.soc_pct = live_soc_pct(client, sn)
            found.append(status)
        return StatusReport(devices=found, quota=quota, api_calls=client.calls_made, simulated=account.simulated)
