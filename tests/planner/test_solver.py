"""Solver choice, the solver's real status, time limits, timings and a silent stdout."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pulp
import pytest

import optimizer.solve as solve_module
from optimizer.errors import SolveError
from optimizer.model import build_model
from optimizer.solve import SolveStatus, available_solvers, resolve_solver, run_solver, solve_plan
from tests.planner.builders import ROOT_HINT, check_plan, go_night_inputs


def test_both_solvers_are_available_here_highs_first() -> None:
    assert available_solvers() == ["highs", "cbc"]
    assert resolve_solver("auto") == "highs"
    assert resolve_solver(" CBC ") == "cbc"


def test_auto_falls_back_to_cbc_without_highspy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve_module, "_highs_available", lambda: False)
    assert available_solvers() == ["cbc"]
    assert resolve_solver("auto") == "cbc"
    with pytest.raises(SolveError, match="the highs solver is not available here") as caught:
        resolve_solver("highs")
    assert "highspy" in (caught.value.hint or "")
    result = solve_plan(go_night_inputs(), solver="auto")
    assert result.solver == "cbc"


def test_no_solver_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve_module, "_highs_available", lambda: False)
    monkeypatch.setattr(solve_module, "_cbc_path", lambda: None)
    with pytest.raises(SolveError, match="no LP solver is available"):
        resolve_solver("auto")


def test_highs_and_cbc_agree_on_a_mixed_integer_plan() -> None:
    inputs = go_night_inputs()
    highs = solve_plan(inputs, solver="highs")
    cbc = solve_plan(inputs, solver="cbc")
    assert highs.integer_vars > 0
    assert highs.objective == pytest.approx(cbc.objective, abs=2e-4)
    check_plan(inputs, highs)
    check_plan(inputs, cbc)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("kOptimal", SolveStatus.OPTIMAL),
        ("kInfeasible", SolveStatus.INFEASIBLE),
        ("kUnboundedOrInfeasible", SolveStatus.INFEASIBLE),
        ("kUnbounded", SolveStatus.UNBOUNDED),
        ("kTimeLimit", SolveStatus.TIME_LIMIT),
        ("kInterrupt", SolveStatus.TIME_LIMIT),
        ("kSolveError", SolveStatus.ERROR),
    ],
)
def test_highs_status_is_read_from_highs(name: str, status: SolveStatus) -> None:
    assert solve_module._highs_status(SimpleNamespace(name=name)) is status


@pytest.mark.parametrize(
    ("status", "sol_status", "expected"),
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, SolveStatus.OPTIMAL),
        # CBC stopped on time with a feasible point: pulp says "Optimal", the solution is only feasible
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, SolveStatus.TIME_LIMIT),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, SolveStatus.TIME_LIMIT),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, SolveStatus.INFEASIBLE),
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, SolveStatus.UNBOUNDED),
        (pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound, SolveStatus.ERROR),
    ],
)
def test_cbc_status_does_not_trust_pulps_optimal(status: int, sol_status: int, expected: SolveStatus) -> None:
    assert solve_module._cbc_status(status, sol_status) is expected


def test_highs_time_limit_is_reported_not_taken_for_optimal() -> None:
    model = build_model(go_night_inputs(slot_minutes=5, hours=48))
    outcome = run_solver(model, "highs", 1e-9)
    assert outcome.status is SolveStatus.TIME_LIMIT
    assert outcome.objective is None


def test_time_limit_is_a_solve_error(monkeypatch: pytest.MonkeyPatch) -> None:
    timed_out = solve_module.SolverOutcome(SolveStatus.TIME_LIMIT, None, 30.0, "HiGHS model status Time limit reached")
    monkeypatch.setattr(solve_module, "run_solver", lambda *args, **kwargs: timed_out)
    with pytest.raises(SolveError, match="reached the time limit of 30 s without proving an optimal plan") as caught:
        solve_plan(go_night_inputs())
    assert caught.value.exit_code == 1
    assert "time_limit_s" in (caught.value.hint or "")


def test_solver_failure_is_a_solve_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise pulp.PulpSolverError("solver crashed")

    monkeypatch.setattr(pulp.LpProblem, "solve", broken)
    with pytest.raises(SolveError, match="the highs solver failed: solver crashed"):
        solve_plan(go_night_inputs(), solver="highs")


def test_result_carries_status_solver_and_timings() -> None:
    result = solve_plan(go_night_inputs())
    assert result.status is SolveStatus.OPTIMAL and result.status == "optimal"
    assert result.solver == "highs"
    t = result.timings
    assert t.build_s > 0 and t.solve_s > 0 and t.extract_s >= 0
    assert t.build_s + t.solve_s + t.extract_s <= t.total_s + 1e-9


def test_nothing_reaches_stdout() -> None:
    """HiGHS prints a banner on stdout when first created; `plan --json` must stay clean."""
    code = (
        "from tests.planner.builders import go_night_inputs\n"
        "from optimizer.solve import solve_plan\n"
        "solve_plan(go_night_inputs(), solver='highs'); solve_plan(go_night_inputs(), solver='cbc')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT_HINT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
