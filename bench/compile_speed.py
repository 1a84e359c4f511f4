"""Compile speed on real plans: the C kernel, the pure-Python kernel, and a recorded baseline.

Cases (Europe/Paris household of ``../shared/data``, perfect forecasts, default battery, real v1 properties,
``gap_fill = "auto"``; plans from ``optimizer.solve.solve_plan``, solved once and compiled ``--repeat`` times):

* ``spot``: 48-slot local days on the French day-ahead price (import = export), every ``--every``-th day of
  2024-02-28 .. 2024-09-20, starting at 50 %;
* ``agile``: 48-slot local days on Agile import/export prices (same weekday 52 weeks earlier), every
  ``--every``-th day of 2024-02-28 .. 2025-02-26; also timed **all in** (plan + compile, what a backtest
  day costs);
* ``long``: 48 h × 5-minute plans (576 slots) from local midnight of a few French days.

Times are CPU seconds of this process (``time.process_time``: steadier than wall time on a shared machine),
median and max per case, for the kernel in use (``c`` where the extension is built) and, with ``--python``,
for the pure-Python kernel too. ``--record FILE`` stores every compiled schedule (groups and cost),
``--check FILE`` compiles the same plans again and reports every schedule that differs from the record
(plans are re-solved: record and check on the same planner).

Run: ``.venv/bin/python bench/compile_speed.py [--every 7] [--repeat 3] [--python] [--record F | --check F]``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from compile_bench import TIMEZONE, agile_prices, fr_prices, load_household, prices_for  # noqa: E402

from optimizer.compile import CompileOptions, compile_plan  # noqa: E402
from optimizer.config import BatteryConfig, GridConfig  # noqa: E402
from optimizer.model import PlanInputs  # noqa: E402
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerProperties  # noqa: E402
from optimizer.solve import solve_plan  # noqa: E402
from optimizer.timegrid import local_day_index, slot_index  # noqa: E402

try:
    from optimizer.compile.kernel import ENV_KERNEL, kernel_name
except ImportError:  # a tree from before the kernel (to time a baseline with the same script)
    ENV_KERNEL = "FOXESS_OPTIMIZER_KERNEL"

    def kernel_name() -> str:
        return "before"


PROPERTIES = SchedulerProperties.from_wire(KH_V1_PROPERTIES)
BATTERY, GRID = BatteryConfig(), GridConfig()
LONG_DAYS = (date(2024, 4, 13), date(2024, 6, 16), date(2024, 7, 9))


@dataclass
class Case:
    kind: str
    day: str
    plan: PlanInputs
    slots: pd.DataFrame
    terminal_value: float
    solve_s: float


def _spot_index_prices(index: pd.DatetimeIndex, spot: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    got = spot.reindex(index.floor("h"))
    if got.isna().any():
        return None
    series = pd.Series(got.to_numpy(), index)
    return series, series


def build_cases(every: int) -> list[Case]:
    household = load_household()
    spot = fr_prices()[0]
    agile = agile_prices()
    cases: list[Case] = []

    def add(kind: str, day: date, index: pd.DatetimeIndex, prices: tuple[pd.Series, pd.Series] | None) -> None:
        if prices is None:
            return
        load = pd.Series(household["load_kw"].reindex(index.floor("30min")).to_numpy(), index)
        pv = pd.Series(household["pv_kw"].reindex(index.floor("30min")).fillna(0.0).to_numpy(), index)
        if load.isna().any():
            return
        inputs = PlanInputs(index, prices[0], prices[1], load, pv, BATTERY, GRID, 50.0)
        t0 = time.process_time()
        plan = solve_plan(inputs)
        cases.append(
            Case(kind, day.isoformat(), inputs, plan.slots, plan.terminal_value_per_kwh, time.process_time() - t0)
        )

    for k in range(0, 206, every):
        day = date(2024, 2, 28) + timedelta(days=k)
        index = local_day_index(day, TIMEZONE, 30)
        add("spot", day, index, _spot_index_prices(index, spot))
    for k in range(0, 365, every):
        day = date(2024, 2, 28) + timedelta(days=k)
        index = local_day_index(day, TIMEZONE, 30)
        add("agile", day, index, prices_for(index, "agile", agile))
    for day in LONG_DAYS:
        start = local_day_index(day, TIMEZONE, 30)[0]
        index = slot_index(start, start + pd.Timedelta(hours=48), 5)
        add("long", day, index, _spot_index_prices(index, spot))
    return cases


def compile_case(case: Case):  # type: ignore[no-untyped-def]
    return compile_plan(
        case.slots,
        initial_soc_pct=50.0,
        battery=BATTERY,
        grid=GRID,
        timezone=TIMEZONE,
        properties=PROPERTIES,
        options=CompileOptions(gap_fill="auto", terminal_value_per_kwh=case.terminal_value),
    )


def time_cases(cases: list[Case], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for case in cases:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            compile_case(case)
            best = min(best, time.process_time() - t0)
        times.setdefault(case.kind, []).append(best)
        if case.kind == "agile":
            times.setdefault("agile all in", []).append(case.solve_s + best)
    return times


def report(label: str, times: dict[str, list[float]]) -> None:
    for kind, values in times.items():
        ms = sorted(1000.0 * v for v in values)
        print(
            f"   {label:6s} {kind:13s} {len(ms):3d} plans: median {statistics.median(ms):7.1f} ms, "
            f"mean {statistics.mean(ms):7.1f} ms, max {ms[-1]:7.1f} ms"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--every", type=int, default=7, help="every N-th day of each price set")
    parser.add_argument("--repeat", type=int, default=3, help="compiles per plan (the fastest counts)")
    parser.add_argument("--python", action="store_true", help="also time the pure-Python kernel")
    parser.add_argument("--record", type=Path, help="store the compiled schedules in this file")
    parser.add_argument("--check", type=Path, help="compare the compiled schedules with this record")
    args = parser.parse_args(argv)
    cases = build_cases(args.every)
    print(f"== {len(cases)} plans; kernel in use: {kernel_name()}")
    results = {(c.kind, c.day): compile_case(c) for c in cases}
    if args.record:
        with args.record.open("wb") as handle:
            pickle.dump({k: (r.wire(), r.cost) for k, r in results.items()}, handle)
        print(f"   recorded {len(results)} schedules in {args.record}")
    if args.check:
        with args.check.open("rb") as handle:
            recorded = pickle.load(handle)
        differ = [k for k, r in results.items() if k in recorded and recorded[k] != (r.wire(), r.cost)]
        print(f"   {len(results) - len(differ)} of {len(results)} schedules identical to {args.check}")
        for kind, day in differ:
            print(f"   differs: {kind} {day}: cost {recorded[(kind, day)][1]:.6f} -> {results[(kind, day)].cost:.6f}")
    report(kernel_name(), time_cases(cases, args.repeat))
    if args.python and kernel_name() != "python":
        os.environ[ENV_KERNEL] = "python"
        report("python", time_cases(cases, args.repeat))
        del os.environ[ENV_KERNEL]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
