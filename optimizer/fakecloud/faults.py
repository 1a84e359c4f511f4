"""Fault injection: make the simulated cloud fail the way the real one does, per path, a set number of times.

Kinds and where they strike:

==============  =============================================================================================
``http``        HTTP 5xx from the front door (an HTML error page); the request is not processed.
``timeout``     no answer at all: the server holds the connection for ``seconds`` (default 60 s, cut short
                when the server stops) and closes it; the request is not processed.
``slow``        the answer comes after ``seconds``; the request is processed normally.
``errno``       HTTP 200 with ``{"errno": N}`` (41200, 41203, 41935, 44098, ...) once the request has passed
                the signature, throttle and quota checks (it counts against the quota, as on the real cloud).
``malformed``   the request is processed, then the JSON answer is cut off mid-document.
``not_applied`` for a write: the usual success answer, but nothing is stored (read-back shows the old state).
==============  =============================================================================================

``path`` is an exact request path such as ``/op/v1/device/scheduler/enable`` or ``*`` for every path;
``count`` is how many matching requests fail (``None``: all of them). Faults are used in the order added.

From the CLI: ``--fault PATH=WHAT[:COUNT]`` where ``WHAT`` is a 5-digit errno (``41200``), a 3-digit HTTP
status (``503``), ``timeout``, ``slow<seconds>`` (``slow2.5``), ``malformed`` or ``notapplied``, and
``COUNT`` a positive number or ``*`` for always (default 1). Example:
``--fault /op/v1/device/scheduler/enable=44098:2``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Literal

from optimizer.errors import UsageError

FaultKind = Literal["http", "timeout", "slow", "errno", "malformed", "not_applied"]
ANY_PATH = "*"
DEFAULT_TIMEOUT_S = 60.0


@dataclass
class Fault:
    """One injected fault; ``hits`` counts the requests it has struck."""

    path: str
    kind: FaultKind
    errno: int = 0
    status: int = 0
    seconds: float = 0.0
    count: int | None = 1
    hits: int = 0

    def matches(self, path: str) -> bool:
        return self.path in (ANY_PATH, path)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count

    def describe(self) -> str:
        what = {
            "http": f"HTTP {self.status}",
            "timeout": f"timeout ({self.seconds:g} s)",
            "slow": f"slow answer ({self.seconds:g} s)",
            "errno": f"errno {self.errno}",
            "malformed": "malformed JSON",
            "not_applied": "write not applied",
        }[self.kind]
        times = "always" if self.count is None else f"{self.count}×"
        return f"{self.path}: {what}, {times}"


def _check_count(count: int | None) -> int | None:
    if count is not None and count < 1:
        raise UsageError(f"a fault count must be a positive number or None (always), got {count}")
    return count


class Faults:
    """The faults pending on one simulated cloud (thread-safe)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        _check_count(fault.count)
        if not fault.path.startswith("/") and fault.path != ANY_PATH:
            raise UsageError(f"a fault path must start with '/' or be '*', got {fault.path!r}")
        with self._lock:
            self._faults.append(fault)
        return fault

    def errno(self, path: str, errno: int, count: int | None = 1) -> Fault:
        """Answer HTTP 200 with ``errno`` (e.g. 41200, 41203, 41935, 44098)."""
        if errno <= 0:
            raise UsageError(f"an injected errno must be positive, got {errno}")
        return self.add(Fault(path, "errno", errno=errno, count=count))

    def http(self, path: str, status: int = 503, count: int | None = 1) -> Fault:
        """Answer with an HTTP error status (5xx) without processing the request."""
        if not 400 <= status <= 599:
            raise UsageError(f"an injected HTTP status must be 4xx or 5xx, got {status}")
        return self.add(Fault(path, "http", status=status, count=count))

    def timeout(self, path: str, count: int | None = 1, seconds: float = DEFAULT_TIMEOUT_S) -> Fault:
        """Hold the request ``seconds`` without answering, then drop the connection."""
        return self.add(Fault(path, "timeout", seconds=seconds, count=count))

    def slow(self, path: str, seconds: float, count: int | None = 1) -> Fault:
        """Answer normally, but only after ``seconds``."""
        if seconds < 0:
            raise UsageError(f"a delay must be >= 0 s, got {seconds}")
        return self.add(Fault(path, "slow", seconds=seconds, count=count))

    def malformed(self, path: str, count: int | None = 1) -> Fault:
        """Process the request, then send a truncated JSON document."""
        return self.add(Fault(path, "malformed", count=count))

    def write_not_applied(self, path: str, count: int | None = 1) -> Fault:
        """Answer a write with success but store nothing."""
        return self.add(Fault(path, "not_applied", count=count))

    def add_spec(self, spec: str) -> Fault:
        """Add a fault from its CLI form ``PATH=WHAT[:COUNT]``."""
        return self.add(parse_fault_spec(spec))

    def take(self, path: str, kinds: tuple[FaultKind, ...]) -> Fault | None:
        """The first pending fault of one of ``kinds`` for ``path``, counted as used; else ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(path) and not fault.exhausted:
                    fault.hits += 1
                    return fault
        return None

    def peek(self, path: str, kinds: tuple[FaultKind, ...]) -> bool:
        """Whether a fault of one of ``kinds`` is pending for ``path`` (nothing is used up)."""
        with self._lock:
            return any(f.kind in kinds and f.matches(path) and not f.exhausted for f in self._faults)

    def pending(self) -> list[Fault]:
        """Faults that will still strike."""
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


_SPEC = re.compile(r"^(?P<path>\*|/\S*?)=(?P<what>[A-Za-z_\-]+[0-9.]*|\d+)(?::(?P<count>\d+|\*))?$")


def parse_fault_spec(spec: str) -> Fault:
    """Parse ``PATH=WHAT[:COUNT]`` (see the module docstring) into a :class:`Fault`."""
    match = _SPEC.match(spec.strip())
    if not match:
        raise UsageError(
            f"cannot read fault {spec!r}; write PATH=WHAT[:COUNT], "
            "e.g. /op/v1/device/scheduler/enable=44098:2 or '*=503:*'"
        )
    path, what = match["path"], match["what"].lower()
    raw_count = match["count"]
    count = None if raw_count == "*" else int(raw_count or 1)
    _check_count(count)
    if what.isdigit():
        code = int(what)
        if len(what) == 3 and 400 <= code <= 599:
            return Fault(path, "http", status=code, count=count)
        if len(what) == 5:
            return Fault(path, "errno", errno=code, count=count)
        raise UsageError(f"fault {spec!r}: {what} is neither an HTTP status (4xx/5xx) nor a 5-digit errno")
    if what == "timeout":
        return Fault(path, "timeout", seconds=DEFAULT_TIMEOUT_S, count=count)
    if what.startswith("slow"):
        seconds = what[4:] or "5"
        try:
            return Fault(path, "slow", seconds=float(seconds), count=count)
        except ValueError:
            raise UsageError(f"fault {spec!r}: cannot read the delay {seconds!r}") from None
    if what == "malformed":
        return Fault(path, "malformed", count=count)
    if what in ("notapplied", "not_applied", "not-applied", "write_not_applied"):
        return Fault(path, "not_applied", count=count)
    raise UsageError(
        f"fault {spec!r}: unknown kind {what!r}; use an errno, an HTTP status, timeout, slow<s>, "
        "malformed or notapplied"
    )
