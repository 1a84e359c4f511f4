"""Planning for an inverter of a connected account: inspect it, sync its history, plan, compile.

Call budget of one device plan (steady state, history already stored): the history sync (one call per new
day, see ``optimizer history``), ``scheduler/get/flag`` and ``scheduler/get`` (support, properties, groups,
flag), one real-time query for the SoC and, unless ``gap_fill = "selfuse"``, one ``setting/get WorkMode``.
Pushing adds ``scheduler/enable``, ``scheduler/set/flag`` and the read-back ``scheduler/get``.

:func:`plan_account` is ``optimizer plan``/``push`` for an account: open it, plan the chosen (or first
capable) inverter, push if asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from optimizer.config import Config
from optimizer.errors import ConfigError, HistoryError, OptimizerError, SchedulerUnsupportedError
from optimizer.foxess import DeviceSummary, FoxEssClient
from optimizer.history import read_history_csv, sync_history
from optimizer.history.store import HistoryStore
from optimizer.pipeline.account import Account, open_account
from optimizer.pipeline.inputs import build_horizon
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.plan import DeviceContext, PlanOutcome, horizon_start, solve_and_compile
from optimizer.pipeline.push import PushReport, ScheduleSnapshot, push_schedule
from optimizer.pipeline.reporting import SILENT, ProgressCallback, Reporter
from optimizer.timegrid import floor_to_slot

PLAN_AND_PUSH_CALLS = 12
"""Calls a device plan keeps back from its history sync: inspecting the inverter (4), a push with its
read-back (3), and a restore with its read-back (3), with a margin: a first sync spreads over runs instead."""


def account_now(account: Account) -> pd.Timestamp:
    """The current time as the account sees it (the simulated cloud has its own clock)."""
    if account.simulated and account.cloud is not None:
        return pd.Timestamp(account.cloud.now()).tz_convert("UTC")
    return pd.Timestamp.now(tz="UTC")


def scheduler_devices(client: FoxEssClient, config: Config) -> list[DeviceSummary]:
    """The configured inverters, or every inverter of the account; unknown configured serials are an error."""
    devices = client.list_devices()
    if config.foxess.devices:
        by_sn = {d.deviceSN: d for d in devices}
        missing = [sn for sn in config.foxess.devices if sn not in by_sn]
        if missing:
            raise ConfigError(
                f"[foxess] devices lists {', '.join(missing)}, which this account does not have "
                f"(it has {', '.join(by_sn) or 'no inverters'})."
            )
        return [by_sn[sn] for sn in config.foxess.devices]
    return devices


def live_soc_pct(client: FoxEssClient, sn: str) -> float | None:
    """The battery SoC [%] from the real-time query, or ``None`` if the inverter does not report one."""
    for data in client.real_time([sn], ["SoC"]):
        for item in data.datas:
            if item.variable == "SoC" and item.value is not None:
                return float(item.value)
    return None


def inspect_device(client: FoxEssClient, sn: str, config: Config, *, simulated: bool) -> DeviceContext:
    """Properties, current groups and flag, live SoC: what planning and the diff need to know."""
    flag = client.scheduler_get_flag(sn)
    if not flag.support:
        raise SchedulerUnsupportedError(
            f"{sn} does not support the Fox ESS scheduler (scheduler/get/flag support=0).",
            hint="Plan for an inverter with scheduler support, or drop this one from [foxess] devices.",
        )
    state = client.scheduler_get(sn)
    device = DeviceContext(
        sn=sn,
        properties=state.properties,
        current_groups=list(state.groups),
        current_enable=bool(state.enable),
        live_soc_pct=live_soc_pct(client, sn),
        fd_pwr_cap_w=config.battery.rating_w,
        simulated_cloud=simulated,
    )
    if config.schedule.gap_fill != "selfuse":
        check_base_mode(client, device)
    return device


def check_base_mode(client: FoxEssClient, device: DeviceContext) -> None:
    """Gaps between groups run the inverter's own work mode: if that is not SelfUse, cover the whole day.

    One ``setting/get WorkMode`` call. An unreadable setting is treated as "not SelfUse" (the safe side).
    """
    assert device.sn is not None
    try:
        mode = client.setting_get(device.sn, "WorkMode").value
    except OptimizerError as exc:
        mode = f"unknown ({exc.message})"
    if mode != "SelfUse":
        device.gap_fill = "selfuse"
        device.notes.append(
            f"the inverter's own work mode is {mode}, not SelfUse: the groups cover the whole day (gap_fill selfuse)"
        )


def plan_device(
    config: Config,
    options: PlanOptions,
    account: Account,
    sn: str,
    *,
    store: HistoryStore,
    progress: ProgressCallback | None = None,
) -> PlanOutcome:
    """Sync history, inspect the inverter, plan and compile. Writes nothing to the inverter."""
    t0 = time.perf_counter()
    client = account.client
    calls_before = client.calls_made
    now = account_now(account)
    tz = config.site.timezone
    start = horizon_start(config, options, floor_to_slot(now, options.slot_for(config)))
    device = inspect_device(client, sn, config, simulated=account.simulated)
    if options.history is not None:  # forecasts from a CSV instead of the account's history
        history = read_history_csv(options.history)
    else:
        sync_history(
            client,
            store,
            sn,
            now=now.to_pydatetime(),
            days=config.history.sync_days,
            timezone=tz,
            progress=progress,
            max_calls=max(0, client.counter.headroom(sn) - PLAN_AND_PUSH_CALLS),
        )
        begin = start - pd.Timedelta(days=config.history.forecast_days)
        history_end = max(start, now) + options.horizon_for(config) if options.forecast == "perfect" else start
        history = store.series(sn, begin, history_end)
    if history.empty:
        raise HistoryError(
            f"{sn}: no history is stored before {start.isoformat()}.", hint="Run `optimizer history sync` first."
        )
    live = device.live_soc_pct if options.start is None else None
    horizon = build_horizon(config, history, options, start=start, live_soc_pct=live)
    return solve_and_compile(config, horizon, device, options, api_calls=client.calls_made - calls_before, started=t0)


def push_outcome(account: Account, outcome: PlanOutcome) -> PushReport:
    """Write ``outcome``'s groups to its inverter if they differ from what it held when planned; verify."""
    sn = str(outcome.device.sn)
    current = ScheduleSnapshot(enable=outcome.device.current_enable, groups=outcome.device.current_groups)
    before = account.client.calls_made
    report = push_schedule(account.client, sn, outcome.groups, current)
    outcome.api_calls += account.client.calls_made - before
    outcome.notes.extend(report.notes)
    return report


@dataclass
class AccountPlan:
    """``optimizer plan``/``push`` for an account: the outcome, and the push report when pushed."""

    outcome: PlanOutcome
    push: PushReport | None = None
    simulated: bool = False


def plan_account(
    config: Config, options: PlanOptions, *, push: bool = False, reporter: Reporter = SILENT
) -> AccountPlan:
    """Plan ``options.device``, else the first inverter of the account with scheduler support; push if asked.

    With no credentials this is the built-in simulated cloud (the reporter is told).
    """
    with open_account(config) as account:
        if account.simulated:
            reporter.info(
                "No Fox ESS credentials: using the built-in simulated Fox ESS cloud (set FOXESS_API_KEY for yours)."
            )
        with HistoryStore(config.history_db) as store:
            outcome = _plan_first_capable(config, options, account, store, reporter)
        report = push_outcome(account, outcome) if push else None
        return AccountPlan(outcome=outcome, push=report, simulated=account.simulated)


def _plan_first_capable(
    config: Config, options: PlanOptions, account: Account, store: HistoryStore, reporter: Reporter
) -> PlanOutcome:
    """Plan for ``options.device``, else for the first inverter with scheduler support (the support check is
    the first call of :func:`plan_device`, so an unsupported one costs that call only)."""
    listed = [] if options.device else scheduler_devices(account.client, config)
    serials = [options.device] if options.device else [d.deviceSN for d in listed]
    for sn in serials:
        try:
            return plan_device(config, options, account, sn, store=store, progress=reporter.progress(f"history {sn}"))
        except SchedulerUnsupportedError:
            if options.device:
                raise
    raise SchedulerUnsupportedError(
        f"no inverter in this account supports the scheduler ({', '.join(serials) or 'no inverters'})."
    )
