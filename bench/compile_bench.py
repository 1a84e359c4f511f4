"""Compile loss over real days: how much of the plan's savings the compiled groups keep.

For every local day (Europe/Paris) of the household data, with perfect forecasts (the day's measured load
and PV) and the default battery of ``optimizer.config`` (10.4 kWh, 5 kW):

1. plan the day with ``optimizer.solve.solve_plan`` (the SoC at midnight: where the compiled schedule of
   the day before left the battery);
2. compile the plan into at most 8 scheduler v1 groups (``optimizer.compile.compile_plan``, validated
   against the properties of a real v1 device) and replay them (``optimizer.simulate``);
3. replay plain SelfUse from the same SoC.

Costs are import − export (+ wear) over the day minus the energy left in the battery at midnight valued at
the plan's terminal value, the same value for all three, so that neither keeping nor spending energy at
the day's end is rewarded unfairly. ``captured`` = (self-use − compiled) / (self-use − planned), summed
over days.

Price sets:

* ``fr``: ENTSO-E day-ahead France 2024 (EUR/MWh → EUR/kWh, hourly, held over both half-hours) as both
  the import and the export price, 2024-02-28 .. 2024-09-20 (where it overlaps the household data);
* ``agile``: Octopus Agile import and Agile Outgoing export (p/kWh → GBP/kWh), 2022-11 .. 2023-12, aligned
  to the household year by whole weeks (52, else 104 weeks earlier: same weekday, same time of year),
  2024-02-28 .. 2025-02-26.

Household gaps: load gaps are interpolated in time, PV gaps count as 0 kW (night). Data: emhass project
(MIT), ENTSO-E Transparency Platform, Octopus Energy public prices (read from ../shared/data, not copied).

With ``--end-soc PCT`` every plan ends at or above ``PCT`` (the planner's end floor) and the compiler is held to
the same floor (``CompileOptions.end_soc_pct``); the summary says on how many days the groups kept it. The
compile loss on equal terms (compiled − planned, both net of the end credit) is ≥ 0 up to rounding: the
summary prints its minimum. Compile times are CPU time of this process (``time.process_time``).

Run: ``.venv/bin/python bench/compile_bench.py [--set fr|agile|all] [--from D] [--to D] [--max-groups 8]
[--gap-fill selfuse|base|auto] [--end-soc PCT] [--worst 5] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.compile import CompileOptions, compile_plan  # noqa: E402
from optimizer.config import BatteryConfig, GridConfig  # noqa: E402
from optimizer.model import PlanInputs  # noqa: E402
from optimizer.scheduler import KH_V1_PROPERTIES, SchedulerProperties, validate_groups  # noqa: E402
from optimizer.simulate import simulate  # noqa: E402
from optimizer.solve import solve_plan  # noqa: E402
from optimizer.timegrid import local_day_index  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
TIMEZONE = "Europe/Paris"
SLOT_MINUTES = 30
MIN_SAVING = 0.05
"""Days whose plan saves less than this [currency] over self-use count in the sums, not in the per-day
distribution (their share is noise)."""

V1_PROPERTIES = KH_V1_PROPERTIES
"""The properties of a real v1 device (the scheduler/get sample in fox-api-field-notes.md)."""


@dataclass(frozen=True)
class DayResult:
    day: str
    initial_soc_pct: float
    planned: float
    compiled: float
    self_use: float
    groups: int
    compile_s: float
    end_soc_kept: bool = True

    @property
    def saving(self) -> float:
        return self.self_use - self.planned

    @property
    def captured_pct(self) -> float:
        return 100.0 * (self.self_use - self.compiled) / self.saving if self.saving > 0 else float("nan")


def load_household() -> pd.DataFrame:
    frame = pd.read_csv(SHARED / "household-fr-2024.csv", index_col="time")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True), name="time")
    frame["load_kw"] = frame["load_kw"].interpolate(method="time", limit_direction="both").clip(lower=0)
    frame["pv_kw"] = frame["pv_kw"].fillna(0.0).clip(lower=0)
    return frame


def _read_prices(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col="time")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True), name="time")
    return frame


def fr_prices() -> tuple[pd.Series, pd.Series]:
    spot = _read_prices(SHARED / "prices" / "entsoe-FR-2024.csv")["eur_per_mwh"] / 1000.0
    return spot, spot


def agile_prices() -> tuple[pd.Series, pd.Series]:
    frame = _read_prices(SHARED / "prices" / "agile-import-export-2022-2023.csv") / 100.0
    return frame["import_p_per_kwh"], frame["export_p_per_kwh"]


def prices_for(
    index: pd.DatetimeIndex, name: str, source: tuple[pd.Series, pd.Series]
) -> tuple[pd.Series, pd.Series] | None:
    """Import and export prices on ``index``, or ``None`` where the price set has no data for the day."""
    imp, exp = source
    if name == "fr":
        hourly = index.floor("h")
        got_imp = imp.reindex(hourly)
        got_exp = exp.reindex(hourly)
    else:
        for weeks in (52, 104):
            shifted = index - pd.Timedelta(weeks=weeks)
            got_imp, got_exp = imp.reindex(shifted), exp.reindex(shifted)
            if not (got_imp.isna().any() or got_exp.isna().any()):
                break
    if got_imp.isna().any() or got_exp.isna().any():
        return None
    return pd.Series(got_imp.to_numpy(), index), pd.Series(got_exp.to_numpy(), index)


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def run_set(
    name: str,
    start: date,
    end: date,
    household: pd.DataFrame,
    options: CompileOptions,
    battery: BatteryConfig,
    grid: GridConfig,
    end_soc_pct: float | None = None,
) -> list[DayResult]:
    source = fr_prices() if name == "fr" else agile_prices()
    properties = SchedulerProperties.from_wire(V1_PROPERTIES)
    soc = 50.0
    results: list[DayResult] = []
    per_kwh = battery.capacity_kwh / 100.0
    for day in days(start, end):
        index = local_day_index(day, TIMEZONE, SLOT_MINUTES)
        prices = prices_for(index, name, source)
        if prices is None:
            continue
        load = household["load_kw"].reindex(index)
        pv = household["pv_kw"].reindex(index).fillna(0.0)
        if load.isna().any():
            continue
        imp, exp = prices
        plan = solve_plan(PlanInputs(index, imp, exp, load, pv, battery, grid, soc, end_soc_pct=end_soc_pct))
        value = plan.terminal_value_per_kwh
        t0 = time.process_time()
        compiled = compile_plan(
            plan.slots,
            initial_soc_pct=soc,
            battery=battery,
            grid=grid,
            timezone=TIMEZONE,
            properties=properties,
            options=CompileOptions(
                max_groups=options.max_groups,
                gap_fill=options.gap_fill,
                terminal_value_per_kwh=value,
                end_soc_pct=end_soc_pct,
            ),
        )
        compile_s = time.process_time() - t0
        validate_groups(compiled.groups, properties, max_groups=options.max_groups)
        self_use = simulate(None, load, pv, imp, exp, battery, grid, soc, TIMEZONE)
        results.append(
            DayResult(
                day=day.isoformat(),
                initial_soc_pct=round(soc, 3),
                planned=plan.cost - value * plan.end_soc_pct * per_kwh,
                compiled=compiled.net_cost,
                self_use=self_use.net_cost(value),
                groups=len(compiled.groups),
                compile_s=compile_s,
                end_soc_kept=compiled.end_soc_shortfall_pct == 0.0,
            )
        )
        soc = compiled.simulated.end_soc_pct
    return results


def summary(name: str, results: list[DayResult]) -> dict[str, object]:
    planned = sum(r.planned for r in results)
    compiled = sum(r.compiled for r in results)
    self_use = sum(r.self_use for r in results)
    meaningful = [r for r in results if r.saving >= MIN_SAVING]
    shares = np.array([r.captured_pct for r in meaningful])
    buckets = {
        "≥ 99.5 %": int((shares >= 99.5).sum()),
        "97–99.5 %": int(((shares >= 97) & (shares < 99.5)).sum()),
        "90–97 %": int(((shares >= 90) & (shares < 97)).sum()),
        "< 90 %": int((shares < 90).sum()),
    }
    times = np.array([r.compile_s for r in results])
    losses = np.array([r.compiled - r.planned for r in results])
    return {
        "set": name,
        "days": len(results),
        "first_day": results[0].day if results else None,
        "last_day": results[-1].day if results else None,
        "cost": {"planned": round(planned, 2), "compiled": round(compiled, 2), "self_use": round(self_use, 2)},
        "captured_pct": round(100.0 * (self_use - compiled) / (self_use - planned), 2),
        "per_day": {
            "days_with_saving": len(meaningful),
            "median_pct": round(float(np.median(shares)), 2) if len(shares) else None,
            "p10_pct": round(float(np.percentile(shares, 10)), 2) if len(shares) else None,
            "min_pct": round(float(shares.min()), 2) if len(shares) else None,
            "buckets": buckets,
        },
        "groups": {str(k): int(v) for k, v in sorted(pd.Series([r.groups for r in results]).value_counts().items())},
        "compile_ms": {"mean": round(1000 * float(times.mean()), 1), "max": round(1000 * float(times.max()), 1)},
        "compile_loss": {"min": round(float(losses.min()), 6), "days_below_zero": int((losses < -1e-6).sum())},
        "end_soc_kept_days": sum(r.end_soc_kept for r in results),
    }


def print_summary(info: dict[str, object], results: list[DayResult], worst: int) -> None:
    cost = info["cost"]
    per_day = info["per_day"]
    assert isinstance(cost, dict) and isinstance(per_day, dict)
    print(f"== {info['set']}: {info['days']} days, {info['first_day']} .. {info['last_day']}")
    print(
        f"   cost planned {cost['planned']:.2f}  compiled {cost['compiled']:.2f}  self-use {cost['self_use']:.2f}"
        f"  (terminal value accounted)"
    )
    print(f"   captured {info['captured_pct']:.2f} % of the plan's savings over self-use")
    print(
        f"   per day ({per_day['days_with_saving']} days saving ≥ {MIN_SAVING}): median {per_day['median_pct']} %,"
        f" p10 {per_day['p10_pct']} %, min {per_day['min_pct']} %; {per_day['buckets']}"
    )
    print(f"   groups per day {info['groups']}; compile time (CPU) {info['compile_ms']} ms")
    loss = info["compile_loss"]
    assert isinstance(loss, dict)
    print(
        f"   compile loss on equal terms: min {loss['min']:.6f}, days below zero {loss['days_below_zero']};"
        f" end floor kept on {info['end_soc_kept_days']} of {info['days']} days"
    )
    ranked = sorted((r for r in results if r.saving >= MIN_SAVING), key=lambda r: r.captured_pct)[:worst]
    for r in ranked:
        print(
            f"   worst {r.day}: planned {r.planned:.3f} compiled {r.compiled:.3f} self-use {r.self_use:.3f}"
            f" -> {r.captured_pct:.1f} % ({r.groups} groups)"
        )


SETS = {"fr": (date(2024, 2, 28), date(2024, 9, 20)), "agile": (date(2024, 2, 28), date(2025, 2, 26))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=("fr", "agile", "all"), default="all")
    parser.add_argument("--from", dest="start", type=date.fromisoformat)
    parser.add_argument("--to", dest="end", type=date.fromisoformat)
    parser.add_argument("--max-groups", type=int, default=8)
    parser.add_argument("--gap-fill", choices=("selfuse", "base", "auto"), default="selfuse")
    parser.add_argument("--end-soc", type=float, help="every plan ends at or above this SoC [%%]; groups held to it")
    parser.add_argument("--worst", type=int, default=5, help="list the N days with the lowest share")
    parser.add_argument("--json", action="store_true", help="print the summaries (and days) as JSON")
    args = parser.parse_args(argv)
    household = load_household()
    battery, grid = BatteryConfig(), GridConfig()
    options = CompileOptions(max_groups=args.max_groups, gap_fill=args.gap_fill)
    names = ("fr", "agile") if args.set == "all" else (args.set,)
    documents = []
    started = time.perf_counter()
    for name in names:
        first, last = SETS[name]
        results = run_set(
            name, args.start or first, args.end or last, household, options, battery, grid, end_soc_pct=args.end_soc
        )
        info = summary(name, results)
        if args.json:
            documents.append({**info, "days_detail": [{**asdict(r), "captured_pct": r.captured_pct} for r in results]})
        else:
            print_summary(info, results, args.worst)
    if args.json:
        print(json.dumps(documents, indent=2, default=str))
    else:
        print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
