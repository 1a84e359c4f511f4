"""`run --push` every 15–60 minutes: later runs of a day spare the daily reads, write a changed schedule only when
it is worth [schedule] min_rewrite_gain, and the log says how many calls each run and the day used."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.fakecloud import FakeCloud

FLAG = "/op/v1/device/scheduler/get/flag"
SETTING = "/op/v0/device/setting/get"
ENABLE = "/op/v1/device/scheduler/enable"


def run(config: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["run", "--push", "--json", "--config", str(config), *args])
    assert result.exit_code == 0, result.stderr
    return next(d for d in json.loads(result.stdout)["devices"] if d["groups"] if "groups" in d)


def with_gain(config: Path, gain: float) -> Path:
    path = config.with_name(f"gain-{gain}.toml")
    path.write_text(config.read_text(encoding="utf-8") + f"[schedule]\nmin_rewrite_gain = {gain}\n", encoding="utf-8")
    return path


def paths(cloud: FakeCloud) -> list[str]:
    return [r.path for r in cloud.requests]


def test_later_runs_of_a_day_skip_the_daily_reads(cloud: FakeCloud, site_config: Path) -> None:
    first = run(site_config)
    assert first["pushed"] and paths(cloud).count(FLAG) >= 1
    before = len(cloud.requests)
    again = run(site_config)
    later = paths(cloud)[before:]
    assert FLAG not in later and SETTING not in later  # support and work mode are known for today
    assert again["api_calls"] <= 3 and again["api_calls_today"] == first["api_calls_today"] + again["api_calls"]


def test_a_changed_plan_is_written_only_when_worth_it(cloud: FakeCloud, site_config: Path) -> None:
    first = run(site_config)  # the day's first run writes Octopus Go groups
    assert first["pushed"]
    writes = paths(cloud).count(ENABLE)
    kept = run(with_gain(site_config, 1000.0), "--tariff", "uk/octopus-flux.toml")  # a different tariff: new groups
    assert not kept["pushed"] and kept["writes"] == 0
    assert kept["kept"].startswith("kept the schedule in force: the new groups would save")
    assert paths(cloud).count(ENABLE) == writes
    written = run(with_gain(site_config, 0.0), "--tariff", "uk/octopus-flux.toml")
    assert written["pushed"] and written["verified"] and written["kept"] is None


def test_the_log_counts_the_calls_of_the_run_and_the_day(cloud: FakeCloud, site_config: Path, tmp_path: Path) -> None:
    run(site_config)
    run(site_config)
    log = (tmp_path / "log" / "optimizer.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if cloud.hybrid_sn in line and "API calls this run" in line]
    assert len(lines) == 2 and "today (daily budget 300)" in lines[-1]
