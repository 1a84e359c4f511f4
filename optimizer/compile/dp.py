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

from optimizer.compile.clock import ClockWindow, WindowData
from optimizer.compile.kernel import make_kernel, mode_args
from optimizer.compile.settings import Setting, SettingFactory

BEAM = 6
"""Partial schedules kept per state."""
MAX_SPAN = 10
"""Runs a group may span in one step of the search (beyond it, settings come from nearer runs)."""


class _Partial:
    """A partial schedule: its score (cost so far − value × stored energy), cost, energy, last group's label
    (an interned id, ``-1`` before the first group), the partial it extends and the run its last group starts at."""

    __slots__ = ("cost", "label", "parent", "score", "soc_kwh", "start_run")

    def __init__(
        self, score: float, cost: float, soc_kwh: float, label: int, parent: _Partial | None, start_run: int
    ) -> None:
        self.score = score
        self.cost = cost
        self.soc_kwh = soc_kwh
        self.label = label
        self.parent = parent
        self.start_run = start_run


def _front(partials: list[_Partial]) -> list[_Partial]:
    """The partial schedules worth extending: the cost/energy Pareto front, thinned to :data:`BEAM`.

    A partial is dominated when another costs no more and leaves at least as much energy stored. The value
    of energy in the middle of the day is unknown (it depends on what comes later), so the front keeps
    both the cheapest-so-far and the fullest batteries, and evenly spaced ones between them.
    """
    ordered = sorted(partials, key=lambda p: (-p.soc_kwh, p.cost))
    front: list[_Partial] = []
    for p in ordered:
        if not front or p.cost < front[-1].cost - 1e-12:
            front.append(p)
    if len(front) <= BEAM:
        return front
    step = (len(front) - 1) / (BEAM - 1)
    picked = {round(k * step) for k in range(BEAM)}
    best = min(range(len(front)), key=lambda k: front[k].score)
    picked.add(best)
    return [front[k] for k in sorted(picked)]


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
    settings: list[Setting] = []
    ids: dict[Setting, int] = {}

    def intern(label: Setting) -> int:
        found = ids.get(label)
        if found is None:
            found = ids[label] = len(settings)
            settings.append(label)
            kernel.add_mode(*mode_args(label.params()))
        return found

    # the runs' slots one after the other (cell order), and where each run ends in that order
    order = array("i")
    ends = array("i")
    for first, last, _ in runs:
        for c in range(first, last + 1):
            order.extend(window.cell_slots[c])
        ends.append(len(order))
    gap_setting = uncounted if uncounted is not None else factory.base
    gap = intern(gap_setting)
    not_counted = gap if uncounted is not None else -2  # -2: every group counts
    states: list[dict[int, list[_Partial]]] = [dict() for _ in range(m + 1)]
    states[0][0] = [_Partial(-value * data.initial_soc_kwh, 0.0, data.initial_soc_kwh, -1, None, 0)]
    for i in range(m):
        if not states[i]:
            continue
        j_end = min(m, i + MAX_SPAN)
        window_labels = [r[2] for r in runs[i:j_end]]
        options: list[Setting] = list(window_labels)
        for own in window_labels:
            options.extend(alternatives.get(own, ()))
        options.extend(factory.combine_span(window_labels))
        options.append(gap_setting)
        option_ids = [intern(o) for o in dict.fromkeys(options)]
        crosses = [window.crosses_midnight(runs[i][0], runs[j][1]) for j in range(i, j_end)]
        for used, partials in states[i].items():
            for partial in _front(partials):
                for label in option_ids:
                    continuing = label == partial.label  # the previous group goes on: no new group
                    costs, socs = kernel.sweep(order, ends, i, j_end, label, partial.soc_kwh, partial.cost)
                    for j in range(i, j_end):
                        if label == not_counted:
                            extra = 0
                        elif continuing:
                            extra = 1 if crosses[j - i] else 0
                        else:
                            extra = 2 if crosses[j - i] else 1
                        total = used + extra
                        if total > max_groups:
                            break
                        cost, soc = costs[j - i], socs[j - i]
                        states[j + 1].setdefault(total, []).append(
                            _Partial(cost - value * soc, cost, soc, label, partial, i)
                        )
    finals = [p for partials in states[m].values() for p in partials]
    if not finals:
        return None
    best = min(finals, key=lambda p: p.cost + data.end_term(p.soc_kwh))
    labels: list[Setting] = [gap_setting] * window.n_cells
    node: _Partial | None = best
    end = m
    while node is not None and node.label >= 0:
        for r in range(node.start_run, end):
            for c in range(runs[r][0], runs[r][1] + 1):
                labels[c] = settings[node.label]
        end = node.start_run
        node = node.parent
    return labels
