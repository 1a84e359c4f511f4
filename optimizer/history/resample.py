"""Raw samples onto the slot grid: energy-conserving means, then gaps filled by a documented rule.

**Means.** Each sample holds its value from its timestamp until the next sample of the same column, but at
most ``max_hold``: the frame's ``freq`` or ``sample_step`` when given, else the median spacing when 90 % of
the spacings equal it (a regular file), else 1.5 × the median spacing (API samples, about every 5 min, with
jitter). A slot's value is the time-weighted mean of the held values inside it, i.e. its energy
divided by the covered time, so that kWh are conserved whatever the sample step (5-min samples onto 30-min
slots, or 60-min rows onto 30-min slots). A slot covered for less than ``min_coverage`` (half) of its length
is a gap.

**Gap rule**, per column, on each run of gap slots, in this order:

1. ``night_zero`` (``pv_kw`` only): a run of at most ``max_night_gap`` (20 h) whose neighbouring slots both
   show PV at or below ``night_threshold_kw`` (0.05 kW) or 5 % of the array's peak (99th percentile),
   whichever is larger (the slot before sunset is dim, not dark), or whose only neighbour does at the edge,
   and in whose clock hours the days around produced at most 5 % of a day's PV energy, is night: PV is 0.
   Real PV exports leave night empty.
2. ``interpolated``: a run of at most ``max_interpolate`` (1 h) between two known slots is interpolated
   linearly; at the frame edges the nearest known value is held (``nearest``). ``soc_pct`` is interpolated
   whatever the length (it is a state, not a profile).
3. ``profile``: a longer run takes, slot by slot, the mean of the same local clock slot over the
   ``profile_days`` (7) days before and after; where those have nothing, the mean of that clock slot over
   the whole frame; then the column mean.

Every gap is listed in :class:`CleaningReport` with its rule; ``fill=False`` leaves gaps as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import HistoryError
from optimizer.history.clean import (
    DEFAULT_MAX_POWER_KW,
    DEFAULT_SPIKE_FACTOR,
    SampleCleaning,
    clean_samples,
)
from optimizer.history.columns import PERCENT_COLUMNS, REQUIRED_COLUMNS
from optimizer.history.daymatrix import day_matrix
from optimizer.timegrid import iso, slot_hours

NIGHT_ZERO = "night_zero"
INTERPOLATED = "interpolated"
NEAREST = "nearest"
PROFILE = "profile"
UNFILLED = "unfilled"
FILL_RULES = (NIGHT_ZERO, INTERPOLATED, NEAREST, PROFILE, UNFILLED)
#: A PV gap is only night if neighbouring days produced at most this share of a day's energy in its hours.
_NIGHT_SHARE = 0.05
#: Samples are a regular series (each holds exactly one step) when this share of spacings equal the median.
_REGULAR_SHARE = 0.9


@dataclass(frozen=True)
class Gap:
    """A run of gap slots ``[start, end)`` in one column and the rule that filled it."""

    column: str
    start: pd.Timestamp
    end: pd.Timestamp
    slots: int
    rule: str

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True)
class CleaningReport:
    """What :func:`resample_to_slots` removed and filled.

    ``removed[column]`` counts samples dropped as corrupt, out of range or spikes (and those ``clipped``
    from meter noise to 0); ``gaps`` lists every run of gap slots; ``fill_rule`` is a frame like the result
    holding, per slot and column, the rule that filled it (empty string for measured slots).
    """

    slots: int
    samples: int
    duplicates: int
    removed: dict[str, dict[str, int]]
    gaps: tuple[Gap, ...]
    fill_rule: pd.DataFrame = field(repr=False)

    def filled(self) -> dict[str, dict[str, int]]:
        """Slots per column and rule (rules that filled nothing are left out)."""
        result: dict[str, dict[str, int]] = {}
        for column in self.fill_rule.columns:
            counts = self.fill_rule[column].value_counts()
            result[str(column)] = {str(rule): int(n) for rule, n in counts.items() if rule}
        return result

    def gap_slots(self) -> dict[str, int]:
        return {str(c): int((self.fill_rule[c] != "").sum()) for c in self.fill_rule.columns}

    def removed_total(self) -> int:
        return sum(c["corrupt"] + c["out_of_range"] + c["spikes"] for c in self.removed.values())

    def longest_gaps(self, count: int = 5, *, exclude: tuple[str, ...] = (NIGHT_ZERO,)) -> list[Gap]:
        gaps = [g for g in self.gaps if g.rule not in exclude]
        return sorted(gaps, key=lambda g: (-g.slots, g.start))[:count]

    def as_dict(self) -> dict[str, Any]:
        return {
            "slots": self.slots,
            "samples": self.samples,
            "duplicates": self.duplicates,
            "removed": self.removed,
            "gap_slots": self.gap_slots(),
            "filled": self.filled(),
            "gaps": len(self.gaps),
            "longest_gaps": [
                {
                    "column": g.column,
                    "start": iso(g.start),
                    "end": iso(g.end),
                    "slots": g.slots,
                    "rule": g.rule,
                }
                for g in self.longest_gaps()
            ],
        }


def resample_to_slots(
    df: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    timezone: str = "UTC",
    fill: bool = True,
    sample_step: timedelta | None = None,
    min_coverage: float = 0.5,
    max_interpolate: timedelta = timedelta(hours=1),
    max_night_gap: timedelta = timedelta(hours=20),
    night_threshold_kw: float = 0.05,
    profile_days: int = 7,
    max_power_kw: float = DEFAULT_MAX_POWER_KW,
    spike_factor: float = DEFAULT_SPIKE_FACTOR,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Clean the raw samples ``df`` and lay them on the slot grid ``index`` (UTC slot starts, fixed step).

    Returns the slot frame (same columns as ``df``, mean power [kW] or mean SoC [%] per slot; ``load_kw``
    and ``pv_kw`` always present) and the :class:`CleaningReport`. ``timezone`` is the site's, used for
    clock-time profiles. With ``fill=True`` (default), a column with no sample at all in the window raises
    :class:`HistoryError` for ``load_kw``/``pv_kw`` and is left NaN (reported unfilled) otherwise.
    """
    slots = _check_index(index)
    for column in REQUIRED_COLUMNS:
        if column not in df.columns:
            raise HistoryError(f"history has no {column} column (columns: {', '.join(map(str, df.columns))})")
    samples, cleaning = clean_samples(df, max_power_kw=max_power_kw, spike_factor=spike_factor)
    step = _sample_step(df, pd.DatetimeIndex(samples.index), sample_step)
    edges_ns = np.append(
        slots.as_unit("ns").asi8,
        slots.as_unit("ns").asi8[-1] + int(pd.Timedelta(slot_hours(slots), unit="h").value),
    )

    result = pd.DataFrame(index=slots)
    rules = pd.DataFrame(index=slots)
    gaps: list[Gap] = []
    slot_len = pd.Timedelta(hours=slot_hours(slots))
    for column in samples.columns:
        means = _slot_means(samples[column], step, edges_ns, min_coverage)
        rule = np.where(np.isnan(means), UNFILLED, "").astype(object)
        if fill:
            if column in REQUIRED_COLUMNS and np.isnan(means).all():
                raise HistoryError(
                    f"history has no valid {column} sample between {iso(slots[0])} and {iso(slots[-1] + slot_len)}",
                    hint="Import a history CSV or run `optimizer history sync` for that period.",
                )
            means, rule = _fill(
                column,
                means,
                rule,
                slots,
                timezone=timezone,
                max_interpolate_slots=int(max_interpolate / slot_len),
                max_night_slots=int(max_night_gap / slot_len),
                night_threshold_kw=night_threshold_kw,
                profile_days=profile_days,
            )
        result[column] = means
        rules[column] = rule
        gaps.extend(_gap_runs(column, rule, slots, slot_len))
    result.index.name = "time"
    rules.index.name = "time"
    report = CleaningReport(
        slots=len(slots),
        samples=len(samples),
        duplicates=cleaning.duplicates,
        removed=_removed(cleaning),
        gaps=tuple(gaps),
        fill_rule=rules,
    )
    return result, report


def _check_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or len(index) == 0:
        raise HistoryError("the slot index must be a non-empty, time-zone aware DatetimeIndex")
    slots = index.tz_convert("UTC")
    if len(slots) > 1:
        spacing = np.diff(slots.as_unit("ns").asi8)
        if (spacing != spacing[0]).any() or spacing[0] <= 0:
            raise HistoryError("the slot index must have one fixed, increasing step")
    return pd.DatetimeIndex(slots, name="time")


def _sample_step(df: pd.DataFrame, times: pd.DatetimeIndex, given: timedelta | None) -> pd.Timedelta:
    """How long one sample holds at most: the given step, the frame's freq, else 1.5 × median spacing."""
    if given is not None:
        return pd.Timedelta(given)
    freq = getattr(df.index, "freq", None)
    if freq is not None:
        return pd.Timedelta(freq)
    if len(times) < 2:
        return pd.Timedelta(minutes=5)
    spacing = np.diff(times.as_unit("ns").asi8)
    positive = spacing[spacing > 0]
    if not positive.size:
        return pd.Timedelta(minutes=5)
    median = float(np.median(positive))
    if np.mean(positive == median) >= _REGULAR_SHARE:  # a regular series: a sample holds one step
        return pd.Timedelta(int(median), unit="ns")
    return pd.Timedelta(int(1.5 * median), unit="ns")


def _slot_means(column: pd.Series, max_hold: pd.Timedelta, edges_ns: np.ndarray, min_coverage: float) -> np.ndarray:
    """Time-weighted means of the held samples over each slot ``[edges[i], edges[i+1])``."""
    valid = column.dropna()
    result = np.full(len(edges_ns) - 1, np.nan)
    if valid.empty:
        return result
    origin = edges_ns[0]
    starts = (pd.DatetimeIndex(valid.index).as_unit("ns").asi8 - origin) / 1e9
    hold = max_hold.value / 1e9
    nexts = np.append(starts[1:], np.inf)
    ends = np.minimum(nexts, starts + hold)
    values = valid.to_numpy(dtype=float)
    durations = ends - starts
    energy = np.cumsum(values * durations)
    covered = np.cumsum(durations)
    xs = np.empty(2 * len(starts))
    xs[0::2], xs[1::2] = starts, ends
    energy_at = np.empty_like(xs)
    energy_at[0::2] = energy - values * durations
    energy_at[1::2] = energy
    covered_at = np.empty_like(xs)
    covered_at[0::2] = covered - durations
    covered_at[1::2] = covered
    edges = (edges_ns - origin) / 1e9
    e = np.interp(edges, xs, energy_at, left=0.0, right=float(energy[-1]))
    c = np.interp(edges, xs, covered_at, left=0.0, right=float(covered[-1]))
    slot_energy, slot_cover = np.diff(e), np.diff(c)
    slot_len = np.diff(edges)
    ok = slot_cover >= min_coverage * slot_len - 1e-6
    result[ok] = slot_energy[ok] / slot_cover[ok]
    return np.round(result, 6)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` positions of each run of True in ``mask``."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    changes = np.diff(padded)
    return list(zip(np.nonzero(changes == 1)[0].tolist(), np.nonzero(changes == -1)[0].tolist(), strict=True))


def _fill(
    column: str,
    values: np.ndarray,
    rule: np.ndarray,
    slots: pd.DatetimeIndex,
    *,
    timezone: str,
    max_interpolate_slots: int,
    max_night_slots: int,
    night_threshold_kw: float,
    profile_days: int,
) -> tuple[np.ndarray, np.ndarray]:
    values = values.copy()
    rule = rule.copy()
    known = ~np.isnan(values)
    if not known.any():
        return values, rule
    _, nearby = _profile_guess(column, values, slots, timezone, profile_days)
    n = len(values)
    half_day = round(12 / slot_hours(slots))
    if column == "pv_kw":
        night_threshold_kw = max(night_threshold_kw, _NIGHT_SHARE * float(np.nanquantile(values, 0.99)))
    long_runs: list[tuple[int, int]] = []
    for start, stop in _runs(~known):
        before = values[start - 1] if start > 0 else None
        after = values[stop] if stop < n else None
        length = stop - start
        if column == "pv_kw" and length <= max_night_slots:
            sides = [float(v) for v in (before, after) if v is not None]
            centre = (start + stop) // 2
            day_energy = float(np.nansum(nearby[max(0, centre - half_day) : centre + half_day]))
            expected = float(np.nansum(nearby[start:stop]))
            dark = expected <= _NIGHT_SHARE * day_energy
            if sides and dark and all(v <= night_threshold_kw for v in sides):
                values[start:stop] = 0.0
                rule[start:stop] = NIGHT_ZERO
                continue
        if column in PERCENT_COLUMNS or length <= max_interpolate_slots:
            if before is not None and after is not None:
                steps = np.arange(1, length + 1) / (length + 1)
                values[start:stop] = before + (after - before) * steps
                rule[start:stop] = INTERPOLATED
            else:
                values[start:stop] = before if before is not None else after
                rule[start:stop] = NEAREST
            continue
        long_runs.append((start, stop))
    if long_runs:
        # The profile is taken after nights are filled, so that a whole missing day gets dark nights.
        profile, _ = _profile_guess(column, values, slots, timezone, profile_days)
        for start, stop in long_runs:
            values[start:stop] = profile[start:stop]
            rule[start:stop] = PROFILE
    return values, rule


def _profile_guess(
    column: str, values: np.ndarray, slots: pd.DatetimeIndex, timezone: str, profile_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per slot: the mean of its local clock slot over the ``profile_days`` days either side; where those
    hold nothing, over the whole frame; then the overall mean (0 for ``pv_kw``: a clock slot without PV on
    any day is night). Also returns the first alone (NaN where the nearby days hold nothing)."""
    slot_minutes = round(slot_hours(slots) * 60)
    matrix = day_matrix(pd.Series(values, index=slots), timezone=timezone, slot_minutes=slot_minutes)
    table = pd.DataFrame(matrix.values)
    nearby = table.rolling(2 * profile_days + 1, center=True, min_periods=1).mean().to_numpy()
    by_clock = table.mean(axis=0, skipna=True).to_numpy()
    rows, bins = matrix.cells(slots)
    around = nearby[rows, bins]
    guess = np.where(np.isnan(around), by_clock[bins], around)
    last_resort = 0.0 if column == "pv_kw" else float(np.nanmean(values))
    return np.where(np.isnan(guess), last_resort, guess), around


def _gap_runs(column: str, rule: np.ndarray, slots: pd.DatetimeIndex, slot_len: pd.Timedelta) -> list[Gap]:
    gaps: list[Gap] = []
    for start, stop in _runs(rule != ""):
        kinds = set(rule[start:stop].tolist())
        name = kinds.pop() if len(kinds) == 1 else "+".join(sorted(kinds))
        gaps.append(Gap(column, slots[start], slots[stop - 1] + slot_len, stop - start, name))
    return gaps


def _removed(cleaning: SampleCleaning) -> dict[str, dict[str, int]]:
    return {name: counts.as_dict() for name, counts in cleaning.columns.items()}
