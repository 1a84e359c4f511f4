"""The Fox ESS Open API client: one typed method per endpoint of the vendor document.

Every method builds a pydantic request model (bad arguments → :class:`~optimizer.errors.UsageError` naming
the field), sends it through :class:`~optimizer.foxess.session.Session` (budget, throttle, signing, retries,
errno → exceptions) and parses the ``result`` into a response model (an answer that does not fit →
:class:`~optimizer.errors.TransportError` naming the field).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import httpx

from optimizer.errors import TransportError, UsageError
from optimizer.foxess.auth import ApiKeyAuth, OAuthAuth
from optimizer.foxess.clock import Clock
from optimizer.foxess.endpoints import ENDPOINTS, Endpoint
from optimizer.foxess.models import (
    MAX_SNS_PER_REALTIME_CALL,
    REPORT_VARIABLES,
    AccessCount,
    BatterySoc,
    BatterySocSetRequest,
    DataLogger,
    DeviceDetail,
    DeviceSetting,
    DeviceSnRequest,
    DeviceSummary,
    DeviceTime,
    DeviceTimeSetRequest,
    FaultCode,
    ForceChargeTimes,
    ForceChargeTimeSetRequest,
    FoxRequest,
    Generation,
    HistoryPoint,
    HistoryRequest,
    HistoryResult,
    Meter,
    MeterSettings,
    MeterSettingsSetRequest,
    Page,
    PageRequest,
    PeakShaving,
    PeakShavingSetRequest,
    PlantCreateRequest,
    PlantDeleteRequest,
    PlantDetail,
    PlantDetailQuery,
    PlantSummary,
    PlantUpdateRequest,
    PlantWriteResult,
    RealTimeData,
    RealTimeV0Request,
    RealTimeV1Request,
    ReportRequest,
    ReportVariable,
    SchedulerEnableRequest,
    SchedulerFlag,
    SchedulerSetFlagRequest,
    SchedulerState,
    SchedulerV0EnableRequest,
    SettingGetRequest,
    SettingSetRequest,
    SnRequest,
    VariableInfo,
)
from optimizer.foxess.quota import CallCounter
from optimizer.foxess.retry import DEFAULT_MAX_RETRIES, RetryPolicy
from optimizer.foxess.session import Session
from optimizer.foxess.timeparse import epoch_ms
from optimizer.foxess.wire import M, as_list, build, keyed_items, parse, request
from optimizer.scheduler import SchedulerGroup

HISTORY_WINDOW = timedelta(hours=24)
DEFAULT_PAGE_SIZE = 100
_MAX_PAGES = 1000


class HistoryWindowError(UsageError, ValueError):
    """A single history call was asked for more than 24 h."""


def history_windows(begin: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``[begin, end)`` cut into consecutive windows of at most 24 h (the history endpoint's limit)."""
    for name, value in (("begin", begin), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise UsageError(f"history {name} {value.isoformat()} has no time zone; give an aware datetime")
    if end <= begin:
        raise UsageError(f"history end {end.isoformat()} is not after begin {begin.isoformat()}")
    windows = []
    start = begin
    while start < end:
        stop = min(start + HISTORY_WINDOW, end)
        windows.append((start, stop))
        start = stop
    return windows


class FoxEssClient:
    """A synchronous client of the Fox ESS Open API (see the package docstring for the rules it keeps).

    Also a context manager; :meth:`close` releases the connection pool.
    """

    def __init__(
        self,
        base_url: str,
        auth: ApiKeyAuth | OAuthAuth,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        counter: CallCounter | None = None,
        timeout_s: float = 30.0,
        max_retries: int = DEFAULT_MAX_RETRIES,
        throttle: bool = True,
        retry: RetryPolicy | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        policy = retry or RetryPolicy(max_retries=max_retries)
        self._session = Session(
            base_url,
            auth,
            transport=transport,
            clock=clock,
            counter=counter,
            timeout_s=timeout_s,
            retry=policy,
            throttle=throttle,
        )
        self.page_size = page_size

    # ----- plumbing --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._session.base_url

    @property
    def auth(self) -> ApiKeyAuth | OAuthAuth:
        return self._session.auth

    @property
    def counter(self) -> CallCounter:
        return self._session.counter

    @property
    def clock(self) -> Clock:
        return self._session.clock

    @property
    def calls_made(self) -> int:
        """HTTP requests this client sent to the Open API (retries included)."""
        return self._session.calls_made

    @property
    def write_calls_made(self) -> int:
        """Of :attr:`calls_made`, those on write endpoints."""
        return self._session.write_calls_made

    @property
    def last_server_date(self) -> str | None:
        """The HTTP ``Date`` header of the latest answer (RFC 7231 text), for clock-skew checks."""
        return self._session.last_server_date

    @property
    def http(self) -> httpx.Client:
        """The underlying httpx client (also used for OAuth token calls)."""
        return self._session.http

    def check_budget(self, n: int, sn: str | None = None) -> None:
        """Refuse (QuotaBudgetError) before a batch of ``n`` calls that the budget cannot cover."""
        self.counter.check(n, sn)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> FoxEssClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(
        self,
        name: str,
        *,
        device: str | None = None,
        body: FoxRequest | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        endpoint: Endpoint = ENDPOINTS[name]
        return self._session.call(
            endpoint, device=device, params=params, body=body.wire() if body is not None else None
        )

    def _fetch(
        self,
        name: str,
        model: type[M],
        *,
        device: str | None = None,
        body: FoxRequest | None = None,
        params: dict[str, Any] | None = None,
    ) -> M:
        """One call whose ``result`` is one object of ``model``."""
        return parse(model, self._call(name, device=device, body=body, params=params), ENDPOINTS[name].path)

    def _fetch_list(
        self, name: str, model: type[M], *, device: str | None = None, body: FoxRequest | None = None
    ) -> list[M]:
        """One call whose ``result`` is a list of ``model`` objects."""
        path = ENDPOINTS[name].path
        return [parse(model, item, path) for item in as_list(self._call(name, device=device, body=body), path)]

    def _fetch_by_sn(self, name: str, model: type[M], sn: str) -> M:
        """A GET with the inverter serial number in the query string (``?sn=...``)."""
        return self._fetch(name, model, device=sn, params=request(SnRequest, sn=sn).wire())

    def _all_pages(self, name: str, model: type[M]) -> list[M]:
        path = ENDPOINTS[name].path
        items: list[M] = []
        for page_number in range(1, _MAX_PAGES + 1):
            body = request(PageRequest, currentPage=page_number, pageSize=self.page_size)
            page = self._fetch(name, Page, body=body)
            items.extend(parse(model, entry, path) for entry in page.data)
            if not page.data or len(items) >= page.total or len(page.data) < self.page_size:
                return items
        raise TransportError(f"Fox ESS {path}: more than {_MAX_PAGES} pages; the paging never ended")

    # ----- power stations --------------------------------------------------------------------------
    def plant_list(self) -> list[PlantSummary]:
        """Every power station of the account (all pages)."""
        return self._all_pages("plant_list", PlantSummary)

    def plant_detail(self, station_id: str) -> PlantDetail:
        return self._fetch("plant_detail", PlantDetail, params=request(PlantDetailQuery, id=station_id).wire())

    def plant_create(self, request: PlantCreateRequest) -> PlantWriteResult:
        return self._fetch("plant_create", PlantWriteResult, body=request)

    def plant_update(self, request: PlantUpdateRequest) -> PlantWriteResult:
        return self._fetch("plant_update", PlantWriteResult, body=request)

    def plant_delete(self, station_id: str) -> None:
        self._call("plant_delete", body=request(PlantDeleteRequest, stationID=station_id))

    # ----- devices ---------------------------------------------------------------------------------
    def list_devices(self) -> list[DeviceSummary]:
        """Every inverter of the account (all pages); they also size the daily call pool."""
        devices = self._all_pages("device_list", DeviceSummary)
        self.counter.note_inverters(d.deviceSN for d in devices)
        return devices

    def device_detail(self, sn: str) -> DeviceDetail:
        """Versions, rating, batteries and ``function.scheduler`` support of one inverter."""
        return self._fetch_by_sn("device_detail", DeviceDetail, sn)

    def variables(self) -> list[VariableInfo]:
        """The variables the real-time and history endpoints know, with units and names."""
        path = ENDPOINTS["variables"].path
        return [
            parse(VariableInfo, {**(spec if isinstance(spec, dict) else {}), "variable": name}, path)
            for name, spec in keyed_items(self._call("variables"), path)
        ]

    def fault_codes(self) -> list[FaultCode]:
        """The inverter fault codes with their texts by language."""
        path = ENDPOINTS["fault_codes"].path
        codes = []
        for code, texts in keyed_items(self._call("fault_codes"), path):
            table = {str(k): str(v) for k, v in texts.items()} if isinstance(texts, dict) else {"en": str(texts)}
            codes.append(FaultCode(code=code, texts=table))
        return codes

    def list_data_loggers(self) -> list[DataLogger]:
        """Every data logger (communication module) of the account (all pages)."""
        return self._all_pages("data_logger_list", DataLogger)

    def list_meters(self) -> list[Meter]:
        """Every meter of the account (all pages)."""
        return self._all_pages("meter_list", Meter)

    def meter_settings_get(self, sn: str) -> MeterSettings:
        return self._fetch("meter_setting_get", MeterSettings, body=request(SnRequest, sn=sn))

    def meter_settings_set(self, sn: str, mode: str, **values: str | float | None) -> None:
        """Write meter settings: ``mode`` plus any of ``feedinPower``, ``outputMaxCurrent``,
        ``inputMaxCurrent``, ``overVoltageMaxValue``, ``underVoltageMinValue``, ``sysOnOffPowerValue``
        (sent as strings)."""
        self._call("meter_setting_set", body=request(MeterSettingsSetRequest, sn=sn, mode=mode, **values))

    # ----- measurements ----------------------------------------------------------------------------
    def real_time(self, sns: list[str], variables: list[str] | None = None) -> list[RealTimeData]:
        """Latest values of many inverters (v1), in batches of at most 50 serial numbers per call;
        ``variables=None`` asks for all."""
        if not sns:
            raise UsageError("real_time needs at least one serial number")
        batches = [sns[i : i + MAX_SNS_PER_REALTIME_CALL] for i in range(0, len(sns), MAX_SNS_PER_REALTIME_CALL)]
        self.check_budget(len(batches), sns[0] if len(sns) == 1 else None)
        found: list[RealTimeData] = []
        for batch in batches:
            body = request(RealTimeV1Request, sns=batch, variables=variables or None)
            device = batch[0] if len(batch) == 1 else None
            found.extend(self._fetch_list("real_time", RealTimeData, device=device, body=body))
        return found

    def real_time_v0(self, sn: str | None = None, variables: list[str] | None = None) -> list[RealTimeData]:
        """Latest values via the deprecated v0 endpoint (one inverter, or all when ``sn`` is ``None``)."""
        body = request(RealTimeV0Request, sn=sn, variables=variables or None)
        return self._fetch_list("real_time_v0", RealTimeData, device=sn, body=body)

    def history_window(
        self, sn: str, begin: datetime, end: datetime, variables: list[str]
    ) -> dict[str, list[HistoryPoint]]:
        """History of ``variables`` over ``[begin, end]`` in exactly one call; at most 24 h; an empty
        ``variables`` asks for all.

        Returns variable → points in time order (values in the variable's unit, kW for powers).
        """
        windows = history_windows(begin, end)
        if len(windows) > 1:
            raise HistoryWindowError(
                f"one history call covers at most 24 h; {begin.isoformat()} to {end.isoformat()} is "
                f"{(end - begin).total_seconds() / 3600:g} h (use history() to split it)"
            )
        body = request(HistoryRequest, sn=sn, variables=variables or None, begin=epoch_ms(begin), end=epoch_ms(end))
        series: dict[str, list[HistoryPoint]] = {}
        for result in self._fetch_list("history", HistoryResult, device=sn, body=body):
            for variable in result.datas:
                series.setdefault(variable.variable, []).extend(variable.data)
        return {name: sorted(points, key=lambda p: p.time) for name, points in series.items()}

    def history(self, sn: str, begin: datetime, end: datetime, variables: list[str]) -> dict[str, list[HistoryPoint]]:
        """History over any range: split into ≤ 24 h windows (one call each, checked against the budget
        before the first), merged, de-duplicated on time and sorted."""
        windows = history_windows(begin, end)
        self.check_budget(len(windows), sn)
        merged: dict[str, dict[datetime, HistoryPoint]] = {}
        for start, stop in windows:
            for name, points in self.history_window(sn, start, stop, variables).items():
                by_time = merged.setdefault(name, {})
                for point in points:
                    by_time.setdefault(point.time, point)
        return {name: [by_time[t] for t in sorted(by_time)] for name, by_time in merged.items()}

    def report(
        self,
        sn: str,
        dimension: str,
        year: int,
        month: int | None = None,
        day: int | None = None,
        variables: list[str] | None = None,
    ) -> list[ReportVariable]:
        """Energy report [kWh] in the station's time zone: ``dimension`` ``"day"`` gives hourly values,
        ``"month"`` daily values, ``"year"`` monthly values. ``variables=None`` asks for the standard set.

        Year reports are known to come back with wrong variable names; when the names returned are not
        the ones asked for, they are reassigned in request order (as foxesscloud does).
        """
        wanted = list(variables) if variables else list(REPORT_VARIABLES)
        body = request(ReportRequest, sn=sn, dimension=dimension, year=year, month=month, day=day, variables=wanted)
        rows = self._fetch_list("report", ReportVariable, device=sn, body=body)
        if dimension == "year" and len(rows) == len(wanted) and {r.variable for r in rows} != set(wanted):
            rows = [row.model_copy(update={"variable": name}) for row, name in zip(rows, wanted, strict=True)]
        return rows

    def generation(self, sn: str) -> Generation:
        """Energy generated today, this month and in total [kWh]."""
        return self._fetch_by_sn("generation", Generation, sn)

    def access_count(self) -> AccessCount:
        """The account's daily call allowance and what remains; reconciles the local call counter."""
        result = self._fetch("access_count", AccessCount)
        if result.remaining is not None:
            self.counter.reconcile(result.remaining, result.total)
        return result

    # ----- battery and settings --------------------------------------------------------------------
    def battery_soc_get(self, sn: str) -> BatterySoc:
        return self._fetch_by_sn("battery_soc_get", BatterySoc, sn)

    def battery_soc_set(self, sn: str, min_soc_pct: int, min_soc_on_grid_pct: int) -> None:
        """Set the system minimum SoC and the on-grid minimum SoC [%] (10-100 each). Fails with 44096 or
        44098 while the mode scheduler is enabled."""
        body = request(BatterySocSetRequest, sn=sn, minSoc=min_soc_pct, minSocOnGrid=min_soc_on_grid_pct)
        self._call("battery_soc_set", device=sn, body=body)

    def force_charge_time_get(self, sn: str) -> ForceChargeTimes:
        return self._fetch_by_sn("force_charge_time_get", ForceChargeTimes, sn)

    def force_charge_time_set(self, sn: str, times: ForceChargeTimes) -> None:
        """Write both force-charge windows (the endpoint requires both)."""
        body = build(lambda: ForceChargeTimeSetRequest.from_times(sn, times))
        self._call("force_charge_time_set", device=sn, body=body)

    def setting_get(self, sn: str, key: str) -> DeviceSetting:
        """One setting item (``ExportLimit``, ``MinSoc``, ``MinSocOnGrid``, ``MaxSoc``, ``GridCode``,
        ``WorkMode``, ...): value, unit, range or enumeration."""
        return self._fetch("setting_get", DeviceSetting, device=sn, body=request(SettingGetRequest, sn=sn, key=key))

    def setting_set(self, sn: str, key: str, value: str | float) -> None:
        """Write one setting item; the value is sent as a string (``5000`` → ``"5000"``)."""
        self._call("setting_set", device=sn, body=request(SettingSetRequest, sn=sn, key=key, value=value))

    def device_time_get(self, sn: str) -> DeviceTime:
        """The inverter's local wall clock."""
        return self._fetch("device_time_get", DeviceTime, device=sn, body=request(SnRequest, sn=sn))

    def device_time_set(self, sn: str, local_time: datetime) -> None:
        """Set the inverter's clock to the wall-clock fields of ``local_time`` (convert to the inverter's
        zone first). The cloud turns off the inverter's automatic time synchronisation afterwards."""
        body = build(lambda: DeviceTimeSetRequest.from_datetime(sn, local_time))
        self._call("device_time_set", device=sn, body=body)

    def peak_shaving_get(self, sn: str) -> PeakShaving:
        return self._fetch("peak_shaving_get", PeakShaving, device=sn, body=request(SnRequest, sn=sn))

    def peak_shaving_set(self, sn: str, import_limit: float, soc_pct: int) -> None:
        """Set the peak-shaving import limit (in the unit ``peak_shaving_get`` reports) and reserve SoC [%]."""
        body = request(PeakShavingSetRequest, sn=sn, importLimit=import_limit, soc=soc_pct)
        self._call("peak_shaving_set", device=sn, body=body)

    # ----- scheduler v1 ----------------------------------------------------------------------------
    def scheduler_get_flag(self, sn: str) -> SchedulerFlag:
        """Whether the inverter supports the mode scheduler (``support``) and whether it is on (``enable``)."""
        return self._fetch("scheduler_get_flag", SchedulerFlag, device=sn, body=request(DeviceSnRequest, deviceSN=sn))

    def scheduler_set_flag(self, sn: str, enable: bool) -> None:
        """Switch the mode scheduler on or off."""
        body = request(SchedulerSetFlagRequest, deviceSN=sn, enable=int(bool(enable)))
        self._call("scheduler_set_flag", device=sn, body=body)

    def scheduler_get(self, sn: str) -> SchedulerState:
        """The stored groups (placeholders included), the master switch and the field ranges."""
        return self._fetch("scheduler_get", SchedulerState, device=sn, body=request(DeviceSnRequest, deviceSN=sn))

    def scheduler_enable(self, sn: str, groups: list[SchedulerGroup]) -> None:
        """Write the time segments (at most 8), each sent exactly as ``group.wire()``."""
        body = request(SchedulerEnableRequest, deviceSN=sn, groups=groups)
        self._call("scheduler_enable", device=sn, body=body)

    # ----- scheduler v0 (deprecated) ---------------------------------------------------------------
    def scheduler_v0_get_flag(self, sn: str) -> SchedulerFlag:
        body = request(DeviceSnRequest, deviceSN=sn)
        return self._fetch("scheduler_v0_get_flag", SchedulerFlag, device=sn, body=body)

    def scheduler_v0_set_flag(self, sn: str, enable: bool) -> None:
        body = request(SchedulerSetFlagRequest, deviceSN=sn, enable=int(bool(enable)))
        self._call("scheduler_v0_set_flag", device=sn, body=body)

    def scheduler_v0_get(self, sn: str) -> SchedulerState:
        body = request(DeviceSnRequest, deviceSN=sn)
        return self._fetch("scheduler_v0_get", SchedulerState, device=sn, body=body)

    def scheduler_v0_enable(self, sn: str, groups: list[SchedulerGroup]) -> None:
        """Write v0 time segments: as v1 but without ``maxSoc``."""
        body = request(SchedulerV0EnableRequest, deviceSN=sn, groups=groups)
        self._call("scheduler_v0_enable", device=sn, body=body)
