"""Access-frequency limits as the real server applies them (fox-open-api.md "Access frequency limit").

* **Per-path throttle** (errno 40400): each query path at most once per second per account, each write
  path at most once per 2 seconds per inverter (as the document's "each interface is calculated
  separately", and as foxesscloud paces its setting writes per device). A refused call does not restart
  the window.
* **Daily quota** (errno 40402): 1440 calls per inverter per day for the whole account (2 inverters give
  2880), counting every call that passes the signature and throttle checks; the count resets at midnight
  UTC.

Both run on an injectable clock: the real clock by default (like the real server), or the simulated one
(``FakeCloudConfig(limits_clock="simulated")``) so that tests pass a window by advancing simulated time
instead of sleeping. ``throttle=False`` / ``daily_quota_per_inverter=None`` switch them off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

from optimizer.fakecloud.replies import ERRNO_QUOTA, ERRNO_THROTTLED, Refusal


class Throttle:
    """Minimum spacing between calls to the same path [s]."""

    def __init__(
        self,
        clock_s: Callable[[], float],
        query_interval_s: float = 1.0,
        write_interval_s: float = 2.0,
        enabled: bool = True,
    ) -> None:
        self._clock_s = clock_s
        self.query_interval_s = query_interval_s
        self.write_interval_s = write_interval_s
        self.enabled = enabled
        self._last: dict[tuple[str, str, str | None], float] = {}
        self._lock = threading.Lock()

    def check(self, principal: str, path: str, kind: str, device: str | None = None) -> None:
        """Refuse with 40400 when ``path`` (for a write: on ``device``) was called less than its interval ago."""
        if not self.enabled:
            return
        write = kind == "write"
        interval = self.write_interval_s if write else self.query_interval_s
        now = self._clock_s()
        key = (principal, path, device if write else None)
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < interval:
                raise Refusal(ERRNO_THROTTLED, detail=f"{path} called {now - last:.3f} s after the last call")
            self._last[key] = now


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
