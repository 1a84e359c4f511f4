"""Home Assistant exports as history: the history download (state changes at irregular times) and the
statistics export (hourly, local clock), both built from the real French household's values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import HistoryError
from optimizer.history import load_history_csv, read_history_csv
from tests.history.conftest import DATA

DOWNLOAD = DATA / "fr-2024-08-home-assistant-history.csv"
STATISTICS = DATA / "fr-2024-10-home-assistant-statistics.tsv"
LOAD = "sensor.power_load_no_var_loads"
PV = "sensor.power_photovoltaics"
PARIS = "Europe/Paris"


@pytest.fixture(scope="module")
def household() -> pd.DataFrame:
    return read_history_csv(DATA / "household-fr-2024.csv")


def refused(path: Path, **options: object) -> HistoryError:
    with pytest.raises(HistoryError) as caught:
        load_history_csv(path, **options)  # type: ignore[arg-type]
    error = caught.value
    assert error.exit_code == 3 and error.message.startswith(str(path)) and error.message.endswith(".")
    assert error.hint is None or error.hint.endswith(".")
    return error


def with_rows(tmp_path: Path, extra: list[str], *, rename: dict[str, str] | None = None) -> Path:
    text = DOWNLOAD.read_text(encoding="utf-8")
    for old, new in (rename or {}).items():
        text = text.replace(old, new)
    path = tmp_path / "history.csv"
    path.write_text(text + "".join(f"{row}\n" for row in extra), encoding="utf-8")
    return path


# ----- the history download ------------------------------------------------------------------------------


def test_the_download_is_irregular_state_changes() -> None:
    rows = pd.read_csv(DOWNLOAD)
    assert list(rows.columns) == ["entity_id", "state", "last_changed"]
    assert {"unavailable", "unknown"} <= set(rows["state"])
    times = pd.to_datetime(rows["last_changed"], utc=True)
    assert (times.dt.second != 0).mean() > 0.9  # changes at irregular instants, not on a grid


def test_its_time_weighted_means_are_the_real_values(household: pd.DataFrame) -> None:
    loaded = load_history_csv(DOWNLOAD, step_minutes=30)
    assert loaded.format == "home-assistant-history" and loaded.step_minutes == 30
    assert loaded.sources == {"load_kw": LOAD, "pv_kw": PV} and loaded.units == {"load_kw": "W", "pv_kw": "W"}
    assert f"{LOAD} read in W (a history download names no unit; its median 303.55 can only be W)" in loaded.notes
    frame = loaded.frame.iloc[:-1]  # the last slot is only partly known: nothing says what followed
    expected = household.reindex(frame.index)
    assert frame.index[0] == pd.Timestamp("2024-08-21T00:00Z") and len(frame) == 143
    for column in ("load_kw", "pv_kw"):
        assert (frame[column].isna() == expected[column].isna()).all()  # the real gaps, and PV nights
        assert np.nanmax(np.abs(frame[column] - expected[column])) < 2e-4  # states are rounded to 0.1 W
    assert int(frame["load_kw"].isna().sum()) == 18  # 2024-08-22 09:00-17:30 and one slot on 08-23


def test_the_default_step_is_five_minutes_and_conserves_energy(household: pd.DataFrame) -> None:
    loaded = load_history_csv(DOWNLOAD)
    assert loaded.step_minutes == 5 and loaded.frame.index.freq == pd.Timedelta(minutes=5)
    day = loaded.frame.loc["2024-08-21"]
    energy_kwh = day["load_kw"].sum() * 5 / 60
    assert energy_kwh == pytest.approx(household.loc["2024-08-21", "load_kw"].sum() * 0.5, abs=0.01)


def test_history_import_stores_it_as_a_device(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.history.test_history_formats import cli, write_config

    config = write_config(tmp_path)
    code, out, _ = cli(
        ["history", "import", str(DOWNLOAD), "-c", str(config), "-d", "ha", "--json"], monkeypatch, capsys
    )
    report = json.loads(out)
    assert code == 0 and report["sn"] == "ha" and report["step_minutes"] == 5 and report["samples_written"] > 0
    code, out, _ = cli(["history", "status", "-c", str(config), "--json"], monkeypatch, capsys)
    assert [d["variables"] for d in json.loads(out)["devices"]] == [["load_kw", "pv_kw"]]


def test_two_pv_candidates_are_listed_with_the_option_that_chooses(tmp_path: Path) -> None:
    pv_rows = [line.replace(PV, "sensor.solar_power") for line in DOWNLOAD.read_text().splitlines() if PV in line]
    path = with_rows(tmp_path, pv_rows)
    error = refused(path)
    assert error.message == (f"{path}: 2 entities could be the PV production: {PV}, sensor.solar_power.")
    assert error.hint == "Choose it with --pv-entity ENTITY_ID (pv_entity= in Python)."
    loaded = load_history_csv(path, pv_entity="sensor.solar_power")
    assert loaded.sources["pv_kw"] == "sensor.solar_power" and loaded.ignored_columns == (PV,)


def test_energy_totals_and_forecasts_are_set_aside(tmp_path: Path) -> None:
    extra = [
        f"sensor.solar_energy_today,{i * 0.4:.1f},2024-08-21T{6 + i // 6:02d}:{(i % 6) * 10:02d}:00.000Z"
        for i in range(60)
    ]
    extra += ["sensor.solcast_pv_forecast_power_now,1234,2024-08-21T10:00:00.000Z"]
    path = with_rows(tmp_path, extra)
    loaded = load_history_csv(path)
    assert loaded.sources == {"load_kw": LOAD, "pv_kw": PV}
    assert set(loaded.ignored_columns) == {"sensor.solar_energy_today", "sensor.solcast_pv_forecast_power_now"}
    error = refused(path, pv_entity="sensor.solar_energy_today")
    assert error.message == (
        f"{path}: entity sensor.solar_energy_today only ever grows (from 0 to 23.6): it looks like an energy "
        "counter, not a power sensor."
    )
    assert error.hint == "Export the power sensor (W or kW) instead, or choose it with --pv-entity."


def test_no_load_entity_lists_the_numeric_ones(tmp_path: Path) -> None:
    path = with_rows(tmp_path, ["sun.sun,above_horizon,2024-08-21T05:00:00.000Z"], rename={LOAD: "sensor.house_power"})
    error = refused(path)
    assert error.message == (
        f"{path}: no entity id says which is the house load; the numeric ones are sensor.house_power, {PV}."
    )
    assert error.hint == "Choose it with --load-entity ENTITY_ID (load_entity= in Python)."
    assert load_history_csv(path, load_entity="sensor.house_power").sources["load_kw"] == "sensor.house_power"
    error = refused(path, load_entity="sensor.house")
    assert error.message == (
        f"{path}: load_entity 'sensor.house' is not in the file; its entity ids are sensor.house_power, {PV}, sun.sun."
    )


def test_a_unit_given_wrongly_is_caught_by_the_magnitude(tmp_path: Path) -> None:
    error = refused(DOWNLOAD, load_unit="kW")
    assert error.message == (
        f"{DOWNLOAD}: entity {LOAD} looks like watts, not kilowatts: its median is 303.6 kW (line 2 reads 277.3), "
        "far above the 50 kW of any household."
    )
    assert error.hint == "Give the unit with --load-unit W."
    assert load_history_csv(DOWNLOAD, load_unit="W", pv_unit="w").units == {"load_kw": "W", "pv_kw": "W"}
    error = refused(DOWNLOAD, pv_unit="kWh")
    assert "is an energy: a history download holds states" in error.message


def test_a_unit_in_the_entity_id_is_used(tmp_path: Path, household: pd.DataFrame) -> None:
    text = DOWNLOAD.read_text(encoding="utf-8").replace(LOAD, "sensor.house_load_w")
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    loaded = load_history_csv(path)
    assert loaded.units["load_kw"] == "W" and not any("house_load_w read in" in note for note in loaded.notes)


def test_a_median_that_could_be_either_unit_is_refused(tmp_path: Path) -> None:
    rows = ["entity_id,state,last_changed"]
    rows += [f"sensor.house_load,{40 + i % 5},2024-08-21T00:{i:02d}:00.000Z" for i in range(40)]
    rows += [f"sensor.pv_power,{i % 3 * 0.5},2024-08-21T00:{i:02d}:30.000Z" for i in range(40)]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    error = refused(path)
    assert error.message == (
        f"{path}: entity sensor.house_load has a median of 42, which could be W or kW, and a history download "
        "names no unit."
    )
    assert error.hint == "Say which with --load-unit W or --load-unit kW."


def test_a_state_that_is_no_number_names_its_line(tmp_path: Path) -> None:
    text = DOWNLOAD.read_text(encoding="utf-8").splitlines()
    text[5] = text[5].replace(text[5].split(",")[1], "on")
    path = tmp_path / "history.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    error = refused(path)
    assert error.message == f"{path}, line 6: state 'on' of {LOAD} is not a number."


def test_a_power_sensor_that_only_grows_is_an_energy_counter(tmp_path: Path) -> None:
    rows = ["entity_id,state,last_changed"]
    rows += [f"sensor.house_load,{1000 + 3 * i},2024-08-21T{i // 60:02d}:{i % 60:02d}:00.000Z" for i in range(120)]
    rows += [f"sensor.pv_power,{(i % 7) * 100},2024-08-21T{i // 60:02d}:{i % 60:02d}:30.000Z" for i in range(120)]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    error = refused(path)
    assert error.message == (
        f"{path}: entity sensor.house_load only ever grows (from 1000 to 1357): it looks like an energy counter, "
        "not a power sensor."
    )


@pytest.mark.parametrize("step", [7, 0, 90, True])
def test_a_step_that_does_not_divide_the_hour_is_refused(step: object) -> None:
    error = refused(DOWNLOAD, step_minutes=step)
    assert "is not a whole number of minutes from 5 to 60 that divides the hour" in error.message


# ----- the statistics export -----------------------------------------------------------------------------


def hourly(household: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    window = household[(household.index >= pd.Timestamp(start)) & (household.index < pd.Timestamp(end))]
    return window.groupby(window.index.floor("h")).mean()


def test_statistics_give_the_real_hourly_means_across_the_autumn_change(household: pd.DataFrame) -> None:
    loaded = load_history_csv(STATISTICS, timezone=PARIS)
    frame = loaded.frame
    assert loaded.format == "home-assistant-statistics" and loaded.step_minutes == 60
    assert loaded.sources == {"load_kw": LOAD, "pv_kw": PV} and loaded.units == {"load_kw": "W", "pv_kw": "W"}
    assert frame.index[0] == pd.Timestamp("2024-10-25T22:00Z") and frame.index[-1] == pd.Timestamp("2024-10-28T22:00Z")
    autumn = frame[frame.index.tz_convert(PARIS).date == pd.Timestamp("2024-10-27").date()]
    assert len(autumn) == 25  # 02:00 is listed twice on the Paris clock: CEST, then CET
    expected = hourly(household, "2024-10-25T22:00Z", "2024-10-28T23:00Z").reindex(frame.index)
    assert np.nanmax(np.abs(frame["load_kw"] - expected["load_kw"])) < 1e-5
    assert np.nanmax(np.abs(frame["pv_kw"] - expected["pv_kw"])) < 1e-5
    assert (frame["pv_kw"].isna() == expected["pv_kw"].isna()).all()


def test_statistics_need_the_site_clock() -> None:
    error = refused(STATISTICS)
    assert error.message == f"{STATISTICS}, line 2: time '26.10.2024 00:00' has no UTC offset."


def energy_statistics(tmp_path: Path, column: str) -> Path:
    """The same statistics as energy counters in kWh: 'delta' (each hour's energy) or 'sum' (running)."""
    rows = pd.read_csv(STATISTICS, sep="\t")
    rows["unit"] = "kWh"
    energy = rows["mean"] / 1000.0
    if column == "sum":
        rows[column] = energy.groupby(rows["statistic_id"]).cumsum().round(6)
        rows["state"] = rows[column]
    else:
        rows[column] = energy.round(6)
    path = tmp_path / f"{column}.csv"
    rows.drop(columns=["min", "max", "mean"]).to_csv(path, sep=";", index=False, decimal=",")
    return path


@pytest.mark.parametrize("column", ["delta", "sum"])
def test_energy_statistics_become_mean_power(tmp_path: Path, household: pd.DataFrame, column: str) -> None:
    loaded = load_history_csv(energy_statistics(tmp_path, column), timezone=PARIS)
    assert loaded.units == {"load_kw": "kWh", "pv_kw": "kWh"}
    frame = loaded.frame
    expected = hourly(household, "2024-10-25T22:00Z", "2024-10-28T23:00Z").reindex(frame.index)
    diff = np.abs(frame["load_kw"] - expected["load_kw"]).dropna()
    assert diff.max() < 1e-5
    assert len(diff) == (73 if column == "delta" else 72)  # a running sum says nothing about its first hour


def test_a_statistic_in_an_unknown_unit(tmp_path: Path) -> None:
    text = STATISTICS.read_text(encoding="utf-8").replace(f"{LOAD}\tW\t", f"{LOAD}\tA\t")
    path = tmp_path / "stats.tsv"
    path.write_text(text, encoding="utf-8")
    error = refused(path, timezone=PARIS)
    assert error.message == f"{path}, line 2: unit 'A' of statistic {LOAD} is not W, kW, kWh or Wh."
