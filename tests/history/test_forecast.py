"""Forecasts as pure functions of history: shape, no NaN, no look-ahead, DST, fallbacks, external files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import HistoryError, InputError
from optimizer.forecast import forecast_load, forecast_pv, make_forecast
from optimizer.forecast.load import BASELINES, CANDIDATES, forecast_with, load_layout, select
from optimizer.forecast.solar import season_ratio, zone_latitude_deg
from optimizer.history import read_history_csv, resample_to_slots
from optimizer.history.resample import NIGHT_ZERO
from optimizer.timegrid import horizon_index, local_day_index, local_midnight, slot_index

TZ = "Europe/Paris"


@pytest.fixture(scope="module")
def year() -> tuple[pd.DataFrame, pd.DataFrame]:
    path = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
    raw = read_history_csv(path)
    grid = slot_index(local_midnight(date(2024, 2, 29), TZ), local_midnight(date(2025, 2, 27), TZ), 30)
    history, report = resample_to_slots(raw, grid, timezone=TZ)
    return history, report.fill_rule


def test_day_ahead_shape_units_and_no_nan(year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    history, _ = year
    index = local_day_index(date(2024, 7, 10), TZ, 30)
    forecast = make_forecast(history, index, timezone=TZ)
    for series in (forecast.load_kw, forecast.pv_kw):
        assert series.index.equals(index) and not series.isna().any() and (series >= 0).all()
    assert forecast.load_method in CANDIDATES and forecast.pv_method == "envelope"
    local_hours = index.tz_convert(TZ).hour
    assert (forecast.pv_kw[(local_hours < 4) | (local_hours >= 23)] == 0).all()
    assert forecast.pv_kw[(local_hours >= 12) & (local_hours < 15)].mean() > 1.0
    assert set(forecast.load_scores) == set(CANDIDATES)
    assert forecast.frame().shape == (48, 2)


def test_uses_no_history_at_or_after_the_start(year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    history, _ = year
    index = horizon_index(pd.Timestamp("2024-09-03T13:00Z"), timedelta(hours=36), 30)
    before = history[history.index < index[0]]
    tampered = history.copy()
    tampered.loc[tampered.index >= index[0]] = 99.0
    for function in (forecast_load, forecast_pv):
        expected = function(before, index, timezone=TZ)
        pd.testing.assert_series_equal(function(history, index, timezone=TZ), expected)
        pd.testing.assert_series_equal(function(tampered, index, timezone=TZ), expected)


@pytest.mark.parametrize(("day", "slots"), [(date(2024, 3, 31), 46), (date(2024, 10, 27), 50)])
def test_dst_days(year: tuple[pd.DataFrame, pd.DataFrame], day: date, slots: int) -> None:
    history, _ = year
    index = local_day_index(day, TZ, 30)
    load = forecast_load(history, index, timezone=TZ)
    pv = forecast_pv(history, index, timezone=TZ)
    assert len(load) == len(pv) == slots and not load.isna().any() and not pv.isna().any()
    # The same local clock time gets the same load in both occurrences of the repeated hour.
    local = index.tz_convert(TZ)
    if slots == 50:
        repeated = load[(local.hour == 2)]
        assert len(repeated) == 4 and repeated.iloc[0] == repeated.iloc[2]


def test_fifteen_minute_slots_from_half_hour_history(year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    history, _ = year
    index = local_day_index(date(2024, 8, 1), TZ, 15)
    load = forecast_load(history, index, timezone=TZ)
    assert len(load) == 96 and not load.isna().any()
    assert load.iloc[0] == load.iloc[1]  # one half-hour mean spread over its two quarters


def test_little_history_falls_back(year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    history, _ = year
    start = local_midnight(date(2024, 6, 20), TZ)
    index = local_day_index(date(2024, 6, 20), TZ, 30)
    one_day = history[(history.index >= start - pd.Timedelta(hours=20)) & (history.index < start)]
    load = forecast_load(one_day, index, timezone=TZ)
    assert not load.isna().any() and load.mean() > 0
    forecast = make_forecast(one_day, index, timezone=TZ)
    assert forecast.load_method == "recent_days" and forecast.pv_method == "mean"
    no_pv = one_day.drop(columns="pv_kw")
    assert (forecast_pv(no_pv, index, timezone=TZ) == 0).all()
    assert make_forecast(no_pv, index, timezone=TZ).pv_method == "none"


def test_no_load_history_is_an_error() -> None:
    index = local_day_index(date(2024, 6, 20), TZ, 30)
    empty = pd.DataFrame({"load_kw": [], "pv_kw": []}, index=pd.DatetimeIndex([], tz="UTC"))
    with pytest.raises(HistoryError, match="no load history before"):
        forecast_load(empty, index, timezone=TZ)


def test_default_beats_naive_baselines_on_real_data(year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The "Done when" on a sample of the year: every 4th day from March to February."""
    history, rules = year
    scored = rules.isin(["", NIGHT_ZERO])
    errors: dict[str, list[float]] = {"auto": [], **{name: [] for name in BASELINES}, "pv": [], "pv_yesterday": []}
    day = date(2024, 3, 10)
    while day < date(2025, 2, 20):
        index = local_day_index(day, TZ, 30)
        truth = history.loc[index]
        mask = scored.loc[index, "load_kw"].to_numpy()
        lay = load_layout(history, index, timezone=TZ)
        chosen = select(lay.matrix.values, lay.matrix.weekdays(), int(lay.target_rows.min())).method
        errors["auto"].extend(np.abs(forecast_with(lay, CANDIDATES[chosen]) - truth["load_kw"].to_numpy())[mask])
        for name, method in BASELINES.items():
            errors[name].extend(np.abs(forecast_with(lay, method) - truth["load_kw"].to_numpy())[mask])
        pv_mask = scored.loc[index, "pv_kw"].to_numpy()
        pv = forecast_pv(history, index, timezone=TZ).to_numpy()
        errors["pv"].extend(np.abs(pv - truth["pv_kw"].to_numpy())[pv_mask])
        yesterday = history["pv_kw"].reindex(index - pd.Timedelta(days=1)).to_numpy()
        errors["pv_yesterday"].extend(np.abs(yesterday - truth["pv_kw"].to_numpy())[pv_mask])
        day += timedelta(days=4)
    mae = {name: float(np.nanmean(values)) for name, values in errors.items()}
    assert mae["auto"] < mae["yesterday"] and mae["auto"] < mae["last_week"], mae
    assert mae["pv"] < mae["pv_yesterday"], mae


def test_solcast_json_replaces_history_where_it_covers(tmp_path: Path, year: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    history, _ = year
    index = local_day_index(date(2024, 7, 10), TZ, 30)
    entries = [
        {
            "period_end": (t + pd.Timedelta("30min")).isoformat().replace("+00:00", "Z"),
            "period": "PT30M",
            "pv_estimate": 2.5,
            "pv_estimate10": 1.0,
            "pv_estimate90": 3.0,
        }
        for t in index[:24]
    ]
    path = tmp_path / "solcast.json"
    path.write_text(json.dumps({"forecasts": entries}), encoding="utf-8")
    forecast = make_forecast(history, index, timezone=TZ, external_pv=path)
    assert forecast.pv_method == "external+envelope"
    assert (forecast.pv_kw.iloc[:24] == 2.5).all()
    pd.testing.assert_series_equal(forecast.pv_kw.iloc[24:], forecast_pv(history, index, timezone=TZ).iloc[24:])


def test_solcast_csv_15_minute_periods(tmp_path: Path) -> None:
    index = slot_index(pd.Timestamp("2024-07-10T10:00Z"), pd.Timestamp("2024-07-10T11:00Z"), 30)
    rows = ["period_end,period,pv_estimate"]
    for k, value in enumerate([1.0, 2.0, 3.0, 4.0]):
        end = pd.Timestamp("2024-07-10T10:15Z") + pd.Timedelta(minutes=15 * k)
        rows.append(f"{end.isoformat()},PT15M,{value}")
    path = tmp_path / "solcast.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    empty = pd.DataFrame({"load_kw": [0.5], "pv_kw": [0.0]}, index=pd.DatetimeIndex(["2024-07-09T10:00Z"]))
    pv = forecast_pv(empty, index, timezone="UTC", external=path)
    assert list(pv) == [1.5, 3.5]


def test_forecast_solar_json_energy_per_period(tmp_path: Path) -> None:
    document = {
        "result": {
            "watts": {"2024-07-10 06:00:00": 0, "2024-07-10 07:00:00": 500, "2024-07-10 08:00:00": 1500},
            "watt_hours_period": {"2024-07-10 06:00:00": 0, "2024-07-10 07:00:00": 250, "2024-07-10 08:00:00": 1000},
            "watt_hours_day": {"2024-07-10": 1250},
        },
        "message": {"code": 0, "type": "success", "info": {"timezone": "Europe/Berlin"}},
    }
    path = tmp_path / "forecast_solar.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    index = local_day_index(date(2024, 7, 10), "Europe/Berlin", 30)
    empty = pd.DataFrame({"load_kw": [0.5], "pv_kw": [0.0]}, index=pd.DatetimeIndex(["2024-07-09T10:00Z"]))
    pv = forecast_pv(empty, index, timezone="Europe/Berlin", external=path)
    local = index.tz_convert("Europe/Berlin")
    assert pv.sum() * 0.5 == pytest.approx(1.25)  # kWh conserved
    assert pv[(local.hour == 6)].tolist() == [0.25, 0.25] and pv[(local.hour == 7)].tolist() == [1.0, 1.0]
    assert pv[local.hour >= 8].eq(0).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"something": 1}', "unrecognised PV forecast JSON"),
        ('{"forecasts": []}', "no forecast entries"),
        (
            '{"forecasts": [{"period_end": "2024-07-10T10:00Z", "period": "30 minutes", "pv_estimate": 1}]}',
            "entry 1: period",
        ),
        ('{"forecasts": [{"period_end": "2024-07-10T10:00Z", "pv_estimate": -1}]}', "must be a finite number"),
        ("time,value\n2024-01-01T00:00Z,1\n", "needs period_end and pv_estimate"),
    ],
)
def test_bad_external_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "pv.json"
    path.write_text(content, encoding="utf-8")
    index = local_day_index(date(2024, 7, 10), TZ, 30)
    history = pd.DataFrame({"load_kw": [0.5], "pv_kw": [0.0]}, index=pd.DatetimeIndex(["2024-07-09T10:00Z"]))
    with pytest.raises(InputError, match=message) as caught:
        forecast_pv(history, index, timezone=TZ, external=path)
    assert caught.value.exit_code == 3 and str(path) in str(caught.value)


def test_solar_geometry() -> None:
    assert zone_latitude_deg("Europe/Paris") == pytest.approx(48.87, abs=0.01)
    assert zone_latitude_deg("UTC") is None
    assert season_ratio(date(2024, 6, 21), [date(2024, 6, 7)], None) == 1.0
    assert season_ratio(date(2024, 3, 30), [date(2024, 3, 16)], 48.9) > 1.05
    assert season_ratio(date(2024, 10, 30), [date(2024, 10, 16)], 48.9) < 0.9
