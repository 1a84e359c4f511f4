"""Planning for an inverter of a connected account: inspect it, sync its history, plan, compile.

Call budget of one device plan (steady state, history already stored): the history sync (one call per new
day, see ``optimizer history``), ``scheduler/get/flag`` and ``scheduler/get`` (support, properties, groups,
flag), one real-time query for the SoC and, unless ``gap_fill = "selfuse"``, one ``setting/get WorkMode``.
Pushing adds ``scheduler/enable``, ``scheduler/set/flag`` and the read-back ``scheduler/get``.
"""

from __future__ import annotations

import time

import pandas as pd

from optimizer.account import Account
from optimizer.config import Config
from optimizer.errors import ConfigError, HistoryError, OptimizerError, SchedulerUnsupportedError
from optimizer.foxess import DeviceSummary, FoxEssClient
from optimizer.history import read_history_csv, sync_history
from optimizer.history.sync import ProgressCallback
from optimizer.pipeline import (
    DeviceContext,
    PlanOptions,
    PlanOutcome,
    horizon_for,
    slot_minutes_for,
    solve_and_compile,
)
from optimizer.store import HistoryStore
from optimizer.timegrid import floor_to_slot, parse_time_arg


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
                f"[foxess] devices lists {', '.join(missing)}, not in this account "
                f"(it has {', '.join(by_sn) or 'no inverters'})"
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
            f"{sn} does not support the Fox ESS scheduler (scheduler/get/flag support=0)",
            hint="Plan for an inverter with scheduler support, or drop this one from [foxess] devices.",
        )
    state = client.scheduler_get(sn)
    rating_w = config.battery.rating_w
    device = DeviceContext(
        sn=sn,
        properties=state.properties,
        current_groups=list(state.groups),
        current_enable=bool(state.enable),
        live_soc_pct=live_soc_pct(client, sn),
        fd_pwr_cap_w=rating_w,
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
    slot = slot_minutes_for(config, options)
    tz = config.site.timezone
    start = floor_to_slot(parse_time_arg(options.start, tz), slot) if options.start else floor_to_slot(now, slot)
    device = inspect_device(client, sn, config, simulated=account.simulated)
    if options.history is not None:  # forecasts from a CSV instead of the account's history
        history = read_history_csv(options.history)
    else:
        sync_history(
            client, store, sn, now=now.to_pydatetime(), days=config.history.sync_days, timezone=tz, progress=progress
        )
        begin = start - pd.Timedelta(days=config.history.forecast_days)
        history_end = max(start, now) + options.horizon if options.forecast == "perfect" else start
        history = store.series(sn, begin, history_end)
    if history.empty:
        raise HistoryError(f"{sn}: no history stored before {start.isoformat()}; run `optimizer history sync`")
    live = device.live_soc_pct if options.start is None else None
    horizon = horizon_for(config, history, options, start=start, slot_minutes=slot, live_soc_pct=live)
    return solve_and_compile(
        config,
        horizon,
        device,
        options,
        slot,
        api_calls=client.calls_made - calls_before,
        started=t0,
    )
