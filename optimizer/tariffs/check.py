"""Checking tariff and price files one by one, collecting located problems instead of stopping."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import OptimizerError, UsageError
from optimizer.tariffs.library import resolve_tariff_path
from optimizer.tariffs.problems import Problem, TariffFileError
from optimizer.tariffs.tariff import Tariff, describe_sides, read_tariff


@dataclass
class CheckResult:
    """The verdict on one file: the tariff when valid, else the problems (file, line, field, message)."""

    spec: str
    tariff: Tariff | None = None
    problems: list[Problem] = field(default_factory=list)
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.tariff is not None

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.tariff.warnings if self.tariff is not None else ()

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"file": self.spec, "ok": self.ok, "warnings": list(self.warnings)}
        if self.tariff is not None:
            document.update(
                name=self.tariff.name,
                format=self.tariff.format,
                currency=self.tariff.currency,
                timezone=self.tariff.timezone,
                sides=describe_sides(self.tariff),
            )
        document["problems"] = [
            {"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in self.problems
        ]
        if self.hint:
            document["hint"] = self.hint
        return document


def check_file(spec: str, *, timezone: str | None, base_dir: Path | None = None) -> CheckResult:
    """Resolve and fully read ``spec`` (a tariff's price files included; the Octopus API is not called)."""
    try:
        tariff = read_tariff(resolve_tariff_path(spec, base_dir), timezone=timezone)
    except TariffFileError as exc:
        return CheckResult(spec, problems=list(exc.problems), hint=exc.hint)
    except UsageError:
        raise
    except OptimizerError as exc:  # e.g. a file not found: reported for this file, the others still checked
        return CheckResult(spec, problems=[Problem(spec, exc.message)], hint=exc.hint)
    return CheckResult(spec, tariff=tariff)
