"""Costs and savings are shown on equal terms, and groups that do not beat plain self-use are not pushed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.config import parse_config
from optimizer.pipeline import PlanOptions
from optimizer.pipeline import plan as plan_module
from optimizer.pipeline.api import plan

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"
FR = {
    "site": {"timezone": "Europe/Paris"},
    "tariff": {"import": "fr/dynamic-day-ahead.toml", "export": "fr/dynamic-day-ahead.toml"},
}


def test_groups_no_better_than_self_use_become_plain_self_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real French day whose best groups save 0.165 on equal terms: asked to beat self-use by more than that,
    the pipeline replaces them by plain SelfUse, says why, and expects no saving from it."""
    config = parse_config(FR)
    options = PlanOptions(history=HISTORY, start="2024-05-12", soc_pct=50, forecast="perfect")
    kept = plan(config, options)
    assert not kept.self_use_fallback and kept.expected_savings > 0.1
    assert {g.workMode for g in kept.groups} != {"SelfUse"}
    monkeypatch.setattr(plan_module, "SELF_USE_MARGIN", kept.expected_savings + 0.01)
    replaced = plan(config, options)
    assert replaced.self_use_fallback
    assert {g.workMode for g in replaced.groups} <= {"SelfUse"}
    assert all(g.minSocOnGrid == 10 for g in replaced.groups)
    assert replaced.expected_savings == pytest.approx(0.0, abs=1e-6)  # the groups are plain self-use now
    assert any("plain SelfUse instead" in note for note in replaced.notes)


def test_a_day_where_self_use_is_optimal_pushes_plain_self_use() -> None:
    """On 2024-06-12 the French day-ahead prices leave nothing to gain over self-use."""
    outcome = plan(parse_config(FR), PlanOptions(history=HISTORY, start="2024-06-12", soc_pct=50, forecast="perfect"))
    assert outcome.self_use_fallback and {g.workMode for g in outcome.groups} <= {"SelfUse"}


def test_a_useful_plan_is_kept_and_its_savings_count_the_energy_left(tmp_path: Path) -> None:
    config = tmp_path / "fr.toml"
    config.write_text(
        '[site]\ntimezone = "Europe/Paris"\n[tariff]\nimport = "fr/dynamic-day-ahead.toml"\n'
        'export = "fr/dynamic-day-ahead.toml"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["plan", "--config", str(config), "--history", str(HISTORY), "--start", "2024-05-12", "--soc", "50",
         "--forecast", "perfect", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["self_use_fallback"] is False
    cost, credit, value = doc["cost"], doc["cost"]["end_credit"], doc["terminal_value_per_kwh"]
    assert credit["compiled"] == pytest.approx(value * 10.4 * doc["slots"][-1]["soc_pct"] / 100, abs=0.05)
    net = {k: cost[k] - credit[k] for k in ("planned", "compiled", "self_use")}
    assert doc["savings"]["vs_self_use"] == pytest.approx(net["self_use"] - net["compiled"], abs=1e-3)
    assert doc["savings"]["compile_loss"] == pytest.approx(net["compiled"] - net["planned"], abs=1e-3)
    assert doc["savings"]["vs_self_use"] > 0.1
