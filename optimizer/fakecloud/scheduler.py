"""The mode scheduler as the real server enforces it: v1 (and the deprecated v0), v2 reads and v3.

One store per inverter backs every version (fox-api-field-notes.md §3 and §8).

**v1 / v0 writes** (``scheduler/enable``) are refused with

* **40257** for a body that is not ``{"deviceSN", "groups": [...]}``, more than 8 groups, a group with an
  unknown key (``id``, ``properties``, … echoed back from a read) or a missing one, ``maxSoc`` on a model
  without it (and always on v0), a non-integer value, a value outside the model's ``properties`` range, a
  work mode outside its ``enumList`` (``Invalid`` included), ``fdSoc < minSocOnGrid``, or a group whose end
  lies before its start (groups may not cross midnight; the end minute is inclusive);
* **42023** when two *enabled* groups overlap (disabled padding may overlap anything);
* on v0 also 40257 for ``fdSoc < 11`` or ``fdPwr = 0`` in an enabled group (seen on the real v0).

An accepted v1 write replaces the whole schedule, switches the scheduler flag on (the inverter enters "Mode
scheduler") and stores the groups in shuffled slots: reads return 8 groups in slot order, the empty slots as
``workMode: "Invalid"`` placeholders, and the sent order is not kept (an enabled group sent first is never
read back first; with two or more groups the read order always differs from the sent order).

**v3 writes** take ``{"deviceSN", "groups", "isDefault"?}``; a group keeps ``startHour`` … ``workMode`` (and an
optional ``enable``, ``isRemainMode``) and nests everything else in ``extraParam``: ``minSocOnGrid``,
``fdSoc``, ``fdPwr``, ``maxSoc``, ``pvLimit``, ``exportLimit``, ``importLimit``, ``reactivePower`` (numbers;
integral, as the properties' precision is 1) and ``secondWorkMode`` (a string). Refused with 40257: more
groups than ``maxGroupCount``, a key outside that set, an ``extraParam`` key the model's ``properties`` do
not list ("rejects unsupported parameters"), a value outside its range, a mode outside the model's list,
``fdSoc < minSocOnGrid``; 42023 for overlapping enabled groups, except one 00:00–23:59 group: the "Remain
Time" group, which covers the minutes no other group covers (``isRemainMode`` is accepted and ignored, as
foxesscloud 2.9.9 notes the Open API does). Disabled groups are dropped. Parameters a group omits take the
system default (``minSocOnGrid`` 10, ``fdSoc`` = ``minSocOnGrid``, ``fdPwr`` the rating, ``maxSoc`` 100,
the limits their maximum, ``reactivePower`` 0, no ``secondWorkMode``); with ``isDefault: false`` the four
limits keep the value last written instead *(choice)*. A v3 write does **not** switch the flag on (measured on
an H3-G2); ``scheduler/set/flag`` (v1, shared by every version) does.

**v2 reads** give every slot (disabled placeholders as ``SelfUse`` 00:00–00:00) with ``enable`` and
``extraParam`` (floats); **v3 reads** give the enabled groups only, with ``maxGroupCount``. On models that
report it, both show the Remain Time group (the base work mode) when none is stored.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any

from optimizer.fakecloud.account import ModelSpec
from optimizer.fakecloud.bodies import check_keys, integer, number
from optimizer.fakecloud.replies import ERRNO_OVERLAP, Refusal, body_refusal
from optimizer.scheduler import INVALID_MODE, SchedulerGroup

SLOT_COUNT = 8
BASE_KEYS = (
    "enable",
    "startHour",
    "startMinute",
    "endHour",
    "endMinute",
    "workMode",
    "minSocOnGrid",
    "fdSoc",
    "fdPwr",
)
PLACEHOLDER: dict[str, Any] = {
    "enable": 0,
    "startHour": 0,
    "startMinute": 0,
    "endHour": 0,
    "endMinute": 0,
    "workMode": INVALID_MODE,
    "minSocOnGrid": 10,
    "fdSoc": 10,
    "fdPwr": 0,
}
DEFAULT_MAX_SOC = 100
DEFAULT_MIN_SOC_ON_GRID = 10
FULL_DAY = (0, 1440)

V3_GROUP_KEYS = ("enable", "startHour", "startMinute", "endHour", "endMinute", "workMode", "extraParam", "isRemainMode")
V3_SOC_PARAMS = ("minSocOnGrid", "fdSoc", "fdPwr", "maxSoc")
V3_LIMIT_PARAMS = ("pvLimit", "exportLimit", "importLimit", "reactivePower")
SECOND_WORK_MODE = "secondWorkMode"
_V3_UNITS = {
    "minSocOnGrid": "%",
    "fdSoc": "%",
    "maxSoc": "%",
    "fdPwr": "W",
    "pvLimit": "W",
    "exportLimit": "W",
    "importLimit": "W",
    "reactivePower": "Var",
}
_CLOCK_RANGES = {"startHour": (0, 23), "startMinute": (0, 59), "endHour": (0, 23), "endMinute": (0, 59)}


@dataclass(frozen=True)
class Rules:
    """What one API version accepts for one model: allowed keys, integer ranges, modes."""

    version: str
    keys: tuple[str, ...]
    ranges: dict[str, tuple[int, int]]
    modes: tuple[str, ...]
    enabled_fdpwr_min_w: int = 0


def rules_for(model: ModelSpec, version: str) -> Rules:
    """The validation rules of ``scheduler/enable`` (``version`` ``"v1"`` or ``"v0"``) for ``model``."""
    ranges = {
        "enable": (0, 1),
        **_CLOCK_RANGES,
        "minSocOnGrid": (model.soc_min_pct, 100),
        "fdSoc": (model.soc_min_pct, 100),
        "fdPwr": (0, model.fdpwr_limit_w),
    }
    if version == "v0":
        ranges["fdSoc"] = (11, 100)
        return Rules("v0", BASE_KEYS, ranges, model.scheduler_modes, enabled_fdpwr_min_w=1)
    keys: tuple[str, ...] = BASE_KEYS
    if model.max_soc:
        keys = (*BASE_KEYS, "maxSoc")
        ranges["maxSoc"] = (10, 100)
    return Rules("v1", keys, ranges, model.scheduler_modes)


def properties_v1(model: ModelSpec) -> dict[str, dict[str, Any]]:
    """``scheduler/get`` ``properties``: lowercase keys, unit, precision and range or enumList."""
    rules = rules_for(model, "v1")
    units = {"minSocOnGrid": "%", "fdSoc": "%", "maxSoc": "%", "fdPwr": "W"}
    props: dict[str, dict[str, Any]] = {}
    for key in rules.keys:
        if key == "enable":
            continue
        if key == "workMode":
            props["workmode"] = {"unit": "", "precision": 1.0, "enumList": list(rules.modes)}
            continue
        low, high = rules.ranges[key]
        props[key.lower()] = {
            "unit": units.get(key, ""),
            "precision": 1.0,
            "range": {"min": low, "max": high},
        }
    return props


def v3_ranges(model: ModelSpec) -> dict[str, tuple[float, float]]:
    """The ``extraParam`` numbers ``model`` supports on v3, with their ranges (its ``properties``)."""
    ranges: dict[str, tuple[float, float]] = {
        "minSocOnGrid": (model.soc_min_pct, 100),
        "fdSoc": (model.soc_min_pct, 100),
        "fdPwr": (0, model.fdpwr_limit_w),
    }
    if model.max_soc:
        ranges["maxSoc"] = (10, 100)
    if model.pv_limit_max_w is not None:
        ranges["pvLimit"] = (0, model.pv_limit_max_w)
    if model.export_limit_max_w is not None:
        ranges["exportLimit"] = (0, model.export_limit_max_w)
    if model.import_limit_max_w is not None:
        ranges["importLimit"] = (0, model.import_limit_max_w)
    if model.reactive_power_max_var is not None:
        ranges["reactivePower"] = (-model.reactive_power_max_var, model.reactive_power_max_var)
    return ranges


def properties_v3(model: ModelSpec) -> dict[str, dict[str, Any]]:
    """v2/v3 ``properties``: lowercase keys, floats, every supported ``extraParam`` and ``secondworkmode``.

    The ``secondworkmode`` list is spelled ``enumlist`` *(choice: foxesscloud 2.9.19 reads it so)*.
    """
    props: dict[str, dict[str, Any]] = {
        key.lower(): {"unit": "", "precision": 1.0, "range": {"min": float(low), "max": float(high)}}
        for key, (low, high) in _CLOCK_RANGES.items()
    }
    for key, (low, high) in v3_ranges(model).items():
        props[key.lower()] = {
            "unit": _V3_UNITS.get(key, ""),
            "precision": 1.0,
            "range": {"min": float(low), "max": float(high)},
        }
    props["workmode"] = {"unit": "", "precision": 1.0, "enumList": list(model.scheduler_modes)}
    if model.second_work_modes:
        props["secondworkmode"] = {"unit": "", "precision": 1.0, "enumlist": list(model.second_work_modes)}
    return props


def span(group: dict[str, Any]) -> tuple[int, int]:
    """[start, end) in minutes of the local day (the end minute is inclusive on the wire)."""
    return (
        group["startHour"] * 60 + group["startMinute"],
        group["endHour"] * 60 + group["endMinute"] + 1,
    )


def is_full_day(group: dict[str, Any]) -> bool:
    """00:00–23:59: on v3 the "Remain Time" group."""
    return span(group) == FULL_DAY


# ----- v1 / v0 ---------------------------------------------------------------------------------------------


def _check_group(raw: Any, index: int, rules: Rules) -> dict[str, Any]:
    where = f"groups[{index}]"
    if not isinstance(raw, dict):
        raise body_refusal(f"{where}: expected an object, got {raw!r}")
    unknown = sorted(set(raw) - set(rules.keys))
    if unknown:
        raise body_refusal(f"{where}: unknown key(s) {unknown} for scheduler {rules.version}")
    missing = [k for k in BASE_KEYS if k not in raw]
    if missing:
        raise body_refusal(f"{where}: missing key(s) {missing}")
    group: dict[str, Any] = {}
    for key in rules.keys:
        if key not in raw:
            continue
        if key == "workMode":
            mode = raw[key]
            if not isinstance(mode, str) or mode not in rules.modes:
                raise body_refusal(f"{where}.workMode: {mode!r} is not one of {list(rules.modes)}")
            group[key] = mode
            continue
        low, high = rules.ranges[key]
        group[key] = integer(raw[key], f"{where}.{key}", low, high)
    if group["fdSoc"] < group["minSocOnGrid"]:
        raise body_refusal(f"{where}: fdSoc {group['fdSoc']} < minSocOnGrid {group['minSocOnGrid']}")
    if span(group)[1] <= span(group)[0]:
        raise body_refusal(f"{where}: ends before it starts (groups may not cross midnight)")
    if group["enable"] == 1 and group["fdPwr"] < rules.enabled_fdpwr_min_w:
        raise body_refusal(f"{where}: fdPwr {group['fdPwr']} refused in an enabled {rules.version} group")
    return group


def _check_overlaps(groups: list[dict[str, Any]], *, remain_exempt: bool) -> None:
    enabled = sorted((span(g), i) for i, g in enumerate(groups) if g["enable"] == 1)
    full_day = [i for s, i in enabled if s == FULL_DAY]
    if remain_exempt and len(full_day) == 1:
        enabled = [(s, i) for s, i in enabled if i != full_day[0]]
    for (a, ia), (b, ib) in itertools.pairwise(enabled):
        if b[0] < a[1]:
            raise Refusal(ERRNO_OVERLAP, detail=f"groups[{ia}] and groups[{ib}] overlap")


def validate_groups(body: dict[str, Any], model: ModelSpec, version: str) -> list[dict[str, Any]]:
    """The normalised groups of a v1/v0 ``scheduler/enable`` body, or a :class:`Refusal` (40257 / 42023)."""
    rules = rules_for(model, version)
    groups_raw = body.get("groups")
    if not isinstance(groups_raw, list):
        raise body_refusal(f"groups: expected a list, got {groups_raw!r}")
    if len(groups_raw) > SLOT_COUNT:
        raise body_refusal(f"groups: {len(groups_raw)} groups, at most {SLOT_COUNT}")
    groups = [_check_group(raw, i, rules) for i, raw in enumerate(groups_raw)]
    _check_overlaps(groups, remain_exempt=False)
    return [{**g, "extra": {}} for g in groups]


# ----- v3 ----------------------------------------------------------------------------------------------------


def _whole(value: Any, where: str, low: float, high: float) -> float:
    """A number of the properties' precision 1.0 (``5000`` or ``5000.0``, not ``5000.5``) within the range."""
    found = number(value, where, low, high)
    if not math.isclose(found, round(found), abs_tol=1e-9):
        raise body_refusal(f"{where}: {value!r} is not a whole number (precision 1)")
    return float(round(found))


def _check_shape_v3(raw: Any, where: str) -> None:
    """Refuse a v3 group that is not an object, has a key outside v3's or lacks a clock key or the mode."""
    if not isinstance(raw, dict):
        raise body_refusal(f"{where}: expected an object, got {raw!r}")
    unknown = sorted(set(raw) - set(V3_GROUP_KEYS))
    if unknown:
        raise body_refusal(f"{where}: unknown key(s) {unknown} for scheduler v3 (numbers go in extraParam)")
    missing = [k for k in ("startHour", "startMinute", "endHour", "endMinute", "workMode") if k not in raw]
    if missing:
        raise body_refusal(f"{where}: missing key(s) {missing}")


def _param_values_v3(
    params: Any, where: str, model: ModelSpec, ranges: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """The numbers of a v3 group's ``extraParam`` ``params``, each checked against its range; refuses an
    ``extraParam`` that is not an object or has a key the model does not support."""
    if not isinstance(params, dict):
        raise body_refusal(f"{where}.extraParam: expected an object, got {params!r}")
    allowed = set(ranges) | ({SECOND_WORK_MODE} if model.second_work_modes else set())
    unsupported = sorted(set(params) - allowed)
    if unsupported:
        raise body_refusal(f"{where}.extraParam: {unsupported} not supported by {model.device_type}")
    return {k: _whole(v, f"{where}.extraParam.{k}", *ranges[k]) for k, v in params.items() if k in ranges}


def _extra_v3(
    params: dict[str, Any],
    values: dict[str, float],
    where: str,
    model: ModelSpec,
    ranges: dict[str, tuple[float, float]],
    memory: dict[str, float],
    is_default: bool,
) -> dict[str, Any]:
    """A v3 group's stored ``extra``: the model's limits (an omitted one takes its default, or with
    ``is_default`` false the value in ``memory``) and its ``secondWorkMode`` if sent."""
    extra: dict[str, Any] = {}
    for key in V3_LIMIT_PARAMS:
        if key not in ranges:
            continue
        default = 0.0 if key == "reactivePower" else float(ranges[key][1])
        extra[key] = values.get(key, default if is_default else memory.get(key, default))
    if SECOND_WORK_MODE in params:
        second = params[SECOND_WORK_MODE]
        if not isinstance(second, str) or second not in model.second_work_modes:
            raise body_refusal(
                f"{where}.extraParam.secondWorkMode: {second!r} is not one of {list(model.second_work_modes)}"
            )
        extra[SECOND_WORK_MODE] = second
    return extra


def _check_group_v3(
    raw: Any, index: int, model: ModelSpec, memory: dict[str, float], is_default: bool
) -> dict[str, Any] | None:
    """One v3 group as stored (v1 keys as integers, plus ``extra``), or ``None`` for a disabled one."""
    where = f"groups[{index}]"
    _check_shape_v3(raw, where)
    enable = integer(raw.get("enable", 1), f"{where}.enable", 0, 1)
    if "isRemainMode" in raw and not isinstance(raw["isRemainMode"], bool):
        raise body_refusal(f"{where}.isRemainMode: expected true or false, got {raw['isRemainMode']!r}")
    group: dict[str, Any] = {"enable": enable}
    for key, (low, high) in _CLOCK_RANGES.items():
        group[key] = integer(raw[key], f"{where}.{key}", low, high)
    mode = raw["workMode"]
    if not isinstance(mode, str) or mode not in model.scheduler_modes:
        raise body_refusal(f"{where}.workMode: {mode!r} is not one of {list(model.scheduler_modes)}")
    group["workMode"] = mode
    params = raw.get("extraParam", {})
    ranges = v3_ranges(model)
    values = _param_values_v3(params, where, model, ranges)
    min_soc = values.get("minSocOnGrid", float(max(DEFAULT_MIN_SOC_ON_GRID, model.soc_min_pct)))
    fd_soc = values.get("fdSoc", min_soc)
    if fd_soc < min_soc:
        raise body_refusal(f"{where}: fdSoc {fd_soc:g} < minSocOnGrid {min_soc:g}")
    group["minSocOnGrid"] = int(min_soc)
    group["fdSoc"] = int(fd_soc)
    group["fdPwr"] = int(values.get("fdPwr", min(model.rated_power_w, model.fdpwr_limit_w)))
    if model.max_soc:
        group["maxSoc"] = int(values.get("maxSoc", DEFAULT_MAX_SOC))
    group["extra"] = _extra_v3(params, values, where, model, ranges, memory, is_default)
    if span(group)[1] <= span(group)[0]:
        raise body_refusal(f"{where}: ends before it starts (groups may not cross midnight)")
    return group if enable == 1 else None


def validate_groups_v3(
    body: dict[str, Any], model: ModelSpec, memory: dict[str, float]
) -> tuple[list[dict[str, Any]], bool]:
    """The enabled groups of a v3 ``scheduler/enable`` body as stored, and its ``isDefault``; or a Refusal."""
    check_keys(body, ("deviceSN", "groups"), ("isDefault",))
    is_default = body.get("isDefault", False)
    if not isinstance(is_default, bool):
        raise body_refusal(f"isDefault: expected true or false, got {is_default!r}")
    groups_raw = body["groups"]
    if not isinstance(groups_raw, list):
        raise body_refusal(f"groups: expected a list, got {groups_raw!r}")
    if len(groups_raw) > model.max_group_count:
        raise body_refusal(f"groups: {len(groups_raw)} groups, at most maxGroupCount {model.max_group_count}")
    checked = [_check_group_v3(raw, i, model, memory, is_default) for i, raw in enumerate(groups_raw)]
    groups = [g for g in checked if g is not None]
    _check_overlaps(groups, remain_exempt=True)
    return groups, is_default


def _v3_form(stored: dict[str, Any], model: ModelSpec) -> dict[str, Any]:
    """A stored group as v2/v3 reads show it: v1 clock and mode, the rest in ``extraParam`` as floats."""
    params: dict[str, Any] = {k: float(stored[k]) for k in V3_SOC_PARAMS if k in stored}
    if model.max_soc:
        params.setdefault("maxSoc", float(DEFAULT_MAX_SOC))
    ranges = v3_ranges(model)
    extra = stored.get("extra", {})
    for key in V3_LIMIT_PARAMS:
        if key in ranges:
            default = 0.0 if key == "reactivePower" else float(ranges[key][1])
            params[key] = float(extra.get(key, default))
    if SECOND_WORK_MODE in extra:
        params[SECOND_WORK_MODE] = extra[SECOND_WORK_MODE]
    return {
        "enable": int(stored["enable"]),
        **{k: stored[k] for k in _CLOCK_RANGES},
        "workMode": stored["workMode"],
        "extraParam": params,
    }


@dataclass(frozen=True)
class ActiveGroup:
    """An enabled stored group the inverter obeys: its v1 form and its v3 extras (limits, secondWorkMode)."""

    group: SchedulerGroup
    extra: dict[str, Any]

    @property
    def span(self) -> tuple[int, int]:
        return (self.group.start_minute_of_day, self.group.end_minute_of_day)


@dataclass
class SchedulerStore:
    """The scheduler state of one inverter: the flag and ``slot_count`` slots (``None`` = unused)."""

    seed: int = 0
    slot_count: int = SLOT_COUNT
    enable: bool = False
    slots: list[dict[str, Any] | None] = field(default_factory=list)
    limits_memory: dict[str, float] = field(default_factory=dict)
    _rng: random.Random = field(init=False, repr=False)
    _active: tuple[list[ActiveGroup], ActiveGroup | None] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        if not self.slots:
            self.slots = [None] * self.slot_count

    def _placement(self, count: int) -> list[int]:
        """Slots for ``count`` groups: never slot 0 first, never the sent order (for 2+ groups)."""
        while True:
            slots = self._rng.sample(range(self.slot_count), count)
            if count and slots[0] == 0:
                continue
            if count >= 2 and slots == sorted(slots):
                continue
            return slots

    def store(self, groups: list[dict[str, Any]], *, switch_on: bool = True) -> None:
        """Replace the schedule with ``groups`` (validated) in shuffled slots; v1 writes switch the flag on."""
        slots: list[dict[str, Any] | None] = [None] * self.slot_count
        for group, slot in zip(groups, self._placement(len(groups)), strict=True):
            slots[slot] = dict(group)
        self.slots = slots
        if switch_on:
            self.enable = True
        for group in groups:
            for key, value in group.get("extra", {}).items():
                if key in V3_LIMIT_PARAMS:
                    self.limits_memory[key] = value
        self._active = None

    def set_enable(self, enable: bool) -> None:
        """``scheduler/set/flag``: switch Mode Scheduler on or off (the groups stay stored)."""
        self.enable = enable

    def read(self, model: ModelSpec, version: str) -> dict[str, Any]:
        """The v1/v0 ``scheduler/get`` result: flag, 8 groups in slot order, properties (v1)."""
        with_max_soc = version == "v1" and model.max_soc
        groups = []
        for stored in self.slots[:SLOT_COUNT]:
            group = {k: v for k, v in stored.items() if k != "extra"} if stored is not None else dict(PLACEHOLDER)
            if with_max_soc:
                group.setdefault("maxSoc", DEFAULT_MAX_SOC)
            else:
                group.pop("maxSoc", None)
            groups.append(group)
        properties = properties_v1(model) if version == "v1" else {}
        return {"enable": int(self.enable), "groups": groups, "properties": properties}

    def _remain_view(self, model: ModelSpec, base: dict[str, Any]) -> list[dict[str, Any]]:
        """The Remain Time group a v2/v3 read shows when none is stored (models that report it)."""
        stored = [g for g in self.slots if g is not None and g["enable"] == 1 and is_full_day(g)]
        if stored or not model.reports_remain_group:
            return []
        group = {"enable": 1, "startHour": 0, "startMinute": 0, "endHour": 23, "endMinute": 59, **base}
        return [_v3_form(group, model)]

    def read_v2(self, model: ModelSpec, base: dict[str, Any]) -> dict[str, Any]:
        """The v2 ``scheduler/get`` result: every slot (placeholders disabled), ``extraParam`` as floats."""
        placeholder = {**PLACEHOLDER, "workMode": "SelfUse", "fdPwr": min(model.rated_power_w, model.fdpwr_limit_w)}
        groups = [_v3_form(g if g is not None else placeholder, model) for g in self.slots]
        return {
            "enable": int(self.enable),
            "groups": self._remain_view(model, base) + groups,
            "properties": properties_v3(model),
        }

    def read_v3(self, model: ModelSpec, base: dict[str, Any]) -> dict[str, Any]:
        """The v3 ``scheduler/get`` result: the enabled groups in slot order, properties, ``maxGroupCount``."""
        groups = [_v3_form(g, model) for g in self.slots if g is not None and g["enable"] == 1]
        return {
            "enable": int(self.enable),
            "groups": self._remain_view(model, base) + groups,
            "properties": properties_v3(model),
            "maxGroupCount": model.max_group_count,
        }

    def active(self) -> tuple[list[ActiveGroup], ActiveGroup | None]:
        """What the inverter obeys while the flag is on: the enabled groups sorted by start, and the Remain
        Time group (a 00:00–23:59 group beside others) that covers the rest; nothing while the flag is off."""
        if not self.enable:
            return [], None
        if self._active is None:
            entries = sorted(
                (
                    ActiveGroup(SchedulerGroup.model_validate(g), dict(g.get("extra", {})))
                    for g in self.slots
                    if g is not None and g["enable"] == 1 and g["workMode"] != INVALID_MODE
                ),
                key=lambda e: e.group.sort_key(),
            )
            full_day = [e for e in entries if e.span == FULL_DAY]
            remain = full_day[0] if full_day and len(entries) > 1 else None
            self._active = ([e for e in entries if e is not remain], remain)
        return self._active

    def active_groups(self) -> list[SchedulerGroup]:
        """The enabled groups the inverter obeys while the flag is on (empty while it is off)."""
        entries, remain = self.active()
        return [e.group for e in entries] + ([remain.group] if remain else [])

    def snapshot(self) -> tuple[bool, list[dict[str, Any] | None]]:
        """The flag and the slots (JSON-serialisable; the embedded cloud saves them between commands)."""
        return self.enable, [_copy(g) for g in self.slots]

    def restore(self, state: tuple[bool, list[dict[str, Any] | None]]) -> None:
        """Put back a :meth:`snapshot`; a saved list shorter or longer than the slots is padded or cut."""
        slots = [_copy(g) for g in state[1]][: self.slot_count]
        self.enable, self.slots = state[0], slots + [None] * (self.slot_count - len(slots))
        self._active = None


def _copy(group: dict[str, Any] | None) -> dict[str, Any] | None:
    if group is None:
        return None
    return {**group, "extra": dict(group.get("extra", {}))} if "extra" in group else dict(group)
