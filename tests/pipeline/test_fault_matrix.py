"""A representative subset of the push fault matrix (``bench/fault_matrix.py`` runs all of it and writes
``docs/fault-matrix.md``): each case must keep every promise the matrix checks (what the inverter holds, exit
code, one error sentence, no key anywhere, the next run settling what is left)."""

from __future__ import annotations

import pytest

from .pushworld import all_cases, case_named, run_case

SUBSET = [
    "enable/write-failed",
    "enable/transient-once",
    "enable/timeout-always",
    "flag/HTTP-503-always",
    "readback/quota-errno",
    "readback/broken-answer",
    "readback/timeout-always",
    "count/quota-errno",
    "all-writes/44098",
    "settle-read/503-always",
    "restore/not-applied-disabled-group",
    "restore/refused/flag-off-fallback",
    "restore/refused+fallback-refused",
    "previous-empty/enable-not-applied",
    "budget/run-left-13",
    "budget/run-left-14+one-retried",
    "budget/cloud-left-5",
    "device/props-lack-maxsoc+restore",
    "concurrent/push+run",
    "concurrent/run+push-wait-0",
]


def test_the_subset_names_cases_of_the_matrix() -> None:
    names = [c.name for c in all_cases()]
    assert len(names) == len(set(names)) and len(names) >= 120
    assert set(SUBSET) <= set(names)


@pytest.mark.parametrize("name", SUBSET)
def test_case_keeps_its_promises(name: str) -> None:
    result = run_case(case_named(name))
    assert not result.problems, result.problems
    assert result.next_code == 0 and result.next_holds == "new"
