"""A global choice of groups: dynamic programming over the plan's runs with a group budget.

The greedy merge of :mod:`optimizer.compile.merge` is myopic on days that need far more groups than the
device has (Agile days that alternate charging and discharging every half-hour): early cheap merges can
force an expensive one later. This module proposes a schedule chosen globally instead:

* positions are the boundaries between the runs of the fine schedule (the plan's own modes after lossless
  folding), so a group always starts and ends on a run boundary;
* a state is ``(position, groups used)`` and holds partial schedules, each with its simulated cost so far
  and the battery energy it leaves (the SoC is carried forward, so a partial schedule is simulated exactly
  as the inverter would run it);
* the value of stored energy mid-day is unknown, so a state keeps the cost/energy Pareto front of its
  partial schedules, thinned to :data:`BEAM` (the cheapest, the fullest and evenly spaced ones between);
* from a state, a group with setting ``X`` (a setting of one of the next :data:`MAX_SPAN` runs, an
  alternative of one, a combination of them, or the gap setting) extends over 1, 2, … runs; each extension
  costs one more run of simulation, so the search is linear in the horizon per state and setting; ``X``
  equal to the previous group's setting continues that group at no extra group;
* complete schedules are ranked by cost − terminal value × stored energy (+ the end floor's penalty).

The best complete schedule within the budget is returned as cell labels; the caller polishes it with exact
moves and keeps it only if it simulates cheaper than the greedy result. Slots are replayed in cell order,
which differs from time order only in the hour repeated when clocks go back (an approximation the final,
exact replay corrects).
"""

from __future__ import annotations

from array import array
from operator import itemgetter

from optimizer.compile.clock import ClockWindow, WindowData
from optimizer.compile.kernel import Kernel, make_kernel, mode_args
from optimizer.compile.settings import Setting, SettingFactory

BEAM = 6
"""Partial schedules kept per state."""
MAX_SPAN = 10
"""Runs a group may span in one step of the search (beyond it, settings come from nearer runs)."""


_Partial = tuple  # (score, cost, soc_kwh, label, parent, start_run): see below
"""A partial schedule, as a plain tuple (the search makes tens of thousands): its score (cost so far − value ×
stored energy) [currency], cost so far [currency], stored energy [kWh], the last group's label (an interned
id, ``-1`` before the first group), the partial it extends (or ``None``) and the run its last group starts at."""
_SCORE, _COST, _SOC, _LABEL, _PARENT, _START = range(6)


def _front(partials: list[_Partial]) -> list[_Partial]:
    """The partial schedules worth extending: the cost/energy Pareto front, thinned to :data:`BEAM`.

    A partial is dominated when another costs no more and leaves at least as much energy stored. The value
    of energy in the middle of the day is unknown (it depends on what comes later), so the front keeps
    both the cheapest-so-far and the fullest batteries, and evenly spaced ones between them.
    """
    # by stored energy, most first, then by cost: two stable sorts (C-level keys), as key (-soc, cost)
    ordered = sorted(sorted(partials, key=itemgetter(_COST)), key=itemgetter(_SOC), reverse=True)
    front: list[_Partial] = []
    for p in ordered:
        if not front or p[_COST] < front[-1][_COST] - 1e-12:
            front.append(p)
    if len(front) <= BEAM:
        return front
    step = (len(front) - 1) / (BEAM - 1)
    picked = {round(k * step) for k in range(BEAM)}
    best = min(range(len(front)), key=lambda k: front[k][_SCORE])
    picked.add(best)
    return [front[k] for k in sorted(picked)]


class _ModeIds:
    """Settings interned as the kernel's mode ids: the search's labels are small ints."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.settings: list[Setting] = []
        self.ids: dict[Setting, int] = {}

    def intern(self, label: Setting) -> int:
        found = self.ids.get(label)
        if found is None:
            found = self.ids[label] = len(self.settings)
            self.settings.append(label)
            self.kernel.add_mode(*mode_args(label.params()))
        return found


def _cell_order(window: ClockWindow, runs: list[tuple[int, int, Setting]]) -> tuple[array[int], array[int]]:
    """The runs' slots one after the other (cell order), and where each run ends in that order."""
    order = array("i")
    ends = array("i")
    for first, last, _ in runs:
        for c in range(first, last + 1):
            order.extend(window.cell_slots[c])
        ends.append(len(order))
    return order, ends


def _span_options(
    window_labels: list[Setting],
    alternatives: dict[Setting, tuple[Setting, ...]],
    factory: SettingFactory,
    gap_setting: Setting,
) -> list[Setting]:
    """The settings a group starting at the first of ``window_labels`` may take, each once: the runs' own,
    their alternatives, their combinations and the gap setting."""
    options: list[Setting] = list(window_labels)
    for own in window_labels:
        options.extend(alternatives.get(own, ()))
    options.extend(factory.combine_span(window_labels))
    options.append(gap_setting)
    return list(dict.fromkeys(options))


def _extend_state(
    partials_by_used: dict[int, list[_Partial]],
    i: int,
    j_end: int,
    option_ids: list[int],
    extras: tuple[list[int], list[int], list[int]],
    not_counted: int,
    targets: list[dict[int, list[_Partial]]],
    kernel: Kernel,
    order: array[int],
    ends: array[int],
    value: float,
    max_groups: int,
) -> None:
    """Extend the partials of position ``i`` by one group over runs ``i .. j`` (``j < j_end``) into ``targets``.

    ``extras`` are the groups a group from run ``i`` to run ``j`` adds when it is not counted, when it
    continues the previous group and when it is a new one.
    """
    extra_none, extra_continuing, extra_new = extras
    for used, partials in partials_by_used.items():
        for partial in _front(partials):
            before = partial[_LABEL]
            for label in option_ids:
                if label == not_counted:
                    added = extra_none
                elif label == before:  # the previous group goes on: no new group
                    added = extra_continuing
                else:
                    added = extra_new
                costs, socs = kernel.sweep(order, ends, i, j_end, label, partial[_SOC], partial[_COST])
                for target, extra, cost, soc in zip(targets, added, costs, socs, strict=True):
                    total = used + extra
                    if total > max_groups:
                        break
                    bucket = target.get(total)
                    if bucket is None:
                        bucket = target[total] = []
                    bucket.append((cost - value * soc, cost, soc, label, partial, i))


def _cell_labels(
    best: _Partial, runs: list[tuple[int, int, Setting]], settings: list[Setting], gap_setting: Setting, n_cells: int
) -> list[Setting]:
    """The cell labels of the complete schedule ``best`` (cells outside its groups take ``gap_setting``)."""
    labels: list[Setting] = [gap_setting] * n_cells
    node: _Partial | None = best
    end = len(runs)
    while node is not None and node[_LABEL] >= 0:
        for r in range(node[_START], end):
            for c in range(runs[r][0], runs[r][1] + 1):
                labels[c] = settings[node[_LABEL]]
        end = node[_START]
        node = node[_PARENT]
    return labels


def plan_groups_dp(
    window: ClockWindow,
    runs: list[tuple[int, int, Setting]],
    data: WindowData,
    factory: SettingFactory,
    alternatives: dict[Setting, tuple[Setting, ...]],
    *,
    max_groups: int,
    uncounted: Setting | None,
) -> list[Setting] | None:
    """Cell labels of the best schedule found within ``max_groups`` groups, or ``None`` if none fits."""
    m = len(runs)
    if m == 0:
        return None
    value = data.terminal_value_per_kwh
    kernel = make_kernel(
        data.load_kw,
        data.pv_kw,
        data.import_price,
        data.export_price,
        window.slot_cell,
        window.n_cells,
        data.dt_h,
        data.physics,
        data.initial_soc_kwh,
    )
    modes = _ModeIds(kernel)
    order, ends = _cell_order(window, runs)
    gap_setting = uncounted if uncounted is not None else factory.base
    gap = modes.intern(gap_setting)
    not_counted = gap if uncounted is not None else -2  # -2: every group counts
    states: list[dict[int, list[_Partial]]] = [dict() for _ in range(m + 1)]
    states[0][0] = [(-value * data.initial_soc_kwh, 0.0, data.initial_soc_kwh, -1, None, 0)]
    for i in range(m):
        if not states[i]:
            continue
        j_end = min(m, i + MAX_SPAN)
        options = _span_options([r[2] for r in runs[i:j_end]], alternatives, factory, gap_setting)
        option_ids = [modes.intern(o) for o in options]
        crosses = [window.crosses_midnight(runs[i][0], runs[j][1]) for j in range(i, j_end)]
        # groups a group from run i to run j adds: none (uncounted), continuing the previous one, a new one
        extras = ([0] * len(crosses), [1 if c else 0 for c in crosses], [2 if c else 1 for c in crosses])
        targets = states[i + 1 : j_end + 1]
        _extend_state(
            states[i], i, j_end, option_ids, extras, not_counted, targets, kernel, order, ends, value, max_groups
        )
    finals = [p for partials in states[m].values() for p in partials]
    if not finals:
        return None
    best = min(finals, key=lambda p: p[_COST] + data.end_term(p[_SOC]))
    return _cell_labels(best, runs, modes.settings, gap_setting, window.n_cells)
