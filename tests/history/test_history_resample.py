"""Cleaning and resampling onto slots: energy conservation, the gap rule, spikes, DST days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import HistoryError
from optimizer.history import read_history_csv, resample_to_slots
from optimizer.timegrid import local_day_index, slot_index

T0 = pd.Timestamp("2024-06-03T00:00Z")


def regular(values: dict[str, list[float]], minutes: int = 5, start: pd.Timestamp = T0) -> pd.DataFrame:
    length = len(next(iter(values.values())))
    index = pd.date_range(start, periods=length, freq=f"{minutes}min", name="time")
    return pd.DataFrame(values, index=index, dtype=float)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=8, allow_nan=False), min_size=12, max_size=12 * 8),
    st.sampled_from([15, 30, 60]),
)
def test_means_conserve_energy(values: list[float], slot_minutes: int) -> None:
    """5-min samples onto any slot length: the kWh of the slots equal the kWh of the samples."""
    length = len(values) - len(values) % (slot_minutes // 5)
    values = values[:length] or values[: slot_minutes // 5]
    raw = regular({"load_kw": values, "pv_kw": values})
    index = slot_index(T0, T0 + pd.Timedelta(minutes=5 * len(values)), slot_minutes)
    slots, report = resample_to_slots(raw, index, fill=False, max_power_kw=1000, spike_factor=1e9)
    sample_kwh = sum(values) * 5 / 60
    slot_kwh = float(slots["load_kw"].sum()) * slot_minutes / 60
    assert slot_kwh == pytest.approx(sample_kwh, abs=1e-4)
    assert report.gap_slots()["load_kw"] == 0


def test_irregular_api_samples_are_time_weighted() -> None:
    times = pd.DatetimeIndex(
        [T0, T0 + pd.Timedelta("5min"), T0 + pd.Timedelta("9min"), T0 + pd.Timedelta("20min")], name="time"
    )
    raw = pd.DataFrame({"load_kw": [1.0, 2.0, 3.0, 4.0], "pv_kw": 0.0}, index=times)
    slots, _ = resample_to_slots(raw, slot_index(T0, T0 + pd.Timedelta("30min"), 30), fill=False)
    # Holds: 1.0 for 5 min, 2.0 for 4 min, 3.0 for at most 1.5 × median spacing (7.5 min), 4.0 for 7.5 min.
    expected = (1.0 * 5 + 2.0 * 4 + 3.0 * 7.5 + 4.0 * 7.5) / (5 + 4 + 7.5 + 7.5)
    assert slots["load_kw"].iloc[0] == pytest.approx(expected)


def test_hourly_rows_onto_half_hours_repeat_the_mean(de_csv: Path) -> None:
    raw = read_history_csv(de_csv)
    index = slot_index(raw.index[0], raw.index[-1] + pd.Timedelta("1h"), 30)
    slots, report = resample_to_slots(raw, index, timezone="Europe/Berlin")
    assert slots["load_kw"].iloc[0] == slots["load_kw"].iloc[1] == raw["load_kw"].iloc[0]
    kwh_raw = raw["pv_kw"].sum()
    assert slots["pv_kw"].sum() * 0.5 == pytest.approx(kwh_raw, rel=1e-9)
    # The real negative load reading is removed and counted, then filled.
    assert report.removed["load_kw"]["out_of_range"] == 1
    assert slots.loc[pd.Timestamp("2016-04-12T10:00Z"), "load_kw"] >= 0


def test_corrupt_values_spikes_noise_and_duplicates_are_counted() -> None:
    values = [0.5] * 300
    values[10] = 3.2e8  # corrupt high word
    values[20] = 650.0  # above any household inverter
    values[30] = -0.02  # meter noise → 0
    values[40] = -3.0  # impossible
    values[50] = 0.39999999999963  # float noise
    raw = regular({"load_kw": values, "pv_kw": [1.0] * 300, "soc_pct": [50.0] * 299 + [140.0]})
    raw = pd.concat([raw, raw.iloc[[5]]])  # a duplicated sample
    index = slot_index(T0, T0 + pd.Timedelta(minutes=5 * 300), 30)
    slots, report = resample_to_slots(raw, index)
    assert report.duplicates == 1
    assert report.removed["load_kw"] == {"corrupt": 1, "out_of_range": 1, "spikes": 1, "clipped": 1}
    assert report.removed["soc_pct"]["out_of_range"] == 1
    assert report.removed_total() == 4
    assert slots["load_kw"].max() < 1.0
    assert slots["load_kw"].iloc[8] == pytest.approx((0.5 * 5 + 0.4) / 6)


def test_adaptive_spike_threshold() -> None:
    rng = np.random.default_rng(1)
    values = list(rng.uniform(0.2, 3.0, 400))
    values[100] = 90.0  # below the absolute bound, but 30 × the 99th percentile
    raw = regular({"load_kw": values, "pv_kw": [0.0] * 400})
    index = slot_index(T0, T0 + pd.Timedelta(minutes=5 * 400), 30)
    _, report = resample_to_slots(raw, index)
    assert report.removed["load_kw"]["spikes"] == 1


def test_gap_rule_night_short_and_long(dst_csv: Path) -> None:
    raw = read_history_csv(dst_csv)
    index = local_day_index(date(2024, 10, 26), "Europe/Paris", 30).union(
        local_day_index(date(2024, 10, 27), "Europe/Paris", 30)
    )
    index = slot_index(index[0], index[-1] + pd.Timedelta("30min"), 30)
    slots, report = resample_to_slots(raw, index, timezone="Europe/Paris")
    assert not slots.isna().any().any()
    rules = report.fill_rule["pv_kw"]
    night = rules == "night_zero"
    assert night.sum() > 20 and (slots.loc[night, "pv_kw"] == 0).all()
    local_hours = slots.index.tz_convert("Europe/Paris").hour
    assert not night[(local_hours >= 11) & (local_hours < 15)].any()
    assert all(g.rule == "night_zero" for g in report.gaps if g.column == "pv_kw")


def test_short_gap_interpolates_long_gap_takes_profile() -> None:
    days = 10
    n = days * 48
    clock = np.tile(np.arange(48), days)
    load = 0.3 + 0.05 * clock  # a clear daily profile
    raw = regular({"load_kw": list(load), "pv_kw": [0.0] * n}, minutes=30)
    raw.iloc[100:102, 0] = np.nan  # 1 h: interpolated
    raw.iloc[200:210, 0] = np.nan  # 5 h: profile
    index = slot_index(T0, T0 + pd.Timedelta(days=days), 30)
    slots, report = resample_to_slots(raw, index)
    rule = report.fill_rule["load_kw"]
    assert (rule.iloc[100:102] == "interpolated").all() and (rule.iloc[200:210] == "profile").all()
    assert slots["load_kw"].iloc[100] == pytest.approx(load[99] + (load[102] - load[99]) / 3)
    np.testing.assert_allclose(slots["load_kw"].iloc[200:210], load[200:210], rtol=1e-9)
    gaps = {(g.start, g.slots, g.rule) for g in report.gaps}
    assert (index[200], 10, "profile") in gaps and (index[100], 2, "interpolated") in gaps


def test_edges_hold_the_nearest_value_and_soc_interpolates() -> None:
    raw = regular({"load_kw": [np.nan, 1.0, 2.0, np.nan], "pv_kw": [0.0] * 4, "soc_pct": [50, np.nan, np.nan, 80]}, 30)
    slots, report = resample_to_slots(raw, slot_index(T0, T0 + pd.Timedelta("2h"), 30))
    assert list(slots["load_kw"]) == [1.0, 1.0, 2.0, 2.0]
    assert set(report.fill_rule["load_kw"]) == {"", "nearest"}
    assert list(slots["soc_pct"]) == [50, 60, 70, 80]


def test_fill_false_leaves_gaps_and_reports_them() -> None:
    raw = regular({"load_kw": [1.0, np.nan, np.nan, 1.0], "pv_kw": [0.0] * 4}, 30)
    slots, report = resample_to_slots(raw, slot_index(T0, T0 + pd.Timedelta("2h"), 30), fill=False)
    assert slots["load_kw"].isna().sum() == 2
    assert report.gap_slots()["load_kw"] == 2 and report.filled()["load_kw"] == {"unfilled": 2}


def test_dst_days_have_46_and_50_slots_without_gaps(dst_csv: Path) -> None:
    raw = read_history_csv(dst_csv)
    for day, count in ((date(2024, 3, 31), 46), (date(2024, 10, 27), 50)):
        index = local_day_index(day, "Europe/Paris", 30)
        slots, report = resample_to_slots(raw, index, timezone="Europe/Paris")
        assert len(slots) == count
        assert report.gap_slots()["load_kw"] == 0


def test_no_data_at_all_is_an_error() -> None:
    raw = regular({"load_kw": [np.nan] * 4, "pv_kw": [0.0] * 4}, 30)
    with pytest.raises(HistoryError, match="no valid load_kw sample"):
        resample_to_slots(raw, slot_index(T0, T0 + pd.Timedelta("2h"), 30))


def test_missing_column_and_bad_index() -> None:
    raw = regular({"load_kw": [1.0] * 4}, 30)
    with pytest.raises(HistoryError, match="no pv_kw column"):
        resample_to_slots(raw, slot_index(T0, T0 + pd.Timedelta("2h"), 30))
    raw = regular({"load_kw": [1.0] * 4, "pv_kw": [0.0] * 4}, 30)
    with pytest.raises(HistoryError, match="time-zone aware"):
        resample_to_slots(raw, pd.DatetimeIndex(["2024-01-01T00:00"]))
    uneven = pd.DatetimeIndex([T0, T0 + pd.Timedelta("30min"), T0 + pd.Timedelta("90min")])
    with pytest.raises(HistoryError, match="one fixed, increasing step"):
        resample_to_slots(raw, uneven)


def test_report_as_dict_is_json_ready(fr_csv: Path) -> None:
    import json

    raw = read_history_csv(fr_csv)
    index = slot_index(pd.Timestamp("2024-03-01T00:00Z"), pd.Timestamp("2024-04-01T00:00Z"), 30)
    _, report = resample_to_slots(raw, index, timezone="Europe/Paris")
    document = json.loads(json.dumps(report.as_dict()))
    assert document["slots"] == 31 * 48 - 0 and document["longest_gaps"]
