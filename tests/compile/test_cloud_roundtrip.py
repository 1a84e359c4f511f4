"""Groups accepted by the simulated cloud read back, as a sorted set, equal to those sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optimizer.compile import CompileOptions, compile_plan
from optimizer.fakecloud import FakeCloud, FakeCloudConfig
from optimizer.foxess import ApiKeyAuth, FoxEssClient
from optimizer.scheduler import active_groups, same_schedule, validate_groups
from tests.compile import scenarios
from tests.compile.plans import BATTERY, GRID, TZ


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(FakeCloudConfig(throttle=False)) as running:
        yield running


@pytest.mark.parametrize(
    ("scenario", "gap_fill"),
    [
        ("cheap_night", "selfuse"),
        ("evening_export", "selfuse"),
        ("two_window_agile", "selfuse"),
        ("export_pv_midday", "base"),
        ("twelve_windows", "selfuse"),
        ("twelve_windows", "auto"),
    ],
)
def test_compiled_groups_are_accepted_and_read_back_equal(cloud: FakeCloud, scenario: str, gap_fill: str) -> None:
    plan, soc = getattr(scenarios, scenario)()[:2]
    with FoxEssClient(cloud.base_url, ApiKeyAuth(cloud.api_key), throttle=False) as client:
        before = client.scheduler_get(cloud.hybrid_sn)
        compiled = compile_plan(
            plan,
            initial_soc_pct=soc,
            battery=BATTERY,
            grid=GRID,
            timezone=TZ,
            properties=before.properties,
            options=CompileOptions(gap_fill=gap_fill),  # type: ignore[arg-type]
        )
        validate_groups(compiled.groups, before.properties)
        client.scheduler_enable(cloud.hybrid_sn, compiled.groups)
        after = client.scheduler_get(cloud.hybrid_sn)
    sent = [g.wire() for g in compiled.groups]  # sorted by start
    read = [g.wire() for g in active_groups(after.groups)]  # the cloud stores them in shuffled slots
    assert read == sent
    assert same_schedule(after.groups, compiled.groups)
    assert after.enable
