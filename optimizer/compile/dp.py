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
from optimizer.compile.kernel import make_kernel, mode_args
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
    states[0][0] = [(-value * data.initial_soc_kwh, 0.0, data.initial_soc_kwh, -1, None, 0)]
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
        # groups a group from run i to run j adds: none (uncounted), continuing the previous one, a new one
        extra_none = [0] * len(crosses)
        extra_continuing = [1 if c else 0 for c in crosses]
        extra_new = [2 if c else 1 for c in crosses]
        targets = states[i + 1 : j_end + 1]
        for used, partials in states[i].items():
            for partial in _front(partials):
                before = partial[_LABEL]
                for label in option_ids:
                    if label == not_counted:
                        extras = extra_none
                    elif label == before:  # the previous group goes on: no new group
                        extras = extra_continuing
                    else:
                        extras = extra_new
                    costs, socs = kernel.sweep(order, ends, i, j_end, label, partial[_SOC], partial[_COST])
                    for target, extra, cost, soc in zip(targets, extras, costs, socs, strict=True):
                        total = used + extra
                        if total > max_groups:
                            break
                        bucket = target.get(total)
                        if bucket is None:
                            bucket = target[total] = []
                        bucket.append((cost - value * soc, cost, soc, label, partial, i))
    finals = [p for partials in states[m].values() for p in partials]
    if not finals:
        return None
    best = min(finals, key=lambda p: p[_COST] + data.end_term(p[_SOC]))
    labels: list[Setting] = [gap_setting] * window.n_cells
    node: _Partial | None = best
    end = m
    while node is not None and node[_LABEL] >= 0:
        for r in range(node[_START], end):
            for c in range(runs[r][0], runs[r][1] + 1):
                labels[c] = settings[node[_LABEL]]
        end = node[_START]
        node = node[_PARENT]
    return labels
