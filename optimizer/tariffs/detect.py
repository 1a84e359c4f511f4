"""Which format a tariff or price file is in, told from its content (the file name is only a hint)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from optimizer.tariffs.problems import file_error
from optimizer.tariffs.readers.agile_csv import looks_like_agile
from optimizer.tariffs.readers.entsoe import looks_like_entsoe
from optimizer.tariffs.readers.octopus_json import looks_like_octopus
from optimizer.tariffs.readers.plain_csv import looks_like_plain
from optimizer.tariffs.readers.urdb import looks_like_urdb

Format = Literal["tariff-toml", "octopus-json", "urdb-json", "agile-csv", "entsoe-csv", "plain-csv"]
FORMATS: tuple[Format, ...] = ("tariff-toml", "octopus-json", "urdb-json", "agile-csv", "entsoe-csv", "plain-csv")
_HINT = (
    "Expected a tariff TOML, an Octopus API unit-rates JSON, an OpenEI URDB JSON record, an Agile CSV "
    "download, an ENTSO-E day-ahead CSV export or a time,price CSV."
)


def _first_line(text: str) -> str:
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return ""


def _json_format(document: Any, path: Path) -> Format:
    if looks_like_octopus(document):
        return "octopus-json"
    if looks_like_urdb(document):
        return "urdb-json"
    raise file_error(path, "JSON, but neither Octopus API unit rates ('results') nor a URDB record", hint=_HINT)


def detect_format(path: Path, text: str) -> tuple[Format, Any]:
    """The format of ``text`` (the content of ``path``) and, for JSON, the parsed document."""
    body = text.lstrip("\ufeff").lstrip()
    if not body:
        raise file_error(path, "the file is empty", hint=_HINT)
    if path.suffix.lower() == ".toml":
        return "tariff-toml", None
    if body[0] in "{[":
        try:
            document = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            if body[0] == "{" or path.suffix.lower() == ".json":
                raise file_error(path, f"not valid JSON: {exc.msg}", line=exc.lineno, hint=_HINT) from None
        else:
            return _json_format(document, path), document
    header = _first_line(text)
    if looks_like_agile(header):
        return "agile-csv", None
    if looks_like_entsoe(header):
        return "entsoe-csv", None
    if looks_like_plain(header):
        return "plain-csv", None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = None
    if isinstance(data, dict) and ({"import", "export", "name"} & set(data)):
        return "tariff-toml", None
    raise file_error(path, f"cannot tell the file's format from its first line {header[:60]!r}", line=1, hint=_HINT)
