"""The shipped tariff library: path resolution, listing, sensible prices, and packaging into the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import TariffError
from optimizer.tariffs import library, read_tariff, resolve_tariff_path, shipped_root, shipped_tariffs
from optimizer.tariffs.sides import OctopusPrices
from optimizer.timegrid import local_day_index

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "uk/octopus-go.toml": ("banded", None),
    "uk/intelligent-octopus-go.toml": ("banded", None),
    "uk/octopus-flux.toml": ("banded", "banded"),
    "uk/cosy-octopus.toml": ("banded", None),
    "uk/octopus-agile.toml": ("dynamic", "dynamic"),
    "uk/octopus-agile-a-2020-2021.toml": ("dynamic", None),
    "uk/outgoing-fixed.toml": ("none", "flat"),
    "uk/economy-7.toml": ("banded", None),
    "de/dynamic-day-ahead.toml": ("dynamic", "flat"),
    "fr/dynamic-day-ahead.toml": ("dynamic", "flat"),
    "es/2.0td-three-period.toml": ("banded", None),
    "au/ausgrid-ea025-tou.toml": ("banded", "flat"),
    "us/aps-et2.toml": ("banded", None),
}


def test_the_library_ships_every_required_tariff_with_source_and_date() -> None:
    found = {t.spec: t for t in shipped_tariffs()}
    assert set(REQUIRED) <= set(found)
    for spec, (kind, export_kind) in REQUIRED.items():
        entry = found[spec]
        assert (entry.kind, entry.export_kind) == (kind, export_kind), spec
        assert entry.source and entry.last_checked is not None, spec
        assert entry.region == spec.split("/")[0]


def test_default_config_tariffs_exist() -> None:
    from optimizer.config import TariffConfig

    defaults = TariffConfig()
    assert defaults.export is not None
    assert resolve_tariff_path(defaults.import_).name == "octopus-go.toml"
    assert resolve_tariff_path(defaults.export).name == "outgoing-fixed.toml"


def test_resolution_order(tmp_path: Path) -> None:
    shipped = shipped_root() / "uk" / "octopus-go.toml"
    assert resolve_tariff_path("uk/octopus-go.toml") == shipped.resolve()
    assert resolve_tariff_path("tariffs/uk/octopus-go.toml", tmp_path) == shipped.resolve()
    own = tmp_path / "uk" / "octopus-go.toml"
    own.parent.mkdir()
    own.write_text("local copy", encoding="utf-8")
    assert resolve_tariff_path("uk/octopus-go.toml", tmp_path) == own.resolve()  # the config folder wins
    assert resolve_tariff_path(own) == own
    with pytest.raises(TariffError) as caught:
        resolve_tariff_path("uk/octopus-goo.toml", tmp_path)
    assert "tariff file 'uk/octopus-goo.toml' not found" in str(caught.value)
    assert str(tmp_path / "uk" / "octopus-goo.toml") in str(caught.value)
    assert caught.value.exit_code == 3
    with pytest.raises(TariffError, match="not found"):
        resolve_tariff_path(tmp_path / "missing.toml")


def test_a_missing_library_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(library, "PACKAGED_DIR", tmp_path / "a")
    monkeypatch.setattr(library, "CHECKOUT_DIR", tmp_path / "b")
    with pytest.raises(TariffError, match="library is missing"):
        shipped_root()


def test_the_packaged_copy_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    packaged = tmp_path / "_shipped"
    shutil.copytree(ROOT / "tariffs", packaged)
    monkeypatch.setattr(library, "PACKAGED_DIR", packaged)
    assert shipped_root() == packaged
    assert resolve_tariff_path("uk/octopus-go.toml", tmp_path / "elsewhere") == packaged / "uk" / "octopus-go.toml"
    assert len(shipped_tariffs()) == len(REQUIRED)


@pytest.mark.parametrize("spec", sorted(REQUIRED))
def test_every_shipped_tariff_shows_sensible_prices_for_today(spec: str) -> None:
    tariff = read_tariff(resolve_tariff_path(spec))
    today = date(2026, 11, 24)
    index = local_day_index(today, tariff.timezone, 30)
    if any(isinstance(side, OctopusPrices) for side in tariff.sides.values()):
        return  # fetched from the Octopus API at use; covered with MockTransport in test_octopus.py
    if tariff.format == "tariff-toml" and any(side.kind == "dynamic" for side in tariff.sides.values()):
        with pytest.raises(TariffError) as caught:  # the shipped price files are historical: a named hole
            tariff.prices(index) if tariff.has_import() else tariff.export_prices(index)
        assert "no import price for the slot starting" in str(caught.value)
        assert "docs/tariffs.md" in (caught.value.hint or "")
        return
    for side in tariff.sides:
        prices = tariff.side_prices(side, index)
        assert len(prices) == 48 and not prices.isna().any()
        assert (prices >= 0).all() and (prices < 1.0).all(), (spec, side, prices.describe())
        if side == "import":
            assert prices.max() > 0.05


def test_historical_shipped_dynamic_tariffs_price_their_own_period() -> None:
    for spec, on in (
        ("de/dynamic-day-ahead.toml", date(2024, 6, 12)),
        ("fr/dynamic-day-ahead.toml", date(2024, 6, 12)),
        ("uk/octopus-agile-a-2020-2021.toml", date(2021, 1, 15)),
    ):
        tariff = read_tariff(resolve_tariff_path(spec))
        prices = tariff.import_prices(local_day_index(on, tariff.timezone, 30))
        assert prices.notna().all() and 0.0 <= prices.mean() < 0.6, spec
    # the lowest spot price of the shipped files (2024-05-12 12:00Z) through each formula
    fr = read_tariff(resolve_tariff_path("fr/dynamic-day-ahead.toml"))
    de = read_tariff(resolve_tariff_path("de/dynamic-day-ahead.toml"))
    noon = pd.date_range("2024-05-12T12:00Z", periods=1, freq="60min")
    assert fr.import_prices(noon).iloc[0] == pytest.approx((-0.08729 + 0.0937) * 1.20)
    assert de.import_prices(noon).iloc[0] == pytest.approx((-0.13285 + 0.1786) * 1.19)


def test_build_py_hook_copies_the_library_into_the_package(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "optimizer", source / "optimizer", ignore=shutil.ignore_patterns("__pycache__", "_shipped"))
    shutil.copytree(ROOT / "tariffs", source / "tariffs")
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "out")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = tmp_path / "out" / "optimizer" / "tariffs" / "_shipped"
    copied = sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file())
    expected = sorted(p.relative_to(ROOT / "tariffs").as_posix() for p in (ROOT / "tariffs").rglob("*") if p.is_file())
    assert copied == expected
    assert "tariff.schema.json" in copied and "README.md" in copied
    assert (tmp_path / "out" / "optimizer" / "tariffs" / "library.py").is_file()
