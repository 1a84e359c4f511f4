"""Scheduler groups, the device ``properties`` they are validated against, and the validation itself.

A group is exactly what ``/op/v1/device/scheduler/enable`` takes (camelCase keys, integer fields, the end
minute inclusive). ``properties`` come from ``scheduler/get`` (v1 or v3) with lowercase keys. Scheduler v3
nests the SoC and power fields in ``extraParam`` as floats; :func:`v3_group` and :func:`from_v3_group`
convert between the two forms, so that schedules are planned, compared and validated in the v1 form on
every device.

:func:`validate_groups` is the gate every schedule passes before it is sent: every field inside the
device's range and precision, ``fdSoc ≥ minSocOnGrid``, ``maxSoc`` only where the device lists it, work
modes from the device's list, no group crossing midnight, no overlaps, no unknown keys, no more groups than
allowed. A violation names the group, the field, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from optimizer.errors import ScheduleValidationError

WORK_MODES_V1 = ("SelfUse", "Feedin", "Backup", "ForceCharge", "ForceDischarge")
INVALID_MODE = "Invalid"
GROUP_COUNT_V1 = 8


KH_V1_PROPERTIES: dict[str, Any] = {
    "starthour": {"unit": "", "precision": 1.0, "range": {"min": 0, "max": 23}},
    "startminute": {"unit": "", "precision": 1.0, "range": {"min": 0, "max": 59}},
    "endhour": {"unit": "", "precision": 1.0, "range": {"min": 0, "max": 23}},
    "endminute": {"unit": "", "precision": 1.0, "range": {"min": 0, "max": 59}},
    "fdpwr": {"unit": "W", "precision": 1.0, "range": {"min": 0, "max": 10500}},
    "fdsoc": {"unit": "%", "precision": 1.0, "range": {"min": 10, "max": 100}},
    "minsocongrid": {"unit": "%", "precision": 1.0, "range": {"min": 10, "max": 100}},
    "maxsoc": {"unit": "%", "precision": 1.0, "range": {"min": 10, "max": 100}},
    "workmode": {"enumList": ["ForceDischarge", "Feedin", "SelfUse", "ForceCharge"]},
}
"""``properties`` of a real v1 device (the KH ``scheduler/get`` sample in fox-api-field-notes.md), wire form."""


class SchedulerGroup(BaseModel):
    """One scheduler v1 time segment, as sent and as read back (extra read-only keys dropped)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    enable: int = Field(1, ge=0, le=1)
    startHour: int = Field(ge=0, le=23)
    startMinute: int = Field(ge=0, le=59)
    endHour: int = Field(ge=0, le=23)
    endMinute: int = Field(ge=0, le=59)
    workMode: str
    minSocOnGrid: int
    fdSoc: int
    fdPwr: int
    maxSoc: int | None = None

    @property
    def start_minute_of_day(self) -> int:
        return self.startHour * 60 + self.startMinute

    @property
    def end_minute_of_day(self) -> int:
        """Exclusive end, in minutes after local midnight (``23:59`` inclusive gives 1440)."""
        return self.endHour * 60 + self.endMinute + 1

    @property
    def is_active(self) -> bool:
        return self.enable == 1 and self.workMode != INVALID_MODE

    def wire(self) -> dict[str, Any]:
        """The dict sent to the cloud: ``maxSoc`` omitted when ``None``."""
        return self.model_dump(exclude_none=True)

    def sort_key(self) -> tuple[int, int, str]:
        return (self.start_minute_of_day, self.end_minute_of_day, self.workMode)


class PropertyRange(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    min: float
    max: float


class PropertySpec(BaseModel):
    """One entry of ``properties``: a numeric range with precision, or an enumeration."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: str = ""
    precision: float = 1.0
    range: PropertyRange | None = None
    enumList: list[str] | None = Field(None, validation_alias=AliasChoices("enumList", "enumlist"))


class SchedulerProperties(BaseModel):
    """``properties`` of ``scheduler/get`` keyed by lowercase field name (``fdpwr``, ``maxsoc``, ...), and the
    device's group limit where it reports one (v3 ``maxGroupCount``; ``None``: the v1 count of 8)."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, PropertySpec] = Field(default_factory=dict)
    max_group_count: int | None = None
    scheduler_version: int = 1

    @classmethod
    def from_wire(
        cls, raw: dict[str, Any] | None, max_group_count: int | None = None, scheduler_version: int = 1
    ) -> SchedulerProperties:
        raw = raw or {}
        return cls(
            fields={str(k).lower(): PropertySpec.model_validate(v) for k, v in raw.items()},
            max_group_count=max_group_count,
            scheduler_version=scheduler_version,
        )

    @property
    def has_remain_group(self) -> bool:
        """Scheduler v3 knows the "Remain Time" 00:00–23:59 group that underlies the others."""
        return self.scheduler_version >= 3

    @property
    def group_limit(self) -> int:
        """How many groups the device takes: ``maxGroupCount`` where reported, else 8."""
        return self.max_group_count if self.max_group_count is not None else GROUP_COUNT_V1

    @property
    def second_work_modes(self) -> tuple[str, ...]:
        """The v3 ``secondworkmode`` list (empty where the device has none)."""
        spec = self.spec("secondworkmode")
        return tuple(spec.enumList) if spec and spec.enumList else ()

    def lists(self, field: str) -> bool:
        """Whether the device's properties list ``field`` (wire name); always true for unknown properties."""
        return not self.fields or self.spec(field) is not None

    def spec(self, field: str) -> PropertySpec | None:
        return self.fields.get(field.lower())

    @property
    def work_modes(self) -> tuple[str, ...]:
        spec = self.spec("workmode")
        if spec and spec.enumList:
            return tuple(m for m in spec.enumList if m != INVALID_MODE)
        return WORK_MODES_V1

    @property
    def supports_max_soc(self) -> bool:
        return self.spec("maxsoc") is not None

    def rule(self, field: str) -> FieldRule:
        """What the device allows for the integer group field ``field`` (wire name, e.g. ``fdSoc``).

        The device's range and precision where ``properties`` lists the field, else the v1 defaults of
        :data:`DEFAULT_RULES`; clock fields are always also bounded by the clock (hours 0–23, minutes 0–59),
        and ``fdPwr`` by 0 from below (a negative power is never sent).
        """
        default = DEFAULT_RULES[field]
        spec = self.spec(field)
        if spec is None or spec.range is None:
            if spec is not None:
                return FieldRule(field, default.min, default.max, spec.precision, spec.unit or default.unit)
            return default
        low, high = spec.range.min, spec.range.max
        if field in _CLOCK_BOUNDS:
            low = max(low, _CLOCK_BOUNDS[field][0])
            high = min(high, _CLOCK_BOUNDS[field][1])
        if field == "fdPwr":  # a power limit is never negative, whatever a device's properties claim
            low = max(low, 0)
        return FieldRule(field, low, high, spec.precision, spec.unit or default.unit)

    def wire(self) -> dict[str, Any]:
        return {k: v.model_dump(exclude_none=True) for k, v in self.fields.items()}


def active_groups(groups: list[SchedulerGroup]) -> list[SchedulerGroup]:
    """Enabled, non-placeholder groups sorted by start: the form schedules are compared in."""
    return sorted((g for g in groups if g.is_active), key=SchedulerGroup.sort_key)


def same_schedule(a: list[SchedulerGroup], b: list[SchedulerGroup]) -> bool:
    """True when both lists hold the same enabled groups, whatever their order (the server reorders)."""
    return [g.wire() for g in active_groups(a)] == [g.wire() for g in active_groups(b)]


def is_full_day(group: SchedulerGroup) -> bool:
    """00:00–23:59: on scheduler v3 the shape of the "Remain Time" group."""
    return group.start_minute_of_day == 0 and group.end_minute_of_day == 1440


def split_remain(groups: list[SchedulerGroup]) -> tuple[list[SchedulerGroup], SchedulerGroup | None]:
    """Separate a v3 "Remain Time" group from the groups to compare.

    A v3 read may return a 00:00–23:59 group that overlaps the others: the mode of the minutes no other group
    covers. It cannot be part of a v1-form schedule (enabled groups may not overlap), so when an enabled
    full-day group comes with other enabled groups it is taken out and returned on its own. A full-day group
    that is the only one is an ordinary schedule (the whole day in one mode) and stays.
    """
    active = [g for g in groups if g.is_active]
    remain = next((g for g in active if is_full_day(g)), None)
    if remain is None or len(active) < 2:
        return list(groups), None
    return [g for g in groups if g is not remain], remain


V3_SOC_KEYS = ("minSocOnGrid", "fdSoc", "fdPwr", "maxSoc")
"""The v1 group fields that scheduler v3 nests in ``extraParam``."""
V3_LIMIT_KEYS = ("pvLimit", "exportLimit", "importLimit", "reactivePower")
"""The v3-only numeric ``extraParam`` fields."""
V3_GROUP_KEYS = ("enable", "startHour", "startMinute", "endHour", "endMinute", "workMode", "extraParam", "isRemainMode")
"""Every key a v3 group may carry."""


def v3_group(group: SchedulerGroup, properties: SchedulerProperties) -> dict[str, Any]:
    """``group`` as ``/op/v3/device/scheduler/enable`` takes it: clock and mode at the top, the SoC and power
    fields in ``extraParam`` as floats, trimmed to what ``properties`` list (v3 refuses the others)."""
    params: dict[str, Any] = {}
    for key in V3_SOC_KEYS:
        value = getattr(group, key)
        if value is not None and properties.lists(key):
            params[key] = float(value)
    return {
        "startHour": group.startHour,
        "startMinute": group.startMinute,
        "endHour": group.endHour,
        "endMinute": group.endMinute,
        "workMode": group.workMode,
        "extraParam": params,
    }


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(value) if abs(value - round(value)) < 1e-9 else None


def from_v3_group(raw: Mapping[str, Any]) -> SchedulerGroup:
    """A v3 group read back (``extraParam`` floats) in the v1 form; ``enable`` defaults to 1 (v3 lists
    enabled groups only), a missing ``minSocOnGrid`` to 10, ``fdSoc`` to ``minSocOnGrid``, ``fdPwr`` to 0.

    Raises ``ValueError`` for values that are not whole numbers (the properties' precision is 1).
    """
    params = raw.get("extraParam") or {}
    if not isinstance(params, Mapping):
        raise ValueError(f"extraParam: expected an object, got {params!r}")
    numbers: dict[str, int] = {}
    for key in V3_SOC_KEYS:
        if params.get(key) is None:
            continue
        value = _whole(params[key])
        if value is None:
            raise ValueError(f"extraParam.{key}: {params[key]!r} is not a whole number")
        numbers[key] = value
    min_soc = numbers.get("minSocOnGrid", 10)
    return SchedulerGroup(
        enable=int(raw.get("enable", 1)),
        startHour=raw["startHour"],
        startMinute=raw["startMinute"],
        endHour=raw["endHour"],
        endMinute=raw["endMinute"],
        workMode=raw["workMode"],
        minSocOnGrid=min_soc,
        fdSoc=numbers.get("fdSoc", min_soc),
        fdPwr=numbers.get("fdPwr", 0),
        maxSoc=numbers.get("maxSoc"),
    )


# ----- validation ----------------------------------------------------------------------------------------

GROUP_KEYS = (
    "enable",
    "startHour",
    "startMinute",
    "endHour",
    "endMinute",
    "workMode",
    "minSocOnGrid",
    "fdSoc",
    "fdPwr",
    "maxSoc",
)
"""Every key a v1 group may carry when sent (``maxSoc`` only where the device supports it)."""

_INT_KEYS = tuple(k for k in GROUP_KEYS if k != "workMode")
_REQUIRED_KEYS = tuple(k for k in GROUP_KEYS if k != "maxSoc")
_CLOCK_BOUNDS = {"startHour": (0, 23), "endHour": (0, 23), "startMinute": (0, 59), "endMinute": (0, 59)}

Direction = Literal["up", "down", "nearest"]


@dataclass(frozen=True)
class FieldRule:
    """What a device allows for one integer group field: a range and a precision (the value's step).

    ``max`` is ``None`` where no upper bound is known. Allowed values are the integers inside
    ``[min, max]`` that are whole multiples of ``precision``.
    """

    field: str
    min: float
    max: float | None
    precision: float = 1.0
    unit: str = ""

    @property
    def step(self) -> int:
        """The smallest positive integer step between allowed integer values."""
        p = self.precision
        if not math.isfinite(p) or p <= 0:
            return 1
        from fractions import Fraction

        frac = Fraction(p).limit_denominator(10_000)
        return max(1, frac.numerator // math.gcd(frac.numerator, frac.denominator))

    @property
    def lowest(self) -> int:
        return math.ceil(self.min / self.step - 1e-9) * self.step

    @property
    def highest(self) -> int | None:
        if self.max is None:
            return None
        return math.floor(self.max / self.step + 1e-9) * self.step

    @property
    def empty(self) -> bool:
        high = self.highest
        return high is not None and high < self.lowest

    def allows(self, value: int) -> bool:
        high = self.highest
        return value >= self.lowest and (high is None or value <= high) and value % self.step == 0

    def quantize(self, value: float, direction: Direction = "nearest") -> int:
        """The allowed value next to ``value`` [field unit] in ``direction``, clamped into the range."""
        step = self.step
        scaled = value / step
        if direction == "up":
            k = math.ceil(scaled - 1e-6)
        elif direction == "down":
            k = math.floor(scaled + 1e-6)
        else:
            k = math.floor(scaled + 0.5)
        result = max(k * step, self.lowest)
        high = self.highest
        return min(result, high) if high is not None else result

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        high = "" if self.max is None else f"{_num(self.max)}"
        span = f"{_num(self.min)}–{high}" if high else f"≥ {_num(self.min)}"
        return f"{span}{unit} in steps of {_num(self.precision) if self.step == 1 else self.step}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


DEFAULT_RULES: dict[str, FieldRule] = {
    "enable": FieldRule("enable", 0, 1),
    "startHour": FieldRule("startHour", 0, 23),
    "startMinute": FieldRule("startMinute", 0, 59),
    "endHour": FieldRule("endHour", 0, 23),
    "endMinute": FieldRule("endMinute", 0, 59),
    "minSocOnGrid": FieldRule("minSocOnGrid", 10, 100, unit="%"),
    "fdSoc": FieldRule("fdSoc", 10, 100, unit="%"),
    "maxSoc": FieldRule("maxSoc", 10, 100, unit="%"),
    "fdPwr": FieldRule("fdPwr", 0, None, unit="W"),
}
"""The v1 ranges seen on real devices, used for a field the device's ``properties`` do not list."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: which group (index in the list as given; ``None``: the whole schedule), which
    field, the offending value and what is allowed."""

    group: int | None
    field: str
    value: Any
    allowed: str
    label: str = ""

    def __str__(self) -> str:
        if self.group is None:
            where = "schedule"
        else:
            where = f"groups[{self.group}]" + (f" ({self.label})" if self.label else "")
        return f"{where}: {self.field} = {self.value!r}, allowed: {self.allowed}"


class GroupValidationError(ScheduleValidationError):
    """Groups that must not be sent; ``violations`` lists every broken rule (exit code 8)."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        count = len(self.violations)
        shown = "; ".join(str(v) for v in self.violations[:6])
        more = f"; and {count - 6} more" if count > 6 else ""
        super().__init__(
            f"schedule failed validation ({count} problem{'s' if count != 1 else ''}): {shown}{more}.",
            hint="Nothing was sent to the inverter.",
        )


def group_label(raw: Mapping[str, Any]) -> str:
    """``ForceCharge 02:00–04:59`` for messages (best effort on malformed groups)."""
    try:
        return (
            f"{raw['workMode']} {int(raw['startHour']):02d}:{int(raw['startMinute']):02d}"
            f"–{int(raw['endHour']):02d}:{int(raw['endMinute']):02d}"
        )
    except (KeyError, TypeError, ValueError):
        return str(raw.get("workMode", "")) if isinstance(raw, Mapping) else ""


def _int_field_problems(raw: Mapping[str, Any], properties: SchedulerProperties) -> list[tuple[str, Any, str]]:
    """``(field, value, allowed)`` for every integer field of ``raw`` that is not an integer, is ``maxSoc`` on a
    device without it or lies outside the device's rule (absent fields are the missing-key check's)."""
    found: list[tuple[str, Any, str]] = []
    for key in _INT_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            found.append((key, value, "an integer"))
            continue
        if key == "maxSoc" and not properties.supports_max_soc:
            found.append((key, value, "absent: this device lists no maxsoc in its properties"))
            continue
        rule = properties.rule(key)
        if not rule.allows(value):
            found.append((key, value, rule.describe()))
    return found


def _check_group(index: int, raw: Mapping[str, Any], properties: SchedulerProperties) -> list[Violation]:
    label = group_label(raw)
    found: list[Violation] = []

    def bad(field: str, value: Any, allowed: str) -> None:
        found.append(Violation(index, field, value, allowed, label))

    for key in raw:
        if key not in GROUP_KEYS:
            bad(str(key), raw[key], f"no such key; a v1 group has only {', '.join(GROUP_KEYS)}")
    for key in _REQUIRED_KEYS:
        if key not in raw:
            bad(key, "missing", "required in every group")
    for field, value, allowed in _int_field_problems(raw, properties):
        bad(field, value, allowed)
    mode = raw.get("workMode")
    if mode is not None and (not isinstance(mode, str) or mode not in properties.work_modes):
        bad("workMode", mode, f"one of {', '.join(properties.work_modes)}")
    if found:
        return found
    if raw["fdSoc"] < raw["minSocOnGrid"]:
        bad("fdSoc", raw["fdSoc"], f"≥ minSocOnGrid ({raw['minSocOnGrid']})")
    start = raw["startHour"] * 60 + raw["startMinute"]
    end = raw["endHour"] * 60 + raw["endMinute"]
    if end < start:
        bad(
            "end",
            f"{raw['endHour']:02d}:{raw['endMinute']:02d}",
            f"from {raw['startHour']:02d}:{raw['startMinute']:02d} to 23:59 "
            "(the end minute is inclusive and no group may cross midnight: split it at 23:59)",
        )
    return found


def _span(raw: Any) -> tuple[int, int] | None:
    """``(start, end_exclusive)`` in minutes of the day of an enabled, non-placeholder group with valid clock
    fields; ``None`` for anything else (its own violations are reported separately)."""
    if isinstance(raw, SchedulerGroup):
        raw = raw.wire()
    if not isinstance(raw, Mapping) or raw.get("enable") != 1 or raw.get("workMode") == INVALID_MODE:
        return None
    values: list[int] = []
    for key in ("startHour", "startMinute", "endHour", "endMinute"):
        value = raw.get(key)
        low, high = _CLOCK_BOUNDS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return None
        values.append(value)
    start, end = values[0] * 60 + values[1], values[2] * 60 + values[3] + 1
    return (start, end) if end > start else None


def _overlaps(groups: Sequence[Any]) -> list[Violation]:
    """Enabled groups that start before an earlier-starting enabled group has ended."""
    spans = sorted(
        ((span, index, group) for index, group in enumerate(groups) if (span := _span(group)) is not None),
        key=lambda item: (item[0], item[1]),
    )
    found: list[Violation] = []
    latest: tuple[tuple[int, int], int, Any] | None = None
    for span, index, group in spans:
        raw = group.wire() if isinstance(group, SchedulerGroup) else group
        if latest is not None and span[0] < latest[0][1]:
            other = latest[2].wire() if isinstance(latest[2], SchedulerGroup) else latest[2]
            found.append(
                Violation(
                    index,
                    "start",
                    f"{raw['startHour']:02d}:{raw['startMinute']:02d}",
                    f"after {other['endHour']:02d}:{other['endMinute']:02d}, the end of groups[{latest[1]}] "
                    f"({group_label(other)}): enabled groups may not overlap",
                    group_label(raw),
                )
            )
        if latest is None or span[1] > latest[0][1]:
            latest = (span, index, group)
    return found


def _v3_param_problem(key: str, value: Any, properties: SchedulerProperties) -> str | None:
    """What is allowed for ``extraParam.<key>`` if ``value`` breaks a rule (an unknown parameter, one the
    device does not list, not a whole number, a limit outside its range, an unlisted ``secondWorkMode``)."""
    if key == "secondWorkMode":
        modes = properties.second_work_modes
        if not modes:
            return "absent: this device lists no secondworkmode"
        return f"one of {', '.join(modes)}" if value not in modes else None
    if key not in (*V3_SOC_KEYS, *V3_LIMIT_KEYS):
        return f"no such parameter; v3 takes {', '.join((*V3_SOC_KEYS, *V3_LIMIT_KEYS))}"
    if not properties.lists(key):
        return f"absent: this device lists no {key.lower()} in its properties"
    number = _whole(value)
    if number is None:
        return "a whole number (precision 1)"
    if key in V3_LIMIT_KEYS:
        spec = properties.spec(key)
        if spec is not None and spec.range is not None and not spec.range.min <= number <= spec.range.max:
            return f"{_num(spec.range.min)}–{_num(spec.range.max)} {spec.unit}".strip()
    return None


def _flatten_v3(
    index: int, raw: Mapping[str, Any], properties: SchedulerProperties
) -> tuple[dict[str, Any], list[Violation]]:
    """A v3 wire group in the v1 form for the checks, and the violations only v3 has (keys, ``extraParam``)."""
    label = group_label(raw)
    found: list[Violation] = []

    def bad(field: str, value: Any, allowed: str) -> None:
        found.append(Violation(index, field, value, allowed, label))

    flat: dict[str, Any] = {
        k: raw[k] for k in ("startHour", "startMinute", "endHour", "endMinute", "workMode") if k in raw
    }
    flat["enable"] = raw.get("enable", 1)
    for key in raw:
        if key not in V3_GROUP_KEYS:
            bad(str(key), raw[key], f"no such key; a v3 group has only {', '.join(V3_GROUP_KEYS)}")
    params = raw.get("extraParam", {})
    if not isinstance(params, Mapping):
        bad("extraParam", params, "an object")
        params = {}
    for key, value in params.items():
        problem = _v3_param_problem(key, value, properties)
        if problem is not None:
            bad(f"extraParam.{key}", value, problem)
        elif key in V3_SOC_KEYS:
            flat[key] = _whole(value)
    flat.setdefault("minSocOnGrid", 10)
    flat.setdefault("fdSoc", flat["minSocOnGrid"])
    flat.setdefault("fdPwr", 0)
    return flat, found


def validate_groups(
    groups: Sequence[SchedulerGroup | Mapping[str, Any]],
    properties: SchedulerProperties,
    *,
    max_groups: int | None = None,
) -> list[SchedulerGroup]:
    """Check ``groups`` against the device's ``properties``; return them as models sorted by start.

    Raises :class:`GroupValidationError` (a :class:`~optimizer.errors.ScheduleValidationError`, exit 8)
    listing every violation with the group's index, the field, the value and the allowed range. Models and
    plain dicts are both accepted: the v1 wire form, or the v3 form (``extraParam``, floats that must be whole
    numbers, parameters the properties do not list refused); a dict is checked for unknown and missing keys
    too. Overlaps are checked between enabled groups, except that on a v3 device a "Remain Time" group may
    underlie the others (:func:`split_remain`); every group, enabled or not, must be valid on its own. At most
    ``max_groups`` groups (default: the device's limit, 8 where it reports none), and never more than the
    ``maxGroupCount`` a v3 device reports.
    """
    violations: list[Violation] = []
    reported = properties.max_group_count
    if max_groups is None:
        limit = properties.group_limit
    else:
        limit = max_groups if reported is None else min(max_groups, reported)
    if len(groups) > limit:
        violations.append(Violation(None, "groups", len(groups), f"at most {limit} groups"))
    parsed: list[tuple[int, SchedulerGroup]] = []
    flat_groups: list[Any] = []
    for index, group in enumerate(groups):
        if isinstance(group, SchedulerGroup):
            raw: Mapping[str, Any] = group.wire()
        elif isinstance(group, Mapping) and "extraParam" in group:
            raw, extra = _flatten_v3(index, group, properties)
            violations.extend(extra)
        elif isinstance(group, Mapping):
            raw = group
        else:
            violations.append(Violation(index, "group", group, "an object with the v1 group keys"))
            flat_groups.append(None)
            continue
        flat_groups.append(raw)
        found = _check_group(index, raw, properties)
        violations.extend(found)
        if found:
            continue
        try:
            parsed.append((index, SchedulerGroup.model_validate(dict(raw))))
        except ValidationError as exc:  # pragma: no cover - the checks above are stricter
            for err in exc.errors(include_url=False):
                field = ".".join(str(p) for p in err.get("loc", ()))
                violations.append(Violation(index, field, err.get("input"), err.get("msg", "")))
    violations.extend(_overlaps(_without_remain(flat_groups) if properties.has_remain_group else flat_groups))
    if violations:
        raise GroupValidationError(violations)
    return sorted((g for _, g in parsed), key=SchedulerGroup.sort_key)


def _without_remain(groups: list[Any]) -> list[Any]:
    """``groups`` with a 00:00–23:59 group that underlies other enabled groups replaced by ``None``."""
    spans = [_span(g) for g in groups]
    enabled = [i for i, sp in enumerate(spans) if sp is not None]
    full = [i for i in enabled if spans[i] == (0, 1440)]
    if not full or len(enabled) < 2:
        return groups
    return [None if i == full[0] else g for i, g in enumerate(groups)]
