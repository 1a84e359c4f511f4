"""The account's inverters in one table: what ``optimizer devices`` shows.

One device-list call (all pages) plus, unless ``detail=False``, one device-detail call per inverter for
scheduler support and the battery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from optimizer.foxess.client import FoxEssClient


@dataclass
class InverterInfo:
    """One inverter. ``scheduler_support`` is ``None`` when details were not fetched;
    ``battery_capacity_kwh`` [kWh] and ``inverter_capacity_kw`` [kW] as the cloud reports them."""

    sn: str
    model: str | None
    product_type: str | None
    station: str | None
    station_id: str | None
    status: str
    has_pv: bool | None
    has_battery: bool | None
    module_sn: str | None
    scheduler_support: bool | None = None
    inverter_capacity_kw: float | None = None
    battery_models: list[str] = field(default_factory=list)
    battery_capacity_kwh: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def battery_text(self) -> str:
        """``EP11 10.36 kWh``, ``yes``, ``no`` or ``?``."""
        parts = [*self.battery_models]
        if self.battery_capacity_kwh is not None:
            parts.append(f"{self.battery_capacity_kwh:g} kWh")
        if parts:
            return " ".join(parts)
        return {True: "yes", False: "no", None: "?"}[self.has_battery]


def inventory(client: FoxEssClient, *, detail: bool = True) -> list[InverterInfo]:
    """Every inverter of the account, with scheduler support and battery when ``detail`` is set."""
    rows = []
    summaries = client.list_devices()
    if detail and summaries:
        client.check_budget(len(summaries))
    for summary in summaries:
        row = InverterInfo(
            sn=summary.deviceSN,
            model=summary.deviceType,
            product_type=summary.productType,
            station=summary.stationName,
            station_id=summary.stationID,
            status=summary.status_text,
            has_pv=summary.hasPV,
            has_battery=summary.hasBattery,
            module_sn=summary.moduleSN,
        )
        if detail:
            info = client.device_detail(summary.deviceSN)
            row.scheduler_support = info.function.scheduler
            row.inverter_capacity_kw = info.capacity_kw
            row.battery_models = info.battery_models
            row.battery_capacity_kwh = info.battery_capacity_kwh
            row.model = row.model or info.deviceType
            row.has_battery = row.has_battery if row.has_battery is not None else info.hasBattery
        rows.append(row)
    return rows
