"""Validation of scheduler v1 groups against a device's properties (optimizer.scheduler.validate_groups)."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer.errors import ScheduleValidationError
from optimizer.scheduler import (
    DEFAULT_RULES,
    FieldRule,
    GroupValidationError,
    SchedulerGroup,
    SchedulerProperties,
    validate_groups,
)
from tests.compile.plans import V1_PROPERTIES


def group(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "enable": 1,
        "startHour": 2,
        "startMinute": 0,
        "endHour": 4,
        "endMinute": 59,
        "workMode": "ForceCharge",
        "minSocOnGrid": 10,
        "fdSoc": 90,
        "fdPwr": 5000,
        "maxSoc": 90,
    }
    base.update(fields)
    return base


def problems(groups: list[Any], properties: SchedulerProperties = V1_PROPERTIES, **kw: Any) -> list[str]:
    with pytest.raises(GroupValidationError) as info:
        validate_groups(groups, properties, **kw)
    assert isinstance(info.value, ScheduleValidationError) and info.value.exit_code == 8
    return [str(v) for v in info.value.violations]


def test_valid_groups_come_back_as_models_sorted_by_start() -> None:
    late = group(startHour=17, endHour=18, workMode="ForceDischarge", fdSoc=20, maxSoc=100)
    early = group()
    result = validate_groups([late, early], V1_PROPERTIES)
    assert [g.startHour for g in result] == [2, 17]
    assert all(isinstance(g, SchedulerGroup) for g in result)
    assert validate_groups(result, V1_PROPERTIES) == result  # models validate as well as dicts


def test_out_of_range_value_names_group_field_value_and_range() -> None:
    found = problems([group(), group(startHour=6, endHour=7, fdSoc=105)])
    assert found == ["groups[1] (ForceCharge 06:00–07:59): fdSoc = 105, allowed: 10–100 % in steps of 1"]


def test_error_message_is_one_clear_sentence_with_a_hint() -> None:
    with pytest.raises(GroupValidationError) as info:
        validate_groups([group(fdPwr=20000)], V1_PROPERTIES)
    text = info.value.explain()
    assert "groups[0] (ForceCharge 02:00–04:59): fdPwr = 20000, allowed: 0–10500 W" in text
    assert text.endswith("Nothing was sent to the inverter.")


def test_precision_is_enforced() -> None:
    coarse = SchedulerProperties.from_wire(
        {**V1_PROPERTIES.wire(), "fdpwr": {"unit": "W", "precision": 10, "range": {"min": 0, "max": 10500}}}
    )
    assert problems([group(fdPwr=5005)], coarse) == [
        "groups[0] (ForceCharge 02:00–04:59): fdPwr = 5005, allowed: 0–10500 W in steps of 10"
    ]


def test_fdsoc_below_min_soc_on_grid() -> None:
    assert problems([group(minSocOnGrid=30, fdSoc=20, maxSoc=100)]) == [
        "groups[0] (ForceCharge 02:00–04:59): fdSoc = 20, allowed: ≥ minSocOnGrid (30)"
    ]


def test_max_soc_only_where_supported() -> None:
    without = SchedulerProperties.from_wire({k: v for k, v in V1_PROPERTIES.wire().items() if k != "maxsoc"})
    found = problems([group()], without)
    assert len(found) == 1 and "maxSoc = 90" in found[0] and "no maxsoc" in found[0]
    no_max = group()
    del no_max["maxSoc"]
    assert validate_groups([no_max], without)[0].maxSoc is None


def test_work_mode_from_the_device_list_and_never_invalid() -> None:
    assert problems([group(workMode="Backup")]) == [
        "groups[0] (Backup 02:00–04:59): workMode = 'Backup', "
        "allowed: one of ForceDischarge, Feedin, SelfUse, ForceCharge"
    ]
    assert len(problems([group(workMode="Invalid", enable=0)])) == 1


def test_overlaps_between_enabled_groups_even_when_not_adjacent_in_order() -> None:
    long = group(startHour=0, endHour=9, workMode="SelfUse", fdSoc=10, maxSoc=100)
    inner1 = group(startHour=2, endHour=2)
    inner2 = group(startHour=5, endHour=5)
    found = problems([long, inner1, inner2])
    assert len(found) == 2
    assert found[0].startswith("groups[1] (ForceCharge 02:00–02:59): start = '02:00', allowed: after 09:59")
    assert found[1].startswith("groups[2] (ForceCharge 05:00–05:59): start = '05:00'")
    disabled = group(startHour=2, endHour=2, enable=0)  # a disabled placeholder may overlap
    assert len(validate_groups([long, disabled], V1_PROPERTIES)) == 2


def test_a_group_with_a_bad_field_is_still_checked_for_overlaps() -> None:
    long = group(startHour=0, endHour=9, workMode="SelfUse", fdSoc=10, maxSoc=100)
    found = problems([long, group(startHour=6, endHour=7, fdSoc=105)])
    assert [p.split(":")[0] for p in found] == ["groups[1] (ForceCharge 06", "groups[1] (ForceCharge 06"]
    assert "fdSoc = 105" in found[0] and "enabled groups may not overlap" in found[1]


def test_no_group_crosses_midnight() -> None:
    found = problems([group(startHour=23, endHour=1)])
    assert found == [
        "groups[0] (ForceCharge 23:00–01:59): end = '01:59', allowed: from 23:00 to 23:59 "
        "(the end minute is inclusive and no group may cross midnight: split it at 23:59)"
    ]


def test_unknown_missing_and_mistyped_keys() -> None:
    raw = group(id=7, fdPwr=5000.0, enable=True)
    del raw["fdSoc"]
    found = problems([raw])
    assert any(p.startswith("groups[0] (ForceCharge 02:00–04:59): id = 7, allowed: no such key") for p in found)
    assert any("fdSoc = 'missing', allowed: required" in p for p in found)
    assert any("fdPwr = 5000.0, allowed: an integer" in p for p in found)
    assert any("enable = True, allowed: an integer" in p for p in found)
    assert problems(["not a group"]) == ["groups[0]: group = 'not a group', allowed: an object with the v1 group keys"]


def test_no_more_groups_than_allowed() -> None:
    many = [group(startHour=h, endHour=h, endMinute=59) for h in range(9)]
    assert problems(many) == ["schedule: groups = 9, allowed: at most 8 groups"]
    assert len(validate_groups(many[:4], V1_PROPERTIES, max_groups=4)) == 4
    assert problems(many[:4], max_groups=3) == ["schedule: groups = 4, allowed: at most 3 groups"]


def test_empty_properties_fall_back_to_the_v1_defaults() -> None:
    empty = SchedulerProperties.from_wire(None)
    assert empty.rule("fdSoc") == DEFAULT_RULES["fdSoc"]
    assert not empty.supports_max_soc
    plain = group()
    del plain["maxSoc"]
    assert validate_groups([plain], empty)[0].fdSoc == 90
    assert problems([group(fdSoc=5, minSocOnGrid=5)], empty)[0].endswith("10–100 % in steps of 1")


def test_clock_fields_stay_on_the_clock_whatever_the_properties_say() -> None:
    odd = SchedulerProperties.from_wire({"endhour": {"precision": 1, "range": {"min": 0, "max": 30}}})
    assert odd.rule("endHour").max == 23


def test_field_rule_quantizes_in_the_asked_direction_within_range() -> None:
    rule = FieldRule("fdSoc", 10, 100, 1.0, "%")
    assert rule.quantize(57.3, "up") == 58
    assert rule.quantize(57.3, "down") == 57
    assert rule.quantize(57.5, "nearest") == 58
    assert rule.quantize(57.0000001, "up") == 57  # float noise is not a step
    assert rule.quantize(3, "up") == 10 and rule.quantize(130, "down") == 100
    fives = FieldRule("fdPwr", 0, 10500, 5.0, "W")
    assert fives.step == 5 and fives.quantize(1234, "nearest") == 1235 and fives.allows(1235)
    assert not fives.allows(1234)
    tenth = FieldRule("fdSoc", 10, 100, 0.1, "%")
    assert tenth.step == 1 and tenth.allows(57)
    assert FieldRule("x", 10, 5).empty
    assert FieldRule("fdPwr", 0, None).describe() == "≥ 0 in steps of 1"
