"""Power stations (``/op/v0/plant/*``): list, detail, create, update, delete."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from optimizer.foxess.models.base import FoxModel, FoxRequest, null_as_empty

# ----- requests -------------------------------------------------------------------------------------


class PlantModuleRef(FoxRequest):
    """A data logger (module) to attach to a station."""

    sn: str = Field(min_length=1)
    key: str | None = None


class PlantDetails(FoxRequest):
    """The ``details`` of create/update. ``type``: 1 PV, 2 energy storage, 3 charge pile, 4 mini device;
    ``price`` per kWh in ``currency`` (e.g. ``"GBP(£)"``); ``systemCapacity`` [kW]."""

    stationID: str | None = None  # update only
    name: str = Field(min_length=1)
    type: int = Field(ge=1, le=4)
    countryCode: str = Field(min_length=2, max_length=2)
    city: str
    address: str
    postcode: str
    price: float | None = None
    currency: str | None = None
    systemCapacity: float | None = None


class PlantPosition(FoxRequest):
    x: str | None = None  # longitude
    y: str | None = None  # latitude
    format: str | None = None
    pid: str | None = None


class MiniArrangement(FoxRequest):
    """One panel group of a mini-device station; ``azimuth`` 0-360°, ``dipAngle`` 0-90°."""

    sn: str | None = None
    horizontal: int | None = None
    vertical: int | None = None
    azimuth: float | None = Field(None, ge=0, le=360)
    dipAngle: float | None = Field(None, ge=0, le=90)
    direction: int | None = None
    capacity: float | None = None
    model: str | None = None


class MiniLayout(FoxRequest):
    direction: int | None = None  # 1 portrait, 2 crosswise
    arrange: list[MiniArrangement] | None = None


class PlantCreateRequest(FoxRequest):
    """Body of ``/op/v0/plant/create``; ``timezone`` is an IANA name such as ``Europe/London``."""

    devices: list[PlantModuleRef] | None = None
    pileSN: str | None = None
    details: PlantDetails
    timezone: str = Field(min_length=1)
    position: PlantPosition | None = None
    electricmeterSN: str | None = None
    layoutByMini: MiniLayout | None = None


class PlantUpdateRequest(PlantCreateRequest):
    """Body of ``/op/v0/plant/update``: as create, with ``details.stationID`` required."""

    @model_validator(mode="after")
    def _needs_station_id(self) -> PlantUpdateRequest:
        if not self.details.stationID:
            raise ValueError("details.stationID is required to update a power station")
        return self


class PlantDetailQuery(FoxRequest):
    """Query of ``/op/v0/plant/detail``."""

    id: str = Field(min_length=1)


class PlantDeleteRequest(FoxRequest):
    stationID: str = Field(min_length=1)


# ----- responses ------------------------------------------------------------------------------------


class PlantSummary(FoxModel):
    """One entry of the station list."""

    stationID: str
    name: str | None = None
    ianaTimezone: str | None = None


class Contact(FoxModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class PlantModule(FoxModel):
    moduleSN: str | None = None
    deviceSN: str | None = None


class PlantDetail(FoxModel):
    """``/op/v0/plant/detail``: ``capacity`` is the installed capacity [kW], ``createDate`` epoch [ms]."""

    stationName: str | None = None
    country: str | None = None
    city: str | None = None
    address: str | None = None
    createDate: str | int | None = None
    postcode: str | None = None
    capacity: float | None = None
    timezone: str | None = None
    user: Contact | None = None
    installer: Contact | None = None
    modules: list[PlantModule] = Field(default_factory=list)

    _modules = field_validator("modules", mode="before")(null_as_empty)


class PlantDeviceResult(FoxModel):
    """Per-module outcome of create/update; ``errno`` non-zero when the serial number was refused."""

    device: dict[str, Any] | None = None
    sn: str | None = None
    key: str | None = None
    errno: int | None = None


class PlantWriteResult(FoxModel):
    """Result of create/update: the station id and the per-module outcomes."""

    stationID: str | None = None
    devices: list[PlantDeviceResult] = Field(default_factory=list)

    _devices = field_validator("devices", mode="before")(null_as_empty)
