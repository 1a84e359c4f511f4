"""Planning for an inverter of a connected account: inspect it, sync its history, plan, compile.

Call budget of one device plan (steady state, history already stored): the history sync (one call per new
day, see ``optimizer history``), ``scheduler/get/flag`` and ``scheduler/get`` (support, properties, groups,
flag), one real-time query for the SoC and, unless ``gap_fill = "selfuse"``, one ``setting/get WorkMode``.
Pushing adds ``scheduler/enable``, ``scheduler/set/flag`` and the read-back ``scheduler/get``.

:func:`plan_account` is ``optimizer plan``/``push`` for an account: open it, plan the chosen (or first
capable) inverter, push if asked.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pandas as pd

from optimizer.config import Config
from optimizer.errors import (
    ConfigError,
    HistoryError,
    OptimizerError,
    QuotaBudgetError,
    QuotaExhaustedError,
    SchedulerUnsupportedError,
)
from optimizer.foxess import DeviceSummary, FoxEssClient
from optimizer.history import read_history_csv, sync_history
from optimizer.history.store import HistoryStore
from optimizer.pipeline.account import Account, open_account
from optimizer.pipeline.inputs import build_horizon
from optimizer.pipeline.journal import JournalEntry, PushJournal
from optimizer.pipeline.lock import run_lock
from optimizer.pipeline.options import PlanOptions
from optimizer.pipeline.paths import ensure_data_dir
from optimizer.pipeline.plan import DeviceContext, PlanOutcome, horizon_start, solve_and_compile
from optimizer.pipeline.push import (
    RESERVED_CALLS,
    Budget,
    PushReport,
    ScheduleSnapshot,
    not_written,
    push_report_of,
    push_schedule,
    reason,
    recover_interrupted,
)
from optimizer.pipeline.reporting import SILENT, ProgressCallback, Reporter
from optimizer.pipeline.runstate import DayFacts
from optimizer.timegrid import floor_to_slot

log = logging.getLogger("optimizer.run")

INSPECT_CALLS = 4
"""Calls a device plan makes besides the history: ``scheduler/get/flag``, ``scheduler/get``, the real-time SoC and
``setting/get WorkMode``."""
PLAN_AND_PUSH_CALLS = INSPECT_CALLS + RESERVED_CALLS
"""Calls a device plan keeps back from its history sync: inspecting the inverter and what a push reserves
before its first write (see :mod:`optimizer.pipeline.push`); a first sync spreads over runs instead."""


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


def inspect_device(
    client: FoxEssClient, sn: str, config: Config, *, simulated: bool, facts: DayFacts | None = None
) -> DeviceContext:
    """Properties, current groups and flag, live SoC: what planning and the diff need to know.

    ``facts`` (today's, from an earlier run) spare ``scheduler/get/flag`` and ``setting/get WorkMode``.
    """
    supported = bool(client.scheduler_get_flag(sn).support) if facts is None else facts.support
    if not supported:
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
        known = facts.base_mode if facts is not None else None
        check_base_mode(client, device, known=known)
    return device


def check_base_mode(client: FoxEssClient, device: DeviceContext, *, known: str | None = None) -> None:
    """Gaps between groups run the inverter's own work mode: if that is not SelfUse, cover the whole day.

    One ``setting/get WorkMode`` call, unless the mode is ``known`` (read earlier today). An unreadable setting is
    treated as "not SelfUse" (the safe side) and asked again next time.
    """
    assert device.sn is not None
    mode = known
    if mode is None:
        try:
            mode = device.base_mode = client.setting_get(device.sn, "WorkMode").value
        except OptimizerError as exc:
            mode = f"unknown ({exc.message})"
    else:
        device.base_mode = mode
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
    facts: DayFacts | None = None,
) -> PlanOutcome:
    """Sync history, inspect the inverter (``facts``: what an earlier run learnt today), plan and compile.
    Writes nothing to the inverter."""
    t0 = time.perf_counter()
    client = account.client
    calls_before = client.calls_made
    now = account_now(account)
    tz = config.site.timezone
    start = horizon_start(config, options, floor_to_slot(now, options.slot_for(config)))
    device = inspect_device(client, sn, config, simulated=account.simulated, facts=facts)
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


def push_budget(
    client: FoxEssClient, sn: str, notes: list[str], purpose: str = "write, read back and, if needed, restore"
) -> Budget:
    """The budget check a push makes before its first write, the cloud's own remaining count included.

    The local limits are checked first for the push's calls plus one; one ``user/getAccessCount`` call then
    anchors the local counter to what the cloud says is left today (other tools may share the key), and every
    limit is checked again (:meth:`FoxEssClient.check_budget`). A count the cloud does not give leaves the local
    limits alone; 40402 (the quota is gone) refuses the push.
    """

    def check(n: int) -> None:
        _require(client, sn, n + 1, f"to check the cloud's count, {purpose}")
        try:
            count = client.access_count()
        except QuotaExhaustedError:
            raise
        except OptimizerError as exc:
            notes.append(
                f"the cloud's count of calls left could not be read ({reason(exc)}): only the local budget was checked"
            )
        else:
            if count.remaining is not None:
                client.counter.reconcile(max(0, int(count.remaining)), count.total)
        _require(client, sn, n, f"to {purpose}")

    return check


def _require(client: FoxEssClient, sn: str, n: int, purpose: str) -> None:
    try:
        client.check_budget(n, sn)
    except QuotaBudgetError as exc:
        limit = exc.message.rsplit(";", 1)[0]
        raise QuotaBudgetError(f"a push needs {n} more API calls {purpose}, and {limit}", hint=exc.hint) from None


def push_outcome(
    account: Account, outcome: PlanOutcome, *, journal: PushJournal | None = None, command: str = "push"
) -> PushReport:
    """Write ``outcome``'s groups to its inverter if they differ from what it held when planned; verify.

    The protocol is :func:`optimizer.pipeline.push.push_schedule`'s: the budget reserved first, the journal
    written before the first write, a failure settled by reading the inverter. Raises
    the error that made it fail (re-worded, its report attached) when the new schedule is not in force.
    """
    sn = str(outcome.device.sn)
    client = account.client
    current = ScheduleSnapshot(enable=outcome.device.current_enable, groups=outcome.device.current_groups)
    before, writes_before = client.calls_made, client.write_calls_made
    notes: list[str] = []
    try:
        report = push_schedule(
            client,
            sn,
            outcome.groups,
            current,
            max_soc=outcome.device.properties.supports_max_soc,
            budget=push_budget(client, sn, notes),
            journal=journal,
            command=command,
        )
    except OptimizerError as exc:
        outcome.api_calls += client.calls_made - before
        failed = push_report_of(exc)
        if failed is not None:
            failed.writes = client.write_calls_made - writes_before
            failed.notes[:0] = notes
        raise
    report.writes = client.write_calls_made - writes_before
    report.notes[:0] = notes
    outcome.api_calls += client.calls_made - before
    outcome.notes.extend(report.notes)
    return report


def recover_device(
    account: Account, sn: str, journal: PushJournal, *, max_soc: bool | None = None
) -> PushReport | None:
    """Settle a push of ``sn`` that a killed or cut-off run left unfinished (see the push journal); ``None``
    when there is none. Costs one read, plus the writes of a restore where one is needed."""
    entry = journal.pending(sn)
    if entry is None:
        return None
    client = account.client
    writes_before = client.write_calls_made
    if max_soc is None:
        max_soc = _takes_max_soc(entry)
    try:
        report = recover_interrupted(
            client,
            entry,
            journal,
            max_soc=max_soc,
            budget=push_budget(client, sn, [], "check the unfinished push and, if needed, undo it"),
        )
    except OptimizerError as exc:
        failed = push_report_of(exc)
        if failed is not None:
            failed.writes = client.write_calls_made - writes_before
        raise
    report.writes = client.write_calls_made - writes_before
    return report


def _takes_max_soc(entry: JournalEntry) -> bool:
    """Whether the device of ``entry`` takes ``maxSoc``: the intended groups carry it where it does."""
    return any(g.maxSoc is not None for g in entry.intended)


@dataclass
class AccountPlan:
    """``optimizer plan``/``push`` for an account: the outcome, and the push report when pushed."""

    outcome: PlanOutcome
    push: PushReport | None = None
    simulated: bool = False
    found: str | None = None  # what an interrupted earlier push had left (the journal), when pushing


def plan_account(
    config: Config,
    options: PlanOptions,
    *,
    push: bool = False,
    reporter: Reporter = SILENT,
    wait_s: float = 300.0,
) -> AccountPlan:
    """Plan ``options.device``, else the first inverter of the account with scheduler support; push if asked.

    With no credentials this is the built-in simulated cloud (the reporter is told). A push holds the run lock
    (as ``optimizer run --push`` does) from the first read to the last read-back, waiting up to ``wait_s``
    seconds for another run; it first settles a push of the same inverter that an earlier run left unfinished.
    """
    ensure_data_dir(config)
    if not push:
        return _plan_account(config, options, push=False, reporter=reporter)
    with run_lock(config.lock_file, wait_s, waiting=reporter.info):
        log.info("push start")
        try:
            return _plan_account(config, options, push=True, reporter=reporter)
        except OptimizerError as exc:
            log.error("%s", exc.explain())
            raise not_written(exc, options.device) from None
        finally:
            log.info("push end")


def _plan_account(config: Config, options: PlanOptions, *, push: bool, reporter: Reporter) -> AccountPlan:
    journal = PushJournal.in_dir(config.data_dir)
    with open_account(config) as account:
        if account.simulated:
            reporter.info(
                "No Fox ESS credentials: using the built-in simulated Fox ESS cloud (set FOXESS_API_KEY for yours)."
            )
        found = recover_pending(account, config, journal, options.device, reporter) if push else {}
        with HistoryStore(config.history_db) as store:
            outcome = _plan_first_capable(config, options, account, store, reporter)
        sn = str(outcome.device.sn)
        if sn in found:
            outcome.notes.insert(0, found[sn])
        elif not push and (pending := journal.pending(sn)) is not None:
            outcome.notes.append(pending_note(pending))
        report = push_outcome(account, outcome, journal=journal, command="push") if push else None
        if report is not None:
            report.found = found.get(sn)
            log.info("%s: %s", sn, "; ".join(report.notes) or "pushed and verified")
        return AccountPlan(outcome=outcome, push=report, simulated=account.simulated, found=found.get(sn))


def recover_pending(
    account: Account, config: Config, journal: PushJournal, device: str | None, reporter: Reporter = SILENT
) -> dict[str, str]:
    """Settle every unfinished push of this account's inverters (or of ``device`` only) before planning.

    Returns serial → what was found (a sentence without its full stop); the reporter and the log are told.
    A journal entry of an inverter this account does not have is left alone.
    """
    pending = [sn for sn, entry in journal.entries().items() if entry.pending and (device is None or sn == device)]
    if not pending:
        return {}
    if device is None:
        known = {d.deviceSN for d in scheduler_devices(account.client, config)}
        pending = [sn for sn in pending if sn in known]
    found: dict[str, str] = {}
    for sn in pending:
        report = recover_device(account, sn, journal)
        if report is not None and report.found:
            found[sn] = report.found
            reporter.info(f"{sn}: {report.found}.")
            log.info("%s: %s", sn, report.found)
    return found


def pending_note(entry: JournalEntry) -> str:
    """A dry run's note about an unfinished push it leaves alone (a dry run writes nothing)."""
    return (
        f"a push of {entry.started_at} ({entry.command or 'push'}) did not finish (journal state {entry.state}); "
        "the next `optimizer push` or `run --push` checks the inverter and restores the schedule from before it "
        "if needed"
    )


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
