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

from dataclasses import dataclass

from optimizer.compile.clock import ClockWindow, WindowData
from optimizer.compile.settings import Setting, SettingFactory
from optimizer.simulate import ModeParams, advance

BEAM = 6
"""Partial schedules kept per state."""
MAX_SPAN = 10
"""Runs a group may span in one step of the search (beyond it, settings come from nearer runs)."""


@dataclass(frozen=True)
class _Partial:
    score: float  # cost so far − value × stored energy [currency]
    cost: float  # simulated cost so far [currency]
    soc_kwh: float
    label: Setting | None
    parent: _Partial | None
    start_run: int


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
    physics, dt_h = data.physics, data.dt_h
    value = data.terminal_value_per_kwh
    load, pv, imp, exp = data.load_kw, data.pv_kw, data.import_price, data.export_price
    wear = physics.degradation_cost_per_kwh
    run_slots = [[s for c in range(first, last + 1) for s in window.cell_slots[c]] for first, last, _ in runs]
    params: dict[Setting, ModeParams] = {}

    def mode_of(label: Setting) -> ModeParams:
        found = params.get(label)
        if found is None:
            found = params[label] = label.params()
        return found

    gap = uncounted if uncounted is not None else factory.base
    states: list[dict[int, list[_Partial]]] = [dict() for _ in range(m + 1)]
    states[0][0] = [_Partial(-value * data.initial_soc_kwh, 0.0, data.initial_soc_kwh, None, None, 0)]
    for i in range(m):
        if not states[i]:
            continue
        window_labels = [r[2] for r in runs[i : min(m, i + MAX_SPAN)]]
        options: list[Setting] = list(window_labels)
        for label in window_labels:
            options.extend(alternatives.get(label, ()))
        options.extend(factory.combine_span(window_labels))
        options.append(gap)
        options = list(dict.fromkeys(options))
        for used, partials in states[i].items():
            for partial in _front(partials):
                for label in options:
                    continuing = label == partial.label  # the previous group goes on: no new group
                    mode = mode_of(label)
                    cost, soc = partial.cost, partial.soc_kwh
                    for j in range(i, min(m, i + MAX_SPAN)):
                        for s in run_slots[j]:
                            gi, ge, ch, dis, _, soc = advance(mode, soc, load[s], pv[s], dt_h, physics)
                            cost += (gi * imp[s] - ge * exp[s] + (ch + dis) * wear) * dt_h
                        if label == uncounted:
                            extra = 0
                        elif continuing:
                            extra = 1 if window.crosses_midnight(runs[i][0], runs[j][1]) else 0
                        else:
                            extra = 2 if window.crosses_midnight(runs[i][0], runs[j][1]) else 1
                        total = used + extra
                        if total > max_groups:
                            break
                        states[j + 1].setdefault(total, []).append(
                            _Partial(cost - value * soc, cost, soc, label, partial, i)
                        )
    finals = [p for partials in states[m].values() for p in partials]
    if not finals:
        return None
    best = min(finals, key=lambda p: p.cost + data.end_term(p.soc_kwh))
    labels: list[Setting] = [gap] * window.n_cells
    node: _Partial | None = best
    end = m
    while node is not None and node.label is not None:
        for r in range(node.start_run, end):
            for c in range(runs[r][0], runs[r][1] + 1):
                labels[c] = node.label
        end = node.start_run
        node = node.parent
    return labels
