"""Plans → scheduler groups: the compiler.

Pipeline of this package::

    plan slots ──> labels (settings per slot) ──> clock (cells of the daily cycle) ──> merge/dp (choose groups
    by simulated cost) ──> compiler (groups, validated; their replay gives ``cost.compiled``)

Modules: :mod:`~optimizer.compile.compiler` (the entry point :func:`compile_plan`), :mod:`~.settings` (valid
group settings from physical targets), :mod:`~.labels` (a plan's slots read as settings), :mod:`~.clock` (the
daily clock the groups live on, and the window's data), :mod:`~.merge` (the greedy search and polish),
:mod:`~.dp` (the global proposal).
"""

from optimizer.compile.compiler import CompiledSchedule, CompileOptions, GapFill, compile_plan

__all__ = ["CompileOptions", "CompiledSchedule", "GapFill", "compile_plan"]
