"""Bounded exponential back-off with jitter for the calls worth repeating.

Retried: errno 40400 (too frequent), 41200-41203 (cloud query failures), 41935 (device offline), HTTP 429 and
5xx, timeouts and connection errors. Never retried: 40256/40257 and every other errno (the request itself is
wrong), and 40402 (the daily quota is gone: retrying only burns more of tomorrow's patience).

The n-th retry (``attempt`` = 0, 1, ...) waits ``d/2 + U(0, d/2)`` seconds with ``d = min(cap, base · 2**n)``:
at least half the exponential step, so retries never bunch up, and at most ``cap``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEFAULT_MAX_RETRIES = 4
DEFAULT_BASE_DELAY_S = 2.0
DEFAULT_MAX_DELAY_S = 30.0


@dataclass
class RetryPolicy:
    """How often and how long to wait before repeating a failed call."""

    max_retries: int = DEFAULT_MAX_RETRIES
    base_delay_s: float = DEFAULT_BASE_DELAY_S
    max_delay_s: float = DEFAULT_MAX_DELAY_S
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if not 0 < self.base_delay_s <= self.max_delay_s:
            raise ValueError(f"need 0 < base_delay_s <= max_delay_s, got {self.base_delay_s} and {self.max_delay_s}")

    def delay_s(self, attempt: int, *, at_least_s: float = 0.0) -> float:
        """Seconds [s] to wait before retry number ``attempt`` (0-based); ``at_least_s`` honours a
        server's ``Retry-After``, still capped at ``max_delay_s``."""
        step = min(self.max_delay_s, self.base_delay_s * 2**attempt)
        jittered = step / 2 + self.rng.uniform(0, step / 2)
        return min(self.max_delay_s, max(jittered, at_least_s))
