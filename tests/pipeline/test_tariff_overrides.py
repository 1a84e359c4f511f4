"""Tariff overrides replace only the side they name, and a tariff on another clock than the site is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.config import Config, parse_config
from optimizer.pipeline.inputs import tariff_specs

HISTORY = Path(__file__).resolve().parents[1] / "data" / "household-fr-2024.csv"


def _plan(*args: str) -> dict:
    result = CliRunner().invoke(
        app, ["plan", "--history", str(HISTORY), "--start", "2024-06-12", "--soc", "50", "--json", *args]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_import_override_keeps_the_configured_export_tariff() -> None:
    doc = _plan("--tariff", "uk/economy-7.toml")  # default config: export = uk/outgoing-fixed.toml (0.15)
    assert {s["export_price"] for s in doc["slots"]} == {0.15}


def test_an_override_with_its_own_export_side_replaces_both() -> None:
    specs = tariff_specs(Config(), tariff="uk/octopus-flux.toml")
    assert specs.import_spec == "uk/octopus-flux.toml" and specs.export_spec is None
    doc = _plan("--tariff", "uk/octopus-flux.toml")
    assert len({s["export_price"] for s in doc["slots"]}) == 3  # Flux's own three export bands


@pytest.mark.parametrize(
    ("tariff", "export", "expected"),
    [
        (None, None, ("uk/octopus-go.toml", "uk/outgoing-fixed.toml")),
        ("uk/economy-7.toml", None, ("uk/economy-7.toml", "uk/outgoing-fixed.toml")),
        (None, "uk/octopus-flux.toml", ("uk/octopus-go.toml", "uk/octopus-flux.toml")),
        ("uk/cosy-octopus.toml", "uk/octopus-flux.toml", ("uk/cosy-octopus.toml", "uk/octopus-flux.toml")),
    ],
)
def test_tariff_specs(tariff: str | None, export: str | None, expected: tuple[str, str]) -> None:
    specs = tariff_specs(Config(), tariff=tariff, export_tariff=export)
    assert (specs.import_spec, specs.export_spec) == expected


def test_a_tariff_on_another_clock_is_noted() -> None:
    london = _plan("--tariff", "fr/dynamic-day-ahead.toml")
    assert any("Europe/Paris clock" in note and "Europe/London" in note for note in london["notes"])
    paris = parse_config({"site": {"timezone": "Europe/Paris"}})
    assert tariff_specs(paris, tariff="fr/dynamic-day-ahead.toml").zone_notes(paris) == []
