"""The shipped tariff library and how tariff paths are resolved.

The library is the repository's top-level ``tariffs/`` folder. A wheel carries it as the package data
``optimizer/tariffs/_shipped/`` (copied there by ``setup.py``'s ``build_py`` hook), so the shipped tariffs
work after a plain ``pip install``; a checkout (or an editable install) uses the folder itself.

Relative paths resolve against the config file's folder first, then the library: ``uk/octopus-go.toml``
and ``tariffs/uk/octopus-go.toml`` both find the shipped file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from optimizer.errors import TariffError
from optimizer.tariffs.document import load_document

PACKAGED_DIR = Path(__file__).resolve().parent / "_shipped"
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "tariffs"
MARKER = "tariff.schema.json"


def shipped_root() -> Path:
    """The folder of the shipped tariffs (packaged copy first, then the checkout's ``tariffs/``)."""
    for candidate in (PACKAGED_DIR, CHECKOUT_DIR):
        if (candidate / MARKER).is_file():
            return candidate
    raise TariffError(
        "the shipped tariff library is missing from this installation.",
        hint="Reinstall foxess-optimizer (the wheel carries optimizer/tariffs/_shipped).",
    )


def resolve_tariff_path(spec: str | Path, base_dir: Path | None = None) -> Path:
    """Find a tariff or price file: absolute; else relative to ``base_dir`` (the config's folder, default
    the working directory); else in the shipped library (with or without a leading ``tariffs/``)."""
    text = str(spec).strip()
    if not text:
        raise TariffError("empty tariff path.")
    path = Path(text).expanduser()
    if path.is_absolute():
        if path.is_file():
            return path
        raise TariffError(f"tariff file {text!r} not found.")
    candidates = [(base_dir or Path.cwd()) / path]
    try:
        root = shipped_root()
    except TariffError:
        root = None
    if root is not None:
        candidates.append(root / path)
        if path.parts and path.parts[0] == "tariffs" and len(path.parts) > 1:
            candidates.append(root / Path(*path.parts[1:]))
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in candidates)
    raise TariffError(
        f"tariff file {text!r} not found (looked in: {looked})",
        hint="`optimizer tariffs list` shows the shipped tariffs.",
    )


@dataclass(frozen=True)
class ShippedTariff:
    """One tariff of the library, as listed by ``optimizer tariffs list``."""

    name: str
    spec: str
    path: Path
    region: str
    kind: str
    export_kind: str | None
    currency: str
    timezone: str
    supplier: str | None
    source: str | None
    last_checked: date | None

    def to_json(self) -> dict[str, Any]:
        """One ``optimizer tariffs list --json`` entry."""
        return {
            "tariff": self.spec,
            "name": self.name,
            "region": self.region,
            "import": self.kind if self.kind != "none" else None,
            "export": self.export_kind,
            "currency": self.currency,
            "timezone": self.timezone,
            "supplier": self.supplier,
            "source": self.source,
            "last_checked": self.last_checked.isoformat() if self.last_checked else None,
            "path": str(self.path),
        }


def shipped_tariffs() -> list[ShippedTariff]:
    """Every tariff TOML of the library, sorted by region and file name (validated as it is read)."""
    root = shipped_root()
    found = []
    for path in sorted(root.rglob("*.toml")):
        loaded = load_document(path)
        doc = loaded.document
        rel = path.relative_to(root).as_posix()
        found.append(
            ShippedTariff(
                name=doc.name,
                spec=rel,
                path=path,
                region=rel.split("/")[0] if "/" in rel else "",
                kind=doc.import_.kind if doc.import_ is not None else "none",
                export_kind=doc.export.kind if doc.export is not None else None,
                currency=doc.currency,
                timezone=doc.timezone,
                supplier=doc.supplier,
                source=doc.source,
                last_checked=doc.last_checked,
            )
        )
    return found
