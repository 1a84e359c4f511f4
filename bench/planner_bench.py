"""Planner speed on real days: build and solve times of ``optimizer.solve.solve_plan``.

For each price set, horizon (24 h, 48 h), slot length (30, 15, 5 min) and solver (HiGHS, CBC), the planner
solves the same real days starting at local midnight (Europe/Paris) with perfect forecasts: the measured load
and PV of ``../shared/data/household-fr-2024.csv`` (30-min means; held over the 15- and 5-min slots inside
each half-hour; load gaps interpolated in time, PV gaps count as 0 kW) and the default battery and grid of
``optimizer.config`` (10.4 kWh, 5 kW, 95 % each way, export limit 5 kW, import limit 15 kW), starting at 50 %.

Price sets:

* ``fr``: ENTSO-E day-ahead France 2024 (EUR/MWh → EUR/kWh, hourly, held over the hour) as both the import
  and the export price (a spot price used both ways: the tie case for import/export exclusivity, and real
  negative prices);
* ``agile``: Octopus Agile import and Agile Outgoing export (p/kWh → GBP/kWh) of
  ``../shared/data/prices/agile-import-export-2022-2023.csv``, aligned by time of year and weekday: the
  prices of exactly 52 weeks (364 days) earlier;
* ``go``: the default config's tariffs, ``tariffs/uk/octopus-go.toml`` (0.085 from 00:30 to 05:30 on the
  site's clock, else 0.27) with ``tariffs/uk/outgoing-fixed.toml`` (0.15): export is dearer than import at
  night, so every night slot needs an import/export decision.

Days: every ``--every``-th day from 2024-03-01 to 2024-09-15 whose load has no gap longer than 2 h.
Medians over the days and ``--repeat`` runs each; "max" is the slowest single run. Targets (HiGHS): a 48-slot
day under 100 ms, a 48 h × 30-minute plan under 300 ms (total = build + solve + extract).

Data: emhass project (MIT), ENTSO-E Transparency Platform, Octopus Energy public prices; read from
``../shared/data``, not copied.

Run: ``.venv/bin/python bench/planner_bench.py [--sets fr,agile,go] [--every 14] [--repeat 3]
[--solvers highs,cbc] [--slots 30,15,5] [--horizons 24,48]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.config import BatteryConfig, GridConfig  # noqa: E402
from optimizer.errors import SolveError  # noqa: E402
from optimizer.model import PlanInputs  # noqa: E402
from optimizer.solve import PlanResult, available_solvers, solve_plan  # noqa: E402
from optimizer.timegrid import local_midnight, slot_index  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
TIMEZONE = "Europe/Paris"
FIRST_DAY = date(2024, 3, 1)
LAST_DAY = date(2024, 9, 15)
INITIAL_SOC_PCT = 50.0
TARGETS_MS = {(24, 30): 100.0, (48, 30): 300.0}
GO_NIGHT = (30, 330)  # 00:30 to 05:30 [minutes of the local day]
GO_PRICES = (0.085, 0.27)  # off-peak, peak [GBP/kWh]
GO_EXPORT = 0.15  # Outgoing Octopus Fixed [GBP/kWh]


@dataclass(frozen=True)
class Series:
    """Load, PV [kW] and import/export prices [currency/kWh] on a 30-min (or finer) UTC grid."""

    load_kw: pd.Series
    pv_kw: pd.Series
    import_price: pd.Series
    export_price: pd.Series


def read_household() -> tuple[pd.Series, pd.Series]:
    """The French household's load and PV [kW], 30-min UTC index; gaps filled as described above."""
    frame = pd.read_csv(SHARED / "household-fr-2024.csv")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True), name="time")
    frame = frame.asfreq("30min")
    load = frame["load_kw"].interpolate(method="time", limit=4)
    pv = frame["pv_kw"].fillna(0.0).clip(lower=0.0)
    return load, pv


def read_fr_prices() -> pd.Series:
    """ENTSO-E France 2024 day-ahead [EUR/kWh], hourly UTC index, short gaps held."""
    frame = pd.read_csv(SHARED / "prices" / "entsoe-FR-2024.csv")
    prices = pd.Series(
        frame["eur_per_mwh"].to_numpy(dtype=float) / 1000.0,
        index=pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True), name="time"),
    )
    return prices.asfreq("1h").ffill(limit=3)


def read_agile_prices() -> tuple[pd.Series, pd.Series]:
    """Agile import and Agile Outgoing export [GBP/kWh], 30-min UTC index."""
    frame = pd.read_csv(SHARED / "prices" / "agile-import-export-2022-2023.csv")
    index = pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True), name="time")
    imp = pd.Series(frame["import_p_per_kwh"].to_numpy(dtype=float) / 100.0, index=index).asfreq("30min")
    exp = pd.Series(frame["export_p_per_kwh"].to_numpy(dtype=float) / 100.0, index=index).asfreq("30min")
    return imp, exp


def on_grid(series: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """``series`` held (step-wise) onto ``index``: each slot takes the value of the interval it starts in."""
    held = series.reindex(series.index.union(index)).ffill()
    return pd.Series(held.reindex(index).to_numpy(dtype=float), index=index)


def scenario_inputs(
    day: date,
    horizon_h: int,
    slot_minutes: int,
    price_set: str,
    data: dict[str, pd.Series],
) -> PlanInputs | None:
    """The planner's inputs for one real day, or ``None`` when the data has a gap there."""
    start = local_midnight(day, TIMEZONE)
    index = slot_index(start, start + pd.Timedelta(hours=horizon_h), slot_minutes)
    load = on_grid(data["load"], index)
    pv = on_grid(data["pv"], index)
    if price_set == "fr":
        imp = on_grid(data["fr"], index)
        exp = imp.copy()
    elif price_set == "go":
        local = index.tz_convert(TIMEZONE)
        minutes = local.hour * 60 + local.minute
        night = (minutes >= GO_NIGHT[0]) & (minutes < GO_NIGHT[1])
        imp = pd.Series(np.where(night, GO_PRICES[0], GO_PRICES[1]), index=index)
        exp = pd.Series(GO_EXPORT, index=index)
    else:
        shift = pd.Timedelta(days=364)
        imp = on_grid(data["agile_import"], index - shift)
        exp = on_grid(data["agile_export"], index - shift)
        imp.index = exp.index = index
    frames = (load, pv, imp, exp)
    if any(frame.isna().any() for frame in frames):
        return None
    return PlanInputs(
        index=index,
        import_price=imp,
        export_price=exp,
        load_kw=load,
        pv_kw=pv,
        battery=BatteryConfig(),
        grid=GridConfig(),
        initial_soc_pct=INITIAL_SOC_PCT,
    )


def days(every: int) -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=every)


@dataclass
class Row:
    """Timings of one (price set, horizon, slot, solver) over its days and runs [ms]."""

    price_set: str
    horizon_h: int
    slot_minutes: int
    solver: str
    slots: int = 0
    days: int = 0
    build_ms: list[float] = field(default_factory=list)
    solve_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    integers: list[int] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)
    failed: int = 0


def run(args: argparse.Namespace) -> list[Row]:
    load, pv = read_household()
    data = {"load": load, "pv": pv, "fr": read_fr_prices()}
    data["agile_import"], data["agile_export"] = read_agile_prices()
    solvers = [s for s in args.solvers.split(",") if s in available_solvers()]
    rows: list[Row] = []
    for price_set in args.sets.split(","):
        for horizon_h in (int(h) for h in args.horizons.split(",")):
            for slot_minutes in (int(s) for s in args.slots.split(",")):
                scenarios = [
                    inputs
                    for day in days(args.every)
                    if (inputs := scenario_inputs(day, horizon_h, slot_minutes, price_set, data)) is not None
                ]
                for solver in solvers:
                    row = Row(price_set, horizon_h, slot_minutes, solver)
                    for inputs in scenarios:
                        for _ in range(args.repeat):
                            try:
                                result: PlanResult = solve_plan(inputs, solver=solver, time_limit_s=args.time_limit)
                            except SolveError:  # the time limit: counted, shown in the "failed" column
                                row.failed += 1
                                continue
                            row.build_ms.append(result.timings.build_s * 1000)
                            row.solve_ms.append(result.timings.solve_s * 1000)
                            row.total_ms.append(result.timings.total_s * 1000)
                            row.integers.append(result.integer_vars)
                            row.rounds.append(result.rounds)
                    row.slots = len(scenarios[0].index) if scenarios else 0
                    row.days = len(scenarios)
                    rows.append(row)
                    print(format_row(row), flush=True)
    return rows


def format_row(row: Row) -> str:
    build = statistics.median(row.build_ms or [0.0])
    solve = statistics.median(row.solve_ms or [0.0])
    total = statistics.median(row.total_ms or [0.0])
    worst = max(row.total_ms or [0.0])
    target = TARGETS_MS.get((row.horizon_h, row.slot_minutes)) if row.solver == "highs" else None
    verdict = "" if target is None else f"{'met' if total < target else 'MISSED'} (< {target:.0f} ms)"
    return (
        f"{row.price_set:6s} {row.horizon_h:3d} h {row.slot_minutes:3d} min {row.slots:5d} {row.solver:6s}"
        f" {row.days:4d} {build:9.1f} {solve:9.1f} {total:9.1f} {worst:9.1f}"
        f" {statistics.median(row.integers or [0]):5.0f} {max(row.rounds or [1]):6d} {row.failed:6d}  {verdict}"
    )


HEADER = (
    "prices horizon   slot  slots solver days  build_ms  solve_ms  total_ms    max_ms  ints rounds failed  target\n"
    + "-" * 112
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="fr,agile,go")
    parser.add_argument("--horizons", default="24,48")
    parser.add_argument("--slots", default="30,15,5")
    parser.add_argument("--solvers", default="highs,cbc")
    parser.add_argument("--every", type=int, default=14, help="take every N-th day (default 14)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    np.seterr(all="ignore")
    print(f"planner benchmark: solvers available {available_solvers()}, medians over days x {args.repeat} runs")
    print(HEADER)
    run(args)


if __name__ == "__main__":
    main()
