"""The JSON Schema of the tariff TOML format, for editors (e.g. Taplo / Even Better TOML, VS Code).

``python -m optimizer.tariffs.json_schema`` rewrites ``tariffs/tariff.schema.json``;
``python -m optimizer.tariffs.json_schema --check`` exits 1 when the file is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from optimizer.tariffs.schema import TariffDocument

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "tariffs" / "tariff.schema.json"


def tariff_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a tariff file, as pydantic validates it (by alias)."""
    schema = TariffDocument.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    return json.dumps(tariff_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != schema_text():
            print(f"{SCHEMA_FILE} is out of date; run python -m optimizer.tariffs.json_schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
