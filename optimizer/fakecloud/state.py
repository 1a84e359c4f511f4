"""The simulated cloud without its sockets: configuration, account state and the request pipeline.

:meth:`CloudState.handle` turns one HTTP request into one :class:`Reply`, in the order the real server
applies its checks:

1. transport faults (``http``, ``timeout``, ``slow``);
2. the route (unknown path → HTTP 404, wrong method or an endpoint the real cloud removed by the simulated
   date → HTTP 405); public routes (OAuth, the legacy
   ``/c/v0/errors/message``) skip the checks below;
3. signature, timestamp and token (40256), per-path throttle (40400), daily quota (40402);
4. injected ``errno`` faults;
5. the inverters are stepped up to the simulated now, the body is parsed (not JSON → 40257) and the
   handler runs; a ``not_applied`` fault rolls its writes back;
6. a ``malformed`` fault cuts the JSON answer short.

Every request is logged in :attr:`CloudState.requests` (method, path, body; never headers or secrets).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from optimizer.errors import ConfigError
from optimizer.fakecloud import oauth_routes
from optimizer.fakecloud.account import AccountSpec, PlantSpec, default_account, with_evo
from optimizer.fakecloud.auth import Authenticator, OAuthTokens
from optimizer.fakecloud.churn import removed
from optimizer.fakecloud.clock import SimClock
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.endpoints import ROUTES, Route, error_messages
from optimizer.fakecloud.faults import Faults
from optimizer.fakecloud.inverter import floor_step
from optimizer.fakecloud.limits import DEFAULT_TOLERANCE_S, DailyQuota, Throttle, ThrottleMode, throttle_mode
from optimizer.fakecloud.measurements import MeasuredProfile, packaged_profile
from optimizer.fakecloud.replies import ERRNO_BODY, Incoming, Refusal, Reply, body_refusal, success
from optimizer.fakecloud.telemetry import local_midnight

_log = logging.getLogger("optimizer.fakecloud")

DEFAULT_API_KEY = "fakecloud-demo-key-0000000000000"


@dataclass(frozen=True)
class FakeCloudConfig:
    """How the simulated cloud behaves. Defaults mirror the real server (throttle and quota on)."""

    api_key: str = DEFAULT_API_KEY
    speed: float = 1.0
    start: datetime | None = None
    seed: int = 0
    history_days: int = 14
    account: AccountSpec = field(default_factory=default_account)
    host: str = "127.0.0.1"
    port: int = 0
    throttle: bool | str = True
    query_interval_s: float = 1.0
    write_interval_s: float = 2.0
    throttle_tolerance_s: float = DEFAULT_TOLERANCE_S
    daily_quota_per_inverter: int | None = 1440
    limits_clock: Literal["real", "simulated"] = "real"
    timestamp_tolerance_s: float = 300.0
    report_hour_undercount: bool = False
    oauth_client_id: str = "fakecloud-client"
    oauth_client_secret: str = "fakecloud-secret"
    access_token_ttl: timedelta = timedelta(days=1)
    evo_inverter: bool = False

    @classmethod
    def for_embedded(cls, **overrides: Any) -> FakeCloudConfig:
        """The configuration of the cloud a command starts in-process when no credentials are set.

        The real server's rules all apply except the per-path throttle, which the embedded client does not
        pace for (it talks to 127.0.0.1); the account has all three inverters, the EVO-like one on scheduler
        v3 included. ``overrides`` replace any field.
        """
        return cls(**{"throttle": False, "evo_inverter": True, **overrides})

    @property
    def throttle_mode(self) -> ThrottleMode:
        """``"evidence"`` (``True``), ``"strict"`` or ``"off"`` (``False``); see :mod:`optimizer.fakecloud.limits`."""
        return throttle_mode(self.throttle)

    def __post_init__(self) -> None:
        try:
            throttle_mode(self.throttle)
        except ValueError as exc:
            raise ConfigError(f"fake cloud: {exc}.") from None
        if not 0 <= self.throttle_tolerance_s < min(self.query_interval_s, self.write_interval_s):
            raise ConfigError(
                "fake cloud: throttle_tolerance_s must be >= 0 and below the intervals, "
                f"got {self.throttle_tolerance_s}."
            )
        if not self.api_key or any(c.isspace() for c in self.api_key):
            raise ConfigError("fake cloud: the API key must be a non-empty string without spaces")
        if self.history_days < 0:
            raise ConfigError(f"fake cloud: history_days must be >= 0, got {self.history_days}")
        if self.speed < 0:
            raise ConfigError(f"fake cloud: speed must be >= 0, got {self.speed}")
        if self.limits_clock not in ("real", "simulated"):
            raise ConfigError(f"fake cloud: limits_clock must be 'real' or 'simulated', got {self.limits_clock!r}")
        if self.daily_quota_per_inverter is not None and self.daily_quota_per_inverter < 1:
            raise ConfigError("fake cloud: daily_quota_per_inverter must be >= 1 or None")


@dataclass(frozen=True)
class RequestRecord:
    """One logged request. Unpacks as ``(method, path, body)``."""

    method: str
    path: str
    body: Any
    query: dict[str, str]
    kind: str
    status: int
    errno: int | None
    detail: str
    fault: str | None
    at: datetime

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.path, self.body))

    @property
    def is_write(self) -> bool:
        return self.kind == "write"


class RequestLog:
    """The requests a simulated cloud received, oldest first (thread-safe)."""

    def __init__(self, max_records: int = 100_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._listeners: list[Callable[[RequestRecord], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[RequestRecord], None]) -> None:
        """Call ``listener`` with every new record (e.g. to print an access log)."""
        with self._lock:
            self._listeners.append(listener)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(record)

    def __iter__(self) -> Iterator[RequestRecord]:
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def paths(self) -> list[str]:
        return [r.path for r in self]

    def to(self, path: str) -> list[RequestRecord]:
        """The requests made to ``path``."""
        return [r for r in self if r.path == path]

    def writes(self) -> list[RequestRecord]:
        """The requests made to write endpoints (whatever their answer)."""
        return [r for r in self if r.is_write]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def _history_start(now: datetime, days: int, timezone: str) -> datetime:
    """Local midnight ``days`` before today at the site, and at least one step before ``now``."""
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    start = local_midnight(today - timedelta(days=days), tz).astimezone(UTC)
    if start > now - timedelta(minutes=5):
        start = local_midnight(today - timedelta(days=days + 1), tz).astimezone(UTC)
    return floor_step(start)


class CloudState:
    """The account, its inverters and the request pipeline of one simulated cloud."""

    def __init__(self, config: FakeCloudConfig, profile: MeasuredProfile | None = None) -> None:
        self.config = config
        self.account = with_evo(config.account) if config.evo_inverter else config.account
        self.clock = SimClock(config.start, config.speed)
        self.lock = threading.RLock()
        self.faults = Faults()
        self.requests = RequestLog()
        self.plants: dict[str, PlantSpec] = {p.station_id: p for p in self.account.plants}
        profile = profile or packaged_profile()
        now = self.clock.now()
        self.devices: dict[str, SimulatedDevice] = {}
        for i, spec in enumerate(self.account.devices):
            plant = self.plants[spec.station_id]
            start = _history_start(now, config.history_days, plant.timezone)
            self.devices[spec.sn] = SimulatedDevice(spec, plant, profile, start, seed=config.seed * 1000 + i)
        self.meter_settings: dict[str, dict[str, str]] = {
            m.sn: {
                "mode": m.mode,
                "feedinPower": str(m.feedin_power_w),
                "outputMaxCurrent": "60",
                "inputMaxCurrent": "60",
                "overVoltageMaxValue": "253",
                "underVoltageMinValue": "207",
                "sysOnOffPowerValue": "0",
                "deviceQuantity": "1",
            }
            for m in self.account.meters
        }
        if config.limits_clock == "simulated":
            clock_s = lambda: self.clock.now().timestamp()  # noqa: E731
            today = lambda: self.clock.now().date()  # noqa: E731
        else:
            clock_s = time.monotonic
            today = lambda: datetime.now(UTC).date()  # noqa: E731
        self.throttle = Throttle(
            clock_s, config.query_interval_s, config.write_interval_s, config.throttle, config.throttle_tolerance_s
        )
        self.quota = DailyQuota(today, config.daily_quota_per_inverter, len(self.devices))
        self.oauth = OAuthTokens(
            config.oauth_client_id, config.oauth_client_secret, config.access_token_ttl, self.clock.now
        )
        self.auth = Authenticator(config.api_key, self.oauth, config.timestamp_tolerance_s)
        self.sync()

    # ----- simulated time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def sync(self) -> None:
        """Step every inverter up to the simulated now."""
        with self.lock:
            now = self.clock.now()
            for device in self.devices.values():
                device.sync(now)

    def advance(self, delta: timedelta) -> datetime:
        with self.lock:
            self.clock.advance(delta)
            self.sync()
            return self.clock.now()

    # ----- the request pipeline ------------------------------------------------------------------------
    def handle(self, request: Incoming) -> Reply:
        split = urlsplit(request.target)
        path = split.path or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = _redact(_decode_body(request.body))
        route = ROUTES.get(path)
        kind = route.kind if route else "query"
        log = _LogEntry(method=request.method, path=path, body=body, query=query, kind=kind)
        reply = self._pipeline(request, path, query, route, log)
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=path,
                body=body,
                query=_redact(query),
                kind=kind,
                status=0 if reply.drop else reply.status,
                errno=log.errno,
                detail=log.detail,
                fault=log.fault,
                at=self.clock.now(),
            )
        )
        return reply

    def _pipeline(
        self, request: Incoming, path: str, query: dict[str, str], route: Route | None, log: _LogEntry
    ) -> Reply:
        front = self.faults.take(path, ("http", "timeout"))
        if front is not None:
            log.fault = front.describe()
            if front.kind == "timeout":
                return Reply(drop=True, delay_s=front.seconds)
            page = f"<html><body><h1>{front.status} Error</h1></body></html>".encode()
            return Reply(status=front.status, body=page, content_type="text/html")
        slow = self.faults.take(path, ("slow",))
        delay_s = slow.seconds if slow else 0.0
        if slow is not None:
            log.fault = slow.describe()
        if path in oauth_routes.PUBLIC_PATHS:
            reply = oauth_routes.handle(self, request.method, path, query, request.body)
        elif path == "/c/v0/errors/message":
            log.errno = 0
            reply = Reply.json(success(error_messages()))
        elif removed(path, self.clock.now().date()):
            reply = Reply(status=405, body=b'{"status":405,"error":"Method Not Allowed"}')
        elif route is None:
            reply = Reply(status=404, body=b'{"status":404,"error":"Not Found"}')
        elif request.method != route.method:
            reply = Reply(status=405, body=b'{"status":405,"error":"Method Not Allowed"}')
        else:
            reply = self._api_call(request, path, query, route, log)
        malformed = self.faults.take(path, ("malformed",))
        if malformed is not None:
            log.fault = malformed.describe()
            reply.body = reply.body[: max(1, len(reply.body) // 2)]
        reply.delay_s = delay_s
        return reply

    def _api_call(self, request: Incoming, path: str, query: dict[str, str], route: Route, log: _LogEntry) -> Reply:
        try:
            with self.lock:
                self.auth.check(request.headers, path)
                self.throttle.check("account", path, route.kind, _devices_of(request.body, query))
                self.quota.take()
                injected = self.faults.take(path, ("errno",))
                if injected is not None:
                    log.fault = injected.describe()
                    raise Refusal(injected.errno, detail="injected fault")
                self.sync()
                params = query if route.method == "GET" else _json_params(request.body)
                pending = route.kind == "write" and self.faults.peek(path, ("not_applied",))
                saved = self._snapshot() if pending else None
                result = route.handler(self, params)
                not_applied = self.faults.take(path, ("not_applied",)) if saved is not None else None
                if saved is not None and not_applied is not None:
                    self._restore(saved)
                    log.fault = not_applied.describe()
            log.errno = 0
            return Reply.json(success(result))
        except Refusal as refusal:
            log.errno, log.detail = refusal.errno, refusal.detail
            if refusal.http_status != 200:
                log.detail = f"HTTP {refusal.http_status}: {refusal.detail}"
            return Reply.json(refusal.body(), status=refusal.http_status)
        except Exception as exc:  # a bug in the simulator: answer like a failing real server, keep the cause
            _log.exception("fake cloud: %s %s failed", request.method, path)
            log.detail = f"internal error: {type(exc).__name__}: {exc}"
            return Reply.json({"status": 500, "error": "Internal Server Error"}, status=500)

    def _snapshot(self) -> dict[str, Any]:
        return {
            "devices": {
                sn: (d.settings.copy(), d.scheduler.snapshot(), dict(d.scheduler.limits_memory), d.plant)
                for sn, d in self.devices.items()
            },
            "plants": dict(self.plants),
            "meters": {sn: dict(v) for sn, v in self.meter_settings.items()},
        }

    def _restore(self, saved: dict[str, Any]) -> None:
        for sn, (settings, scheduler, memory, plant) in saved["devices"].items():
            device = self.devices[sn]
            device.settings = settings
            device.scheduler.restore(scheduler)
            device.scheduler.limits_memory = memory
            device.move_to(plant)
        self.plants = saved["plants"]
        self.meter_settings = saved["meters"]


@dataclass
class _LogEntry:
    method: str
    path: str
    body: Any
    query: dict[str, str]
    kind: str
    errno: int | None = None
    detail: str = ""
    fault: str | None = None


SECRET_FIELDS = frozenset({"client_secret", "code", "refresh_token", "access_token", "token"})


def _redact(document: Any) -> Any:
    """``document`` with the values of OAuth secret fields replaced by ``***`` (the log keeps no secrets)."""
    if isinstance(document, dict):
        return {k: "***" if k in SECRET_FIELDS else v for k, v in document.items()}
    return document


def _decode_body(raw: bytes) -> Any:
    """The body for the request log: parsed JSON, else form fields, else the text, else ``None``."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace")
        fields = dict(parse_qsl(text, keep_blank_values=True))
        return fields if fields and "=" in text else text


def _devices_of(raw: bytes, query: dict[str, str]) -> tuple[str, ...]:
    """The inverters a call is about, for the throttle: ``sn`` of the query string, else ``sn``,
    ``deviceSN`` or each of ``sns`` of the JSON body (empty: an account-level call)."""
    if query.get("sn"):
        return (query["sn"],)
    try:
        document = json.loads(raw) if raw else None
    except ValueError:
        return ()
    if not isinstance(document, dict):
        return ()
    sn = document.get("sn", document.get("deviceSN"))
    if isinstance(sn, str):
        return (sn,)
    sns = document.get("sns")
    if isinstance(sns, list):
        return tuple(dict.fromkeys(s for s in sns if isinstance(s, str)))
    return ()


def _json_params(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise body_refusal("body: empty, expected a JSON object")
    try:
        document = json.loads(raw)
    except ValueError:
        raise body_refusal("body: not valid JSON") from None
    if not isinstance(document, dict):
        raise Refusal(ERRNO_BODY, detail=f"body: expected a JSON object, got {type(document).__name__}")
    return document
