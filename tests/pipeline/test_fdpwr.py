"""Issue 12, item 6: a negative ``fdPwr`` is never sent.

A device whose ``properties`` claim a negative minimum for ``fdpwr`` let a solver's tiny negative power
(-0.6 W) through the compiler as ``fdPwr = -1``, and the validation accepted it.
"""

from __future__ import annotations

import pytest

from optimizer.compile.settings import SettingFactory
from optimizer.config import BatteryConfig
from optimizer.errors import ScheduleValidationError
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerGroup, SchedulerProperties, validate_groups

GROUP = SchedulerGroup(
    startHour=3, startMinute=0, endHour=4, endMinute=59, workMode="ForceDischarge",
    minSocOnGrid=10, fdSoc=20, fdPwr=2000, maxSoc=100,
)  # fmt: skip


def test_negative_fdpwr_is_never_sent() -> None:
    properties = dict(KH_V1_PROPERTIES)
    properties["fdpwr"] = {"unit": "W", "precision": 1.0, "range": {"min": -5000, "max": 5000}}
    parsed = SchedulerProperties.from_wire(properties)
    factory = SettingFactory(parsed, BatteryConfig())
    assert factory.force_discharge(-0.0006, 20).fd_pwr == 0  # type: ignore[union-attr]
    assert factory.force_charge(-0.0007, 50).fd_pwr == 0  # type: ignore[union-attr]
    negative = GROUP.model_copy(update={"fdPwr": -1}).wire()
    with pytest.raises(ScheduleValidationError, match="fdPwr = -1"):
        validate_groups([negative], parsed)
