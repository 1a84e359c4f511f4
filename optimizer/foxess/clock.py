"""Time sources for the client: a monotonic clock for spacing calls, the wall clock for the ``timestamp``
header and the daily call counter, and ``sleep``.

Everything in :mod:`optimizer.foxess` that waits or reads the time goes through a :class:`Clock`, so tests
and simulations swap in a :class:`ManualClock` and run instantly.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the client needs to know about time."""

    def monotonic(self) -> float:
        """Seconds [s] on a clock that never goes back (for throttling and back-off)."""
        ...

    def time_ms(self) -> int:
        """Wall-clock time as epoch milliseconds [ms] (for the signed ``timestamp`` header)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` [s]."""
        ...


class SystemClock:
    """The real clocks of the host (keep NTP on: the cloud rejects skewed timestamps with errno 40256)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to: ``sleep`` advances it instead of blocking.

    ``sleeps`` records every requested sleep [s] so that tests can assert throttle and back-off timing.
    """

    def __init__(self, start_ms: int = 1_700_000_000_000, monotonic_s: float = 1000.0) -> None:
        self._wall_ms = start_ms
        self._mono_s = monotonic_s
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._mono_s

    def time_ms(self) -> int:
        return self._wall_ms

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds`` [s] without recording a sleep."""
        self._mono_s += seconds
        self._wall_ms += round(seconds * 1000)

    @property
    def slept_s(self) -> float:
        """Total time slept [s]."""
        return sum(self.sleeps)
