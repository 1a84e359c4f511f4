"""The push journal: what a push was doing, on disk before its first write, so that a killed run can be undone.

A push records, per inverter, the schedule the inverter held before (``previous``: flag and every stored
group, disabled ones included), the schedule it is about to write (``intended``) and where it is
(``state``), in ``<data_dir>/push-journal.json``, **before** its first write, and updates it as it goes. A run
killed after a write (``kill -9``, a power cut) leaves the entry in a pending state; the next run that pushes
reads the inverter, compares it with both schedules, and verifies or restores (see
:func:`optimizer.pipeline.push.recover_interrupted`)::

    {"version": 1, "devices": {"SN1": {
        "state": "writing", "command": "run --push", "pid": 4242,
        "started_at": "2026-11-24T21:40:03Z", "updated_at": "2026-11-24T21:40:03Z",
        "previous": {"enable": true, "groups": [{...}, ...]},
        "intended": [{...}, ...], "detail": null}}}

States: ``writing`` (writes may have reached the cloud), ``restoring`` (putting ``previous`` back),
``unknown`` (the push ended without knowing what the inverter holds): these three are *pending*. The final
states record how the last push ended: ``verified`` (the intended schedule, read back), ``kept`` (the cloud
changed nothing), ``restored`` (``previous`` written back and read back), ``safe`` (the scheduler flag
switched off and read back: the inverter runs its own work mode).

The file holds serial numbers, groups and times only: never the API key or any other credential. It is
replaced atomically (temporary file, ``fsync``, rename) so that a power cut leaves the old or the new file,
never half of one. Runs that push hold the run lock, so one writer at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from optimizer.errors import ConfigError
from optimizer.scheduler import SchedulerGroup

JOURNAL_FILE = "push-journal.json"
FILE_VERSION = 1

JournalState = Literal["writing", "restoring", "unknown", "verified", "kept", "restored", "safe"]
PENDING_STATES: frozenset[str] = frozenset({"writing", "restoring", "unknown"})
FINAL_STATES: frozenset[str] = frozenset({"verified", "kept", "restored", "safe"})


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Schedule:
    """A scheduler state as remembered: the flag and the stored groups (placeholders left out)."""

    enable: bool
    groups: tuple[SchedulerGroup, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"enable": self.enable, "groups": [g.wire() for g in self.groups]}

    @classmethod
    def from_json(cls, doc: Any) -> Schedule:
        if not isinstance(doc, dict):
            raise ValueError("a schedule must be an object with 'enable' and 'groups'")
        groups = doc.get("groups", [])
        if not isinstance(groups, list):
            raise ValueError("'groups' must be a list")
        return cls(enable=bool(doc.get("enable")), groups=tuple(SchedulerGroup.model_validate(g) for g in groups))


@dataclass
class JournalEntry:
    """One inverter's line of the journal (see the module docstring)."""

    sn: str
    state: JournalState
    previous: Schedule
    intended: tuple[SchedulerGroup, ...]
    command: str = ""
    pid: int = field(default_factory=os.getpid)
    started_at: str = field(default_factory=_now_iso)
    updated_at: str = field(default_factory=_now_iso)
    detail: str | None = None

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "command": self.command,
            "pid": self.pid,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "previous": self.previous.to_json(),
            "intended": [g.wire() for g in self.intended],
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, sn: str, doc: Any) -> JournalEntry:
        if not isinstance(doc, dict):
            raise ValueError(f"the entry of {sn} is not an object")
        state = doc.get("state")
        if state not in PENDING_STATES | FINAL_STATES:
            raise ValueError(f"the entry of {sn} has an unknown state {state!r}")
        intended = doc.get("intended", [])
        if not isinstance(intended, list):
            raise ValueError(f"the entry of {sn}: 'intended' must be a list")
        return cls(
            sn=sn,
            state=state,
            previous=Schedule.from_json(doc.get("previous")),
            intended=tuple(SchedulerGroup.model_validate(g) for g in intended),
            command=str(doc.get("command", "")),
            pid=int(doc.get("pid", 0)),
            started_at=str(doc.get("started_at", "")),
            updated_at=str(doc.get("updated_at", "")),
            detail=doc.get("detail"),
        )


class PushJournal:
    """The journal file of one data directory (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_dir(cls, data_dir: Path) -> PushJournal:
        return cls(data_dir / JOURNAL_FILE)

    # ----- reading --------------------------------------------------------------------------------------
    def entries(self) -> dict[str, JournalEntry]:
        """Every inverter's entry; an absent file is an empty journal."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(
                f"{self.path}: cannot read the push journal ({exc.strerror or exc}).",
                hint="Make the data directory ([paths] data_dir) readable and writable.",
            ) from None
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("version") != FILE_VERSION:
                raise ValueError(f"expected version {FILE_VERSION}")
            devices = doc.get("devices", {})
            if not isinstance(devices, dict):
                raise ValueError("'devices' must be an object")
            return {str(sn): JournalEntry.from_json(str(sn), entry) for sn, entry in devices.items()}
        except (ValueError, TypeError, ValidationError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"{self.path}: the push journal is unreadable ({first}).",
                hint="Check the inverter with `optimizer status`, then delete the file; the next push starts afresh.",
            ) from None

    def get(self, sn: str) -> JournalEntry | None:
        return self.entries().get(sn)

    def pending(self, sn: str) -> JournalEntry | None:
        """The entry of ``sn`` if a push of it was interrupted (or ended not knowing the inverter's state)."""
        entry = self.get(sn)
        return entry if entry is not None and entry.pending else None

    # ----- writing --------------------------------------------------------------------------------------
    def begin(self, sn: str, previous: Schedule, intended: list[SchedulerGroup], command: str) -> JournalEntry:
        """Record a push of ``intended`` over ``previous``, before its first write (state ``writing``)."""
        entry = JournalEntry(sn=sn, state="writing", previous=previous, intended=tuple(intended), command=command)
        self.save(entry)
        return entry

    def mark(self, entry: JournalEntry, state: JournalState, detail: str | None = None) -> None:
        """Move ``entry`` to ``state`` (and write it down at once)."""
        entry.state = state
        entry.detail = detail
        entry.updated_at = _now_iso()
        self.save(entry)

    def save(self, entry: JournalEntry) -> None:
        entries = self.entries()
        entries[entry.sn] = entry
        self._write({"version": FILE_VERSION, "devices": {sn: e.to_json() for sn, e in sorted(entries.items())}})

    def _write(self, doc: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise ConfigError(
                f"{self.path}: cannot write the push journal ({exc.strerror or exc}).",
                hint="Make [paths] data_dir a writable directory.",
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(doc, handle, indent=1, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise ConfigError(
                f"{self.path}: cannot write the push journal ({exc.strerror or exc}).",
                hint="Make [paths] data_dir a writable directory with free space.",
            ) from None


def _fsync_dir(path: Path) -> None:
    """Make the rename durable (a power cut right after it keeps the new file)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
