"""Peer benchmark: EMHASS and this project on the same real days, same data, same battery.

For each day the script runs, one after the other (never at once):

* **the project**: a fresh ``optimizer plan --json`` process, offline from the history CSV with perfect
  forecasts (the day's measured load and PV), timed with ``time.perf_counter`` around ``subprocess.run``
  (whole process: interpreter start, imports, reading the CSV and the tariff, forecasting, the LP, the
  compiler, the self-use replay, the JSON). Its build + solve time is the ``timings.solve_s`` of that JSON
  (``optimizer.solve.solve_plan`` from inputs to extracted plan: model build, HiGHS, extraction, the lazy
  exclusivity check);
* **EMHASS**: a fresh process of the EMHASS interpreter running a small driver script that this script writes
  to a temporary folder. The driver builds EMHASS's ``retrieve_hass_conf``, ``optim_conf`` and ``plant_conf``
  the way EMHASS itself does (``utils.build_config`` from its ``config_defaults.json`` with the overrides
  below, ``utils.build_params``, ``utils.get_yaml_parse``), then times ``Optimization(...)`` plus one
  ``Optimization.perform_optimization(...)`` (cold: the first solve of the process, cvxpy's compilation of the
  problem included; that is EMHASS's build + solve + extraction). The whole process is timed from here like
  the project's. With ``--warm`` (default on) a second EMHASS process per day also measures a *warm* solve:
  the cached problem re-solved with new data (the previous day first, then the day itself, as EMHASS's
  long-running server does from one run to the next); only the last of those is reported (not after a DST
  day, whose slot count differs and makes EMHASS rebuild the problem).

The project's process never imports EMHASS: EMHASS lives in its own virtual environment and only its
interpreter runs the driver. Nothing of EMHASS is part of this repository.

Setting up EMHASS (once, in a separate virtual environment; 0.18.7 is the version of the figures in
issue 14 and installs from PyPI on Python 3.11):

1. ``python3 -m venv /tmp/emhass-venv``
2. ``/tmp/emhass-venv/bin/pip install emhass==0.18.7`` (pulls cvxpy and highspy; EMHASS 0.18 models with
   cvxpy and solves with HiGHS by default, the project with pulp and HiGHS)
3. ``/tmp/emhass-venv/bin/python -c "import emhass.optimization"`` must run without error.

Run (from the repository, with the project's own venv)::

    .venv/bin/python bench/peer_emhass.py --emhass-python /tmp/emhass-venv/bin/python
        [--days 2024-03-05,2024-06-01] [--soc 50] [--emhass-mip-rel-gap 0] [--no-warm] [--repeat 1]

**Data.** ``tests/data/household-fr-2024.csv`` (one French home, 30-min load and PV, emhass project, MIT) and
the shipped French day-ahead tariff ``tariffs/fr/dynamic-day-ahead.toml`` for import and export (import: the
2024 ENTSO-E day-ahead price of ``tariffs/prices/entsoe-FR-2024.csv`` plus network, tax and margin, VAT, floor
0; export: flat 0.04 EUR/kWh), 30-min slots, 24 h from local midnight (Europe/Paris). Days (default): every
22nd day from 2024-03-05, so that the weekday moves on by one each time: 2024-03-05, 03-27, 04-18, 05-10,
06-01, 06-23, 07-15, 08-06, 08-28 and 09-19 (spring to early autumn: the price file ends on 2024-09-20, the
household file starts on 2024-02-28; none of these days is a DST day or has a load gap). The inputs EMHASS
gets are the project's own: this script builds the horizon with the same library call as ``plan``
(``optimizer.pipeline.build_horizon``: prices, load and PV per slot) and checks, day by day, that the plan the
subprocess prints has exactly those values (to the JSON's 4 decimals); EMHASS gets them at full precision.

**Equal terms.** Both minimise import cost minus export revenue, Σ Δt·(P_t·i_t − X_t·x_t), over the same 48
slots. The mapping, with the battery and grid written to the project's config:

=====================================  ============================================================
project (``config.toml``, CLI)         EMHASS
=====================================  ============================================================
capacity_kwh 10.4                      ``battery_nominal_energy_capacity`` 10400 W·h
min/max_soc_pct 10 / 100               ``battery_minimum/maximum_state_of_charge`` 0.10 / 1.00
charge/discharge_efficiency 0.95       ``battery_charge/discharge_efficiency`` 0.95
max_charge_kw 5 (AC side)              ``battery_charge_power_max`` 5000 W (EMHASS bounds AC charge by
                                       ``min(max, max/η_c)`` = ``max``)
max_discharge_kw 5 (AC side)           ``battery_discharge_power_max`` 5000/0.95 W (EMHASS bounds AC
                                       discharge by ``min(max, η_d·max)`` = ``η_d·max``)
export_limit_kw 5, import_limit_kw 15  ``maximum_power_to_grid`` 5000 W, ``maximum_power_from_grid`` 15000 W
degradation_cost_per_kwh 0             ``weight_battery_charge/discharge`` 0, ``battery_stress_cost`` 0
``--soc 50``                           ``soc_init`` 0.50 (``set_use_battery`` true, one battery)
``--end-soc 50 --terminal-value 0``    ``soc_final`` 0.50 = ``battery_target_state_of_charge``
``[planner] solver = "highs"``         HiGHS (EMHASS's default; ``lp_solver_timeout`` 30 s as the
                                       project's ``time_limit_s``)
=====================================  ============================================================

and EMHASS's other features off: ``costfun = "profit"``, no deferrable loads, ``set_nocharge_from_grid``,
``set_nodischarge_to_grid`` (on by default in EMHASS: the project may export from the battery),
``set_battery_dynamic``, ``set_battery_first_priority``, ``set_total_pv_sell`` all false, no SoC deficit or
surplus cost, no capacity charge, ``inverter_is_hybrid`` false (an AC-side balance like the project's).
Both keep charge/discharge and import/export mutually exclusive (EMHASS with a binary per slot and kind, the
project by deciding only where it could matter and checking the rest).

Remaining differences, stated rather than hidden:

* **End condition.** The project's end SoC is a floor (``≥ 50 %``, stored energy worth 0), EMHASS's a target
  (``= 50 %``, enforced through slacks priced at 100× the dearest import price). They coincide when the
  project ends at 50 %, which the table shows per day (``end``); a project day ending above 50 % is marked.
* **Clipping.** Where no decision is needed (all these days: export pays 0.04 > 0 and the import price is ≥ 0)
  the project may clip PV freely, EMHASS runs with ``compute_curtailment`` false (never clips). The household's
  PV peaks at 4.4 kW, below the 5 kW export limit, so clipping never helps and the optima are the same.
* **Optimality tolerance.** The project proves its cost to 1e-4 EUR (HiGHS ``mip_abs_gap``). EMHASS passes
  only a relative gap; ``--emhass-mip-rel-gap 0`` (default) is EMHASS's documented "exact optimal", i.e.
  HiGHS's own default (1e-4 relative, 1e-6 absolute). EMHASS ships 0.01 (1 %): ``--emhass-mip-rel-gap 0.01``
  measures that (it may then stop up to 1 % above the optimum; on the default days it gave the same costs
  and no measurable speed-up).
* **Work per process.** The project's process does more than EMHASS's: it parses the history CSV and the
  tariff, resamples, compiles the plan into inverter groups and replays them; EMHASS's driver reads a small
  JSON of ready inputs (EMHASS's own data retrieval from Home Assistant and its forecasts are not run).

Costs: the project's is its ``cost.planned`` (4 decimals); EMHASS's is Σ Δt·(P_t·P_grid_pos − X_t·|P_grid_neg|)
of its plan (what ``cost_profit`` sums to, sign flipped). ``diff`` = EMHASS − project (> 0: EMHASS's plan is
dearer). The driver also checks EMHASS's plan against the project's limits (SoC range, power limits, no
simultaneous flows) and prints a warning for any breach.

Before the timed runs, one untimed run of each side warms the disk cache and the byte-code caches, so that
"cold process" means a new interpreter, not a first run after installation. Timings on a shared 2-core
machine are indicative; medians over the days are the figures to quote.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.config import load_config  # noqa: E402
from optimizer.errors import OptimizerError  # noqa: E402
from optimizer.history import read_history_csv  # noqa: E402
from optimizer.pipeline import HorizonData, PlanOptions, build_horizon  # noqa: E402
from optimizer.timegrid import local_midnight  # noqa: E402

HISTORY = ROOT / "tests" / "data" / "household-fr-2024.csv"
TARIFF = "fr/dynamic-day-ahead.toml"
TIMEZONE = "Europe/Paris"
SLOT_MINUTES = 30
FIRST_DAY = date(2024, 3, 5)
DAY_STEP = 22
DAY_COUNT = 10
INITIAL_SOC_PCT = 50.0
TIME_LIMIT_S = 30.0
INPUT_TOLERANCE = 5e-5  # the plan JSON rounds prices and powers to 4 decimals

BATTERY: dict[str, float] = {
    "capacity_kwh": 10.4,
    "min_soc_pct": 10.0,
    "max_soc_pct": 100.0,
    "max_charge_kw": 5.0,
    "max_discharge_kw": 5.0,
    "charge_efficiency": 0.95,
    "discharge_efficiency": 0.95,
    "degradation_cost_per_kwh": 0.0,
}
GRID: dict[str, float] = {"export_limit_kw": 5.0, "import_limit_kw": 15.0}

DRIVER = r'''
"""EMHASS driver written by foxess-optimizer's bench/peer_emhass.py: one day, one JSON in, one JSON out."""

import asyncio
import json
import logging
import pathlib
import sys
import time
from importlib.metadata import version

import numpy as np
import orjson
import pandas as pd

import emhass
from emhass import utils
from emhass.optimization import Optimization


def emhass_params(inp, workdir):
    root = pathlib.Path(emhass.__file__).parent
    conf = {
        "root_path": root,
        "data_path": pathlib.Path(workdir),
        "defaults_path": root / "data" / "config_defaults.json",
        "associations_path": root / "data" / "associations.csv",
    }
    battery, grid = inp["battery"], inp["grid"]
    overrides = {
        "costfun": "profit",
        "optimization_time_step": inp["slot_minutes"],
        "delta_forecast_daily": 1,
        "number_of_deferrable_loads": 0,
        "nominal_power_of_deferrable_loads": [],
        "minimum_power_of_deferrable_loads": [],
        "cost_forecast_per_deferrable_load": [],
        "is_electric_load": [],
        "operating_hours_of_each_deferrable_load": [],
        "treat_deferrable_load_as_semi_cont": [],
        "set_deferrable_load_single_constant": [],
        "set_deferrable_startup_penalty": [],
        "deferrable_load_max_cost": [],
        "set_deferrable_max_startups": [],
        "def_minimum_on_time": [],
        "def_minimum_off_time": [],
        "start_timesteps_of_each_deferrable_load": [],
        "end_timesteps_of_each_deferrable_load": [],
        "set_use_battery": True,
        "number_of_batteries": 1,
        "set_nocharge_from_grid": False,
        "set_nodischarge_to_grid": False,
        "set_battery_dynamic": False,
        "set_battery_first_priority": False,
        "set_total_pv_sell": False,
        "weight_battery_discharge": 0.0,
        "weight_battery_charge": 0.0,
        "battery_stress_cost": 0.0,
        "battery_soc_deficit_cost": 0.0,
        "battery_soc_surplus_cost": 0.0,
        "battery_soc_final_reward_factor": 0.0,
        "capacity_cost_per_kw": 0.0,
        "compute_curtailment": False,
        "inverter_is_hybrid": False,
        "maximum_power_from_grid": grid["import_limit_kw"] * 1000.0,
        "maximum_power_to_grid": grid["export_limit_kw"] * 1000.0,
        "battery_nominal_energy_capacity": battery["capacity_kwh"] * 1000.0,
        "battery_charge_power_max": battery["max_charge_kw"] * 1000.0,
        "battery_discharge_power_max": battery["max_discharge_kw"] * 1000.0 / battery["discharge_efficiency"],
        "battery_charge_efficiency": battery["charge_efficiency"],
        "battery_discharge_efficiency": battery["discharge_efficiency"],
        "battery_minimum_state_of_charge": battery["min_soc_pct"] / 100.0,
        "battery_maximum_state_of_charge": battery["max_soc_pct"] / 100.0,
        "battery_target_state_of_charge": inp["end_soc_pct"] / 100.0,
        "lp_solver_mip_rel_gap": inp["mip_rel_gap"],
        "lp_solver_timeout": inp["time_limit_s"],
        "num_threads": 0,
    }
    logger = logging.getLogger("peer_emhass")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False

    async def build():
        config = await utils.build_config(conf, logger, conf["defaults_path"])
        config.update(overrides)
        return await utils.build_params(conf, {"time_zone": inp["timezone"]}, config, logger)

    params = asyncio.run(build())
    retrieve_hass_conf, optim_conf, plant_conf = utils.get_yaml_parse(orjson.dumps(params).decode(), logger)
    return conf, logger, retrieve_hass_conf, optim_conf, plant_conf


def day_arrays(day, tz):
    index = pd.DatetimeIndex(pd.to_datetime(day["index"], utc=True)).tz_convert(tz)
    load_w = np.asarray(day["load_kw"], dtype=float) * 1000.0
    pv_w = np.asarray(day["pv_kw"], dtype=float) * 1000.0
    imp = np.asarray(day["import_price"], dtype=float)
    exp = np.asarray(day["export_price"], dtype=float)
    frame = pd.DataFrame(
        {"unit_load_cost": imp, "unit_prod_price": exp, "p_load_forecast": load_w, "p_pv_forecast": pv_w},
        index=index,
    )
    return frame, load_w, pv_w, imp, exp


def solve(opt, inp, day, stages=None):
    frame, load_w, pv_w, imp, exp = day_arrays(day, inp["timezone"])
    return opt.perform_optimization(
        frame,
        pv_w,
        load_w,
        imp,
        exp,
        soc_init=inp["initial_soc_pct"] / 100.0,
        soc_final=inp["end_soc_pct"] / 100.0,
        stage_times=stages,
    )


def checks(res, inp):
    battery, grid = inp["battery"], inp["grid"]
    tol = 1e-6
    soc = res["SOC_opt"].to_numpy() * 100.0
    grid_in = res["P_grid_pos"].to_numpy() / 1000.0
    grid_out = -res["P_grid_neg"].to_numpy() / 1000.0
    batt = res["P_batt"].to_numpy() / 1000.0
    problems = []
    if soc.min() < battery["min_soc_pct"] - 1e-4 or soc.max() > battery["max_soc_pct"] + 1e-4:
        problems.append(f"SoC {soc.min():.3f}..{soc.max():.3f} %")
    if (batt > battery["max_discharge_kw"] + tol).any() or (-batt > battery["max_charge_kw"] + tol).any():
        problems.append(f"battery power {batt.min():.4f}..{batt.max():.4f} kW")
    if (grid_in > grid["import_limit_kw"] + tol).any() or (grid_out > grid["export_limit_kw"] + tol).any():
        problems.append("grid limit")
    if ((grid_in > tol) & (grid_out > tol)).any():
        problems.append("import and export at once")
    return problems


def main():
    inp = json.loads(pathlib.Path(sys.argv[1]).read_text())
    workdir, out_path, mode = sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
    conf, logger, rhc, oc, pc = emhass_params(inp, workdir)
    day = inp["day"]
    n = len(day["index"])
    stages = {}
    started = time.perf_counter()
    opt = Optimization(rhc, oc, pc, "unit_load_cost", "unit_prod_price", "profit", conf, logger, num_timesteps=n)
    if mode == "warm":
        solve(opt, inp, inp["warmup"])
        started = time.perf_counter()
    res = solve(opt, inp, day, stages)
    build_solve_s = time.perf_counter() - started
    status = str(opt.optim_status)
    out = {"version": version("emhass"), "status": status, "build_solve_s": build_solve_s, "stages": stages}
    if "P_grid_pos" in res.columns:
        dt = inp["slot_minutes"] / 60.0
        _, _, _, imp, exp = day_arrays(day, inp["timezone"])
        grid_in = res["P_grid_pos"].to_numpy() / 1000.0
        grid_out = -res["P_grid_neg"].to_numpy() / 1000.0
        stats = getattr(opt.prob, "solver_stats", None)
        out.update(
            cost=float(np.sum(dt * (imp * grid_in - exp * grid_out))),
            end_soc_pct=float(res["SOC_opt"].iloc[-1] * 100.0),
            problems=checks(res, inp),
            highs_s=getattr(stats, "solve_time", None),
            compile_s=getattr(opt.prob, "compilation_time", None),
        )
    out_path.write_text(json.dumps(out))


main()
'''


@dataclass(frozen=True)
class ProjectRun:
    process_s: float
    solve_s: float
    cost: float
    end_soc_pct: float


@dataclass(frozen=True)
class EmhassRun:
    process_s: float
    build_solve_s: float
    status: str
    version: str
    cost: float | None
    end_soc_pct: float | None
    problems: list[str]
    highs_s: float | None
    compile_s: float | None


def default_days() -> list[date]:
    return [FIRST_DAY + timedelta(days=DAY_STEP * k) for k in range(DAY_COUNT)]


def parse_days(text: str | None) -> list[date]:
    if not text:
        return default_days()
    try:
        return [date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"--days: expected comma-separated dates like 2024-06-01, got {text!r}.") from None


def write_config(folder: Path) -> Path:
    """The project's config for the benchmark: the battery and grid of the table in the docstring."""
    battery = "\n".join(f"{key} = {value}" for key, value in BATTERY.items())
    grid = "\n".join(f"{key} = {value}" for key, value in GRID.items())
    text = (
        f'[site]\ntimezone = "{TIMEZONE}"\n[battery]\n{battery}\n[grid]\n{grid}\n'
        f'[tariff]\nimport = "{TARIFF}"\nexport = "{TARIFF}"\n'
        f'[planner]\nslot_minutes = {SLOT_MINUTES}\nsolver = "highs"\ntime_limit_s = {TIME_LIMIT_S}\n'
        f'[paths]\ndata_dir = "{folder.as_posix()}"\n'
    )
    path = folder / "config.toml"
    path.write_text(text)
    return path


def plan_command(config_path: Path, day: date, soc_pct: float) -> list[str]:
    script = Path(sys.executable).with_name("optimizer")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "optimizer"]
    return [
        *head,
        "plan",
        "--config",
        str(config_path),
        "--history",
        str(HISTORY),
        "--forecast",
        "perfect",
        "--start",
        day.isoformat(),
        "--tariff",
        TARIFF,
        "--export-tariff",
        TARIFF,
        "--soc",
        f"{soc_pct:g}",
        "--end-soc",
        f"{soc_pct:g}",
        "--terminal-value",
        "0",
        "--json",
    ]


def horizon_of(config_path: Path, history: Any, day: date, soc_pct: float) -> HorizonData:
    """The day's inputs exactly as ``optimizer plan`` builds them (same library call, same options)."""
    config = load_config(config_path)
    options = PlanOptions(
        history=HISTORY,
        tariff=TARIFF,
        export_tariff=TARIFF,
        start=day.isoformat(),
        soc_pct=soc_pct,
        end_soc_pct=soc_pct,
        terminal_value=0.0,
        forecast="perfect",
        slot_minutes=SLOT_MINUTES,
    )
    start = local_midnight(day, TIMEZONE)
    try:
        return build_horizon(config, history, options, start=start)
    except OptimizerError as exc:
        raise SystemExit(
            f"{day}: no inputs for this day ({exc}). "
            "Pick days between 2024-03-01 and 2024-09-19 (the day before is needed too)."
        ) from None


def day_payload(horizon: HorizonData) -> dict[str, Any]:
    return {
        "index": [ts.isoformat() for ts in horizon.index],
        "import_price": [float(v) for v in horizon.import_price],
        "export_price": [float(v) for v in horizon.export_price],
        "load_kw": [float(v) for v in horizon.load_kw],
        "pv_kw": [float(v) for v in horizon.pv_kw],
    }


def check_same_inputs(day: date, horizon: HorizonData, plan: dict[str, Any]) -> None:
    """Stop if the plan subprocess planned on other data than the horizon handed to EMHASS."""
    slots = plan["slots"]
    if len(slots) != len(horizon.index):
        raise SystemExit(f"{day}: the plan has {len(slots)} slots, the horizon {len(horizon.index)}.")
    for name in ("import_price", "export_price", "load_kw", "pv_kw"):
        ours = np.asarray(getattr(horizon, name), dtype=float)
        theirs = np.asarray([slot[name] for slot in slots], dtype=float)
        worst = float(np.max(np.abs(ours - theirs)))
        if worst > INPUT_TOLERANCE:
            raise SystemExit(f"{day}: the plan's {name} differs from the benchmark's by {worst:g}; fix the bench.")


def run_project(config_path: Path, day: date, soc_pct: float) -> tuple[ProjectRun, dict[str, Any]]:
    command = plan_command(config_path, day, soc_pct)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{day}: optimizer plan exited with {done.returncode}: {done.stderr.strip()[-800:]}")
    plan = json.loads(done.stdout)
    run = ProjectRun(
        process_s=process_s,
        solve_s=float(plan["timings"]["solve_s"]),
        cost=float(plan["cost"]["planned"]),
        end_soc_pct=float(plan["end_soc_pct"]),
    )
    return run, plan


def run_emhass(python: str, driver: Path, work: Path, payload: dict[str, Any], mode: str) -> EmhassRun:
    request = work / f"emhass-in-{mode}.json"
    answer = work / f"emhass-out-{mode}.json"
    request.write_text(json.dumps(payload))
    answer.unlink(missing_ok=True)
    env = {**os.environ, "LP_SOLVER": "HIGHS"}
    command = [python, str(driver), str(request), str(work), str(answer), mode]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work, env=env, check=False)
    process_s = time.perf_counter() - started
    if done.returncode != 0 or not answer.exists():
        raise SystemExit(f"the EMHASS driver exited with {done.returncode}: {done.stderr.strip()[-1500:]}")
    out = json.loads(answer.read_text())
    return EmhassRun(
        process_s=process_s,
        build_solve_s=float(out["build_solve_s"]),
        status=str(out["status"]),
        version=str(out["version"]),
        cost=out.get("cost"),
        end_soc_pct=out.get("end_soc_pct"),
        problems=list(out.get("problems", [])),
        highs_s=out.get("highs_s"),
        compile_s=out.get("compile_s"),
    )


def median_emhass(runs: list[EmhassRun]) -> EmhassRun:
    """The first run with its times replaced by the medians over ``runs`` (the plans are the same)."""
    return replace(
        runs[0],
        process_s=statistics.median(run.process_s for run in runs),
        build_solve_s=statistics.median(run.build_solve_s for run in runs),
        highs_s=median([run.highs_s for run in runs]),
        compile_s=median([run.compile_s for run in runs]),
    )


def check_emhass(python: str) -> str:
    probe = "import importlib.metadata as m, emhass.optimization; print(m.version('emhass'))"
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SystemExit(f"--emhass-python {python}: cannot run it ({exc.strerror}); see the setup steps.") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        raise SystemExit(
            f"--emhass-python {python}: EMHASS is not importable there ({last}). "
            "Create its venv as the docstring of bench/peer_emhass.py says."
        )
    return done.stdout.strip()


def fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f}×"


def median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emhass-python", required=True, help="the interpreter of the EMHASS venv")
    parser.add_argument("--days", help="comma-separated local dates (default: the 10 days of the docstring)")
    parser.add_argument("--soc", type=float, default=INITIAL_SOC_PCT, help="initial and end SoC %% (default 50)")
    parser.add_argument(
        "--emhass-mip-rel-gap",
        type=float,
        default=0.0,
        help="EMHASS lp_solver_mip_rel_gap (default 0: exact, HiGHS's own tolerance; EMHASS ships 0.01)",
    )
    parser.add_argument("--warm", action=argparse.BooleanOptionalAction, default=True, help="also time warm EMHASS")
    parser.add_argument("--repeat", type=int, default=1, help="runs per day and side; times are their medians")
    args = parser.parse_args()
    days = parse_days(args.days)
    if args.repeat < 1:
        raise SystemExit(f"--repeat must be at least 1, got {args.repeat}.")
    if not 0.0 <= args.soc <= 100.0:
        raise SystemExit(f"--soc must be a percentage between 0 and 100, got {args.soc}.")
    version = check_emhass(args.emhass_python)
    history = read_history_csv(HISTORY)

    with tempfile.TemporaryDirectory(prefix="peer-emhass-") as tmp:
        work = Path(tmp)
        config_path = write_config(work)
        driver = work / "emhass_driver.py"
        driver.write_text(DRIVER)
        base = {
            "timezone": TIMEZONE,
            "slot_minutes": SLOT_MINUTES,
            "battery": BATTERY,
            "grid": GRID,
            "initial_soc_pct": args.soc,
            "end_soc_pct": args.soc,
            "mip_rel_gap": args.emhass_mip_rel_gap,
            "time_limit_s": TIME_LIMIT_S,
        }
        horizons = [horizon_of(config_path, history, day, args.soc) for day in days]
        payloads = [
            {
                **base,
                "day": day_payload(horizon),
                "warmup": day_payload(horizon_of(config_path, history, day - timedelta(days=1), args.soc)),
            }
            for day, horizon in zip(days, horizons, strict=True)
        ]

        # Untimed warm-up of both sides: disk cache and byte-code caches, not a first run after installation.
        run_project(config_path, days[0], args.soc)
        run_emhass(args.emhass_python, driver, work, payloads[0], "cold")

        print(
            f"EMHASS {version} (cvxpy + HiGHS, lp_solver_mip_rel_gap {args.emhass_mip_rel_gap:g}) vs the project "
            f"(pulp + HiGHS); {len(days)} days, 24 h × {SLOT_MINUTES} min, Europe/Paris, FR day-ahead import and "
            f"export, SoC {args.soc:g} % → {args.soc:g} %"
        )
        print("times: solve = build + solve [ms], proc = whole process [s]; ratios = EMHASS ÷ project")
        header = (
            f"{'day':<10} {'E solve':>7} {'E warm':>6} {'E proc':>6} {'P solve':>7} {'P proc':>6} "
            f"{'solve ×':>7} {'proc ×':>6} {'E cost':>8} {'P cost':>8} {'diff':>8} {'end E/P %':>11}"
        )
        print(header)
        print("-" * len(header))
        rows: list[dict[str, Any]] = []
        for day, horizon, payload in zip(days, horizons, payloads, strict=True):
            same_size = len(payload["warmup"]["index"]) == len(payload["day"]["index"])
            projects, colds, warms = [], [], []
            for _ in range(args.repeat):  # one process at a time, the sides alternating
                project, plan = run_project(config_path, day, args.soc)
                check_same_inputs(day, horizon, plan)
                projects.append(project)
                colds.append(run_emhass(args.emhass_python, driver, work, payload, "cold"))
                if args.warm and same_size:
                    warms.append(run_emhass(args.emhass_python, driver, work, payload, "warm"))
            project = replace(
                projects[0],
                process_s=statistics.median(run.process_s for run in projects),
                solve_s=statistics.median(run.solve_s for run in projects),
            )
            emhass = median_emhass(colds)
            warm = median_emhass(warms) if warms else None
            diff = None if emhass.cost is None else round(emhass.cost - project.cost, 4) + 0.0  # no "-0.0000"
            flag = " *" if project.end_soc_pct > args.soc + 0.01 else ""
            end = f"{emhass.end_soc_pct:.1f}/{project.end_soc_pct:.1f}" if emhass.end_soc_pct is not None else "-"
            print(
                f"{day.isoformat():<10} {fmt_ms(emhass.build_solve_s):>7} "
                f"{fmt_ms(warm.build_solve_s if warm else None):>6} {emhass.process_s:>6.2f} "
                f"{fmt_ms(project.solve_s):>7} {project.process_s:>6.2f} "
                f"{fmt_ratio(ratio(emhass.build_solve_s, project.solve_s)):>7} "
                f"{fmt_ratio(ratio(emhass.process_s, project.process_s)):>6} "
                f"{'-' if emhass.cost is None else f'{emhass.cost:.4f}':>8} {project.cost:>8.4f} "
                f"{'-' if diff is None else f'{diff:+.4f}':>8} {end:>11}{flag}"
            )
            if emhass.status != "Optimal":
                print(f"  EMHASS status on {day}: {emhass.status}")
            for problem in emhass.problems:
                print(f"  warning: EMHASS's plan on {day} breaks the project's limits: {problem}")
            rows.append(
                {
                    "e_solve": emhass.build_solve_s,
                    "e_warm": warm.build_solve_s if warm else None,
                    "e_proc": emhass.process_s,
                    "e_compile": emhass.compile_s,
                    "e_highs": emhass.highs_s,
                    "p_solve": project.solve_s,
                    "p_proc": project.process_s,
                    "r_solve": ratio(emhass.build_solve_s, project.solve_s),
                    "r_proc": ratio(emhass.process_s, project.process_s),
                    "r_pproc_esolve": ratio(project.process_s, emhass.build_solve_s),
                    "diff": diff,
                }
            )

    med = {key: median([row[key] for row in rows]) for key in rows[0]}
    diffs = [abs(row["diff"]) for row in rows if row["diff"] is not None]
    print("-" * len(header))
    print(
        f"median    {fmt_ms(med['e_solve']):>7} {fmt_ms(med['e_warm']):>6} {med['e_proc'] or 0:>6.2f} "
        f"{fmt_ms(med['p_solve']):>7} {med['p_proc'] or 0:>6.2f} {fmt_ratio(med['r_solve']):>7} "
        f"{fmt_ratio(med['r_proc']):>6}"
    )
    print(
        f"summary: medians over {len(rows)} days: EMHASS build+solve {fmt_ms(med['e_solve'])} ms cold "
        f"(cvxpy compile {fmt_ms(med['e_compile'])} ms, HiGHS {fmt_ms(med['e_highs'])} ms), "
        f"{fmt_ms(med['e_warm'])} ms warm, process {med['e_proc'] or 0:.2f} s; project build+solve "
        f"{fmt_ms(med['p_solve'])} ms, process {med['p_proc'] or 0:.2f} s; build+solve ratio "
        f"{fmt_ratio(med['r_solve'])}, process ratio {fmt_ratio(med['r_proc'])} (EMHASS ÷ project); "
        f"project process ÷ EMHASS build+solve {fmt_ratio(med['r_pproc_esolve'])}; "
        f"|cost diff| max {max(diffs) if diffs else float('nan'):.4f} EUR"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
