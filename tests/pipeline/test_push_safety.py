"""Issue 12 on the simulated cloud with its limits on: each item reproduced through the CLI, then fixed.

1. the call budget running out mid-push; 2. every write refused; 3. ``push`` and the run lock; 4. 40402 during
the read-back; 6. honest reasons, ``run --json`` fields, the doctor's clock row, ``maxSoc``, negative ``fdPwr``.
(Kills and the journal: ``test_push_journal.py``; files and folders: ``test_paths.py``.)
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from filelock import FileLock

from optimizer.scheduler import SchedulerGroup

from .pushworld import ENABLE, FLAG, GET, KEY, Arm, world


def groups_of(doc: dict) -> list[SchedulerGroup]:  # type: ignore[type-arg]
    return [SchedulerGroup.model_validate(g) for g in doc["groups"]]


def test_budget_without_the_reserve_writes_nothing(tmp_path: Path) -> None:
    """Item 1, as the issue reproduces it: push once, then `run --push --tariff uk/octopus-flux.toml` with
    max_calls_per_run = 7. It wrote the Flux groups, never read them back, and said `writes: 0`."""
    with world(tmp_path) as w:
        first = w.invoke("push", "--json")
        assert first.code == 0 and first.doc()["verified"], first.stderr
        go = groups_of(first.doc())
        w.tick()
        w.write_config(max_calls_per_run=7)
        flux = w.invoke("run", "--push", "--json", "--tariff", "uk/octopus-flux.toml")
        assert flux.code == 6
        line = flux.line(w.sn)
        assert line["writes"] == 0 and not line["pushed"] and line["holds"] == "previous"
        assert "nothing was written and the inverter keeps its previous schedule" in line["error"]
        assert "max_calls_per_run" in line["error"] and line["error"].endswith(".")
        assert not any(r.path in (ENABLE, FLAG) for r in list(w.cloud.requests)[-flux.calls :])
        w.tick()
        w.write_config()
        status = w.invoke("status", "--json")
        shown = next(d for d in status.doc()["devices"] if d["sn"] == w.sn)
        assert shown["enable"] and [SchedulerGroup.model_validate(g) for g in shown["groups"]] == sorted(
            go, key=SchedulerGroup.sort_key
        )


def test_exactly_the_reserve_is_enough(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        probe = w.invoke("run", "--json")
        w.tick()
        w.write_config(max_calls_per_run=probe.calls + 14)  # the access count, then the 13 reserved calls
        done = w.invoke("run", "--push", "--json")
        assert done.code == 0 and done.line(w.sn)["verified"], done.stdout
        assert w.holds(done.groups(w.sn)) == "new"


@pytest.mark.parametrize("errno", ["44098", "41200", "40256", "503"])
def test_every_write_refused_leaves_the_schedule_on(tmp_path: Path, errno: str) -> None:
    """Item 2: the cloud changed nothing, yet the old restore wrote again, failed, and switched the flag off."""
    with world(tmp_path) as w:
        w.cloud.faults.add(Arm(errno, ENABLE, None).fault())
        w.cloud.faults.add(Arm(errno, FLAG, None).fault())
        done = w.invoke("run", "--push", "--json")
        assert done.code in (4, 5)
        assert w.holds(None) == "previous"
        state = w.cloud.scheduler_state(w.sn)
        assert state.enable  # never switched off
        flags = [r for r in w.cloud.requests if r.path == FLAG and isinstance(r.body, dict)]
        assert not any(r.body.get("enable") == 0 for r in flags)
        line = done.line(w.sn)
        assert line["restored"] is True and line["fallback"] is None and line["holds"] == "previous"
        assert "still holds its previous schedule (read back)" in line["error"]


def test_quota_errno_during_the_read_back(tmp_path: Path) -> None:
    """Item 4: 40402 on the read-back left an unverified schedule and blamed connectivity."""
    with world(tmp_path) as w:
        armed = []

        def arm(record):  # type: ignore[no-untyped-def]
            if record.path == FLAG and not armed:  # the next scheduler/get is the read-back
                armed.append(1)
                w.cloud.faults.add(Arm("40402", GET, 1).fault())

        w.cloud.requests.subscribe(arm)
        done = w.invoke("run", "--push", "--json")
        assert done.code == 0, done.stdout  # the read after the refusal verified it
        assert w.holds(done.groups(w.sn)) == "new" and done.line(w.sn)["verified"]
        assert [r.errno for r in w.cloud.requests if r.path == GET][-2:] == [40402, 0]


def test_quota_gone_at_the_cloud_refuses_before_writing(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        probe = w.invoke("run", "--json")
        w.tick()
        w.cloud.state.quota.per_inverter = w.cloud.state.quota.used() + probe.calls + 5
        done = w.invoke("run", "--push", "--json")
        assert done.code == 6
        error = done.line(w.sn)["error"]
        assert "nothing was written" in error and "cloud reported" in error and "could not be reached" not in error
        assert w.holds(None) == "previous"


def test_run_json_lines_always_carry_restored_and_fallback(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.cloud.faults.add(Arm("41203", GET, None).fault())  # fails before any write
        failing = w.invoke("run", "--push", "--json").line(w.sn)
        w.cloud.faults.clear()
        w.tick()
        dry = w.invoke("run", "--json").line(w.sn)
    for line in (failing, dry):
        for key in ("restored", "fallback", "holds", "found", "unchanged"):
            assert key in line
    assert failing["error"].startswith(f"{failing['sn']}: nothing was written, because Fox ESS refused scheduler/get")


def test_doctor_shows_the_clock_when_the_skew_breaks_signatures(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 6: with the clock 400 s off, the signature is refused and the doctor showed no clock row."""
    from optimizer.foxess import client_from_config
    from optimizer.foxess.clock import ManualClock
    from optimizer.pipeline import account as account_module

    with world(tmp_path) as w:
        skewed = ManualClock(start_ms=time.time_ns() // 1_000_000 + 400_000)
        monkeypatch.setattr(account_module, "client_from_config", lambda c, **_: client_from_config(c, clock=skewed))
        from typer.testing import CliRunner

        from optimizer.cli import app

        monkeypatch.setenv("FOXESS_API_KEY", KEY)
        monkeypatch.setenv("FOXESS_BASE_URL", w.cloud.base_url)
        result = CliRunner().invoke(app, ["doctor", "--json", "--config", str(w.config_path)])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert result.exit_code == 4
    assert checks["clock"]["ok"] is False and re.search(r"\+40\d s off", checks["clock"]["detail"])
    assert "40256" in checks["account"]["detail"]


def test_push_takes_the_run_lock(tmp_path: Path) -> None:
    """Item 3: `push` ran beside `run --push` without the lock; now it waits, or fails clearly."""
    with world(tmp_path) as w:
        writes_before = len(w.cloud.requests.writes())
        with FileLock(str(w.data_dir / "run.lock")):
            done = w.invoke("push", "--json", "--wait", "0")
        assert done.code == 1
        assert "another optimizer run holds the lock" in done.stderr and "--wait" in done.stderr
        assert len(w.cloud.requests.writes()) == writes_before


def test_properties_without_maxsoc_push_and_verify(tmp_path: Path) -> None:
    """Item 6: the read-back shows maxSoc 100 where the properties list no maxsoc: every push failed."""
    with world(tmp_path, device="props_no_maxsoc") as w:
        done = w.invoke("run", "--push", "--json")
        assert done.code == 0 and done.line(w.sn)["verified"], done.stdout
        sent = [r.body for r in w.cloud.requests if r.path == ENABLE][-1]
        assert all("maxSoc" not in g for g in sent["groups"])
