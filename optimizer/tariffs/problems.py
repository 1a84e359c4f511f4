"""Located problems in tariff and price files, and the error that carries them.

Every bad file is reported as one or more :class:`Problem` lines of the form
``FILE:LINE: FIELD: MESSAGE.`` (line and field where known; each line one sentence ending with a full
stop), the shape compilers and linters use, so that editors can jump to the spot.
:class:`TariffFileError` is a :class:`~optimizer.errors.TariffError` (exit 3) holding those problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import TariffError

Loc = tuple[str | int, ...]


def format_loc(loc: Loc) -> str:
    """``("import", "schedules", 0, "bands", 1)`` → ``import.schedules[0].bands[1]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, 1-based line, field) and what."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return text if text.endswith((".", "?", "!")) else text + "."


class TariffFileError(TariffError):
    """A tariff or price file is invalid; ``problems`` says where and why (exit code 3)."""

    def __init__(self, problems: Sequence[Problem], *, hint: str | None = None) -> None:
        if not problems:
            raise ValueError("TariffFileError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems), hint=hint)


def file_error(
    path: str | Path,
    message: str,
    *,
    line: int | None = None,
    field: str | None = None,
    hint: str | None = None,
) -> TariffFileError:
    """A :class:`TariffFileError` with a single problem."""
    return TariffFileError([Problem(str(path), message, line, field)], hint=hint)
