"""The settings of one simulated inverter and the rules of the endpoints that read and write them.

Covers ``setting/get|set`` (ExportLimit, MinSoc, MinSocOnGrid, MaxSoc, GridCode, WorkMode),
``battery/soc/get|set``, ``battery/forceChargeTime/get|set`` and ``peakShaving/get|set``.

While the scheduler flag is on, writes of the work mode and the SoC limits are refused, as the real server
does (fox-api-field-notes.md §2, §3): ``setting/set`` of MinSocOnGrid, MinSoc or MaxSoc with **44098** "Write
failed" (Predbat #3011 saw it on MinSocOnGrid; MinSoc and MaxSoc follow it, *choice*), ``setting/set WorkMode``,
``battery/soc/set`` and ``battery/forceChargeTime/set`` with **44096** (nickw444; the errno foxesscloud checks
there). ExportLimit and GridCode stay writable. A key the model does not have (MaxSoc on a
model without max-SoC support) is refused with **42015**; peak shaving on a model without it with **40257**.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from optimizer.fakecloud.account import DeviceSpec, ModelSpec
from optimizer.fakecloud.bodies import check_keys, integer, integer_text, number
from optimizer.fakecloud.replies import (
    ERRNO_UNSUPPORTED_FUNCTION,
    ERRNO_UNSUPPORTED_SETTING,
    ERRNO_WRITE_FAILED,
    Refusal,
    body_refusal,
)

SETTING_KEYS = ("ExportLimit", "MinSoc", "MinSocOnGrid", "MaxSoc", "GridCode", "WorkMode")
MODE_KEYS = frozenset({"WorkMode", "MinSoc", "MinSocOnGrid", "MaxSoc"})
SOC_KEYS = frozenset({"MinSoc", "MinSocOnGrid", "MaxSoc"})
GRID_CODES = ("UK G98/G99", "EN50549", "Germany VDE4105", "Italy CEI0-21")


@dataclass
class ChargePeriod:
    """One period of ``battery/forceChargeTime`` (local clock; end minute inclusive)."""

    enable: bool = False
    start: tuple[int, int] = (0, 0)
    end: tuple[int, int] = (0, 0)

    def covers(self, minute_of_day: int) -> bool:
        start = self.start[0] * 60 + self.start[1]
        end = self.end[0] * 60 + self.end[1]
        return self.enable and start != end and start <= minute_of_day <= end


@dataclass
class DeviceSettings:
    """The writable state of one inverter (SoC in %, export limit in W, import limit in kW)."""

    work_mode: str = "SelfUse"
    min_soc_pct: int = 10
    min_soc_on_grid_pct: int = 10
    max_soc_pct: int = 100
    export_limit_w: int = 5000
    grid_code: str = GRID_CODES[0]
    charge_periods: list[ChargePeriod] = field(default_factory=lambda: [ChargePeriod(), ChargePeriod()])
    peak_import_limit_kw: float = 10.0
    peak_soc_pct: int = 30
    clock_offset_s: float = 0.0

    @classmethod
    def for_device(cls, spec: DeviceSpec) -> DeviceSettings:
        return cls(
            min_soc_pct=spec.min_soc_pct,
            min_soc_on_grid_pct=spec.min_soc_on_grid_pct,
            max_soc_pct=spec.max_soc_pct,
            export_limit_w=round(spec.grid.export_limit_kw * 1000),
            grid_code=spec.grid_code,
        )

    def copy(self) -> DeviceSettings:
        return copy.deepcopy(self)


def _number_item(value: float, unit: str, low: float, high: float, precision: float = 1.0) -> dict[str, Any]:
    shown = f"{value:g}" if precision < 1 else str(round(value))
    return {"value": shown, "unit": unit, "precision": precision, "range": {"min": low, "max": high}}


def export_limit_max_w(spec: DeviceSpec) -> int:
    """The largest ExportLimit the model accepts [W]."""
    return max(spec.model.rated_power_w, round(spec.grid.export_limit_kw * 1000))


def _check_key(model: ModelSpec, key: Any) -> str:
    if not isinstance(key, str) or key not in SETTING_KEYS:
        raise body_refusal(f"key: {key!r} is not one of {list(SETTING_KEYS)}")
    if key == "MaxSoc" and not model.max_soc:
        raise Refusal(ERRNO_UNSUPPORTED_SETTING, detail=f"{model.device_type} has no MaxSoc setting")
    return key


def get_setting(spec: DeviceSpec, settings: DeviceSettings, key: Any) -> dict[str, Any]:
    """The ``setting/get`` result for ``key``."""
    key = _check_key(spec.model, key)
    if key == "ExportLimit":
        return _number_item(settings.export_limit_w, "W", 0, export_limit_max_w(spec))
    if key == "MinSoc":
        return _number_item(settings.min_soc_pct, "%", 10, 100)
    if key == "MinSocOnGrid":
        return _number_item(settings.min_soc_on_grid_pct, "%", 10, 100)
    if key == "MaxSoc":
        return _number_item(settings.max_soc_pct, "%", 10, 100)
    if key == "GridCode":
        return {"value": settings.grid_code, "unit": "", "precision": 1.0, "enumList": list(GRID_CODES)}
    modes = list(spec.model.setting_modes)
    return {"value": settings.work_mode, "unit": "", "precision": 1.0, "enumList": modes}


def _refuse_while_scheduler_on(scheduler_on: bool, what: str, errno: int = ERRNO_UNSUPPORTED_FUNCTION) -> None:
    if scheduler_on:
        raise Refusal(errno, detail=f"{what} refused while the scheduler is enabled")


def set_setting(spec: DeviceSpec, settings: DeviceSettings, key: Any, value: Any, scheduler_on: bool) -> None:
    """Apply ``setting/set`` (values arrive as strings, as the document specifies)."""
    model = spec.model
    key = _check_key(model, key)
    if key in MODE_KEYS:
        errno = ERRNO_WRITE_FAILED if key in SOC_KEYS else ERRNO_UNSUPPORTED_FUNCTION
        _refuse_while_scheduler_on(scheduler_on, f"setting {key}", errno)
    if key == "ExportLimit":
        settings.export_limit_w = integer_text(value, key, 0, export_limit_max_w(spec))
    elif key == "MinSoc":
        settings.min_soc_pct = integer_text(value, key, 10, 100)
    elif key == "MinSocOnGrid":
        settings.min_soc_on_grid_pct = integer_text(value, key, 10, 100)
    elif key == "MaxSoc":
        settings.max_soc_pct = integer_text(value, key, 10, 100)
    elif key == "GridCode":
        if value not in GRID_CODES:
            raise body_refusal(f"GridCode: {value!r} is not one of {list(GRID_CODES)}")
        settings.grid_code = value
    else:
        if value not in model.setting_modes:
            raise body_refusal(f"WorkMode: {value!r} is not one of {list(model.setting_modes)}")
        settings.work_mode = value


def min_soc(settings: DeviceSettings) -> dict[str, Any]:
    """The ``battery/soc/get`` result [%]."""
    return {"minSoc": settings.min_soc_pct, "minSocOnGrid": settings.min_soc_on_grid_pct}


def set_min_soc(settings: DeviceSettings, body: dict[str, Any], scheduler_on: bool) -> None:
    """Apply ``battery/soc/set`` (both values 10..100 %)."""
    _refuse_while_scheduler_on(scheduler_on, "battery/soc/set")
    value = integer(body.get("minSoc"), "minSoc", 10, 100)
    value_on_grid = integer(body.get("minSocOnGrid"), "minSocOnGrid", 10, 100)
    settings.min_soc_pct, settings.min_soc_on_grid_pct = value, value_on_grid


def _clock_time(raw: Any, where: str) -> tuple[int, int]:
    check_keys(raw, ("hour", "minute"))
    return integer(raw["hour"], f"{where}.hour", 0, 23), integer(raw["minute"], f"{where}.minute", 0, 59)


def charge_times(settings: DeviceSettings) -> dict[str, Any]:
    """The ``battery/forceChargeTime/get`` result."""
    result: dict[str, Any] = {}
    for n, period in enumerate(settings.charge_periods, start=1):
        result[f"enable{n}"] = period.enable
        result[f"startTime{n}"] = {"hour": period.start[0], "minute": period.start[1]}
        result[f"endTime{n}"] = {"hour": period.end[0], "minute": period.end[1]}
    return result


def set_charge_times(settings: DeviceSettings, body: dict[str, Any], scheduler_on: bool) -> None:
    """Apply ``battery/forceChargeTime/set``: both periods must be sent."""
    _refuse_while_scheduler_on(scheduler_on, "battery/forceChargeTime/set")
    periods = []
    for n in (1, 2):
        enable = body.get(f"enable{n}")
        if not isinstance(enable, bool):
            raise body_refusal(f"enable{n}: expected true or false, got {enable!r}")
        start = _clock_time(body.get(f"startTime{n}"), f"startTime{n}")
        end = _clock_time(body.get(f"endTime{n}"), f"endTime{n}")
        periods.append(ChargePeriod(enable, start, end))
    settings.charge_periods = periods


def _peak_limit_max_kw(spec: DeviceSpec) -> float:
    return spec.grid.import_limit_kw if spec.grid.import_limit_kw is not None else 15.0


def peak_shaving(spec: DeviceSpec, settings: DeviceSettings) -> dict[str, Any]:
    """The ``peakShaving/get`` result; 40257 on a model without the feature (as the real server)."""
    if not spec.model.peak_shaving:
        raise body_refusal(f"{spec.model.device_type} has no peak shaving")
    return {
        "importLimit": _number_item(settings.peak_import_limit_kw, "kW", 0, _peak_limit_max_kw(spec), precision=0.001),
        "soc": _number_item(settings.peak_soc_pct, "%", 10, 100),
    }


def set_peak_shaving(spec: DeviceSpec, settings: DeviceSettings, body: dict[str, Any]) -> None:
    """Apply ``peakShaving/set`` (import limit in kW, SoC in %)."""
    if not spec.model.peak_shaving:
        raise body_refusal(f"{spec.model.device_type} has no peak shaving")
    limit_kw = number(body.get("importLimit"), "importLimit", 0, _peak_limit_max_kw(spec))
    settings.peak_soc_pct = integer(body.get("soc"), "soc", 10, 100)
    settings.peak_import_limit_kw = limit_kw
