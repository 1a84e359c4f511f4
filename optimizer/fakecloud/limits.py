"""Access-frequency limits: what the real server evidently enforces (``fox-api-field-notes.md`` §2 and §8).

Three throttle modes (``FakeCloudConfig.throttle``):

* ``"evidence"`` (the default, ``True``): only what working clients show the real server enforces.

  - Paths containing ``query`` (``real/query``, ``history/query``, ``report/query``) at most once per
    ``query_interval_s`` **per inverter** named in the body (``sn``, ``deviceSN`` or each of ``sns``; a call
    naming none is keyed to the account), minus ``tolerance_s`` for network jitter.
  - Write paths at most once per ``write_interval_s`` per path and inverter, minus ``tolerance_s``.
  - Every other path (``device/list``, ``device/detail``, ``scheduler/get/flag``, ``scheduler/get``,
    ``setting/get``, ``battery/soc/get``, ``device/generation``, ...) is not throttled: foxesscloud, used daily
    by thousands, calls them back to back milliseconds apart without 40400.

* ``"strict"``: the vendor document read literally, for tests of the project's own client: every query path
  once per ``query_interval_s`` for the whole account, every write path once per ``write_interval_s`` per
  inverter, no tolerance.
* ``"off"`` (``False``): no throttle.

A refused call does not restart the window. The **daily quota** (errno 40402) is 1440 calls per inverter per
day for the whole account (2 inverters give 2880), counting every call that passes the signature and throttle
checks; the count resets at midnight UTC.

Both run on an injectable clock: the real clock by default (like the real server), or the simulated one
(``FakeCloudConfig(limits_clock="simulated")``) so that tests pass a window by advancing simulated time
instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Literal

from optimizer.fakecloud.replies import ERRNO_QUOTA, ERRNO_THROTTLED, Refusal

ThrottleMode = Literal["off", "evidence", "strict"]
THROTTLE_MODES: tuple[ThrottleMode, ...] = ("off", "evidence", "strict")
DEFAULT_TOLERANCE_S = 0.1


def throttle_mode(value: bool | str) -> ThrottleMode:
    """``True`` → ``"evidence"``, ``False`` → ``"off"``; a mode name is kept; anything else is ``ValueError``."""
    if value is True:
        return "evidence"
    if value is False:
        return "off"
    if isinstance(value, str) and value in THROTTLE_MODES:
        return value
    raise ValueError(f"throttle must be true, false or one of {', '.join(THROTTLE_MODES)}; got {value!r}")


def is_paced_query(path: str) -> bool:
    """The paths foxesscloud paces at 1 s (``'query' in path``): the only queries the evidence shows limited."""
    return "query" in path


class Throttle:
    """Minimum spacing between calls [s], keyed as the mode says (see the module docstring)."""

    def __init__(
        self,
        clock_s: Callable[[], float],
        query_interval_s: float = 1.0,
        write_interval_s: float = 2.0,
        mode: bool | str = "evidence",
        tolerance_s: float = DEFAULT_TOLERANCE_S,
    ) -> None:
        self._clock_s = clock_s
        self.query_interval_s = query_interval_s
        self.write_interval_s = write_interval_s
        self.mode = throttle_mode(mode)
        self.tolerance_s = tolerance_s
        self._last: dict[tuple[str, str, str | None], float] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def _rule(self, path: str, kind: str, devices: Sequence[str | None]) -> tuple[float, list[str | None]] | None:
        """``(minimum spacing [s], keys)`` for a call, or ``None`` when the call is not throttled."""
        write = kind == "write"
        if self.mode == "strict":
            if write:
                return self.write_interval_s, list(devices) or [None]
            return self.query_interval_s, [None]
        if write:
            return self.write_interval_s - self.tolerance_s, list(devices) or [None]
        if is_paced_query(path):
            return self.query_interval_s - self.tolerance_s, list(devices) or [None]
        return None

    def check(self, principal: str, path: str, kind: str, devices: Sequence[str | None] = ()) -> None:
        """Refuse with 40400 when ``path`` was called on one of ``devices`` less than its spacing ago."""
        if not self.enabled:
            return
        rule = self._rule(path, kind, devices)
        if rule is None:
            return
        spacing_s, keys = rule
        now = self._clock_s()
        with self._lock:
            for device in keys:
                last = self._last.get((principal, path, device))
                if last is not None and now - last < spacing_s:
                    where = f" for {device}" if device else ""
                    raise Refusal(
                        ERRNO_THROTTLED, detail=f"{path} called{where} {now - last:.3f} s after the last call"
                    )
            for device in keys:
                self._last[(principal, path, device)] = now


class DailyQuota:
    """Calls per day for the account: ``per_inverter`` × the number of inverters (``None``: unlimited)."""

    def __init__(self, today: Callable[[], date], per_inverter: int | None, inverters: int) -> None:
        self._today = today
        self.per_inverter = per_inverter
        self.inverters = inverters
        self._day: date | None = None
        self._used = 0
        self._lock = threading.Lock()

    @property
    def total(self) -> int | None:
        return None if self.per_inverter is None else self.per_inverter * self.inverters

    def _roll(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self._used = today, 0

    def take(self) -> None:
        """Count one call, or refuse it with 40402 once today's quota is spent."""
        with self._lock:
            self._roll()
            total = self.total
            if total is not None and self._used >= total:
                raise Refusal(ERRNO_QUOTA, detail=f"daily quota of {total} calls spent")
            self._used += 1

    def used(self) -> int:
        with self._lock:
            self._roll()
            return self._used

    def remaining(self) -> int | None:
        total = self.total
        return None if total is None else max(0, total - self.used())
