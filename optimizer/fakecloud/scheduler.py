"""Scheduler v1 (and the deprecated v0) as the real server enforces it (fox-api-field-notes.md §3).

Writes (``scheduler/enable``) are refused with

* **40257** for a body that is not ``{"deviceSN", "groups": [...]}``, more than 8 groups, a group with an
  unknown key (``id``, ``properties``, … echoed back from a read) or a missing one, ``maxSoc`` on a model
  without it (and always on v0), a non-integer value, a value outside the model's ``properties`` range, a
  work mode outside its ``enumList`` (``Invalid`` included), ``fdSoc < minSocOnGrid``, or a group whose end
  lies before its start (groups may not cross midnight; the end minute is inclusive);
* **42023** when two *enabled* groups overlap (disabled padding may overlap anything);
* on v0 also 40257 for ``fdSoc < 11`` or ``fdPwr = 0`` in an enabled group (seen on the real v0).

An accepted write replaces the whole schedule, switches the scheduler flag on (the inverter enters "Mode
scheduler") and stores the groups in shuffled slots: reads return 8 groups in slot order, the empty slots
as ``workMode: "Invalid"`` placeholders, and the sent order is not kept (an enabled group sent first is
never read back first; with two or more groups the read order always differs from the sent order).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from optimizer.fakecloud.account import ModelSpec
from optimizer.fakecloud.bodies import integer
from optimizer.fakecloud.replies import ERRNO_OVERLAP, Refusal, body_refusal
from optimizer.scheduler import INVALID_MODE, SchedulerGroup
from optimizer.scheduler import active_groups as enabled_sorted

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
        "startHour": (0, 23),
        "startMinute": (0, 59),
        "endHour": (0, 23),
        "endMinute": (0, 59),
        "minSocOnGrid": (10, 100),
        "fdSoc": (10, 100),
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
    start = group["startHour"] * 60 + group["startMinute"]
    end = group["endHour"] * 60 + group["endMinute"]
    if end < start:
        raise body_refusal(f"{where}: ends before it starts (groups may not cross midnight)")
    if group["enable"] == 1 and group["fdPwr"] < rules.enabled_fdpwr_min_w:
        raise body_refusal(f"{where}: fdPwr {group['fdPwr']} refused in an enabled {rules.version} group")
    return group


def _span(group: dict[str, Any]) -> tuple[int, int]:
    """[start, end) in minutes of the local day (the end minute is inclusive on the wire)."""
    return (
        group["startHour"] * 60 + group["startMinute"],
        group["endHour"] * 60 + group["endMinute"] + 1,
    )


def validate_groups(body: dict[str, Any], model: ModelSpec, version: str) -> list[dict[str, Any]]:
    """The normalised groups of a ``scheduler/enable`` body, or a :class:`Refusal` (40257 / 42023)."""
    rules = rules_for(model, version)
    groups_raw = body.get("groups")
    if not isinstance(groups_raw, list):
        raise body_refusal(f"groups: expected a list, got {groups_raw!r}")
    if len(groups_raw) > SLOT_COUNT:
        raise body_refusal(f"groups: {len(groups_raw)} groups, at most {SLOT_COUNT}")
    groups = [_check_group(raw, i, rules) for i, raw in enumerate(groups_raw)]
    enabled = sorted((_span(g), i) for i, g in enumerate(groups) if g["enable"] == 1)
    for (a, ia), (b, ib) in itertools.pairwise(enabled):
        if b[0] < a[1]:
            raise Refusal(ERRNO_OVERLAP, detail=f"groups[{ia}] and groups[{ib}] overlap")
    return groups


@dataclass
class SchedulerStore:
    """The scheduler state of one inverter: the flag and 8 slots (``None`` = unused)."""

    seed: int = 0
    enable: bool = False
    slots: list[dict[str, Any] | None] = field(default_factory=lambda: [None] * SLOT_COUNT)
    _rng: random.Random = field(init=False, repr=False)
    _active: list[SchedulerGroup] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _placement(self, count: int) -> list[int]:
        """Slots for ``count`` groups: never slot 0 first, never the sent order (for 2+ groups)."""
        while True:
            slots = self._rng.sample(range(SLOT_COUNT), count)
            if count and slots[0] == 0:
                continue
            if count >= 2 and slots == sorted(slots):
                continue
            return slots

    def store(self, groups: list[dict[str, Any]]) -> None:
        """Replace the schedule with ``groups`` (already validated) in shuffled slots; the flag goes on."""
        slots: list[dict[str, Any] | None] = [None] * SLOT_COUNT
        for group, slot in zip(groups, self._placement(len(groups)), strict=True):
            slots[slot] = dict(group)
        self.slots = slots
        self.enable = True
        self._active = None

    def set_enable(self, enable: bool) -> None:
        """``scheduler/set/flag``: switch Mode Scheduler on or off (the groups stay stored)."""
        self.enable = enable

    def read(self, model: ModelSpec, version: str) -> dict[str, Any]:
        """The ``scheduler/get`` result: flag, 8 groups in slot order, properties (v1)."""
        with_max_soc = version == "v1" and model.max_soc
        groups = []
        for stored in self.slots:
            group = dict(stored) if stored is not None else dict(PLACEHOLDER)
            if with_max_soc:
                group.setdefault("maxSoc", DEFAULT_MAX_SOC)
            else:
                group.pop("maxSoc", None)
            groups.append(group)
        properties = properties_v1(model) if version == "v1" else {}
        return {"enable": int(self.enable), "groups": groups, "properties": properties}

    def active_groups(self) -> list[SchedulerGroup]:
        """The enabled groups the inverter obeys while the flag is on (empty while it is off)."""
        if not self.enable:
            return []
        if self._active is None:
            stored = [SchedulerGroup.model_validate(g) for g in self.slots if g is not None]
            self._active = enabled_sorted(stored)
        return self._active

    def snapshot(self) -> tuple[bool, list[dict[str, Any] | None]]:
        return self.enable, [dict(g) if g is not None else None for g in self.slots]

    def restore(self, state: tuple[bool, list[dict[str, Any] | None]]) -> None:
        self.enable, self.slots = state[0], [dict(g) if g is not None else None for g in state[1]]
        self._active = None
