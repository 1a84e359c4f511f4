"""The fault matrix's harness (``bench/fault_matrix.py``) for tests: a simulated cloud with its limits on, a
previous schedule installed, the history synced, and the CLI driven in-process or as a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.fault_matrix import (  # the same harness the matrix document is generated with
    COUNT,
    ENABLE,
    FLAG,
    GET,
    KEY,
    PREVIOUS,
    Arm,
    Case,
    Outcome,
    Result,
    World,
    all_cases,
    run_case,
)

__all__ = [
    "COUNT",
    "ENABLE",
    "FLAG",
    "GET",
    "KEY",
    "PREVIOUS",
    "Arm",
    "Case",
    "Outcome",
    "Result",
    "World",
    "all_cases",
    "case_named",
    "run_case",
    "world",
]


def case_named(name: str) -> Case:
    return next(c for c in all_cases() if c.name == name)


@contextmanager
def world(folder: Path, **case: object) -> Iterator[World]:
    """A :class:`World` for an ad-hoc case, its previous schedule installed and its history synced."""
    folder.mkdir(parents=True, exist_ok=True)
    built = World(Case(name="test", family="test", **case), folder)  # type: ignore[arg-type]
    try:
        built.install_previous()
        built.tick()
        warm = built.invoke("run", "--json")
        assert warm.code == 0, warm.stdout + warm.stderr
        built.tick()
        yield built
    finally:
        built.close()
