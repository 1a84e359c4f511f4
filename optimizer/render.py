"""Showing a plan to a person: rich tables on the terminal and a PNG chart.

Colour only where the console is a terminal (rich decides; ``NO_COLOR`` is honoured).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console
from rich.table import Table

from optimizer.scheduler import SchedulerGroup, active_groups

if TYPE_CHECKING:
    from optimizer.pipeline import PlanOutcome


def _hm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def groups_table(groups: list[SchedulerGroup], title: str = "Scheduler groups") -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("#", "from", "to", "workMode", "minSocOnGrid", "fdSoc", "fdPwr W", "maxSoc"):
        table.add_column(name, justify="right" if name not in ("workMode", "from", "to") else "left")
    for i, g in enumerate(groups, 1):
        table.add_row(
            str(i),
            _hm(g.startHour, g.startMinute),
            _hm(g.endHour, g.endMinute),
            g.workMode,
            str(g.minSocOnGrid),
            str(g.fdSoc),
            str(g.fdPwr),
            "-" if g.maxSoc is None else str(g.maxSoc),
        )
    if not groups:
        table.add_row("", "", "", "(none: the inverter runs its base mode)", "", "", "", "")
    return table


def _group_label(g: SchedulerGroup) -> str:
    extra = f" fdSoc {g.fdSoc} fdPwr {g.fdPwr}" if g.workMode.startswith("Force") else ""
    return f"{_hm(g.startHour, g.startMinute)}–{_hm(g.endHour, g.endMinute)} {g.workMode} min {g.minSocOnGrid}{extra}"


def schedule_diff(current: list[SchedulerGroup], new: list[SchedulerGroup]) -> list[str]:
    """Lines ``- old`` / ``+ new`` comparing enabled groups as sorted sets; empty when identical."""
    old_set = {tuple(sorted(g.wire().items())): g for g in active_groups(current)}
    new_set = {tuple(sorted(g.wire().items())): g for g in active_groups(new)}
    lines = [f"- {_group_label(g)}" for k, g in old_set.items() if k not in new_set]
    lines += [f"+ {_group_label(g)}" for k, g in new_set.items() if k not in old_set]
    return lines


def slots_table(outcome: PlanOutcome) -> Table:
    slots = outcome.result.slots
    local = pd.DatetimeIndex(slots.index).tz_convert(outcome.config.site.timezone)
    table = Table(title=f"Plan per slot ({outcome.config.site.timezone})", title_justify="left")
    for name in (
        "time",
        "import",
        "export",
        "load kW",
        "PV kW",
        "grid in",
        "grid out",
        "charge",
        "disch.",
        "SoC %",
    ):
        table.add_column(name, justify="right")
    table.add_column("mode")
    for ts, row, mode in zip(local, slots.itertuples(), outcome.compiled.slot_modes, strict=True):
        table.add_row(
            ts.strftime("%a %H:%M"),
            f"{row.import_price:.4f}",
            f"{row.export_price:.4f}",
            f"{row.load_kw:.2f}",
            f"{row.pv_kw:.2f}",
            f"{row.grid_import_kw:.2f}",
            f"{row.grid_export_kw:.2f}",
            f"{row.charge_kw:.2f}",
            f"{row.discharge_kw:.2f}",
            f"{row.soc_pct:.0f}",
            str(mode),
        )
    return table


def summary_lines(outcome: PlanOutcome) -> list[str]:
    c = outcome.costs
    net = outcome.net_costs
    cur = f" {outcome.horizon.currency}" if outcome.horizon.currency else ""
    idx = outcome.horizon.index
    tz = outcome.config.site.timezone
    start = idx[0].tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z")
    end = (idx[-1] + pd.Timedelta(minutes=outcome.slot_minutes)).tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z")
    device = outcome.device.sn or "offline (no inverter)"
    if outcome.device.sn and outcome.device.offline:
        device += " (offline: imported history, no inverter)"
    if outcome.device.simulated_cloud:
        device += " on the simulated Fox ESS cloud"
    value = outcome.terminal_value_per_kwh
    lines = [
        f"Device:    {device}",
        f"Horizon:   {start} → {end}, {len(idx)} slots of {outcome.slot_minutes} min",
        f"Start SoC: {outcome.horizon.initial_soc_pct:.0f} % (from {outcome.horizon.soc_source}); "
        f"plan ends at {outcome.result.end_soc_pct:.0f} %, groups at {outcome.compiled.simulated.end_soc_pct:.0f} %",
        f"Cost:      planned {c['planned']:.2f} · compiled groups {c['compiled']:.2f} · "
        f"self-use {c['self_use']:.2f} · no battery {c['no_battery']:.2f}{cur}",
        f"Savings:   {outcome.expected_savings:.2f} vs self-use, {net['no_battery'] - net['compiled']:.2f} vs no "
        f"battery (compile loss {outcome.compile_loss:.2f}); energy left at the end valued at {value:.4f}/kWh",
        f"Solver:    {outcome.result.solver} in {outcome.timings.get('solve_s', 0.0) * 1000:.0f} ms; "
        f"total {outcome.timings.get('total_s', 0.0):.2f} s; API calls {outcome.api_calls}",
    ]
    return lines


def print_plan(outcome: PlanOutcome, console: Console, *, show_slots: bool = True) -> None:
    for line in summary_lines(outcome):
        console.print(line, markup=False)
    console.print()
    console.print(groups_table(outcome.groups))
    if outcome.device.sn is not None and not outcome.device.offline:
        diff = schedule_diff(outcome.device.current_groups, outcome.groups)
        if not diff and outcome.device.current_enable:
            console.print("On the inverter now: the same schedule (nothing would be written).", markup=False)
        else:
            flag = "on" if outcome.device.current_enable else "off"
            console.print(f"Change against the inverter now (scheduler flag {flag}):", markup=False)
            for line in diff or ["  (same groups; the flag would be switched on)"]:
                console.print(f"  {line}", markup=False)
    if show_slots:
        console.print()
        console.print(slots_table(outcome))
    for note in outcome.notes:
        console.print(f"note: {note}", markup=False)


def plot_plan(outcome: PlanOutcome, path: Path) -> Path:
    """A PNG: prices, load/PV, battery power and SoC per slot, with the compiled modes shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    slots = outcome.result.slots
    tz = outcome.config.site.timezone
    x = pd.DatetimeIndex(slots.index).tz_convert(tz).tz_localize(None)
    width = pd.Timedelta(minutes=outcome.slot_minutes) * 0.9
    fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True, constrained_layout=True)
    ax_price, ax_power, ax_soc = axes
    ax_price.step(x, slots["import_price"], where="post", label="import")
    ax_price.step(x, slots["export_price"], where="post", label="export")
    ax_price.set_ylabel("price / kWh")
    ax_price.legend(loc="upper left")
    ax_power.bar(x, slots["charge_kw"], width=width, align="edge", label="charge", color="tab:green")
    ax_power.bar(x, -slots["discharge_kw"], width=width, align="edge", label="discharge", color="tab:red")
    ax_power.step(x, slots["load_kw"], where="post", label="load", color="black")
    ax_power.step(x, slots["pv_kw"], where="post", label="PV", color="orange")
    ax_power.step(x, slots["grid_import_kw"] - slots["grid_export_kw"], where="post", label="grid (+in)", ls=":")
    ax_power.set_ylabel("kW")
    ax_power.legend(loc="upper left", ncol=5)
    ax_soc.plot(x, outcome.compiled.simulated.slots["soc_pct"].to_numpy(), label="SoC (compiled groups)")
    ax_soc.plot(x, slots["soc_pct"], label="SoC (plan)", ls="--")
    ax_soc.set_ylabel("SoC %")
    ax_soc.set_ylim(0, 100)
    ax_soc.legend(loc="upper left")
    colours = {
        "ForceCharge": "tab:green",
        "ForceDischarge": "tab:red",
        "Feedin": "tab:orange",
        "Backup": "tab:blue",
    }
    for ts, mode in zip(x, outcome.compiled.slot_modes, strict=True):
        if mode in colours:
            ax_soc.axvspan(ts, ts + pd.Timedelta(minutes=outcome.slot_minutes), color=colours[mode], alpha=0.15)
    fig.suptitle(f"Battery plan {x[0]:%Y-%m-%d %H:%M} ({tz})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
