"""Endpoint churn: the endpoints the real cloud dropped, and from which (simulated) day they answer HTTP 405."""

from __future__ import annotations

from datetime import date

REMOVED: dict[str, date] = {
    "/op/v0/device/variable/get": date(2026, 4, 8),  # failing since (foxesscloud 2.9.10)
    "/op/v0/device/battery/real/query": date.min,  # removed by 2026-06 (foxesscloud 2.9.16); never simulated
}
"""Endpoints the real cloud dropped, and the (simulated, UTC) date from which they answer HTTP 405."""


def removed(path: str, today: date) -> bool:
    """Whether ``path`` no longer exists on ``today`` (it then answers HTTP 405, as removed endpoints do)."""
    since = REMOVED.get(path)
    return since is not None and today >= since
