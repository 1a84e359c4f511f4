"""The compiler's fast path against the reference semantics: one semantics, two implementations.

``optimizer.simulate.advance`` (behind ``step_slot``) is the reference. The kernels of
``optimizer.compile.kernel`` (C where built, else pure Python) must give exactly its numbers, slot by slot,
on random cases and on real days; a candidate replay that stops early (once its SoC is back on the cached
trajectory) must equal the full replay bit for bit; and a compile must not depend on which kernel ran.
"""

from __future__ import annotations

import math
from array import array
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.compile import CompileOptions, compile_plan
from optimizer.compile.clock import ClockWindow
from optimizer.compile.kernel import ENV_KERNEL, kernel_name, make_kernel, mode_args
from optimizer.config import BatteryConfig, GridConfig
from optimizer.simulate import ModeParams, Physics, advance, mode_at, step_slot
from optimizer.timegrid import local_day_index
from tests.compile.plans import V1_PROPERTIES
from tests.compile.realdays import TIMEZONE, agile_day, agile_prices, fr_prices, household, run_day
from tests.conftest import shared_file

IMPLEMENTATIONS = ["python", "c"] if kernel_name() == "c" else ["python"]
MODES = ["SelfUse", "Feedin", "Backup", "ForceCharge", "ForceDischarge", "Unknown"]

pct = st.floats(0.0, 100.0, allow_nan=False)
kw = st.floats(0.0, 12.0, allow_nan=False)


@st.composite
def physics(draw: st.DrawFn) -> Physics:
    return Physics(
        capacity_kwh=draw(st.floats(1.0, 30.0)),
        max_charge_kw=draw(st.floats(0.5, 10.0)),
        max_discharge_kw=draw(st.floats(0.5, 10.0)),
        charge_efficiency=draw(st.floats(0.8, 1.0)),
        discharge_efficiency=draw(st.floats(0.8, 1.0)),
        max_soc_pct=draw(st.floats(50.0, 100.0)),
        export_limit_kw=draw(st.floats(0.0, 8.0)),
        import_limit_kw=draw(st.one_of(st.just(math.inf), st.floats(1.0, 20.0))),
        degradation_cost_per_kwh=draw(st.floats(0.0, 0.1)),
    )


@st.composite
def modes(draw: st.DrawFn) -> ModeParams:
    return ModeParams(draw(st.sampled_from(MODES)), draw(pct), draw(pct), draw(st.floats(0.0, 10.0)), draw(pct))


def _kernel(impl: str, ph: Physics, load: list[float], pv: list[float], soc0: float, cells: list[int] | None = None):
    n = len(load)
    imp = [0.1 + 0.01 * i for i in range(n)]
    exp = [0.05 - 0.003 * i for i in range(n)]
    cell = cells if cells is not None else list(range(n))
    return make_kernel(load, pv, imp, exp, cell, max(cell) + 1, 0.5, ph, soc0, implementation=impl), imp, exp


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@settings(max_examples=400, deadline=None)
@given(ph=physics(), mode=modes(), soc_frac=st.floats(0.0, 1.0), load=st.floats(-1.0, 12.0), pv=st.floats(-1.0, 12.0))
def test_one_step_is_the_reference_bit_for_bit(
    impl: str, ph: Physics, mode: ModeParams, soc_frac: float, load: float, pv: float
) -> None:
    kernel, _, _ = _kernel(impl, ph, [load], [pv], 0.0)
    m = kernel.add_mode(*mode_args(mode))
    soc = soc_frac * ph.capacity_kwh
    assert tuple(kernel.step(m, soc, 0)) == advance(mode, soc, load, pv, 0.5, ph)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@settings(max_examples=150, deadline=None)
@given(
    ph=physics(),
    table=st.lists(modes(), min_size=2, max_size=5),
    data=st.data(),
)
def test_candidates_stop_early_yet_equal_the_full_replay(
    impl: str, ph: Physics, table: list[ModeParams], data: st.DataObject
) -> None:
    n = data.draw(st.integers(4, 40))
    load = data.draw(st.lists(kw, min_size=n, max_size=n))
    pv = data.draw(st.lists(kw, min_size=n, max_size=n))
    soc0 = data.draw(st.floats(0.0, 1.0)) * ph.capacity_kwh
    labels = data.draw(st.lists(st.integers(0, len(table) - 1), min_size=n, max_size=n))
    kernel, imp, exp = _kernel(impl, ph, load, pv, soc0)
    reference, _, _ = _kernel("python", ph, load, pv, soc0)
    for mode in table:
        kernel.add_mode(*mode_args(mode))
        reference.add_mode(*mode_args(mode))
    cost, soc_end = kernel.set_base(labels)
    assert (cost, soc_end) == reference.set_base(labels)
    for _ in range(8):
        c0 = data.draw(st.integers(0, n - 1))
        c1 = data.draw(st.integers(c0, n - 1))
        label = data.draw(st.integers(0, len(table) - 1))
        found = kernel.candidate(c0, c1, label)
        changed = [c for c in range(c0, c1 + 1) if labels[c] != label]
        if not changed:
            assert found is None
            continue
        full = labels[:c0] + [label] * (c1 - c0 + 1) + labels[c1 + 1 :]
        # the full replay, slot by slot with the reference semantics
        soc, total = soc0, 0.0
        prefix = 0.0
        for i in range(n):
            gi, ge, ch, dis, _, soc_next = advance(table[full[i]], soc, load[i], pv[i], 0.5, ph)
            c = (gi * imp[i] - ge * exp[i] + (ch + dis) * ph.degradation_cost_per_kwh) * 0.5
            if i < changed[0]:
                prefix += c
            else:
                total += c
            soc = soc_next
        assert found == (prefix + total, soc)
        uncounted = data.draw(st.sampled_from([-1, 0]))
        m0 = data.draw(st.sampled_from([0, 600, 1200]))  # windows from midnight, 10:00, 20:00 (midnight inside)
        window = ClockWindow.of(
            pd.date_range(f"2024-05-14 {m0 // 60:02d}:00", periods=48, freq="30min", tz="UTC"), "UTC"
        )
        assert kernel.count(c0, c1, label, uncounted, m0, 30) == window.group_count(full, uncounted)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@settings(max_examples=100, deadline=None)
@given(ph=physics(), mode=modes(), data=st.data())
def test_dp_sweeps_equal_the_reference(impl: str, ph: Physics, mode: ModeParams, data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 30))
    load = data.draw(st.lists(kw, min_size=n, max_size=n))
    pv = data.draw(st.lists(kw, min_size=n, max_size=n))
    kernel, imp, exp = _kernel(impl, ph, load, pv, 0.0)
    m = kernel.add_mode(*mode_args(mode))
    order = array("i", data.draw(st.permutations(range(n))))
    cuts = sorted(set(data.draw(st.lists(st.integers(1, n), min_size=1, max_size=6))) | {n})
    ends = array("i", cuts)
    i = data.draw(st.integers(0, len(ends) - 1))
    soc = data.draw(st.floats(0.0, 1.0)) * ph.capacity_kwh
    costs, socs = kernel.sweep(order, ends, i, len(ends), m, soc, 1.5)
    cost, pos = 1.5, ends[i - 1] if i > 0 else 0
    for j in range(i, len(ends)):
        for p in range(pos, ends[j]):
            s = order[p]
            gi, ge, ch, dis, _, soc = advance(mode, soc, load[s], pv[s], 0.5, ph)
            cost += (gi * imp[s] - ge * exp[s] + (ch + dis) * ph.degradation_cost_per_kwh) * 0.5
        pos = ends[j]
        assert (costs[j - i], socs[j - i]) == (cost, soc)


@pytest.fixture(scope="module")
def homes() -> pd.DataFrame:
    return household()


def _real_days() -> list[tuple[date, pd.Series, pd.Series]]:
    agile = agile_prices(shared_file("prices", "agile-import-export-2022-2023.csv"))
    days = []
    for day in (date(2024, 4, 13), date(2024, 6, 16), date(2024, 10, 27)):  # 10-27: clocks go back
        index = local_day_index(day, TIMEZONE, 30)
        hourly = pd.Series(fr_prices().reindex(index.floor("h")).to_numpy(), index)
        days.append((day, hourly, hourly))
    for day in (date(2024, 6, 30), date(2024, 12, 15)):
        imp, exp = agile_day(local_day_index(day, TIMEZONE, 30), agile)
        days.append((day, imp, exp))
    return [d for d in days if not d[1].isna().any()]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_real_days_replay_slot_by_slot_as_step_slot(homes: pd.DataFrame, impl: str) -> None:
    """The compiled groups of real days through the kernel and through ``step_slot``: the same SoC and cost."""
    battery, grid = BatteryConfig(), GridConfig()
    ph = Physics.of(battery, grid)
    for day, imp, exp in _real_days():
        outcome = run_day(day, homes, imp, exp, V1_PROPERTIES, options=CompileOptions(gap_fill="auto"))
        slots = outcome.plan.slots
        window = ClockWindow.of(pd.DatetimeIndex(slots.index), TIMEZONE)
        n = window.n_window
        load = [float(v) for v in slots["load_kw"].to_numpy()[:n]]
        pv = [float(v) for v in slots["pv_kw"].to_numpy()[:n]]
        kernel = make_kernel(
            load, pv, list(imp.to_numpy()[:n]), list(exp.to_numpy()[:n]), window.slot_cell, window.n_cells,
            0.5, ph, battery.capacity_kwh * 0.5, implementation=impl,
        )  # fmt: skip
        fallback = ModeParams("SelfUse", 10, 10, 0, 100)
        local = slots.index.tz_convert(TIMEZONE)
        cell_minutes = [(window.start_minute + k * 30) % 1440 for k in range(window.n_cells)]
        cell_modes = [mode_at(outcome.compiled.groups, m, fallback) for m in cell_minutes]
        ids = [kernel.add_mode(*mode_args(m)) for m in cell_modes]
        kernel.set_base(ids)
        soc = battery.capacity_kwh * 0.5
        for i in range(n):
            mode = mode_at(outcome.compiled.groups, local[i].hour * 60 + local[i].minute, fallback)
            flows = step_slot(mode, soc, load[i], pv[i], 0.5, battery, grid)
            assert kernel.base_soc(i) == soc, f"{day} slot {i}"
            assert tuple(kernel.step(ids[window.slot_cell[i]], soc, i)) == (
                flows.grid_import_kw, flows.grid_export_kw, flows.charge_kw, flows.discharge_kw,
                flows.pv_clipped_kw, flows.soc_kwh,
            )  # fmt: skip
            soc = flows.soc_kwh
        assert kernel.base_soc(n) == soc


@pytest.mark.skipif(kernel_name() != "c", reason="the C kernel is not built here")
def test_a_compile_does_not_depend_on_the_kernel(homes: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    battery, grid = BatteryConfig(), GridConfig()
    for day, imp, exp in _real_days():
        outcome = run_day(day, homes, imp, exp, V1_PROPERTIES, options=CompileOptions(gap_fill="auto"))
        monkeypatch.setenv(ENV_KERNEL, "python")
        again = compile_plan(
            outcome.plan.slots,
            initial_soc_pct=50.0,
            battery=battery,
            grid=grid,
            timezone=TIMEZONE,
            properties=V1_PROPERTIES,
            options=CompileOptions(gap_fill="auto", terminal_value_per_kwh=outcome.plan.terminal_value_per_kwh),
        )
        monkeypatch.delenv(ENV_KERNEL)
        assert again.wire() == outcome.compiled.wire(), day
        assert again.simulated.cost == outcome.compiled.simulated.cost
