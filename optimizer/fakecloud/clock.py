"""The simulated clock of the fake cloud.

Simulated time = ``start`` + (real time elapsed since the clock was created × ``speed``) + manual advances.
``speed = 0`` freezes the clock (only :meth:`SimClock.advance` moves it), which is what unit tests use;
``speed = 60`` runs an hour of inverter life per real minute. The real-time source is injectable so that
tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from optimizer.errors import UsageError


def aware_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive value is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class SimClock:
    """A thread-safe simulated clock (aware UTC datetimes)."""

    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise UsageError(f"clock speed must be >= 0, got {speed}")
        self._start = aware_utc(start) if start is not None else datetime.now(UTC)
        self._speed = float(speed)
        self._monotonic = monotonic
        self._origin_s = monotonic()
        self._advanced = timedelta(0)
        self._lock = threading.Lock()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    @property
    def start(self) -> datetime:
        return self._start

    def now(self) -> datetime:
        """The simulated time, aware UTC."""
        with self._lock:
            elapsed_s = (self._monotonic() - self._origin_s) * self._speed
            return self._start + timedelta(seconds=elapsed_s) + self._advanced

    def advance(self, delta: timedelta) -> datetime:
        """Move simulated time forward by ``delta`` (never backwards); returns the new time."""
        if delta < timedelta(0):
            raise UsageError(f"the simulated clock only moves forward, got {delta}")
        with self._lock:
            self._advanced += delta
        return self.now()
