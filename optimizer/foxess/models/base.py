"""Base classes of the wire models, and the value shapes several endpoints share.

Attribute names are the wire names (camelCase, as :class:`optimizer.scheduler.SchedulerGroup`), so a model
reads like the vendor document; units are in the docstrings, and unit-named properties are added where a
conversion happens (``DeviceDetail.battery_capacity_kwh``).

* Response models (:class:`FoxModel`) accept unknown keys (the API grows) and keep them in ``model_extra``.
* Request models (:class:`FoxRequest`) forbid unknown keys and drop unset optional ones, because the cloud
  answers 40257 to keys it does not expect. :meth:`FoxRequest.wire` is exactly the JSON body sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FoxModel(BaseModel):
    """A response object: unknown keys allowed and kept."""

    model_config = ConfigDict(extra="allow")


class FoxRequest(BaseModel):
    """A request body: unknown keys forbidden; ``wire()`` omits the optional fields left as ``None``."""

    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict[str, Any]:
        """The JSON body as sent (no ``None`` values)."""
        return self.model_dump(exclude_none=True, mode="json")


def number_or_none(value: Any) -> Any:
    """Numbers may arrive as strings (``"10"``, ``"0.1"``) or empty strings; blanks become ``None``."""
    if isinstance(value, str):
        text = value.strip()
        return float(text) if text else None
    return value


def null_as_empty(value: Any) -> Any:
    """A ``null`` list in an answer reads as an empty list."""
    return [] if value is None else value


class ValueRange(FoxModel):
    """The allowed ``min``..``max`` of a setting, in the setting's unit."""

    min: float | None = None
    max: float | None = None

    _numbers = field_validator("min", "max", mode="before")(number_or_none)


class SettingValue(FoxModel):
    """A setting as the cloud describes it: ``value`` (always a string on the wire) in ``unit``, with its
    ``precision`` and ``range``, or one of ``enumList``."""

    value: str | None = None
    unit: str | None = None
    precision: float | None = None
    range: ValueRange | None = None
    enumList: list[str] | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return value if value is None or isinstance(value, str) else str(value)

    @property
    def number(self) -> float | None:
        """``value`` as a number, or ``None`` when it is empty or not numeric (e.g. a work-mode name)."""
        try:
            return float(self.value) if self.value not in (None, "") else None
        except ValueError:
            return None


class Page(FoxModel):
    """One page of a paged list."""

    currentPage: int = 1
    pageSize: int = 0
    total: int = 0
    data: list[dict[str, Any]] = Field(default_factory=list)

    _data = field_validator("data", mode="before")(null_as_empty)


class PageRequest(FoxRequest):
    """Body of the paged list endpoints (devices, plants, data loggers, meters)."""

    currentPage: int = Field(1, ge=1)
    pageSize: int = Field(100, ge=10, le=1000)


class SnRequest(FoxRequest):
    """A body or query holding only the inverter serial number."""

    sn: str = Field(min_length=1)


class DeviceSnRequest(FoxRequest):
    """A body holding only ``deviceSN`` (the scheduler endpoints)."""

    deviceSN: str = Field(min_length=1)
