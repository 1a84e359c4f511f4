"""With no credentials the commands run against the built-in simulated cloud (the README's first command)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.fakecloud import FakeCloudConfig

SLOT_KEYS = {
    "start",
    "import_price",
    "export_price",
    "load_kw",
    "pv_kw",
    "grid_import_kw",
    "grid_export_kw",
    "charge_kw",
    "discharge_kw",
    "soc_pct",
}


def test_plan_json_follows_the_contract() -> None:
    result = CliRunner().invoke(app, ["plan", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    for key in ("start", "end", "timezone", "slot_minutes", "slots", "groups", "cost", "end_soc_pct", "timings"):
        assert key in doc
    assert set(doc["cost"]) >= {"planned", "self_use", "no_battery", "compiled"}
    assert {"solve_s", "total_s"} <= set(doc["timings"])
    assert doc["api_calls"] > 0
    assert len(doc["slots"]) == 48 and set(doc["slots"][0]) >= SLOT_KEYS
    assert 1 <= len(doc["groups"]) <= 8
    for slot in doc["slots"]:  # never both directions at once
        assert slot["charge_kw"] == 0 or slot["discharge_kw"] == 0
        assert slot["grid_import_kw"] == 0 or slot["grid_export_kw"] == 0
    assert doc["cost"]["planned"] <= doc["cost"]["self_use"] + 1e-6


def test_run_push_twice_on_the_embedded_cloud_writes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command starts its own embedded cloud; the schedule survives from one to the next."""
    frozen = datetime(2026, 11, 24, 21, 40, tzinfo=UTC)  # both runs see the same moment (no slot boundary between)
    original = FakeCloudConfig.for_embedded
    monkeypatch.setattr(
        FakeCloudConfig, "for_embedded", classmethod(lambda cls, **kw: original(start=frozen, speed=0, **kw))
    )
    runner = CliRunner()
    first = runner.invoke(app, ["run", "--push", "--json"])
    assert first.exit_code == 0, first.stderr
    assert "simulated Fox ESS cloud" in first.stderr
    hybrid = [d for d in json.loads(first.stdout)["devices"] if not d.get("skipped")]
    assert hybrid and hybrid[0]["pushed"] and hybrid[0]["verified"]
    second = runner.invoke(app, ["run", "--push", "--json"])
    assert second.exit_code == 0, second.stderr
    again = [d for d in json.loads(second.stdout)["devices"] if not d.get("skipped")]
    assert again[0]["writes"] == 0 and again[0]["verified"]
