"""Item 5 of issue 12: a push killed after its write (``kill -9``, a power cut) lost the previous schedule for
good. The journal, written before the first write, lets the next run verify or restore, and say what it found."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from optimizer.errors import ConfigError
from optimizer.pipeline.journal import PushJournal, Schedule
from optimizer.scheduler import SchedulerGroup

from .pushworld import ENABLE, FLAG, KEY, PREVIOUS, Arm, world

NEW = [PREVIOUS.model_copy(update={"startHour": 1, "endHour": 2})]


def test_journal_round_trip_and_states(tmp_path: Path) -> None:
    journal = PushJournal(tmp_path / "data" / "push-journal.json")
    assert journal.entries() == {} and journal.pending("SN1") is None
    entry = journal.begin("SN1", Schedule(True, (PREVIOUS,)), NEW, "run --push")
    again = journal.pending("SN1")
    assert again is not None and again.previous.groups == (PREVIOUS,) and list(again.intended) == NEW
    assert again.command == "run --push" and again.pid == os.getpid()
    journal.mark(entry, "verified")
    assert journal.pending("SN1") is None and journal.get("SN1").state == "verified"  # type: ignore[union-attr]
    assert [p.name for p in journal.path.parent.iterdir()] == ["push-journal.json"]  # no temporary file left


def test_unreadable_journal_is_named(tmp_path: Path) -> None:
    path = tmp_path / "push-journal.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        PushJournal(path).entries()
    assert str(path) in info.value.message and info.value.explain().endswith(".")


def test_journal_that_cannot_be_written_stops_the_push_before_writing(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "push-journal.json").mkdir()  # a folder where the file should be
    journal = PushJournal(tmp_path / "data" / "push-journal.json")
    with pytest.raises(ConfigError) as info:
        journal.begin("SN1", Schedule(True, (PREVIOUS,)), NEW, "push")
    assert "push-journal.json" in info.value.message


def _kill_at(w, path: str, nth: int = 1):  # type: ignore[no-untyped-def]
    """Run `run --push` in a subprocess and kill -9 it once the nth request to ``path`` has been processed."""
    seen: list[str] = []
    holder: dict[str, object] = {}

    def killer(record) -> None:  # type: ignore[no-untyped-def]
        seen.append(record.path)
        if record.path == path and seen.count(path) == nth and "proc" in holder:
            os.kill(holder["proc"].pid, signal.SIGKILL)  # type: ignore[attr-defined]

    w.cloud.requests.subscribe(killer)
    proc = w.spawn("run", "--push", "--json")
    holder["proc"] = proc
    proc.communicate(timeout=120)
    return proc.returncode


def test_kill_after_the_first_write_then_the_next_run_verifies(tmp_path: Path) -> None:
    with world(tmp_path, kill=(ENABLE, 1, "after")) as w:
        assert _kill_at(w, ENABLE) == -signal.SIGKILL
        journal = json.loads((w.data_dir / "push-journal.json").read_text(encoding="utf-8"))
        entry = journal["devices"][w.sn]
        assert entry["state"] == "writing" and entry["command"] == "run --push"
        assert [SchedulerGroup.model_validate(g) for g in entry["previous"]["groups"]] == [PREVIOUS]
        assert entry["previous"]["enable"] is True and entry["intended"]
        for path in w.folder.rglob("*"):
            if path.is_file():
                assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path
        w.tick()
        after = w.invoke("run", "--push", "--json")
        line = after.line(w.sn)
        assert after.code == 0 and line["verified"]
        assert "did not finish, but its schedule had gone through" in line["found"]
        assert w.journal()["state"] == "verified"


def test_kill_in_the_middle_of_a_restore_is_undone_by_the_next_run(tmp_path: Path) -> None:
    """The flag was off and the write not applied, so the old groups ran; the kill came after writing them back
    but before switching the flag off again."""
    with world(tmp_path, previous="off", kill=(ENABLE, 2, "after")) as w:
        w.cloud.faults.add(Arm("notapplied", ENABLE, 1).fault())
        assert _kill_at(w, ENABLE, 2) == -signal.SIGKILL
        assert w.journal()["state"] == "restoring"
        assert w.cloud.scheduler_state(w.sn).enable  # the old groups run, which the flag had kept off
        w.tick()
        dry = w.invoke("run", "--json")  # a dry run writes nothing, and says that the next push will check
        assert dry.code == 0 and "did not finish" in " ".join(dry.line(w.sn).get("notes", []))
        assert w.cloud.scheduler_state(w.sn).enable and w.journal()["state"] == "restoring"
        w.tick()
        after = w.invoke("run", "--push", "--json")
        line = after.line(w.sn)
        assert after.code == 0 and line["verified"], after.stdout
        assert "had left part of its schedule: the schedule from before it was written back" in line["found"]


def test_push_command_settles_an_unfinished_push_too(tmp_path: Path) -> None:
    with world(tmp_path, kill=(FLAG, 1, "after")) as w:
        assert _kill_at(w, FLAG) == -signal.SIGKILL
        w.tick()
        after = w.invoke("push", "--json")
        assert after.code == 0 and after.doc()["verified"]
        assert "did not finish" in after.doc()["found"] and "did not finish" in after.stderr
