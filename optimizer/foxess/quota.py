"""The API call counter: per inverter, per day, on disk, reconciled with the cloud's own count.

The cloud allows 1,440 calls per inverter per day, pooled over the account (two inverters give 2,880) and
shared by every tool that uses the same key. This counter keeps the project inside a configured budget:

* **Day boundary**: the UTC date of the wall clock. The cloud's own reset time is not documented, so the
  local count is a conservative estimate; :meth:`CallCounter.reconcile` anchors it to the cloud's figure.
* **Buckets**: a call that names exactly one inverter is charged to that inverter's serial number; a call
  that is account-level (device/plant/logger/meter lists, the access count, a multi-inverter real-time
  batch) is charged to the shared bucket ``_account``, which counts against the account pool only.
* **Limits** checked before each call (any one refuses with :class:`~optimizer.errors.QuotaBudgetError`):
  1. this run's calls ≤ ``max_calls_per_run``;
  2. today's calls on one inverter ≤ ``daily_budget``;
  3. today's calls on the account ≤ ``daily_budget`` × the number of inverters seen (at least 1);
  4. after :meth:`~CallCounter.reconcile`: calls since then ≤ the ``remaining`` the cloud reported.

The file (``<data_dir>/api-calls.json``) is rewritten atomically (temporary file + rename) under a file lock,
so concurrent runs add up instead of overwriting each other::

    {"version": 1, "day_boundary": "UTC", "inverters": ["SN1"],
     "days": {"2025-02-21": {"calls": {"SN1": 12, "_account": 3},
                             "reconciled": {"remaining": 2801, "total": 2880, "local_calls": 15,
                                            "at": "2025-02-21T10:00:00Z"}}}}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from optimizer.errors import ConfigError, LockError, QuotaBudgetError
from optimizer.foxess.clock import Clock, SystemClock
from optimizer.timegrid import iso

ACCOUNT_BUCKET = "_account"
DAY_BOUNDARY = "UTC"
DAILY_CALLS_PER_INVERTER = 1440
KEEP_DAYS = 8
FILE_VERSION = 1
_LOCK_TIMEOUT_S = 30.0


def _empty_state() -> dict[str, Any]:
    return {"version": FILE_VERSION, "day_boundary": DAY_BOUNDARY, "inverters": [], "days": {}}


class CallCounter:
    """Counts Open API calls and refuses those that would break the budget (see the module docstring).

    ``path=None`` keeps the counts in memory only (one process). ``max_calls_per_run=None`` means no
    per-run cap. ``run_calls`` is the number of calls recorded through this object.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        daily_budget: int = DAILY_CALLS_PER_INVERTER,
        max_calls_per_run: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        if daily_budget < 1:
            raise ValueError(f"daily_budget must be >= 1, got {daily_budget}")
        if max_calls_per_run is not None and max_calls_per_run < 1:
            raise ValueError(f"max_calls_per_run must be >= 1, got {max_calls_per_run}")
        self.path = path
        self.daily_budget = daily_budget
        self.max_calls_per_run = max_calls_per_run
        self.run_calls = 0
        self._clock = clock or SystemClock()
        self._memory = _empty_state()

    # ----- queries ---------------------------------------------------------------------------------
    def today(self) -> str:
        """Today's date on the counter's day boundary (UTC), as ``YYYY-MM-DD``."""
        return datetime.fromtimestamp(self._clock.time_ms() / 1000, tz=UTC).date().isoformat()

    def used_today(self, sn: str | None = None) -> int:
        """Calls counted today on inverter ``sn``, or on the whole account when ``sn`` is ``None``."""
        calls = self._day(self._load()).get("calls", {})
        if sn is None:
            return sum(calls.values())
        return int(calls.get(sn, 0))

    @property
    def inverters(self) -> list[str]:
        """Serial numbers of the inverters seen so far (they size the account pool)."""
        return list(self._load().get("inverters", []))

    def headroom(self, sn: str | None = None) -> int:
        """How many more calls may be made now (on inverter ``sn``, or account-level when ``None``)."""
        return min(left for left, _, _ in self._limits(self._load(), sn))

    def check(self, n: int = 1, sn: str | None = None) -> None:
        """Refuse with :class:`QuotaBudgetError` when ``n`` more calls would break any limit."""
        for left, why, hint in self._limits(self._load(), sn):
            if left < n:
                raise QuotaBudgetError(f"{why}; {n} more API call(s) would exceed it", hint=hint)

    # ----- updates ---------------------------------------------------------------------------------
    def record(self, sn: str | None = None, n: int = 1) -> None:
        """Count ``n`` calls made now, charged to inverter ``sn`` or to the shared account bucket."""
        self.run_calls += n
        with self._update() as state:
            calls = self._day(state, create=True).setdefault("calls", {})
            bucket = sn or ACCOUNT_BUCKET
            calls[bucket] = int(calls.get(bucket, 0)) + n
            if sn and sn not in state["inverters"]:
                state["inverters"].append(sn)

    def note_inverters(self, sns: Iterable[str]) -> None:
        """Remember the account's inverters (from the device list): they size the daily pool."""
        with self._update() as state:
            for sn in sns:
                if sn and sn not in state["inverters"]:
                    state["inverters"].append(sn)

    def reconcile(self, remaining: int, total: int | None = None) -> None:
        """Anchor today's budget to the cloud's ``remaining`` calls (from ``user/getAccessCount``).

        From now until the day changes, calls made after this point may not exceed ``remaining``, which
        also accounts for other tools using the same key.
        """
        if remaining < 0:
            raise ValueError(f"remaining must be >= 0, got {remaining}")
        with self._update() as state:
            day = self._day(state, create=True)
            day["reconciled"] = {
                "remaining": int(remaining),
                "total": None if total is None else int(total),
                "local_calls": sum(day.get("calls", {}).values()),
                "at": iso(datetime.fromtimestamp(self._clock.time_ms() / 1000, tz=UTC)),
            }

    # ----- internals -------------------------------------------------------------------------------
    def _limits(self, state: dict[str, Any], sn: str | None) -> list[tuple[int, str, str]]:
        """Every limit as (calls left, what the limit is, what the user can do)."""
        day = self._day(state)
        calls: dict[str, int] = day.get("calls", {})
        used_total = sum(calls.values())
        wait_hint = f"Wait for the next {DAY_BOUNDARY} day or raise [foxess] daily_budget (at most 1440)."
        limits: list[tuple[int, str, str]] = []
        if self.max_calls_per_run is not None:
            limits.append(
                (
                    self.max_calls_per_run - self.run_calls,
                    f"this run has made {self.run_calls} of its {self.max_calls_per_run} allowed API calls "
                    "([foxess] max_calls_per_run)",
                    "Raise [foxess] max_calls_per_run or ask for less (fewer devices, a shorter range).",
                )
            )
        pool = self.daily_budget * max(1, len(state.get("inverters", [])))
        limits.append(
            (
                pool - used_total,
                f"the account has used {used_total} of its {pool} API calls today ({DAY_BOUNDARY} date "
                f"{self.today()}; {self.daily_budget} per inverter, [foxess] daily_budget)",
                wait_hint,
            )
        )
        if sn is not None:
            used = int(calls.get(sn, 0))
            limits.append(
                (
                    self.daily_budget - used,
                    f"inverter {sn} has used {used} of its {self.daily_budget} API calls today "
                    f"({DAY_BOUNDARY} date {self.today()})",
                    wait_hint,
                )
            )
        reconciled = day.get("reconciled")
        if reconciled:
            since = used_total - int(reconciled.get("local_calls", 0))
            remaining = int(reconciled.get("remaining", 0))
            limits.append(
                (
                    remaining - since,
                    f"the cloud reported {remaining} API calls left at {reconciled.get('at')} and "
                    f"{since} were made since",
                    "Other tools may share this key; wait for the daily reset.",
                )
            )
        return limits

    def _day(self, state: dict[str, Any], *, create: bool = False) -> dict[str, Any]:
        days: dict[str, Any] = state["days"]
        today = self.today()
        if create:
            return days.setdefault(today, {"calls": {}})
        return days.get(today, {})

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return self._memory
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _empty_state()
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the API call counter: {exc.strerror}") from None
        return self._parse(text)

    def _parse(self, text: str) -> dict[str, Any]:
        problem = ""
        try:
            state = json.loads(text)
        except json.JSONDecodeError as exc:
            state, problem = None, f"not valid JSON ({exc.msg} at line {exc.lineno})"
        if not problem:
            if not isinstance(state, dict) or not isinstance(state.get("days"), dict):
                problem = "missing the 'days' object"
            elif state.get("version") != FILE_VERSION:
                problem = f"unknown version {state.get('version')!r} (expected {FILE_VERSION})"
            elif not isinstance(state.get("inverters", []), list):
                problem = "'inverters' is not a list"
        if problem:
            raise ConfigError(
                f"{self.path}: invalid API call counter file: {problem}",
                hint="Delete the file to reset the local count (the cloud keeps its own).",
            )
        state.setdefault("inverters", [])
        return state

    @contextlib.contextmanager
    def _update(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write the state under the file lock, pruning days older than ``KEEP_DAYS``."""
        if self.path is None:
            yield self._memory
            self._prune(self._memory)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=_LOCK_TIMEOUT_S)
        try:
            with lock:
                state = self._load()
                yield state
                self._prune(state)
                self._write(state)
        except Timeout:
            raise LockError(
                f"{self.path}: another process has held the API call counter lock for {_LOCK_TIMEOUT_S:.0f} s"
            ) from None

    def _prune(self, state: dict[str, Any]) -> None:
        oldest = (date.fromisoformat(self.today()) - timedelta(days=KEEP_DAYS)).isoformat()
        for day in [d for d in state["days"] if d < oldest]:
            del state["days"][day]

    def _write(self, state: dict[str, Any]) -> None:
        assert self.path is not None
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1, sort_keys=True)
                handle.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
