"""Real-time values, 5-minute history (local time strings, DST days, windows) and energy reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from optimizer.fakecloud import FakeCloud
from tests.fakecloud.conftest import START, Api, make_cloud

REAL_V1 = "/op/v1/device/real/query"
REAL_V0 = "/op/v0/device/real/query"
HISTORY = "/op/v0/device/history/query"
REPORT = "/op/v0/device/report/query"
TIME_STRING = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]{3,4}[+-]\d{4}$")


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def test_real_time_v1(api: Api, cloud: FakeCloud) -> None:
    wanted = ["SoC", "ResidualEnergy", "invBatPower", "pvPower", "loadsPower", "noSuchVariable", "meterPower2"]
    result = api.ok("POST", REAL_V1, {"sns": [cloud.hybrid_sn, "UNKNOWN"], "variables": wanted})
    assert len(result) == 1  # serials of other accounts are left out
    item = result[0]
    assert item["deviceSN"] == cloud.hybrid_sn
    assert item["time"] == "2025-06-10 11:00:00 BST+0100"  # the last completed step (simulated 10:02:30Z)
    datas = {d["variable"]: d for d in item["datas"]}
    assert [d["variable"] for d in item["datas"]] == [w for w in wanted if w != "noSuchVariable"]
    assert datas["ResidualEnergy"]["unit"] == "0.01kWh"
    soc_kwh = cloud.device(cloud.hybrid_sn).inverter.soc_kwh
    assert datas["ResidualEnergy"]["value"] == round(soc_kwh * 100)
    assert datas["SoC"]["value"] == round(cloud.soc_pct(cloud.hybrid_sn))
    assert datas["SoC"]["unit"] == "%" and datas["pvPower"]["unit"] == "kW"
    frame = cloud.history_df(cloud.hybrid_sn)
    last = frame.iloc[-1]
    assert datas["invBatPower"]["value"] == pytest.approx(last["discharge_kw"] - last["charge_kw"], abs=1e-3)
    assert datas["loadsPower"]["value"] == pytest.approx(last["load_kw"], abs=1e-3)
    assert datas["meterPower2"]["value"] == 0.0


def test_real_time_all_variables_and_v0(api: Api, cloud: FakeCloud) -> None:
    item = api.ok("POST", REAL_V1, {"sns": [cloud.plain_sn]})[0]
    names = {d["variable"] for d in item["datas"]}
    assert {"SoC", "generationPower", "feedinPower", "gridConsumptionPower", "batChargePower"} <= names
    assert {"generation", "feedin", "loads", "chargeEnergyToTal", "todayYield"} <= names
    assert TIME_STRING.match(item["time"]) and item["time"].endswith("CEST+0200")
    every = api.ok("POST", REAL_V0, {})
    assert [r["deviceSN"] for r in every] == [cloud.hybrid_sn, cloud.plain_sn]
    one = api.ok("POST", REAL_V0, {"sn": cloud.hybrid_sn, "variables": ["SoC"]})
    assert len(one) == 1 and one[0]["datas"][0]["variable"] == "SoC"
    assert api.errno("POST", REAL_V1, {"sns": []}) == 40257
    assert api.errno("POST", REAL_V1, {"sns": ["x"] * 51}) == 40257


def test_invbatpower_is_positive_while_discharging(api: Api, cloud: FakeCloud) -> None:
    groups = [
        {
            "enable": 1,
            "startHour": 0,
            "startMinute": 0,
            "endHour": 23,
            "endMinute": 59,
            "workMode": "ForceDischarge",
            "minSocOnGrid": 10,
            "fdSoc": 10,
            "fdPwr": 2000,
            "maxSoc": 100,
        }
    ]
    api.ok("POST", "/op/v1/device/scheduler/enable", {"deviceSN": cloud.hybrid_sn, "groups": groups})
    cloud.advance(timedelta(minutes=10))
    datas = api.ok("POST", REAL_V1, {"sns": [cloud.hybrid_sn], "variables": ["invBatPower", "batDischargePower"]})
    values = {d["variable"]: d["value"] for d in datas[0]["datas"]}
    assert values == {"invBatPower": 2.0, "batDischargePower": 2.0}


def test_history_samples_every_five_minutes(api: Api, cloud: FakeCloud) -> None:
    begin = START - timedelta(hours=2)
    body = {"sn": cloud.hybrid_sn, "variables": ["SoC", "pvPower"], "begin": ms(begin), "end": ms(START)}
    item = api.ok("POST", HISTORY, body)[0]
    assert item["deviceSN"] == cloud.hybrid_sn
    soc = next(d for d in item["datas"] if d["variable"] == "SoC")
    assert (soc["unit"], soc["name"]) == ("%", "SoC")
    times = [p["time"] for p in soc["data"]]
    assert times[0] == "2025-06-10 09:05:00 BST+0100"  # first step start at or after begin (08:02:30Z)
    assert times[-1] == "2025-06-10 10:55:00 BST+0100"  # the last completed step before now
    assert len(times) == 23 and all(TIME_STRING.match(t) for t in times)


def test_history_windows(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    day = timedelta(hours=24)
    assert api.errno("POST", HISTORY, {"sn": sn, "begin": ms(START - day), "end": ms(START)}) == 0
    too_long = {"sn": sn, "begin": ms(START - day - timedelta(minutes=1)), "end": ms(START)}
    assert api.errno("POST", HISTORY, too_long) == 40257
    assert api.errno("POST", HISTORY, {"sn": sn, "begin": ms(START), "end": ms(START - day)}) == 40257
    assert api.errno("POST", HISTORY, {"sn": sn, "begin": ms(START)}) == 40257
    assert api.errno("POST", HISTORY, {"sn": sn, "begin": "yesterday", "end": ms(START)}) == 40257
    future = api.ok("POST", HISTORY, {"sn": sn, "variables": ["SoC"], "begin": ms(START), "end": ms(START + day)})
    assert future[0]["datas"][0]["data"] == []
    recent = api.ok("POST", HISTORY, {"sn": sn, "variables": ["SoC"]})  # no window: the last three days
    points = recent[0]["datas"][0]["data"]
    assert points[0]["time"] == "2025-06-09 00:00:00 BST+0100"  # all the (one day of) past the device has


@pytest.mark.parametrize(
    ("sn_attr", "day", "expected"),
    [
        (
            "hybrid_sn",
            datetime(2025, 3, 30, 0, 50, tzinfo=UTC),
            ["2025-03-30 00:50:00 GMT+0000", "2025-03-30 00:55:00 GMT+0000", "2025-03-30 02:00:00 BST+0100"],
        ),
        (
            "hybrid_sn",
            datetime(2025, 10, 26, 0, 50, tzinfo=UTC),
            ["2025-10-26 01:50:00 BST+0100", "2025-10-26 01:55:00 BST+0100", "2025-10-26 01:00:00 GMT+0000"],
        ),
        (
            "plain_sn",
            datetime(2025, 3, 30, 0, 50, tzinfo=UTC),
            ["2025-03-30 01:50:00 CET+0100", "2025-03-30 01:55:00 CET+0100", "2025-03-30 03:00:00 CEST+0200"],
        ),
    ],
)
def test_history_time_strings_on_dst_days(sn_attr: str, day: datetime, expected: list[str]) -> None:
    with make_cloud(start=day + timedelta(hours=3), history_days=1) as cloud:
        api = Api(cloud)
        sn = getattr(cloud, sn_attr)
        body = {"sn": sn, "variables": ["SoC"], "begin": ms(day), "end": ms(day + timedelta(minutes=10))}
        data = api.ok("POST", HISTORY, body)[0]["datas"][0]["data"]
        assert [p["time"] for p in data] == expected
        api.close()


def report(api: Api, sn: str, dimension: str, year: int, month: int = 1, day: int = 1) -> dict[str, list[float]]:
    variables = ["generation", "feedin", "loads", "gridConsumption", "chargeEnergyToTal", "dischargeEnergyToTal"]
    body = {"sn": sn, "dimension": dimension, "year": year, "month": month, "day": day, "variables": variables}
    result = api.ok("POST", REPORT, body)
    assert all(r["unit"] == "kWh" for r in result)
    return {r["variable"]: r["values"] for r in result}


def test_reports_agree_with_the_history(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    cloud.advance(timedelta(days=1))
    day = report(api, sn, "day", 2025, 6, 10)
    assert all(len(v) == 24 for v in day.values())
    local_day = cloud.history_df(sn, datetime(2025, 6, 9, 23, tzinfo=UTC), datetime(2025, 6, 10, 23, tzinfo=UTC))
    assert sum(day["loads"]) == pytest.approx(local_day["load_kw"].sum() / 12, abs=0.01)
    assert sum(day["gridConsumption"]) == pytest.approx(local_day["grid_import_kw"].sum() / 12, abs=0.01)
    hour_12 = local_day.iloc[12 * 12 : 12 * 13]  # 12:00-12:59 BST
    assert day["feedin"][12] == pytest.approx(hour_12["grid_export_kw"].sum() / 12, abs=1e-3)
    month = report(api, sn, "month", 2025, 6)
    assert len(month["loads"]) == 30
    assert month["loads"][9] == pytest.approx(sum(day["loads"]), abs=0.01)
    assert month["loads"][0] == 0.0  # before the device's history
    year = report(api, sn, "year", 2025)
    assert len(year["loads"]) == 12 and year["loads"][5] == pytest.approx(sum(month["loads"]), abs=0.01)
    generation = api.ok("GET", "/op/v0/device/generation", {"sn": sn})
    assert generation["today"] == pytest.approx(month["generation"][10], abs=0.01)
    assert generation["month"] == pytest.approx(sum(month["generation"]), abs=0.01)
    assert generation["cumulative"] > 6000


def test_day_report_on_the_short_dst_day() -> None:
    with make_cloud(start=datetime(2025, 3, 31, 12, tzinfo=UTC), history_days=2) as cloud:
        api = Api(cloud)
        day = report(api, cloud.hybrid_sn, "day", 2025, 3, 30)
        assert len(day["loads"]) == 24 and day["loads"][1] == 0.0 and day["loads"][2] > 0
        api.close()


def test_hourly_undercount_quirk() -> None:
    with make_cloud() as exact, make_cloud(report_hour_undercount=True) as quirky:
        a, b = Api(exact), Api(quirky)
        full = report(a, exact.hybrid_sn, "day", 2025, 6, 9)["loads"]
        short = report(b, quirky.hybrid_sn, "day", 2025, 6, 9)["loads"]
        assert sum(short) < sum(full) * 0.95
        assert all(s <= f + 1e-9 for s, f in zip(short, full, strict=True))
        a.close()
        b.close()


def test_report_body_is_checked(api: Api, cloud: FakeCloud) -> None:
    sn = cloud.hybrid_sn
    base = {"sn": sn, "year": 2025, "month": 6, "day": 10, "dimension": "day", "variables": ["loads"]}
    assert api.errno("POST", REPORT, base) == 0
    assert api.errno("POST", REPORT, base | {"dimension": "week"}) == 40257
    assert api.errno("POST", REPORT, base | {"variables": ["pvPower"]}) == 40257
    assert api.errno("POST", REPORT, base | {"day": 31}) == 40257  # 31 June
    assert api.errno("POST", REPORT, base | {"year": 2019}) == 40257
    assert api.errno("POST", REPORT, {k: v for k, v in base.items() if k != "month"}) == 40257
    assert api.errno("POST", REPORT, base | {"extra": 1}) == 40257
