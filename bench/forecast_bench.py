"""Day-ahead forecast benchmark on a year of real household data.

For every local day with at least a week of history before it, forecasts of load and PV are issued at local
midnight on 30-min slots from the history before that midnight; each forecaster's MAE and bias [kW] are
pooled per meteorological season (DJF, MAM, JJA, SON) and over the year, next to the naive baselines
(yesterday; same day last week). Slots whose actual value was filled by the gap rule (other than PV nights)
are not scored. The default forecasters must beat both baselines on MAE over the year and in every season:
the script exits 1 if not.

    .venv/bin/python bench/forecast_bench.py [--data PATH] [--timezone Europe/Paris] [--days N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.forecast.load import (  # noqa: E402
    BASELINES,
    CANDIDATES,
    forecast_with,
    load_layout,
    select,
)
from optimizer.forecast.profiles import layout  # noqa: E402
from optimizer.forecast.pv import pv_history_forecast  # noqa: E402
from optimizer.history import read_history_csv, resample_to_slots  # noqa: E402
from optimizer.history.resample import NIGHT_ZERO  # noqa: E402
from optimizer.timegrid import local_day_index, local_midnight, slot_index  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "household-fr-2024.csv"
SEASONS = {12: "DJF", 1: "DJF", 2: "DJF", 3: "MAM", 4: "MAM", 5: "MAM", 6: "JJA", 7: "JJA", 8: "JJA"}
SEASON_ORDER = ("DJF", "MAM", "JJA", "SON", "year")
WARM_UP_DAYS = 7
SLOT_MINUTES = 30


def season_of(day: date) -> str:
    return SEASONS.get(day.month, "SON")


class Scores:
    """Pooled absolute and signed errors per (season, method)."""

    def __init__(self) -> None:
        self.abs_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.err_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.count: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, season: str, method: str, forecast: np.ndarray, actual: np.ndarray, mask: np.ndarray) -> None:
        errors = (forecast - actual)[mask]
        for key in ((season, method), ("year", method)):
            self.abs_sum[key] += float(np.abs(errors).sum())
            self.err_sum[key] += float(errors.sum())
            self.count[key] += int(errors.size)

    def mae(self, season: str, method: str) -> float:
        n = self.count[(season, method)]
        return self.abs_sum[(season, method)] / n if n else float("nan")

    def bias(self, season: str, method: str) -> float:
        n = self.count[(season, method)]
        return self.err_sum[(season, method)] / n if n else float("nan")


def print_table(title: str, scores: Scores, methods: list[str], default: str, days: dict[str, int]) -> None:
    print(f"\n{title}: MAE / bias [kW] per season (day-ahead, 30-min slots, issued at local midnight)")
    header = f"{'method':<24}" + "".join(f"{s + ' (' + str(days[s]) + ' d)':>22}" for s in SEASON_ORDER)
    print(header)
    print("-" * len(header))
    for method in methods:
        label = f"{method}{' (default)' if method == default else ''}"
        cells = "".join(
            f"{scores.mae(s, method):>12.3f} /{scores.bias(s, method):>+7.3f}" + " " * 1 for s in SEASON_ORDER
        )
        print(f"{label:<24}{cells}")


def verdict(name: str, scores: Scores, default: str, baselines: list[str]) -> bool:
    ok = True
    for season in SEASON_ORDER:
        best_baseline = min(scores.mae(season, b) for b in baselines)
        mine = scores.mae(season, default)
        beats = mine < best_baseline
        ok &= beats
        gain = 100.0 * (1.0 - mine / best_baseline)
        print(
            f"  {name} {season:>4}: default MAE {mine:.3f} vs best baseline {best_baseline:.3f} "
            f"({gain:+.1f} %) {'PASS' if beats else 'FAIL'}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="history CSV (CONTRACT format)")
    parser.add_argument("--timezone", default="Europe/Paris", help="the site's IANA time zone")
    parser.add_argument("--days", type=int, default=None, help="score only the first N days (quick runs)")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    raw = read_history_csv(args.data)
    tz = args.timezone
    first_day = raw.index[0].tz_convert(tz).date() + timedelta(days=1)
    last_day = raw.index[-1].tz_convert(tz).date()
    grid = slot_index(local_midnight(first_day, tz), local_midnight(last_day, tz), SLOT_MINUTES)
    history, report = resample_to_slots(raw, grid, timezone=tz)
    scored = report.fill_rule.isin(["", NIGHT_ZERO])
    print(f"data: {args.data.name}, {first_day} .. {last_day - timedelta(days=1)} ({tz}), {len(grid)} slots")
    print(
        "gaps filled: "
        + ", ".join(f"{c} {dict(v)}" for c, v in report.filled().items())
        + f"; removed: {report.removed_total()}"
    )

    load_scores, pv_scores = Scores(), Scores()
    days: dict[str, int] = defaultdict(int)
    chosen: dict[str, int] = defaultdict(int)
    day = first_day + timedelta(days=WARM_UP_DAYS)
    count = 0
    while day < last_day and (args.days is None or count < args.days):
        index = local_day_index(day, tz, SLOT_MINUTES)
        actual = history.loc[index]
        season = season_of(day)
        days[season] += 1
        days["year"] += 1
        count += 1

        load_truth = actual["load_kw"].to_numpy()
        load_mask = scored.loc[index, "load_kw"].to_numpy()
        lay = load_layout(history, index, timezone=tz)
        start_row = int(lay.target_rows.min())
        selection = select(lay.matrix.values, lay.matrix.weekdays(), start_row)
        chosen[selection.method] += 1
        for name, method in {**CANDIDATES, **BASELINES}.items():
            load_scores.add(season, name, forecast_with(lay, method), load_truth, load_mask)
        load_scores.add(season, "auto", forecast_with(lay, CANDIDATES[selection.method]), load_truth, load_mask)

        pv_truth = actual["pv_kw"].to_numpy()
        pv_mask = scored.loc[index, "pv_kw"].to_numpy()
        envelope, _ = pv_history_forecast(history, index, timezone=tz)
        pv_scores.add(season, "envelope", envelope.to_numpy(), pv_truth, pv_mask)
        pv_past = history["pv_kw"][history.index < index[0]]
        pv_lay = layout(pv_past.iloc[-35 * 48 :], index, timezone=tz, slot_minutes=SLOT_MINUTES)
        for name in ("recent_days", "yesterday", "last_week"):
            method = {**CANDIDATES, **BASELINES}[name]
            pv_scores.add(season, name, np.nan_to_num(forecast_with(pv_lay, method)), pv_truth, pv_mask)
        day += timedelta(days=1)

    print_table("LOAD", load_scores, ["auto", *CANDIDATES, *BASELINES], "auto", days)
    print("auto-selection picked: " + ", ".join(f"{k} {v} d" for k, v in sorted(chosen.items())))
    print_table("PV", pv_scores, ["envelope", "recent_days", "yesterday", "last_week"], "envelope", days)
    print("\nverdict (default must beat both naive baselines on MAE):")
    ok = verdict("load", load_scores, "auto", list(BASELINES))
    ok &= verdict("pv  ", pv_scores, "envelope", list(BASELINES))
    print(f"\n{'PASS' if ok else 'FAIL'}: {days['year']} days scored in {time.perf_counter() - began:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
