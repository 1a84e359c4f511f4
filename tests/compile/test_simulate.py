"""Work-mode semantics (optimizer.simulate): each mode by hand, invariants by property, replays agree."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.compile.kernel import kernel_name, make_kernel, mode_args
from optimizer.config import BatteryConfig, GridConfig
from optimizer.scheduler import SchedulerGroup
from optimizer.simulate import (
    ModeParams,
    Physics,
    base_mode,
    local_minutes,
    mode_at,
    no_battery_cost,
    simulate,
    step_slot,
)
from optimizer.timegrid import local_day_index

BAT = BatteryConfig()  # 10.4 kWh, 10–100 %, 5 kW, η 0.95/0.95
GRID = GridConfig()  # export 5 kW, import 15 kW
CAP = BAT.capacity_kwh


def kwh(pct: float) -> float:
    return CAP * pct / 100.0


def test_selfuse_surplus_charges_then_exports_then_clips() -> None:
    f = step_slot(ModeParams("SelfUse", 10, 10, 0, 100), kwh(50), 1.0, 10.0, 0.5, BAT, GRID)
    assert f.charge_kw == pytest.approx(5.0)  # the rating
    assert f.grid_export_kw == pytest.approx(4.0)
    assert f.pv_clipped_kw == pytest.approx(0.0)
    f = step_slot(ModeParams("SelfUse", 10, 10, 0, 100), kwh(50), 0.0, 12.0, 0.5, BAT, GRID)
    assert f.grid_export_kw == pytest.approx(5.0) and f.pv_clipped_kw == pytest.approx(2.0)


def test_selfuse_stops_charging_at_max_soc() -> None:
    f = step_slot(ModeParams("SelfUse", 10, 10, 0, 60), kwh(59), 0.0, 4.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(60))
    assert f.charge_kw == pytest.approx(kwh(1) / (0.95 * 0.5))


def test_selfuse_deficit_discharges_to_min_soc_on_grid_then_imports() -> None:
    f = step_slot(ModeParams("SelfUse", 40, 40, 0, 100), kwh(41), 3.0, 0.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(40))
    assert f.discharge_kw == pytest.approx(kwh(1) * 0.95 / 0.5)
    assert f.grid_import_kw == pytest.approx(3.0 - f.discharge_kw)


def test_selfuse_never_charges_from_grid_below_min_soc() -> None:
    f = step_slot(ModeParams("SelfUse", 50, 50, 0, 100), kwh(20), 1.0, 0.0, 0.5, BAT, GRID)
    assert f.charge_kw == 0.0 and f.discharge_kw == 0.0 and f.grid_import_kw == pytest.approx(1.0)


def test_feedin_exports_first_and_charges_the_rest() -> None:
    f = step_slot(ModeParams("Feedin", 10, 10, 0, 100), kwh(50), 1.0, 4.0, 0.5, BAT, GRID)
    assert f.grid_export_kw == pytest.approx(3.0) and f.charge_kw == 0.0
    f = step_slot(ModeParams("Feedin", 10, 10, 0, 100), kwh(50), 1.0, 8.0, 0.5, BAT, GRID)
    assert f.grid_export_kw == pytest.approx(5.0) and f.charge_kw == pytest.approx(2.0)


def test_backup_never_discharges() -> None:
    f = step_slot(ModeParams("Backup", 10, 10, 0, 100), kwh(80), 2.0, 0.0, 0.5, BAT, GRID)
    assert f.discharge_kw == 0.0 and f.grid_import_kw == pytest.approx(2.0)


def test_force_charge_charges_at_fdpwr_to_fdsoc_then_holds() -> None:
    mode = ModeParams("ForceCharge", 10, 60, 3.0, 60)
    f = step_slot(mode, kwh(20), 1.0, 0.0, 0.5, BAT, GRID)
    assert f.charge_kw == pytest.approx(3.0) and f.grid_import_kw == pytest.approx(4.0)
    f = step_slot(mode, kwh(59.5), 1.0, 0.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(60))
    f = step_slot(mode, kwh(70), 1.0, 0.0, 0.5, BAT, GRID)  # above the target: hold, no discharge
    assert f.charge_kw == 0.0 and f.discharge_kw == 0.0 and f.soc_kwh == pytest.approx(kwh(70))


def test_force_charge_target_is_fdsoc_even_when_maxsoc_is_higher() -> None:
    f = step_slot(ModeParams("ForceCharge", 10, 50, 5.0, 100), kwh(49), 0.0, 0.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(50))


def test_force_charge_uses_pv_first_and_respects_import_limit() -> None:
    f = step_slot(ModeParams("ForceCharge", 10, 100, 5.0, 100), kwh(20), 1.0, 3.0, 0.5, BAT, GRID)
    assert f.charge_kw == pytest.approx(5.0) and f.grid_import_kw == pytest.approx(3.0)
    tight = GridConfig(export_limit_kw=5.0, import_limit_kw=4.0)
    f = step_slot(ModeParams("ForceCharge", 10, 100, 5.0, 100), kwh(20), 2.0, 0.0, 0.5, BAT, tight)
    assert f.charge_kw == pytest.approx(2.0) and f.grid_import_kw == pytest.approx(4.0)


def test_force_discharge_down_to_fdsoc_load_first_then_export() -> None:
    mode = ModeParams("ForceDischarge", 10, 30, 4.0, 100)
    f = step_slot(mode, kwh(80), 1.0, 0.0, 0.5, BAT, GRID)
    assert f.discharge_kw == pytest.approx(4.0) and f.grid_export_kw == pytest.approx(3.0)
    f = step_slot(mode, kwh(30.5), 1.0, 0.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(30))
    f = step_slot(mode, kwh(25), 1.0, 0.0, 0.5, BAT, GRID)  # below the floor: hold
    assert f.discharge_kw == 0.0 and f.grid_import_kw == pytest.approx(1.0)


def test_force_discharge_never_below_min_soc_on_grid() -> None:
    f = step_slot(ModeParams("ForceDischarge", 40, 20, 5.0, 100), kwh(41), 0.0, 0.0, 0.5, BAT, GRID)
    assert f.soc_kwh == pytest.approx(kwh(40))


def test_force_discharge_cut_by_export_limit_and_zero_power_holds() -> None:
    f = step_slot(ModeParams("ForceDischarge", 10, 10, 5.0, 100), kwh(80), 0.5, 3.5, 0.5, BAT, GRID)
    assert f.grid_export_kw == pytest.approx(5.0) and f.discharge_kw == pytest.approx(2.0)
    f = step_slot(ModeParams("ForceDischarge", 10, 60, 0.0, 100), kwh(60), 0.5, 3.5, 0.5, BAT, GRID)
    assert f.discharge_kw == 0.0 and f.charge_kw == 0.0  # a hold: surplus PV is exported, not stored
    assert f.grid_export_kw == pytest.approx(3.0) and f.soc_kwh == pytest.approx(kwh(60))


MODES = st.builds(
    ModeParams,
    work_mode=st.sampled_from(["SelfUse", "Feedin", "Backup", "ForceCharge", "ForceDischarge", "Other"]),
    min_soc_pct=st.floats(0, 100),
    fd_soc_pct=st.floats(0, 100),
    fd_pwr_kw=st.floats(0, 12),
    max_soc_pct=st.floats(0, 100),
)


@settings(max_examples=300, deadline=None)
@given(
    mode=MODES,
    soc_pct=st.floats(0, 100),
    load_kw=st.floats(-1, 15),
    pv_kw=st.floats(-1, 15),
    export_limit=st.floats(0, 10),
    import_limit=st.one_of(st.none(), st.floats(0.1, 20)),
    dt_h=st.sampled_from([1 / 12, 0.25, 0.5, 1.0]),
)
def test_every_step_balances_and_stays_in_range(
    mode: ModeParams,
    soc_pct: float,
    load_kw: float,
    pv_kw: float,
    export_limit: float,
    import_limit: float | None,
    dt_h: float,
) -> None:
    grid = GridConfig(export_limit_kw=export_limit, import_limit_kw=import_limit)
    f = step_slot(mode, kwh(soc_pct), load_kw, pv_kw, dt_h, BAT, grid)
    load, pv = max(0.0, load_kw), max(0.0, pv_kw)
    for value in (f.grid_import_kw, f.grid_export_kw, f.charge_kw, f.discharge_kw, f.pv_clipped_kw):
        assert value >= -1e-9
    assert pv - f.pv_clipped_kw + f.grid_import_kw + f.discharge_kw == pytest.approx(
        load + f.charge_kw + f.grid_export_kw, abs=1e-9
    )
    assert f.grid_export_kw <= export_limit + 1e-9
    assert f.charge_kw <= BAT.max_charge_kw + 1e-9 and f.discharge_kw <= BAT.max_discharge_kw + 1e-9
    assert f.charge_kw * f.discharge_kw == 0.0
    assert -1e-9 <= f.soc_kwh <= CAP + 1e-9
    if f.charge_kw > 0:  # charging never overfills the configured maximum
        assert f.soc_kwh <= kwh(BAT.max_soc_pct) + 1e-9


def _series(index: pd.DatetimeIndex, values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=index)


def test_simulate_follows_the_local_clock_on_a_dst_day() -> None:
    index = local_day_index(date(2024, 3, 31), "Europe/London", 30)  # 46 slots
    assert len(index) == 46
    zeros = _series(index, np.zeros(46))
    group = SchedulerGroup(
        startHour=3, startMinute=0, endHour=3, endMinute=59, workMode="ForceCharge",
        minSocOnGrid=10, fdSoc=100, fdPwr=5000, maxSoc=100,
    )  # fmt: skip
    result = simulate([group], zeros + 0.5, zeros, zeros + 0.2, zeros + 0.1, BAT, GRID, 10.0, "Europe/London")
    local = index.tz_convert("Europe/London").strftime("%H:%M")
    charging = result.slots["charge_kw"] > 0
    assert list(local[charging.to_numpy()]) == ["03:00", "03:30"]
    assert list(result.slots["work_mode"][charging]) == ["ForceCharge", "ForceCharge"]
    assert result.slots["work_mode"].iloc[0] == "SelfUse"


def test_simulate_none_is_self_use_and_replays_agree() -> None:
    index = local_day_index(date(2024, 6, 1), "Europe/Paris", 30)
    rng = np.random.default_rng(3)
    load = _series(index, rng.uniform(0.2, 3.0, len(index)))
    pv = _series(index, np.clip(4 * np.sin(np.linspace(-1.5, 4.6, len(index))), 0, None))
    imp = _series(index, rng.uniform(0.05, 0.4, len(index)))
    exp = imp * 0.5
    groups = [
        SchedulerGroup(
            startHour=1, startMinute=0, endHour=3, endMinute=59, workMode="ForceCharge",
            minSocOnGrid=10, fdSoc=80, fdPwr=4000, maxSoc=80,
        ),
        SchedulerGroup(
            startHour=18, startMinute=0, endHour=19, endMinute=29, workMode="ForceDischarge",
            minSocOnGrid=10, fdSoc=30, fdPwr=5000, maxSoc=100,
        ),
    ]  # fmt: skip
    result = simulate(groups, load, pv, imp, exp, BAT, GRID, 40.0, "Europe/Paris")
    selfuse = simulate(None, load, pv, imp, exp, BAT, GRID, 40.0, "Europe/Paris")
    assert set(selfuse.slots["work_mode"]) == {"SelfUse"}
    minutes = local_minutes(index, "Europe/Paris")
    modes = [mode_at(groups, int(m), base_mode(BAT)) for m in minutes]
    physics = Physics.of(BAT, GRID)
    n = len(index)
    for impl in ("python", kernel_name()):  # the compiler's kernels replay the groups as simulate() does
        kernel = make_kernel(
            load.tolist(), pv.tolist(), imp.tolist(), exp.tolist(), list(range(n)), n, 0.5, physics, kwh(40.0),
            implementation=impl,
        )  # fmt: skip
        cost, soc_end = kernel.set_base([kernel.add_mode(*mode_args(m)) for m in modes])
        assert cost == pytest.approx(result.cost)
        assert soc_end / CAP * 100 == pytest.approx(result.end_soc_pct)
        assert np.allclose([kernel.base_soc(i + 1) / CAP * 100 for i in range(n)], result.slots["soc_pct"])


def test_mode_at_ignores_disabled_groups_and_from_group_reads_units() -> None:
    group = SchedulerGroup(
        enable=0, startHour=0, startMinute=0, endHour=23, endMinute=59, workMode="ForceCharge",
        minSocOnGrid=15, fdSoc=90, fdPwr=2500, maxSoc=None,
    )  # fmt: skip
    fallback = base_mode(BAT, 20)
    assert mode_at([group], 600, fallback) == fallback
    params = ModeParams.from_group(group)
    assert (params.fd_pwr_kw, params.fd_soc_pct, params.min_soc_pct, params.max_soc_pct) == (2.5, 90, 15, 100)


def test_no_battery_cost_exports_up_to_the_limit() -> None:
    index = local_day_index(date(2024, 6, 1), "UTC", 60)
    load = _series(index, np.full(24, 1.0))
    pv = _series(index, np.where(np.arange(24) == 12, 8.0, 0.0))
    cost = no_battery_cost(load, pv, load * 0.3, load * 0.1, GRID)
    assert cost == pytest.approx(23 * 0.3 - 5.0 * 0.1)
