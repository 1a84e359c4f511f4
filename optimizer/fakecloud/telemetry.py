"""What the simulated inverter reports: real-time values, 5-minute history and energy reports.

All values derive from the inverter log (:mod:`optimizer.fakecloud.inverter`); the electrical details that
the physics does not model (string split, voltages, temperatures, frequency) are smooth deterministic
functions of the flows and the time of day, so that repeated queries agree.

Conventions, as on the real server:

* powers in kW; ``invBatPower`` and ``invBatCurrent`` positive while discharging; ``generationPower`` is the
  inverter's AC output (PV used + discharge − charge), negative while it charges from the grid;
  ``meterPower`` positive while exporting, negative while importing; ``meterPower2`` (a second CT) is 0;
* ``SoC`` in whole percent; ``ResidualEnergy`` in units of 0.01 kWh;
* times are the station's local time with abbreviation and offset: ``2025-09-14 18:40:00 BST+0100``;
* a history sample stamped ``t`` holds the mean power over ``[t, t + 5 min)`` and the SoC at ``t``;
* report buckets follow the station's local clock: 24 hourly values for a day (on the autumn change day
  the repeated hour is summed into one bucket, on the spring day one hour stays 0), one value per day of a
  month, 12 per year.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.inverter import STEP_H, Samples
from optimizer.fakecloud.variables import REPORT_VARIABLES, catalogue, describe

NOMINAL_MODULE_VOLT = 51.2
_DAY_S = 86400.0
_HISTORY_ROUND = {"SoC": 0, "runningState": 0, "currentFaultCount": 0, "SOH": 0, "ResidualEnergy": 0}


def fox_time(when: datetime, tz: ZoneInfo) -> str:
    """A station-local time string with abbreviation and offset, e.g. ``2025-03-30 02:00:00 BST+0100``."""
    local = when.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}{local:%z}"


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=np.abs(denominator) > 1e-9)
    return out


def electrical_values(device: SimulatedDevice, samples: Samples, soc_kwh: np.ndarray) -> dict[str, np.ndarray]:
    """Every simulated instantaneous variable for each sample (``soc_kwh``: the stored energy shown)."""
    spec = device.spec
    capacity = spec.battery.capacity_kwh
    seconds_of_day = (samples.epoch_s % int(_DAY_S)).astype(float)
    daily = np.sin(2 * np.pi * (seconds_of_day / _DAY_S - 0.375))  # peaks mid-afternoon UTC
    pv = samples["pv_used_kw"]
    charge, discharge = samples["charge_kw"], samples["discharge_kw"]
    grid_import, grid_export = samples["grid_import_kw"], samples["grid_export_kw"]
    generation = pv + discharge - charge
    battery_kw = discharge - charge
    soc_pct = soc_kwh / capacity * 100.0
    modules = max(1, len(spec.modules))
    bat_volt = NOMINAL_MODULE_VOLT * modules * (0.93 + 0.12 * soc_pct / 100.0)
    pv1, pv2 = pv * 0.55, pv * 0.45
    pv1_volt = np.where(pv1 > 0.005, 285.0 + 70.0 * np.minimum(1.0, pv1 / 2.5), 0.0)
    pv2_volt = np.where(pv2 > 0.005, 270.0 + 65.0 * np.minimum(1.0, pv2 / 2.0), 0.0)
    grid_volt = 240.0 + 2.5 * daily - 0.15 * grid_import + 0.2 * grid_export
    rated_kw = spec.model.rated_power_w / 1000.0
    zeros = np.zeros_like(pv)
    return {
        "pvPower": pv,
        "pv1Power": pv1,
        "pv1Volt": pv1_volt,
        "pv1Current": _safe_ratio(pv1 * 1000.0, pv1_volt),
        "pv2Power": pv2,
        "pv2Volt": pv2_volt,
        "pv2Current": _safe_ratio(pv2 * 1000.0, pv2_volt),
        "epsPower": zeros,
        "RCurrent": _safe_ratio(np.abs(generation) * 1000.0, grid_volt),
        "RVolt": grid_volt,
        "RFreq": 50.0 + 0.02 * np.sin(2 * np.pi * seconds_of_day / 3700.0),
        "RPower": generation,
        "ambientTemperation": 21.0 + 3.0 * daily,
        "boostTemperation": 26.0 + 3.0 * daily + 6.0 * pv / max(rated_kw, 0.1),
        "invTemperation": 29.0 + 3.0 * daily + 8.0 * np.abs(generation) / max(rated_kw, 0.1),
        "batTemperature": 18.0 + 2.0 * daily + 4.0 * np.abs(battery_kw) / max(spec.battery.max_charge_kw, 0.1),
        "loadsPower": samples["load_kw"],
        "generationPower": generation,
        "feedinPower": grid_export,
        "gridConsumptionPower": grid_import,
        "invBatVolt": bat_volt,
        "invBatCurrent": _safe_ratio(battery_kw * 1000.0, bat_volt),
        "invBatPower": battery_kw,
        "batChargePower": charge,
        "batDischargePower": discharge,
        "batVolt": bat_volt * 0.995,
        "batCurrent": _safe_ratio(battery_kw * 1000.0, bat_volt * 0.995),
        "meterPower": grid_export - grid_import,
        "meterPower2": zeros,
        "SoC": np.round(soc_pct),
        "ReactivePower": zeros,
        "PowerFactor": np.where(np.abs(generation) > 0.05, 0.99, 0.0),
        "ResidualEnergy": np.round(soc_kwh * 100.0),
        "runningState": np.full_like(pv, 163.0),
        "currentFaultCount": zeros,
        "SOH": np.full_like(pv, 98.0),
    }


HISTORY_VARIABLES = (
    "pvPower",
    "pv1Power",
    "pv1Volt",
    "pv1Current",
    "pv2Power",
    "pv2Volt",
    "pv2Current",
    "epsPower",
    "RCurrent",
    "RVolt",
    "RFreq",
    "RPower",
    "ambientTemperation",
    "boostTemperation",
    "invTemperation",
    "batTemperature",
    "loadsPower",
    "generationPower",
    "feedinPower",
    "gridConsumptionPower",
    "invBatVolt",
    "invBatCurrent",
    "invBatPower",
    "batChargePower",
    "batDischargePower",
    "batVolt",
    "batCurrent",
    "meterPower",
    "meterPower2",
    "SoC",
    "ReactivePower",
    "PowerFactor",
    "ResidualEnergy",
    "runningState",
    "currentFaultCount",
    "SOH",
)
CUMULATIVE_VARIABLES = (
    "generation",
    "gridConsumption",
    "loads",
    "feedin",
    "chargeEnergyToTal",
    "dischargeEnergyToTal",
    "todayYield",
    "energyThroughput",
)
BATTERY_STATUS: dict[str, int | str] = {"batStatus": 1, "batStatusV2": "Normal"}
"""Battery status codes of ``real/query`` *(choice: 1, "Normal"; the real codes are not recorded)*."""
_EXTRA_UNITS = {"maxChargeCurrent": "A", "maxDischargeCurrent": "A"}
REALTIME_VARIABLES = (
    HISTORY_VARIABLES + CUMULATIVE_VARIABLES + ("maxChargeCurrent", "maxDischargeCurrent", *BATTERY_STATUS)
)


def _rounded(name: str, value: float) -> float:
    digits = _HISTORY_ROUND.get(name, 3)
    rounded = float(round(value, digits)) if digits else float(round(value))
    return rounded + 0.0  # no "-0.0" on the wire


def _select(requested: list[str] | None, available: tuple[str, ...]) -> list[str]:
    """Requested variables the device has, in request order; all of them when none are requested."""
    if not requested:
        known = catalogue()
        return [v for v in known if v in available] + [v for v in available if v not in known]
    return [v for v in dict.fromkeys(requested) if v in available]


def _step_energy_kwh(samples: Samples) -> dict[str, np.ndarray]:
    """Energy of each logged step [kWh] per report variable."""
    generation = samples["pv_used_kw"] + samples["discharge_kw"] - samples["charge_kw"]
    return {
        "generation": np.clip(generation, 0.0, None) * STEP_H,
        "feedin": samples["grid_export_kw"] * STEP_H,
        "loads": samples["load_kw"] * STEP_H,
        "gridConsumption": samples["grid_import_kw"] * STEP_H,
        "chargeEnergyToTal": samples["charge_kw"] * STEP_H,
        "dischargeEnergyToTal": samples["discharge_kw"] * STEP_H,
        "PVEnergyTotal": samples["pv_used_kw"] * STEP_H,
    }


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _all_samples(device: SimulatedDevice) -> Samples:
    log = device.inverter.log
    return log.samples(log.start, log.end)


def lifetime_kwh(device: SimulatedDevice) -> dict[str, float]:
    """Lifetime energy counters [kWh]: the device's past before the log plus everything logged."""
    energy = _step_energy_kwh(_all_samples(device))
    base = device.spec.lifetime_kwh
    return {name: base.get(name, 0.0) + float(values.sum()) for name, values in energy.items()}


def day_energy_kwh(device: SimulatedDevice, day: date, name: str) -> float:
    """Energy of report variable ``name`` over the station's local ``day`` [kWh]."""
    start = local_midnight(day, device.tz)
    end = local_midnight(day + timedelta(days=1), device.tz)
    samples = device.inverter.log.samples(start, end)
    return float(_step_energy_kwh(samples)[name].sum())


def realtime(device: SimulatedDevice, requested: list[str] | None) -> dict[str, Any]:
    """One ``real/query`` result item: the last completed step's values, the SoC now, lifetime totals."""
    log = device.inverter.log
    last = log.samples(log.end - timedelta(minutes=5), log.end)
    soc_now = np.array([device.inverter.soc_kwh])
    values = {k: float(v[0]) for k, v in electrical_values(device, last, soc_now).items()}
    totals = lifetime_kwh(device)
    today = log.end.astimezone(device.tz).date()
    values.update({name: totals[name] for name in REPORT_VARIABLES if name in CUMULATIVE_VARIABLES})
    values["todayYield"] = day_energy_kwh(device, today, "generation")
    values["energyThroughput"] = totals["dischargeEnergyToTal"] * 1000.0
    volt = max(values["invBatVolt"], 1.0)
    values["maxChargeCurrent"] = device.spec.battery.max_charge_kw * 1000.0 / volt
    values["maxDischargeCurrent"] = device.spec.battery.max_discharge_kw * 1000.0 / volt
    datas = []
    for name in _select(requested, REALTIME_VARIABLES):
        label, unit = describe(name)
        unit = _EXTRA_UNITS.get(name, unit)
        value = BATTERY_STATUS[name] if name in BATTERY_STATUS else _rounded(name, values[name])
        datas.append({"variable": name, "unit": unit, "name": label, "value": value})
    return {"datas": datas, "time": fox_time(log.end, device.tz), "deviceSN": device.sn}


def history(device: SimulatedDevice, begin: datetime, end: datetime, requested: list[str] | None) -> dict[str, Any]:
    """One ``history/query`` result item: the samples stamped in ``[begin, end]``."""
    samples = device.inverter.log.samples(begin, end + timedelta(microseconds=1))
    values = electrical_values(device, samples, samples["soc_start_kwh"])
    times = [fox_time(datetime.fromtimestamp(int(s), tz=device.tz), device.tz) for s in samples.epoch_s]
    datas = []
    for name in _select(requested, HISTORY_VARIABLES):
        label, unit = describe(name)
        series = values[name]
        points = [{"time": t, "value": _rounded(name, float(v))} for t, v in zip(times, series, strict=True)]
        datas.append({"unit": unit, "name": label, "variable": name, "data": points})
    return {"datas": datas, "deviceSN": device.sn}


def report(
    device: SimulatedDevice,
    dimension: str,
    year: int,
    month: int,
    day: int,
    variables: list[str],
    hour_undercount: bool = False,
) -> list[dict[str, Any]]:
    """``report/query`` values [kWh] per local hour (day), day (month) or month (year)."""
    tz = device.tz
    if dimension == "day":
        start_day = date(year, month, day)
        end_day = start_day + timedelta(days=1)
        buckets = 24
    elif dimension == "month":
        start_day = date(year, month, 1)
        end_day = date(year + month // 12, month % 12 + 1, 1)
        buckets = (end_day - start_day).days
    else:
        start_day, end_day, buckets = date(year, 1, 1), date(year + 1, 1, 1), 12
    samples = device.inverter.log.samples(local_midnight(start_day, tz), local_midnight(end_day, tz))
    local = pd.DatetimeIndex(pd.to_datetime(samples.epoch_s, unit="s", utc=True)).tz_convert(device.timezone)
    if dimension == "day":
        bucket = local.hour.to_numpy()
    elif dimension == "month":
        bucket = local.day.to_numpy() - 1
    else:
        bucket = local.month.to_numpy() - 1
    keep = np.ones(len(samples), dtype=bool)
    if hour_undercount and dimension == "day":
        keep = local.minute.to_numpy() < 55  # the real day report counts about 55 min of each hour
    energy = _step_energy_kwh(samples)
    result = []
    for name in variables:
        sums = np.bincount(bucket[keep], weights=energy[name][keep], minlength=buckets)[:buckets]
        result.append({"variable": name, "unit": "kWh", "values": [round(float(v), 3) for v in sums]})
    return result
