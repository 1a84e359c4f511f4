"""Choosing the groups by simulated cost: merges down to the device's group count, then local polish.

The search works on the labels of the clock cells (:mod:`optimizer.compile.clock`). Its objective is the
simulated cost of the window (import − export + wear, :mod:`optimizer.compile.kernel`) minus the
energy left in the battery at the window's end valued at ``terminal_value_per_kwh``, so that a schedule
that keeps energy for tomorrow is not counted as a loss, plus a penalty far above any price for every kWh
the window ends below the plan's end floor (:meth:`~optimizer.compile.clock.WindowData.end_term`): no merge
can trade the promised end SoC for a saving.

1. **Alternatives** for the plan's own labels (each run once: a setting swapped for an alternative that
   simulates cheaper), then every merge that costs nothing folded in: the *fine* schedule.
2. **Merge.** Every move that removes at least one group is evaluated by simulation: a span of adjacent
   runs taking one setting (one of the runs' own, or a combination: the larger power with the higher
   target or the lower floor), clock neighbours across the window's start joined, a run dropped to the
   gap setting. The move with the least extra cost per group removed is applied while the schedule has
   more groups than allowed; moves that cost nothing (or save) are applied regardless. This chooses the
   merges that cost least, not the first ones.
   Where the fine schedule ends below the plan's end floor (its replay drifts from the plan), it is
   polished first (``repair``), so that the floor is restored by the cheapest tweak, not by a merge.
3. **Polish** with moves that keep within the limit: a run boundary moved by up to :data:`SHIFT_CELLS`
   cells, a run's setting swapped for an alternative, small steps of its SoC target, floor or power; the
   best improving move is applied until none improves.
4. When the fine schedule needed more groups than allowed, a global proposal (:mod:`optimizer.compile.dp`)
   is polished the same way, and the cheaper of the two schedules wins (windows of at most
   :data:`GLOBAL_SEARCH_SLOTS` slots).

Long, erratic plans (5-minute slots, plans that change mode every slot) are first coarsened by lazily
evaluated pair merges down to :data:`COARSE_RUNS` runs, so that a compile stays within seconds.

Each candidate is replayed only from its first changed slot, from the cached state of the current
schedule, and only until its battery energy is back on the cached trajectory after the last changed slot
(:mod:`~optimizer.compile.kernel`, in C where built). Labels are interned as small integers so that comparing
and counting them is cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from optimizer.compile.clock import END_FLOOR_TOL_KWH, ClockWindow, WindowData
from optimizer.compile.dp import plan_groups_dp
from optimizer.compile.kernel import make_kernel, mode_args
from optimizer.compile.settings import Setting, SettingFactory
from optimizer.simulate import ModeParams

EPS_COST = 1e-9
"""A move saving less than this [currency] is no improvement."""
MAX_POLISH_ROUNDS = 100
"""Improving moves applied per polish at most (each one is the best of its round)."""
MAX_SPAN_RUNS = 8
"""The most adjacent runs one merge move folds into a single group."""
COARSE_RUNS = 40
"""Above this many runs (fine slots, erratic plans), cheap pair merges are applied first with lazily
re-evaluated costs, so that the exact search below stays fast."""
SHIFT_CELLS = 8
"""How far (cells) the polish moves a run boundary in one move."""
GLOBAL_SEARCH_SLOTS = 100
"""The global proposal runs for windows of at most this many slots (15-min days and coarser)."""
LAZY_RECHECKS = 4
"""Stale candidates re-evaluated per lazy merge before the best re-evaluated one is applied."""


class Move:
    """Cells ``first..last`` taking label ``label`` (an interned index), at ``delta_cost`` [currency], removing
    ``groups_removed`` groups. Cells of the range that already carry ``label`` stay as they are."""

    __slots__ = ("delta_cost", "first", "groups_removed", "label", "last")

    def __init__(self, first: int, last: int, label: int, delta_cost: float, groups_removed: int) -> None:
        self.first = first
        self.last = last
        self.label = label
        self.delta_cost = delta_cost
        self.groups_removed = groups_removed

    @property
    def cells(self) -> range:
        return range(self.first, self.last + 1)


class Search:
    """The current labelling (interned settings per cell), its cached replay, and candidate moves."""

    def __init__(
        self,
        window: ClockWindow,
        data: WindowData,
        factory: SettingFactory,
        labels: list[Setting],
        alternatives: dict[Setting, tuple[Setting, ...]],
        *,
        max_groups: int,
        uncounted: Setting | None,
    ) -> None:
        self.window = window
        self.data = data
        self.factory = factory
        self.max_groups = max_groups
        self.kernel = make_kernel(
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
        self.settings: list[Setting] = []
        self._ids: dict[Setting, int] = {}
        self._params: list[ModeParams] = []
        self.gap = self.intern(uncounted if uncounted is not None else factory.base)
        self.uncounted = self.gap if uncounted is not None else -1
        self.alternatives = {self.intern(k): tuple(self.intern(v) for v in vs) for k, vs in alternatives.items()}
        self._tweak_cache: dict[int, tuple[int, ...]] = {}
        self._span_options: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.evaluations = 0
        self._set([self.intern(label) for label in labels])

    # ----- labels -----------------------------------------------------------------------------------------
    def intern(self, setting: Setting) -> int:
        found = self._ids.get(setting)
        if found is None:
            found = self._ids[setting] = len(self.settings)
            self.settings.append(setting)
            self._params.append(setting.params())
            self.kernel.add_mode(*mode_args(self._params[-1]))
        return found

    def labels_as_settings(self) -> list[Setting]:
        return [self.settings[k] for k in self.labels]

    # ----- state ------------------------------------------------------------------------------------------
    def _set(self, labels: list[int]) -> None:
        self.labels = labels
        cost, soc_end = self.kernel.set_base(labels)
        self.objective = cost + self.data.end_term(soc_end)
        self.short = self.data.end_floor_kwh - END_FLOOR_TOL_KWH - soc_end > 0.0  # below the end floor
        self.count = self.window.group_count(labels, self.uncounted)

    def apply(self, move: Move) -> None:
        labels = list(self.labels)
        for c in move.cells:
            labels[c] = move.label
        self._set(labels)

    # ----- evaluation -------------------------------------------------------------------------------------
    def delta(self, first: int, last: int, label: int) -> float:
        """Objective change [currency] if cells ``first..last`` took ``label``."""
        found = self.kernel.candidate(first, last, label)
        if found is None:  # no slot changes (or the cells hold none: the hour skipped when clocks go forward)
            return 0.0
        self.evaluations += 1
        head, soc_end = found
        return head + self.data.end_term(soc_end) - self.objective

    def count_with(self, first: int, last: int, label: int) -> int:
        """Groups if cells ``first..last`` took ``label``."""
        w = self.window
        return self.kernel.count(first, last, label, self.uncounted, w.start_minute, w.slot_minutes)

    def changes(self, first: int, last: int, label: int) -> bool:
        labels = self.labels
        return any(labels[c] != label for c in range(first, last + 1))

    def _reducing(self, first: int, last: int, label: int) -> Move | None:
        """The move giving cells ``first..last`` the label ``label`` if it removes groups."""
        removed = self.count - self.count_with(first, last, label)
        if removed <= 0:  # also when nothing changes
            return None
        return Move(first, last, label, self.delta(first, last, label), removed)

    # ----- merges -----------------------------------------------------------------------------------------
    def merge_moves(self) -> list[Move]:
        """Every move that removes groups: a span of up to :data:`MAX_SPAN_RUNS` adjacent runs taking one
        setting (one of theirs or a combination), the clock neighbours across the window's start joined,
        and a run dropped to the gap setting."""
        runs = self.window.runs(self.labels)
        found: list[Move] = []
        for a in range(len(runs)):
            for b in range(a + 1, min(len(runs), a + MAX_SPAN_RUNS)):
                for label in self._merge_options(tuple(r[2] for r in runs[a : b + 1])):
                    move = self._reducing(runs[a][0], runs[b][1], label)
                    if move is not None:
                        found.append(move)
        if len(runs) > 2 and self.window.start_minute % 1440:  # clock neighbours across the window's start
            last, first = runs[-1], runs[0]
            for a0, a1, label in ((last[0], last[1], first[2]), (first[0], first[1], last[2])):
                move = self._reducing(a0, a1, label)
                if move is not None:
                    found.append(move)
        for first_cell, last_cell, label in runs:
            if label != self.gap:
                move = self._reducing(first_cell, last_cell, self.gap)
                if move is not None:
                    found.append(move)
        return found

    def _merge_options(self, own: tuple[int, ...]) -> tuple[int, ...]:
        """The labels a span of runs labelled ``own`` may take as one group: theirs, their combination and,
        for two runs, their pairwise combinations (interned, cached)."""
        options = self._span_options.get(own)
        if options is None:
            f = self.factory
            own_settings = [self.settings[k] for k in own]
            combos = [self.intern(s) for s in f.combine_span(own_settings)]
            if len(own) == 2:
                combos += [self.intern(s) for s in f.combine(own_settings[0], own_settings[1])]
            options = self._span_options[own] = tuple(dict.fromkeys(own + tuple(combos)))
        return options

    def merge(self, *, free_only: bool = False) -> None:
        """Apply merges: the cheapest per group removed while over the limit, and every free one.

        With ``free_only``, only merges that cost nothing (or save) are applied, whatever the count.
        """
        while True:
            moves = self.merge_moves()
            if not moves:
                return
            excess = self.count - self.max_groups

            def score(m: Move, excess: int = excess) -> tuple[float, int]:
                useful = min(m.groups_removed, excess) if excess > 0 else m.groups_removed
                return (m.delta_cost / max(useful, 1), -m.groups_removed)

            free = [m for m in moves if m.delta_cost <= EPS_COST]
            if free:
                self.apply(min(free, key=score))
            elif excess > 0 and not free_only:
                self.apply(min(moves, key=score))
            else:
                return

    # ----- polish -----------------------------------------------------------------------------------------
    def polish_moves(self, *, tweaks: bool = True) -> list[Move]:
        runs = self.window.runs(self.labels)
        found: list[Move] = []
        limit = max(self.count, self.max_groups)

        def consider(first: int, last: int, label: int) -> None:
            if not self.changes(first, last, label) or self.count_with(first, last, label) > limit:
                return
            found.append(Move(first, last, label, self.delta(first, last, label), 0))

        for j in range(len(runs) - 1):
            (a0, a1, left), (b0, b1, right) = runs[j], runs[j + 1]
            for k in range(max(a0 + 1, a1 + 1 - SHIFT_CELLS), a1 + 1):  # earlier: cells k..a1 join the right
                consider(k, a1, right)
            for k in range(b0, min(b1, b0 + SHIFT_CELLS)):  # later: cells b0..k join the left run
                consider(b0, k, left)
        for first_cell, last_cell, label in runs:
            for option in self.alternatives.get(label, ()):
                consider(first_cell, last_cell, option)
            if tweaks:
                for option in self._tweaks(label):
                    consider(first_cell, last_cell, option)
        return found

    def _tweaks(self, label: int) -> tuple[int, ...]:
        """Nearby settings: the SoC target, floor or power a few steps away (interned, cached)."""
        cached = self._tweak_cache.get(label)
        if cached is not None:
            return cached
        f = self.factory
        s = self.settings[label]
        steps = (-5, -1, 1, 5)
        out: list[Setting | None] = []
        if s.work_mode == "ForceCharge":
            power_kw = s.fd_pwr / 1000.0
            out += [f.force_charge(power_kw, s.fd_soc + k) for k in steps]
            out += [f.force_charge(power_kw * k, s.fd_soc) for k in (0.5, 2.0)]
        elif s.work_mode == "ForceDischarge" and s.fd_pwr > 0:
            power_kw = s.fd_pwr / 1000.0
            out += [f.force_discharge(power_kw, s.fd_soc + k) for k in steps]
            out += [f.force_discharge(power_kw * k, s.fd_soc) for k in (0.5, 2.0)]
        elif s.work_mode in ("SelfUse", "Feedin") and s.max_soc == f.base.max_soc:
            make: Callable[[float], Setting | None] = f.feedin if s.work_mode == "Feedin" else f.selfuse
            out += [make(s.min_soc_on_grid + k) for k in steps if s.min_soc_on_grid + k >= f.reserve]
        found = tuple(dict.fromkeys(self.intern(o) for o in out if o is not None and o != s))
        self._tweak_cache[label] = found
        return found

    def polish(self, *, tweaks: bool = True) -> None:
        for _ in range(MAX_POLISH_ROUNDS):
            best = min(self.polish_moves(tweaks=tweaks), key=lambda m: m.delta_cost, default=None)
            if best is None or best.delta_cost >= -EPS_COST:
                return
            self.apply(best)

    # ----- coarse phase for long, erratic plans ------------------------------------------------------------
    def alternatives_pass(self) -> None:
        """Each run once: swap in the first alternative setting that simulates cheaper."""
        for first_cell, last_cell, label in self.window.runs(self.labels):
            if self.changes(first_cell, last_cell, label):  # changed by an earlier swap
                continue
            for option in self.alternatives.get(label, ()):
                if self.count_with(first_cell, last_cell, option) <= max(self.count, self.max_groups):
                    delta = self.delta(first_cell, last_cell, option)
                    if delta < -EPS_COST:
                        self.apply(Move(first_cell, last_cell, option, delta, 0))
                        break

    def _pair_moves(self) -> list[tuple[int, int, int]]:
        """Pair merges and drops as ``(first_cell, last_cell, label)`` (each once)."""
        runs = self.window.runs(self.labels)
        found: dict[tuple[int, int, int], None] = {}
        f = self.factory
        for j in range(len(runs) - 1):
            (a0, _, left), (_, b1, right) = runs[j], runs[j + 1]
            combos = [self.intern(x) for x in f.combine(self.settings[left], self.settings[right])]
            for label in dict.fromkeys([left, right, *combos]):
                found[(a0, b1, label)] = None
        for a0, a1, label in runs:
            if label != self.gap:
                found[(a0, a1, self.gap)] = None
        return list(found)

    def coarsen(self) -> None:
        """Lazy greedy pair merges until at most :data:`COARSE_RUNS` runs remain (and the count allows).

        Costs of untouched candidates are kept from earlier evaluations; the best few are re-evaluated
        before one is applied. An approximation used only where the exact search would be slow.
        """
        cache: dict[tuple[int, int, int], tuple[float, int]] = {}
        while len(self.window.runs(self.labels)) > COARSE_RUNS:
            moves = self._pair_moves()
            scored: list[tuple[float, tuple[int, int, int]]] = []
            for key in moves:
                if key not in cache:
                    move = self._reducing(*key)
                    cache[key] = (move.delta_cost, move.groups_removed) if move else (float("inf"), 0)
                delta, removed = cache[key]
                if removed > 0:
                    scored.append((delta / removed, key))
            if not scored:
                return
            scored.sort()
            best: Move | None = None
            for _, key in scored[:LAZY_RECHECKS]:
                move = self._reducing(*key)
                cache[key] = (move.delta_cost, move.groups_removed) if move else (float("inf"), 0)
                if move is not None and (
                    best is None or move.delta_cost / move.groups_removed < best.delta_cost / best.groups_removed
                ):
                    best = move
            if best is None:
                return
            touched = {c for c in best.cells if self.labels[c] != best.label}
            self.apply(best)
            for key in [k for k in cache if touched.intersection(range(k[0], k[1] + 1))]:
                del cache[key]

    def repair(self) -> None:
        """Where the schedule ends below the end floor, polish first: the cheapest tweak that keeps the floor
        (a charge a little stronger, a floor a step higher) wins over a merge that keeps it only by undoing
        an earlier, useful group (which the floor's penalty would otherwise make look free)."""
        if self.short:
            self.polish()

    # ----- the whole search -------------------------------------------------------------------------------
    def run(self, *, global_search: bool = True) -> list[Setting]:
        """The chosen labels: the better of the greedy merge and the global search, both polished."""
        self.alternatives_pass()
        self.coarsen()
        self.repair()
        self.merge(free_only=True)
        fine = list(self.labels)
        self.merge()
        self.polish()
        best = (self.objective, list(self.labels))
        if (
            global_search
            and self.window.n_window <= GLOBAL_SEARCH_SLOTS
            and self.window.group_count(fine, self.uncounted) > self.max_groups
        ):
            proposal = plan_groups_dp(
                self.window,
                [(a, b, self.settings[k]) for a, b, k in self.window.runs(fine)],
                self.data,
                self.factory,
                {self.settings[k]: tuple(self.settings[v] for v in vs) for k, vs in self.alternatives.items()},
                max_groups=self.max_groups,
                uncounted=self.settings[self.uncounted] if self.uncounted >= 0 else None,
            )
            if proposal is not None:
                self._set([self.intern(s) for s in proposal])
                self.repair()
                self.merge()
                self.polish()
                if self.count <= self.max_groups and self.objective < best[0] - EPS_COST:
                    best = (self.objective, list(self.labels))
        self._set(best[1])
        return self.labels_as_settings()
