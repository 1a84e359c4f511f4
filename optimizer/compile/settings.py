"""The settings of one scheduler group, built from physical targets so that they always validate.

A :class:`Setting` is a group without its time window: work mode, ``minSocOnGrid``, ``fdSoc``, ``fdPwr``
and ``maxSoc``, already quantized to the device's ranges and precision. :class:`SettingFactory` builds them
from what the plan wants (a charge power in kW, a target SoC in percent), rounding every SoC in the safe
direction, and refuses a work mode the device does not list. The compiler only ever handles settings made
here, so every group it emits passes :func:`optimizer.scheduler.validate_groups`.

Rounding (precision usually 1 %, 1 W):

* reserve and every SoC floor (``minSocOnGrid``; ``fdSoc`` of ForceDischarge and of a hold): **up**, so the
  battery never goes below what the plan keeps;
* ForceCharge target (``fdSoc`` = ``maxSoc``): **up**, so the battery holds at least the planned energy
  (at most one precision step more), but never above the configured ``max_soc_pct``;
* ``maxSoc`` of the other modes: **down** (never above the configured maximum);
* ``fdPwr``: to the **nearest** allowed watt within ``[properties min, min(properties max, cap)]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from optimizer.config import BatteryConfig
from optimizer.errors import ScheduleValidationError
from optimizer.scheduler import Direction, FieldRule, SchedulerGroup, SchedulerProperties
from optimizer.simulate import ModeParams

FORCED_MODES = ("ForceCharge", "ForceDischarge")


@dataclass(frozen=True)
class Setting:
    """A group's parameters in wire units (percent, watts), valid for the device they were built for."""

    work_mode: str
    min_soc_on_grid: int
    fd_soc: int
    fd_pwr: int
    max_soc: int | None = None

    def params(self) -> ModeParams:
        """The same setting in the physical units of :mod:`optimizer.simulate`."""
        return ModeParams.from_wire(self.work_mode, self.min_soc_on_grid, self.fd_soc, self.fd_pwr, self.max_soc)

    def group(self, start_minute: int, end_minute: int) -> SchedulerGroup:
        """The enabled group applying this setting over local ``[start_minute, end_minute)`` of one day."""
        last = end_minute - 1
        return SchedulerGroup(
            enable=1,
            startHour=start_minute // 60,
            startMinute=start_minute % 60,
            endHour=last // 60,
            endMinute=last % 60,
            workMode=self.work_mode,
            minSocOnGrid=self.min_soc_on_grid,
            fdSoc=self.fd_soc,
            fdPwr=self.fd_pwr,
            maxSoc=self.max_soc,
        )

    def describe(self) -> str:
        if self.work_mode == "ForceCharge":
            return f"ForceCharge {self.fd_pwr} W to {self.fd_soc} %"
        if self.work_mode == "ForceDischarge":
            return f"ForceDischarge {self.fd_pwr} W down to {self.fd_soc} %"
        ceiling = f", max {self.max_soc} %" if self.max_soc is not None else ""
        return f"{self.work_mode} min {self.min_soc_on_grid} %{ceiling}"


class _Rule:
    """A :class:`~optimizer.scheduler.FieldRule` with its step and bounds computed once (the search builds
    thousands of settings); :meth:`quantize` is the rule's own, value for value."""

    def __init__(self, rule: FieldRule) -> None:
        self.rule = rule
        self.field = rule.field
        self.step = rule.step
        self.lowest = rule.lowest
        self.highest = rule.highest
        self.empty = rule.empty

    def describe(self) -> str:
        return self.rule.describe()

    def quantize(self, value: float, direction: Direction = "nearest") -> int:
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


class SettingFactory:
    """Builds valid :class:`Setting` objects for one device, battery and reserve.

    ``reserve_soc_pct`` is the lowest SoC the schedule lets the house use (``minSocOnGrid`` of every group);
    ``fd_pwr_cap_w`` caps ``fdPwr`` below the properties' maximum, which can be bogus on real devices.
    Raises :class:`ScheduleValidationError` when the device's ranges leave no valid group at all.
    """

    def __init__(
        self,
        properties: SchedulerProperties,
        battery: BatteryConfig,
        *,
        reserve_soc_pct: float | None = None,
        fd_pwr_cap_w: int | None = None,
    ) -> None:
        self.properties = properties
        self.battery = battery
        self.modes = frozenset(properties.work_modes)
        self.min_soc_rule = _Rule(properties.rule("minSocOnGrid"))
        self.fd_soc_rule = _Rule(properties.rule("fdSoc"))
        self.fd_pwr_rule = _Rule(properties.rule("fdPwr"))
        self.max_soc_rule = _Rule(properties.rule("maxSoc")) if properties.supports_max_soc else None
        for rule in (self.min_soc_rule, self.fd_soc_rule, self.fd_pwr_rule, self.max_soc_rule):
            if rule is not None and rule.empty:
                raise ScheduleValidationError(
                    f"device properties allow no value for {rule.field}: {rule.describe()}",
                    hint="Check the properties returned by scheduler/get.",
                )
        reserve = battery.min_soc_pct if reserve_soc_pct is None else reserve_soc_pct
        self.reserve_pct = float(reserve)
        self.reserve = self.min_soc_rule.quantize(reserve, "up")
        if self.fd_soc_rule.quantize(self.reserve, "up") < self.reserve:
            raise ScheduleValidationError(
                f"device properties allow no fdSoc ≥ minSocOnGrid: minSocOnGrid {self.min_soc_rule.describe()}"
                f" with a reserve of {reserve:g} %, fdSoc {self.fd_soc_rule.describe()}",
                hint="Lower the reserve (battery.min_soc_pct) or check the device's properties.",
            )
        power_high = self.fd_pwr_rule.highest
        battery_w = battery.rating_w
        caps = [c for c in (power_high, fd_pwr_cap_w) if c is not None]
        self.power_max_w = min(caps) if caps else battery_w
        self.power_max_w = max(self.power_max_w, self.fd_pwr_rule.lowest)
        self.power_max_w = self.fd_pwr_rule.quantize(self.power_max_w, "down")
        # what non-forced groups carry in fdPwr (ignored by those modes): the rating, as peers send
        self.neutral_power_w = self.fd_pwr_rule.quantize(min(self.power_max_w, battery_w), "down")
        self.max_soc_ceiling = self.max_soc_rule.quantize(battery.max_soc_pct, "down") if self.max_soc_rule else None
        base = self.selfuse(self.reserve_pct) if "SelfUse" in self.modes else None
        self.base: Setting = base or Setting(
            "SelfUse", self.reserve, self._fd_soc_at_least(self.reserve), self.neutral_power_w, None
        )
        self.selfuse_available = base is not None

    # ----- quantizers ------------------------------------------------------------------------------------
    def _floor(self, soc_pct: float) -> int:
        """A SoC floor [%] rounded up, never below the reserve."""
        return self.min_soc_rule.quantize(max(soc_pct, self.reserve_pct), "up")

    def _fd_soc_at_least(self, soc_pct: float) -> int:
        value = self.fd_soc_rule.quantize(soc_pct, "up")
        if value < soc_pct - 1e-9:  # the range ends below: the highest allowed
            value = self.fd_soc_rule.quantize(float(self.fd_soc_rule.highest or soc_pct), "down")
        return value

    def _power(self, power_kw: float, rating_kw: float) -> int:
        """``fdPwr`` [W] for ``power_kw``, never above the battery's ``rating_kw`` nor the device's cap."""
        watts = min(power_kw, rating_kw) * 1000.0
        watts = min(max(watts, float(self.fd_pwr_rule.lowest)), float(self.power_max_w))
        return self.fd_pwr_rule.quantize(watts, "nearest")

    def _ceiling(self, soc_pct: float | None, floor: int) -> int | None:
        """``maxSoc`` [%] rounded down (``None`` where unsupported), never below ``floor``."""
        if self.max_soc_rule is None or self.max_soc_ceiling is None:
            return None
        value = self.max_soc_ceiling if soc_pct is None else self.max_soc_rule.quantize(soc_pct, "down")
        value = min(value, self.max_soc_ceiling)
        return max(value, self.max_soc_rule.quantize(floor, "up"))

    # ----- settings --------------------------------------------------------------------------------------
    def selfuse(
        self,
        floor_pct: float,
        ceiling_pct: float | None = None,
        mode: Literal["SelfUse", "Feedin"] = "SelfUse",
    ) -> Setting | None:
        """SelfUse (or Feedin) discharging down to ``floor_pct`` and charging from PV up to ``ceiling_pct``."""
        if mode not in self.modes:
            return None
        if ceiling_pct is not None and self.max_soc_rule is None:
            return None
        floor = self._floor(floor_pct)
        fd_soc = self._fd_soc_at_least(floor)
        if fd_soc < floor:
            return None
        return Setting(mode, floor, fd_soc, self.neutral_power_w, self._ceiling(ceiling_pct, floor))

    def feedin(self, floor_pct: float) -> Setting | None:
        return self.selfuse(floor_pct, mode="Feedin")

    def force_charge(self, power_kw: float, target_pct: float) -> Setting | None:
        """ForceCharge at ``power_kw`` [kW AC] to ``target_pct`` [%] (``fdSoc`` = ``maxSoc`` = target)."""
        if "ForceCharge" not in self.modes:
            return None
        limit = self.battery.max_soc_pct
        if self.max_soc_ceiling is not None:
            limit = min(limit, float(self.max_soc_ceiling))
        target = self.fd_soc_rule.quantize(min(max(target_pct, self.reserve), limit), "up")
        if target > limit + 1e-9:
            target = self.fd_soc_rule.quantize(limit, "down")
        if target < self.reserve:
            target = self._fd_soc_at_least(self.reserve)
        if target < self.reserve:
            return None
        max_soc = None
        if self.max_soc_rule is not None:
            max_soc = self.max_soc_rule.quantize(target, "up")
            if max_soc != target:  # the two grids disagree: keep maxSoc at or above the target
                max_soc = max(max_soc, self.max_soc_rule.quantize(target, "down"))
        power = self._power(power_kw, self.battery.max_charge_kw)
        return Setting("ForceCharge", self.reserve, target, power, max_soc)

    def force_discharge(self, power_kw: float, floor_pct: float) -> Setting | None:
        """ForceDischarge at ``power_kw`` [kW AC] down to ``floor_pct`` [%] (never below the reserve)."""
        if "ForceDischarge" not in self.modes:
            return None
        floor = self._fd_soc_at_least(max(floor_pct, self.reserve))
        if floor < self.reserve:
            return None
        power = self._power(power_kw, self.battery.max_discharge_kw)
        return Setting("ForceDischarge", self.reserve, floor, power, self._ceiling(None, floor))

    def hold(self, soc_pct: float) -> Setting | None:
        """ForceDischarge with ``fdPwr`` 0: neither charge nor discharge (surplus PV is exported)."""
        if "ForceDischarge" not in self.modes or self.fd_pwr_rule.lowest > 0:
            return None
        floor = self._fd_soc_at_least(max(soc_pct, self.reserve))
        if floor < self.reserve:
            return None
        return Setting("ForceDischarge", self.reserve, floor, 0, self._ceiling(None, floor))

    # ----- combining two settings for a merged group -----------------------------------------------------
    def combine(self, first: Setting, second: Setting) -> list[Setting]:
        """Settings that could serve two adjacent spans with the same work mode (``first`` comes first)."""
        if first.work_mode != second.work_mode:
            return []
        power = max(first.fd_pwr, second.fd_pwr)
        found: list[Setting] = []
        if first.work_mode == "ForceCharge":
            target = max(first.fd_soc, second.fd_soc)
            max_soc = None if first.max_soc is None or second.max_soc is None else max(first.max_soc, second.max_soc)
            found.append(replace(second, fd_pwr=power, fd_soc=target, max_soc=max_soc))
            found.append(replace(second, fd_pwr=power))
        elif first.work_mode == "ForceDischarge":
            if min(first.fd_pwr, second.fd_pwr) == 0:  # a hold next to a discharge: keep either
                return []
            found.append(replace(second, fd_pwr=power, fd_soc=min(first.fd_soc, second.fd_soc)))
            found.append(replace(second, fd_pwr=power))
        else:
            ceilings = [s.max_soc for s in (first, second) if s.max_soc is not None]
            ceiling = max(ceilings) if len(ceilings) == 2 else None
            for source in (first, second):
                found.append(replace(source, max_soc=ceiling))
        return [s for s in dict.fromkeys(found) if s not in (first, second)]

    def combine_span(self, labels: list[Setting]) -> list[Setting]:
        """Settings that could serve a span of several runs as one group (beyond the runs' own settings).

        ForceCharge: the largest power with the highest target, and with the last target; ForceDischarge
        (not holds): the largest power with the lowest floor, and with the last floor.
        """
        found: list[Setting] = []
        charges = [s for s in labels if s.work_mode == "ForceCharge"]
        if charges:
            power = max(s.fd_pwr for s in charges)
            top = max(charges, key=lambda s: s.fd_soc)
            found.append(replace(top, fd_pwr=power))
            found.append(replace(charges[-1], fd_pwr=power))
        discharges = [s for s in labels if s.work_mode == "ForceDischarge" and s.fd_pwr > 0]
        if discharges:
            power = max(s.fd_pwr for s in discharges)
            low = min(discharges, key=lambda s: s.fd_soc)
            found.append(replace(low, fd_pwr=power))
            found.append(replace(discharges[-1], fd_pwr=power))
        return [s for s in dict.fromkeys(found) if s not in labels]
