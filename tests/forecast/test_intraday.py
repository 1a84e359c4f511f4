"""The rest of today's forecast corrected by today's measurements, on real days of the French home."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.forecast import forecast_load, forecast_pv
from optimizer.forecast.intraday import intraday_adjusted
from optimizer.history import read_history_csv, resample_to_slots
from optimizer.timegrid import local_day_index, local_midnight, slot_index

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
TZ = "Europe/Paris"


def _day(day: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DatetimeIndex]:
    history = read_history_csv(HISTORY)
    index = local_day_index(day, TZ, 30)
    past_index = slot_index(local_midnight(day, TZ) - pd.Timedelta(days=28), index[0], 30)
    past, _ = resample_to_slots(history, past_index, timezone=TZ)
    forecast = pd.DataFrame(
        {"load_kw": forecast_load(past, index, timezone=TZ), "pv_kw": forecast_pv(past, index, timezone=TZ)}
    )
    measured, _ = resample_to_slots(history, index, timezone=TZ)
    return forecast, measured[["load_kw", "pv_kw"]], index


@pytest.mark.parametrize(
    ("day", "direction"),
    [(date(2024, 5, 6), -1), (date(2024, 5, 17), 1)],  # a grey day after sunnier ones; a bright one after dull ones
)
def test_the_morning_moves_the_afternoon_pv_towards_the_truth(day: date, direction: int) -> None:
    forecast, measured, index = _day(day)
    now = index[24]  # 12:00 local
    day_end = index[-1] + pd.Timedelta(minutes=30)
    adjusted = intraday_adjusted(forecast, measured[measured.index < now], now, day_end)
    rest = adjusted.index >= now
    assert (adjusted["pv_kw"][~rest] == forecast["pv_kw"][~rest]).all()  # the past is not rewritten
    before = np.abs(forecast["pv_kw"][rest] - measured["pv_kw"][rest]).sum()
    after = np.abs(adjusted["pv_kw"][rest] - measured["pv_kw"][rest]).sum()
    assert direction * (adjusted["pv_kw"][rest].sum() - forecast["pv_kw"][rest].sum()) > 0
    assert after < before


def test_the_load_shift_fades_and_later_days_are_untouched() -> None:
    forecast, measured, index = _day(date(2024, 11, 20))
    two_days = pd.concat([forecast, forecast.set_axis(forecast.index + pd.Timedelta(days=1))])
    now = index[36]  # 18:00 local
    day_end = index[-1] + pd.Timedelta(minutes=30)
    seen = measured[measured.index < now].copy()
    seen["load_kw"] = forecast["load_kw"][forecast.index < now] + 1.0  # the house ran 1 kW above the forecast
    adjusted = intraday_adjusted(two_days, seen, now, day_end)
    shift = (adjusted["load_kw"] - two_days["load_kw"]).to_numpy()
    ahead = np.flatnonzero((two_days.index >= now) & (two_days.index < day_end))
    assert shift[ahead[0]] > 0.8 and shift[ahead[-1]] < shift[ahead[0]]  # 1 kW now, fading
    assert np.allclose(shift[two_days.index >= day_end], 0.0)  # tomorrow keeps its day-ahead forecast
