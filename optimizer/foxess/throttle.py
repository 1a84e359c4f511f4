"""Client-side call spacing, so the cloud never has to answer 40400 "too frequent".

The Open API allows one call per second on each query path and one call every two seconds on each write
path; the client also keys writes by device, as working clients do. The spacing is measured from the moment
the previous call on the same key was *sent*, on the monotonic clock of a :class:`~optimizer.foxess.Clock`.
It holds within one client object (one process); separate processes sharing a key are not coordinated.
"""

from __future__ import annotations

from collections.abc import Hashable

from optimizer.foxess.clock import Clock

#: The documented limits (1 s per query path, 2 s per write path) plus a margin: the server measures the
#: spacing between *arrivals*, so two calls sent exactly 1.000 s apart can arrive 0.998 s apart and the second
#: is refused with 40400, which costs a call of the daily quota and a back-off.
SPACING_MARGIN_S = 0.1
QUERY_SPACING_S = 1.0 + SPACING_MARGIN_S
WRITE_SPACING_S = 2.0 + SPACING_MARGIN_S


class Throttle:
    """Minimum spacing [s] between calls that share a key."""

    def __init__(
        self,
        clock: Clock,
        *,
        query_spacing_s: float = QUERY_SPACING_S,
        write_spacing_s: float = WRITE_SPACING_S,
        enabled: bool = True,
    ) -> None:
        self._clock = clock
        self.query_spacing_s = query_spacing_s
        self.write_spacing_s = write_spacing_s
        self.enabled = enabled
        self._last_sent: dict[Hashable, float] = {}

    @staticmethod
    def key(path: str, write: bool, sn: str | None) -> Hashable:
        """Queries are spaced per path; writes per (path, device)."""
        return ("write", path, sn) if write else ("query", path)

    def wait(self, path: str, *, write: bool, sn: str | None = None) -> float:
        """Sleep until a call on (``path``, ``sn``) may be sent, mark it sent, and return the wait [s]."""
        key = self.key(path, write, sn)
        spacing = self.write_spacing_s if write else self.query_spacing_s
        waited = 0.0
        last = self._last_sent.get(key)
        if self.enabled and last is not None:
            waited = last + spacing - self._clock.monotonic()
            if waited > 0:
                self._clock.sleep(waited)
            else:
                waited = 0.0
        self._last_sent[key] = self._clock.monotonic()
        return waited
