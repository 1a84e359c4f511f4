"""Fixtures of the history tests: data files and a fake Fox ESS client that counts its calls."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from optimizer.errors import FoxEssError

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Point:
    time: datetime
    value: float | None


@dataclass(frozen=True)
class ReportRow:
    variable: str
    unit: str
    values: list[float | None]


def load_at(t: datetime) -> float:
    """A deterministic household load [kW] by time of day."""
    hour = t.hour + t.minute / 60.0
    return round(0.4 + 0.3 * math.sin(hour / 24.0 * 2 * math.pi) ** 2 + (1.5 if 18 <= hour < 19 else 0.0), 4)


def pv_at(t: datetime) -> float:
    hour = t.hour + t.minute / 60.0
    return round(max(0.0, 3.0 * math.sin((hour - 6.0) / 12.0 * math.pi)) if 6 <= hour <= 18 else 0.0, 4)


@dataclass
class FakeClient:
    """Duck-typed :class:`optimizer.foxess.FoxEssClient`: 5-min samples up to the fake ``now``; one call each."""

    now: datetime
    step: timedelta = timedelta(minutes=5)
    fail_on_call: int | None = None
    report_values: dict[str, list[float | None]] = field(default_factory=dict)
    calls_made: int = 0
    history_calls: list[tuple[datetime, datetime]] = field(default_factory=list)
    report_calls: list[tuple[int, int | None]] = field(default_factory=list)

    def _count(self) -> None:
        self.calls_made += 1
        if self.fail_on_call is not None and self.calls_made == self.fail_on_call:
            raise FoxEssError("simulated cloud outage")

    def history_window(self, sn: str, begin: datetime, end: datetime, variables: list[str]) -> dict[str, list[Point]]:
        assert end - begin <= timedelta(hours=24), (begin, end)
        assert begin.tzinfo is not None and end.tzinfo is not None
        self._count()
        self.history_calls.append((begin, end))
        first = datetime.fromtimestamp(
            math.ceil(begin.timestamp() / self.step.total_seconds()) * self.step.total_seconds(), UTC
        )
        stamps = []
        t = first
        while t < min(end, self.now):
            stamps.append(t)
            t += self.step
        series = {
            "loadsPower": [Point(s, load_at(s)) for s in stamps],
            "pvPower": [Point(s, pv_at(s)) for s in stamps],
            "SoC": [Point(s, 50.0 + (s.hour % 10)) for s in stamps],
            "feedinPower": [Point(s, None) for s in stamps],
        }
        return {name: points for name, points in series.items() if name in variables}

    def report(
        self,
        sn: str,
        dimension: str,
        year: int,
        month: int | None = None,
        day: int | None = None,
        variables: list[str] | None = None,
    ) -> list[ReportRow]:
        assert dimension == "month"
        self._count()
        self.report_calls.append((year, month))
        rows = []
        for name in variables or []:
            values = self.report_values.get(name, [10.0 + 0.1 * d for d in range(31)])
            rows.append(ReportRow(name, "kWh", list(values)))
        return rows


@pytest.fixture
def fr_csv() -> Path:
    return DATA / "household-fr-2024.csv"


@pytest.fixture
def dst_csv() -> Path:
    return DATA / "fr-2024-dst-offsets.csv"


@pytest.fixture
def de_csv() -> Path:
    return DATA / "de-konstanz-2016-spring-hourly.csv"
