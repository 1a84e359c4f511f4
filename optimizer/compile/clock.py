"""The daily clock the groups live on, and the plan's slots placed on it.

Scheduler groups carry hours and minutes but no date: they repeat every day. The compiler therefore works
on one **cycle of the local clock** starting at the plan's first slot: the window runs from the first
slot's local time to the same local time on the next day (24 h of local clock: 23 h or 25 h of real time
across a DST change). The cycle is cut into *cells* of one slot length; cell ``k`` covers the clock minutes
``[m0 + k·slot, m0 + (k+1)·slot)`` (mod 1440), where ``m0`` is the local minute of the first slot.

Every plan slot maps to the cell holding its local start minute, so the label of a cell is the setting the
inverter applies in every slot at that time of day: today for the cells after the window start, tomorrow
for the cells after midnight (a plan starting at 23:00 gets a ``23:00–23:59`` group that acts tonight and
``00:00–22:59`` groups that act tomorrow). In the hour repeated when clocks go back, two slots share a cell;
in the hour skipped when they go forward a cell has no slot (it takes the label of the cell before it).
Slots after the window (a plan longer than 24 h) map to cells too: the groups repeat, as on the inverter.

Groups come out of the cells as clock intervals: a run of equal labels becomes one group, split at
midnight (no group may cross it) and joined with its clock neighbour across the window's start where both
carry the same setting. The end minute of a group is inclusive (``…:59``).

:class:`WindowData` holds the window's slots as plain lists for the search (:mod:`~optimizer.compile.merge`,
:mod:`~optimizer.compile.dp`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

import pandas as pd

from optimizer.errors import InputError
from optimizer.simulate import Physics, local_minutes
from optimizer.timegrid import slot_hours

DAY_MINUTES = 1440
L = TypeVar("L", bound=Hashable)


@dataclass(frozen=True)
class ClockWindow:
    """One daily cycle of cells and the mapping of plan slots onto it.

    Attributes: ``start``/``end`` the window in UTC (end exclusive), ``slot_minutes``, ``start_minute``
    (``m0``), ``n_cells``, ``n_window`` (plan slots inside the window: the first ``n_window`` rows),
    ``slot_cell`` (cell of every plan slot), ``cell_slots`` (window slots of every cell, in time order).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    slot_minutes: int
    start_minute: int
    n_cells: int
    n_window: int
    slot_cell: tuple[int, ...]
    cell_slots: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, index: pd.DatetimeIndex, timezone: str | ZoneInfo) -> ClockWindow:
        if len(index) == 0:
            raise InputError("plan: no slots to compile")
        slot_minutes = round(slot_hours(index) * 60)
        if slot_minutes <= 0 or DAY_MINUTES % slot_minutes:
            raise InputError(f"plan: slot length {slot_minutes} min does not divide a day")
        zone = str(timezone)
        start = pd.Timestamp(index[0]).tz_convert("UTC")
        local_start = start.tz_convert(zone)
        next_day = (local_start.tz_localize(None) + pd.DateOffset(days=1)).tz_localize(
            zone, ambiguous=True, nonexistent="shift_forward"
        )
        end = pd.Timestamp(next_day).tz_convert("UTC")
        minutes = local_minutes(index, zone)
        m0 = int(minutes[0])
        cells = (((minutes - m0) % DAY_MINUTES) // slot_minutes).astype(int)
        n_window = int(index.searchsorted(end, side="left"))  # any resolution (ns, µs, s)
        n_cells = DAY_MINUTES // slot_minutes
        per_cell: list[list[int]] = [[] for _ in range(n_cells)]
        for i in range(n_window):
            per_cell[int(cells[i])].append(i)
        return cls(
            start=start,
            end=end,
            slot_minutes=slot_minutes,
            start_minute=m0,
            n_cells=n_cells,
            n_window=n_window,
            slot_cell=tuple(int(c) for c in cells),
            cell_slots=tuple(tuple(s) for s in per_cell),
        )

    # ----- clock geometry ---------------------------------------------------------------------------------
    def cell_start(self, cell: int) -> int:
        """Unwrapped clock minute of a cell's start, in ``[m0, m0 + 1440)``."""
        return self.start_minute + cell * self.slot_minutes

    def first_slot(self, cell: int) -> int | None:
        slots = self.cell_slots[cell]
        return slots[0] if slots else None

    def crosses_midnight(self, first_cell: int, last_cell: int) -> bool:
        """True when cells ``first..last`` contain local midnight strictly inside."""
        return self.cell_start(first_cell) < DAY_MINUTES < self.cell_start(last_cell) + self.slot_minutes

    # ----- labels → intervals -----------------------------------------------------------------------------
    def runs(self, labels: Sequence[L]) -> list[tuple[int, int, L]]:
        """Runs of equal labels in cell order as ``(first_cell, last_cell, label)``."""
        found: list[tuple[int, int, L]] = []
        begin = 0
        for k in range(1, len(labels) + 1):
            if k == len(labels) or labels[k] != labels[begin]:
                found.append((begin, k - 1, labels[begin]))
                begin = k
        return found

    def intervals(self, labels: Sequence[L]) -> list[tuple[int, int, L]]:
        """Clock intervals ``(start_minute, end_minute_exclusive, label)`` of one day, sorted by start.

        Runs split at midnight; neighbours on the clock with the same label joined (across the window's
        start, where the last run of the cycle meets the first).
        """
        pieces: list[tuple[int, int, L]] = []
        for first, last, label in self.runs(labels):
            begin = self.cell_start(first)
            finish = self.cell_start(last) + self.slot_minutes
            if begin < DAY_MINUTES < finish:
                pieces.append((begin, DAY_MINUTES, label))
                pieces.append((0, finish - DAY_MINUTES, label))
            elif begin >= DAY_MINUTES:
                pieces.append((begin - DAY_MINUTES, finish - DAY_MINUTES, label))
            else:
                pieces.append((begin, finish, label))
        pieces.sort(key=lambda p: p[0])
        joined: list[tuple[int, int, L]] = []
        for piece in pieces:
            if joined and joined[-1][1] == piece[0] and joined[-1][2] == piece[2]:
                joined[-1] = (joined[-1][0], piece[1], piece[2])
            else:
                joined.append(piece)
        return joined

    def group_count(self, labels: Sequence[L], uncounted: L | None = None) -> int:
        """How many groups :meth:`intervals` gives, not counting intervals labelled ``uncounted``.

        Computed from the runs alone (no sorting): every run is one group, two if it contains midnight,
        minus one where the last run meets the first across the window's start with the same label.
        A tight loop: the compiler's search calls it for every candidate.
        """
        n = len(labels)
        slot = self.slot_minutes
        m0 = self.start_minute
        count = 0
        begin = 0
        current = labels[0]
        for k in range(1, n + 1):
            if k < n and labels[k] == current:
                continue
            if current != uncounted:
                count += 2 if m0 + begin * slot < DAY_MINUTES < m0 + k * slot else 1
            if k < n:
                begin = k
                current = labels[k]
        if m0 % DAY_MINUTES != 0 and labels[0] == labels[-1] and labels[0] != uncounted:
            count -= 1
        return count


END_FLOOR_PENALTY_PER_KWH = 1000.0
"""What the search charges per kWh the window ends below the end floor [currency/kWh]: far more than any
price, so that no saving can buy a shortfall (the floor ranks first, the cost second)."""
END_FLOOR_TOL_KWH = 1e-6
"""A replay ending this little below the end floor [kWh] keeps it (floating-point noise)."""


@dataclass(frozen=True)
class WindowData:
    """The window's slots as plain lists: load and PV [kW], prices [currency/kWh], and the battery's start.

    ``end_floor_kwh``: the energy the window must end with (the plan's end floor; 0: none). A replay ending
    below it is charged :data:`END_FLOOR_PENALTY_PER_KWH` per kWh short by :meth:`end_term`.
    """

    load_kw: list[float]
    pv_kw: list[float]
    import_price: list[float]
    export_price: list[float]
    dt_h: float
    physics: Physics
    initial_soc_kwh: float
    terminal_value_per_kwh: float
    end_floor_kwh: float = 0.0

    def end_term(self, soc_kwh: float) -> float:
        """The objective's end term [currency]: minus the stored energy's value, plus the floor's penalty."""
        term = -self.terminal_value_per_kwh * soc_kwh
        short = self.end_floor_kwh - END_FLOOR_TOL_KWH - soc_kwh
        return term + END_FLOOR_PENALTY_PER_KWH * short if short > 0.0 else term
