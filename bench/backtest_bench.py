"""Backtests of a real home on three kinds of tariff: the money the planner keeps, and how fast it runs.

The household is the real French home of ``tests/data/household-fr-2024.csv`` (Europe/Paris, emhass project,
MIT) with the default battery of ``optimizer.config`` (10.4 kWh, 5 kW, 95 %/95 %, export limit 5 kW). Each set
re-plans every local day with the project's own forecasts (``optimizer.pipeline.backtest``, the same code path as
``optimizer backtest``), replays the compiled groups against what happened, and compares with plain self-use and
with perfect foresight:

* ``tou``: a Go-like time-of-use tariff (import 0.085 from 00:30 to 05:30 local, 0.27 otherwise; export 0.15),
  2024-03-15 .. 2025-02-25 (348 days);
* ``agile``: Octopus Agile import and Agile Outgoing export, real 2022-11 .. 2023-02 prices (p/kWh → GBP/kWh)
  moved 104 weeks later so that weekdays line up, over 108 winter days 2024-11-01 .. 2025-02-16. The prices
  are read from ``../shared/data/prices/agile-import-export-2022-2023.csv`` (or ``--agile-prices FILE``): an
  archive without a licence, used here and never copied into the repository; the set is skipped without it;
* ``de``: German spot-indexed retail, import 1.19 × (spot + 0.17), export at spot, real 2024 day-ahead prices
  (``tariffs/prices/entsoe-DE-LU-2024.csv``, ENTSO-E Transparency Platform), 2024-03-01 .. 2024-09-21 (205 days).

``captured`` = 100 × (self-use − planner) / (self-use − perfect), summed over the days. Wall time includes
everything: reading the history, the pool's start, every day's two plans, two compiles and three replays.

With ``--replan 30min`` each set is also replayed with the intraday loop (``optimizer backtest --replan``):
re-planning every 30 minutes from the SoC really reached, writing only changes worth
``[schedule] min_rewrite_gain``; ``writes/d`` and ``calls/d`` are its schedule writes and API calls per day.

Run: ``.venv/bin/python bench/backtest_bench.py [--sets tou,agile,de] [--replan 30min] [--workers N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.config import Config, parse_config  # noqa: E402
from optimizer.history import read_history_csv  # noqa: E402
from optimizer.pipeline.backtest import run_backtest  # noqa: E402
from optimizer.pipeline.options import PlanOptions  # noqa: E402
from optimizer.timegrid import parse_duration  # noqa: E402

HISTORY = ROOT / "tests" / "data" / "household-fr-2024.csv"
AGILE = ROOT.parent / "shared" / "data" / "prices" / "agile-import-export-2022-2023.csv"
DE_SPOT = ROOT / "tariffs" / "prices" / "entsoe-DE-LU-2024.csv"
AGILE_SHIFT = pd.Timedelta(weeks=104)


@dataclass(frozen=True)
class BenchSet:
    name: str
    label: str
    first: date
    last: date
    import_spec: str
    export_spec: str


def _tou(folder: Path) -> tuple[str, str]:
    path = folder / "tou.toml"
    path.write_text(
        """name = "Go-like time of use"
currency = "EUR"
timezone = "Europe/Paris"
[import]
kind = "banded"
clock = "local"
bands = [
    { start = "00:30", end = "05:30", price_per_kwh = 0.085 },
    { start = "05:30", end = "00:30", price_per_kwh = 0.27 },
]
[export]
kind = "flat"
price_per_kwh = 0.15
""",
        encoding="utf-8",
    )
    return str(path), str(path)


def _de(folder: Path) -> tuple[str, str]:
    path = folder / "de-spot.toml"
    path.write_text(
        f"""name = "German spot-indexed retail"
currency = "EUR"
timezone = "Europe/Berlin"
[import]
kind = "dynamic"
file = "{DE_SPOT}"
[import.formula]
spot_factor = 1.0
adder_per_kwh = 0.17
vat_pct = 19
[export]
kind = "dynamic"
file = "{DE_SPOT}"
""",
        encoding="utf-8",
    )
    return str(path), str(path)


def _agile(folder: Path, source: Path) -> tuple[str, str] | None:
    if not source.is_file():
        return None
    raw = pd.read_csv(source)
    times = (pd.to_datetime(raw["time"], utc=True) + AGILE_SHIFT).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    paths = []
    for column, name in (("import_p_per_kwh", "agile-import.csv"), ("export_p_per_kwh", "agile-export.csv")):
        path = folder / name
        pd.DataFrame({"time": times, "price": raw[column] / 100.0}).to_csv(path, index=False)
        paths.append(str(path))
    return paths[0], paths[1]


def sets(folder: Path, agile_source: Path) -> list[BenchSet]:
    found = [BenchSet("tou", "Go-like TOU, a year", date(2024, 3, 15), date(2025, 2, 25), *_tou(folder))]
    agile = _agile(folder, agile_source)
    if agile is None:
        print(f"agile: skipped ({agile_source} not found; pass --agile-prices FILE)", file=sys.stderr)
    else:
        found.append(BenchSet("agile", "Agile + Agile Outgoing, winter", date(2024, 11, 1), date(2025, 2, 16), *agile))
    found.append(BenchSet("de", "German spot retail, spring-summer", date(2024, 3, 1), date(2024, 9, 21), *_de(folder)))
    return found


def config_for(bench: BenchSet) -> Config:
    return parse_config(
        {"site": {"timezone": "Europe/Paris"}, "tariff": {"import": bench.import_spec, "export": bench.export_spec}}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="tou,agile,de", help="comma-separated: tou, agile, de")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: every CPU)")
    parser.add_argument("--agile-prices", type=Path, default=AGILE, help="the Agile import/export price CSV")
    parser.add_argument("--replan", default=None, help="also replay the intraday loop every STEP, e.g. 30min")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    wanted = {s.strip() for s in args.sets.split(",") if s.strip()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for bench in sets(Path(tmp), args.agile_prices):
            if bench.name not in wanted:
                continue
            for step in [None] + ([parse_duration(args.replan)] if args.replan else []):
                started = time.perf_counter()
                history = read_history_csv(HISTORY)
                config = config_for(bench)
                result = run_backtest(
                    config, history, bench.first, bench.last, PlanOptions(), workers=args.workers, replan=step
                )
                wall = time.perf_counter() - started
                doc = result.to_json()
                rows.append(
                    {
                        "set": bench.name,
                        "tariff": bench.label,
                        "mode": "once daily" if step is None else f"every {doc['replan_minutes']} min",
                        "days": len(result.days),
                        "from": bench.first.isoformat(),
                        "to": bench.last.isoformat(),
                        "cost": result.totals(),
                        "captured_pct": None if result.captured_pct is None else round(result.captured_pct, 2),
                        "writes_per_day": doc.get("writes_per_day"),
                        "api_calls_per_day": doc.get("api_calls_per_day"),
                        "wall_s": round(wall, 2),
                        "ms_per_day": round(1000 * wall / max(1, len(result.days)), 1),
                        "workers": result.workers,
                    }
                )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'set':6} {'tariff':36} {'mode':14} {'days':>4} {'self-use':>9} {'planner':>9} {'perfect':>9} "
        f"{'captured':>9} {'writes/d':>8} {'calls/d':>7} {'wall s':>7} {'ms/day':>7} {'workers':>7}"
    )
    for r in rows:
        c = r["cost"]
        captured = "-" if r["captured_pct"] is None else f"{r['captured_pct']:.1f} %"
        writes = "-" if r["writes_per_day"] is None else f"{r['writes_per_day']:.1f}"
        calls = "-" if r["api_calls_per_day"] is None else f"{r['api_calls_per_day']:.0f}"
        print(
            f"{r['set']:6} {r['tariff']:36} {r['mode']:14} {r['days']:>4} {c['self_use']:>9.2f} "
            f"{c['planner']:>9.2f} {c['perfect']:>9.2f} {captured:>9} {writes:>8} {calls:>7} {r['wall_s']:>7.1f} "
            f"{r['ms_per_day']:>7.1f} {r['workers']:>7}"
        )


if __name__ == "__main__":
    main()
