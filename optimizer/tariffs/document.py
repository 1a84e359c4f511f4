"""Reading a tariff TOML file into a :class:`~optimizer.tariffs.schema.TariffDocument`.

Syntax errors and validation errors alike become :class:`~optimizer.tariffs.problems.TariffFileError`
problems naming the file, the line, the field and the value.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.tariffs.bands import CoverageError
from optimizer.tariffs.problems import Loc, Problem, TariffFileError, file_error, format_loc
from optimizer.tariffs.schema import TariffDocument
from optimizer.tariffs.toml_lines import key_lines, line_for

_HINT = "See docs/tariffs.md for the tariff file format; `optimizer tariffs check FILE` re-checks it."


@dataclass(frozen=True)
class LoadedDocument:
    """A validated tariff document with what is needed to point at its lines later."""

    path: Path
    document: TariffDocument
    data: dict[str, Any]
    lines: dict[Loc, int]

    def problem(self, loc: Loc, message: str) -> Problem:
        """A problem located at ``loc`` (e.g. ``("import", "file")``) of this document."""
        line, cleaned = line_for(loc, self.lines, self.data)
        return Problem(str(self.path), message, line, format_loc(cleaned) or None)


def _shown_value(value: Any) -> str:
    if isinstance(value, Mapping | list):
        return ""
    if isinstance(value, bool):
        return f" (got {'true' if value else 'false'})"  # as written in TOML
    text = repr(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    kind = error.get("type")
    value = error.get("input")
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see the JSON Schema tariffs/tariff.schema.json)"
    if kind == "value_error":
        return message
    if kind in ("float_type", "int_type") and isinstance(value, bool):
        noun = "a number" if kind == "float_type" else "a whole number"
        return f"must be {noun}, not a boolean" + _shown_value(value)
    if kind == "finite_number":
        return "must be a finite number, not NaN or infinity" + _shown_value(value)
    return message + _shown_value(value)


def validation_problems(
    path: Path, exc: ValidationError, data: Mapping[str, Any], lines: Mapping[Loc, int]
) -> list[Problem]:
    """Turn pydantic errors into located problems (line, cleaned field path, message with value)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error.get("loc", ()))
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, CoverageError):
            loc = (*loc, *cause.sub_loc)
        line, cleaned = line_for(loc, lines, data)
        problems.append(Problem(str(path), _message(error), line, format_loc(cleaned) or None))
    return problems


def parse_document(text: str, path: Path) -> LoadedDocument:
    """Parse and validate the TOML ``text`` of the tariff file ``path``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(found.group(1)) if found else None
        raise file_error(path, f"not valid TOML: {message}", line=line, hint=_HINT) from None
    lines = key_lines(text)
    try:
        document = TariffDocument.model_validate(data)
    except ValidationError as exc:
        raise TariffFileError(validation_problems(path, exc, data, lines), hint=_HINT) from None
    return LoadedDocument(path, document, data, lines)


def load_document(path: str | Path) -> LoadedDocument:
    """Read and validate a tariff TOML file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise file_error(file, "not a UTF-8 text file") from None
    except OSError as exc:
        raise file_error(file, f"cannot read: {exc.strerror}") from None
    return parse_document(text, file)
