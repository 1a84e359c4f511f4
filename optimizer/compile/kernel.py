"""The compiler's inner loop: replays of candidate schedules over one window, in C where it was built.

The search (:mod:`~optimizer.compile.merge`, :mod:`~optimizer.compile.dp`) asks two questions millions of times:
what does the window cost if cells ``c0..c1`` take mode ``m`` (from the cached replay of the current schedule),
and how many groups would that be. A :class:`Kernel` answers them for one window:

* ``set_base(cell_modes)`` replays the current schedule and caches, per slot, the energy at its start and its
  cost; returns ``(cost, soc_end_kwh)``;
* ``candidate(c0, c1, mode)`` replays from the first slot whose mode changes, from the cached energy there,
  and **stops early** once past the last changed slot with the energy back on the cached trajectory: from
  then on the slots are the cached schedule's (same mode, same energy), so their cached costs are added in
  the same order. Returns ``(prefix_cost_before_start + cost_from_start, soc_end_kwh)``, bit for bit what a
  full replay gives, or ``None`` when no slot changes;
* ``count(c0, c1, mode, uncounted, start_minute, slot_minutes)``: the group count
  (:meth:`~optimizer.compile.clock.ClockWindow.group_count`) of the current cells with ``c0..c1`` changed;
* ``sweep(order, ends, i, j_end, mode, soc_kwh, cost)``: the dp's extension of a partial schedule run by run;
* ``step(mode, soc_kwh, slot)``: one slot of the semantics (what the tests compare with the reference).

Two implementations with one semantics: ``optimizer.compile._kernel`` (C, built by ``pip install`` from
``_kernel.c`` where a C compiler exists; every floating-point operation in the order of
:func:`optimizer.simulate.advance`, FMA contraction off, so its results are identical) and
:class:`PyKernel` below (pure Python, calling :func:`optimizer.simulate.advance` itself), used where the
extension is missing or when ``FOXESS_OPTIMIZER_KERNEL=python``. :func:`optimizer.simulate.advance` stays the
reference: the tests replay real days and random cases through both kernels and compare slot by slot.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from typing import Any, Protocol

from optimizer.simulate import ModeParams, Physics, advance

MODE_CODES = {"SelfUse": 0, "Feedin": 1, "Backup": 2, "ForceCharge": 3, "ForceDischarge": 4}
"""Work modes as the kernel's codes; any other name behaves as SelfUse (code 0), as in the semantics."""
_NAMES = {code: name for name, code in MODE_CODES.items()}
ENV_KERNEL = "FOXESS_OPTIMIZER_KERNEL"
"""``python`` forces the pure-Python kernel (tests, benchmarks); anything else: C where built."""


class Kernel(Protocol):
    def add_mode(
        self, code: int, min_soc_pct: float, fd_soc_pct: float, fd_pwr_kw: float, max_soc_pct: float
    ) -> int: ...

    def step(self, mode: int, soc_kwh: float, slot: int) -> tuple[float, float, float, float, float, float]: ...

    def set_base(self, cell_modes: Sequence[int]) -> tuple[float, float]: ...

    def base_soc(self, slot: int) -> float: ...

    def candidate(self, c0: int, c1: int, mode: int) -> tuple[float, float] | None: ...

    def count(self, c0: int, c1: int, mode: int, uncounted: int, start_minute: int, slot_minutes: int) -> int: ...

    def sweep(
        self, order: array[int], ends: array[int], i: int, j_end: int, mode: int, soc_kwh: float, cost: float
    ) -> tuple[list[float], list[float]]: ...


def mode_args(params: ModeParams) -> tuple[int, float, float, float, float]:
    """``add_mode``'s arguments for ``params``."""
    code = MODE_CODES.get(params.work_mode, 0)
    return code, params.min_soc_pct, params.fd_soc_pct, params.fd_pwr_kw, params.max_soc_pct


class PyKernel:
    """The kernel in pure Python (the reference's own :func:`~optimizer.simulate.advance` for every step)."""

    def __init__(
        self,
        load_kw: Sequence[float],
        pv_kw: Sequence[float],
        import_price: Sequence[float],
        export_price: Sequence[float],
        slot_cell: Sequence[int],
        n_cells: int,
        dt_h: float,
        capacity_kwh: float,
        max_charge_kw: float,
        max_discharge_kw: float,
        charge_efficiency: float,
        discharge_efficiency: float,
        max_soc_pct: float,
        export_limit_kw: float,
        import_limit_kw: float,
        degradation_cost_per_kwh: float,
        initial_soc_kwh: float,
    ) -> None:
        self.load = [float(v) for v in load_kw]
        self.pv = [float(v) for v in pv_kw]
        self.imp = [float(v) for v in import_price]
        self.exp = [float(v) for v in export_price]
        self.n = len(self.load)
        self.cell = [int(c) for c in slot_cell[: self.n]]
        self.n_cells = n_cells
        self.cell_slots: list[list[int]] = [[] for _ in range(n_cells)]
        for i, c in enumerate(self.cell):
            self.cell_slots[c].append(i)
        self.dt = dt_h
        self.physics = Physics(
            capacity_kwh=capacity_kwh,
            max_charge_kw=max_charge_kw,
            max_discharge_kw=max_discharge_kw,
            charge_efficiency=charge_efficiency,
            discharge_efficiency=discharge_efficiency,
            max_soc_pct=max_soc_pct,
            export_limit_kw=export_limit_kw,
            import_limit_kw=import_limit_kw,
            degradation_cost_per_kwh=degradation_cost_per_kwh,
        )
        self.soc0 = initial_soc_kwh
        self.modes: list[ModeParams] = []
        self.labels: list[int] = []
        self.soc_at: list[float] = []
        self.costs: list[float] = []
        self.prefix: list[float] = []

    def add_mode(self, code: int, min_soc_pct: float, fd_soc_pct: float, fd_pwr_kw: float, max_soc_pct: float) -> int:
        self.modes.append(ModeParams(_NAMES.get(code, "SelfUse"), min_soc_pct, fd_soc_pct, fd_pwr_kw, max_soc_pct))
        return len(self.modes) - 1

    def step(self, mode: int, soc_kwh: float, slot: int) -> tuple[float, float, float, float, float, float]:
        return advance(self.modes[mode], soc_kwh, self.load[slot], self.pv[slot], self.dt, self.physics)

    def _cost(self, gi: float, ge: float, ch: float, dis: float, i: int) -> float:
        return (gi * self.imp[i] - ge * self.exp[i] + (ch + dis) * self.physics.degradation_cost_per_kwh) * self.dt

    def set_base(self, cell_modes: Sequence[int]) -> tuple[float, float]:
        self.labels = list(cell_modes)
        soc = self.soc0
        soc_at, costs, prefix = [soc], [], [0.0]
        modes, labels, cell, ph, dt = self.modes, self.labels, self.cell, self.physics, self.dt
        for i in range(self.n):
            gi, ge, ch, dis, _, soc = advance(modes[labels[cell[i]]], soc, self.load[i], self.pv[i], dt, ph)
            c = self._cost(gi, ge, ch, dis, i)
            costs.append(c)
            soc_at.append(soc)
            prefix.append(prefix[-1] + c)
        self.soc_at, self.costs, self.prefix = soc_at, costs, prefix
        return prefix[-1], soc

    def base_soc(self, slot: int) -> float:
        return self.soc_at[slot]

    def candidate(self, c0: int, c1: int, mode: int) -> tuple[float, float] | None:
        labels, cell = self.labels, self.cell
        changed = [i for c in range(c0, c1 + 1) if labels[c] != mode for i in self.cell_slots[c]]
        if not changed:
            return None
        start, last = min(changed), max(changed)
        new = self.modes[mode]
        modes, soc_at, ph, dt = self.modes, self.soc_at, self.physics, self.dt
        soc = soc_at[start]
        cost = 0.0
        i = start
        while i < self.n:
            if i > last and soc == soc_at[i]:
                for c in self.costs[i:]:  # the cached schedule from here on, summed in the same order
                    cost += c
                soc = soc_at[self.n]
                break
            m = new if c0 <= cell[i] <= c1 else modes[labels[cell[i]]]
            gi, ge, ch, dis, _, soc = advance(m, soc, self.load[i], self.pv[i], dt, ph)
            cost += self._cost(gi, ge, ch, dis, i)
            i += 1
        return self.prefix[start] + cost, soc

    def count(self, c0: int, c1: int, mode: int, uncounted: int, start_minute: int, slot_minutes: int) -> int:
        labels = self.labels[:c0] + [mode] * (c1 - c0 + 1) + self.labels[c1 + 1 :]
        n, count, begin, current = len(labels), 0, 0, labels[0]
        for k in range(1, n + 1):
            if k < n and labels[k] == current:
                continue
            if current != uncounted:
                count += 2 if start_minute + begin * slot_minutes < 1440 < start_minute + k * slot_minutes else 1
            if k < n:
                begin, current = k, labels[k]
        if start_minute % 1440 != 0 and labels[0] == labels[-1] and labels[0] != uncounted:
            count -= 1
        return count

    def sweep(
        self, order: array[int], ends: array[int], i: int, j_end: int, mode: int, soc_kwh: float, cost: float
    ) -> tuple[list[float], list[float]]:
        m, ph, dt = self.modes[mode], self.physics, self.dt
        costs: list[float] = []
        socs: list[float] = []
        pos = ends[i - 1] if i > 0 else 0
        soc = soc_kwh
        for j in range(i, j_end):
            for p in range(pos, ends[j]):
                s = order[p]
                gi, ge, ch, dis, _, soc = advance(m, soc, self.load[s], self.pv[s], dt, ph)
                cost += self._cost(gi, ge, ch, dis, s)
            pos = ends[j]
            costs.append(cost)
            socs.append(soc)
        return costs, socs


def _c_kernel() -> Any:
    if os.environ.get(ENV_KERNEL, "").strip().lower() == "python":
        return None
    try:
        from optimizer.compile import _kernel  # type: ignore[attr-defined]
    except ImportError:  # not built (no C compiler when installed): the pure-Python kernel
        return None
    return _kernel.Kernel


def kernel_name() -> str:
    """``"c"`` when the compiled kernel is in use, else ``"python"``."""
    return "c" if _c_kernel() is not None else "python"


def make_kernel(
    load_kw: Sequence[float],
    pv_kw: Sequence[float],
    import_price: Sequence[float],
    export_price: Sequence[float],
    slot_cell: Sequence[int],
    n_cells: int,
    dt_h: float,
    physics: Physics,
    initial_soc_kwh: float,
    *,
    implementation: str | None = None,
) -> Kernel:
    """A kernel for one window (``implementation``: ``"c"``, ``"python"``, or ``None`` for the best available)."""
    n = len(load_kw)
    args = (
        list(load_kw),
        list(pv_kw),
        list(import_price),
        list(export_price),
        list(slot_cell[:n]),
        n_cells,
        dt_h,
        physics.capacity_kwh,
        physics.max_charge_kw,
        physics.max_discharge_kw,
        physics.charge_efficiency,
        physics.discharge_efficiency,
        physics.max_soc_pct,
        physics.export_limit_kw,
        physics.import_limit_kw,
        physics.degradation_cost_per_kwh,
        initial_soc_kwh,
    )
    compiled = _c_kernel() if implementation != "python" else None
    if implementation == "c" and compiled is None:
        raise RuntimeError("the compiled kernel optimizer.compile._kernel is not built")
    if compiled is not None:
        kernel: Kernel = compiled(*args)
        return kernel
    return PyKernel(*args)
