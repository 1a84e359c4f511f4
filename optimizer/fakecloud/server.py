"""The HTTP layer and the public face of the simulated cloud.

:class:`FakeCloud` serves :class:`~optimizer.fakecloud.state.CloudState` over HTTP/1.1 on 127.0.0.1 from a
background thread (``ThreadingHTTPServer``, one thread per connection, keep-alive). It starts and stops
in-process and is a context manager::

    with FakeCloud(FakeCloudConfig(speed=0, limits_clock="simulated")) as cloud:
        client = FoxEssClient(cloud.base_url, ApiKeyAuth(cloud.api_key))
        cloud.faults.errno("/op/v1/device/scheduler/enable", 41200)
        cloud.advance(timedelta(hours=2))
"""

from __future__ import annotations

import contextlib
import socket
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pandas as pd

from optimizer.errors import UsageError
from optimizer.fakecloud.device import SimulatedDevice
from optimizer.fakecloud.faults import Faults
from optimizer.fakecloud.inverter import Samples
from optimizer.fakecloud.measurements import MeasuredProfile
from optimizer.fakecloud.replies import Incoming
from optimizer.fakecloud.state import CloudState, FakeCloudConfig, RequestLog
from optimizer.scheduler import SchedulerGroup

_IDLE_CONNECTION_S = 30.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: CloudState) -> None:
        self.state = state
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeFoxCloud/1.0"
    sys_version = ""
    timeout = _IDLE_CONNECTION_S
    disable_nagle_algorithm = True  # headers and body go out without a delayed-ACK stall
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.state.handle(Incoming(self.command, self.path, headers, raw))
        if reply.delay_s > 0:
            self.server.stopping.wait(reply.delay_s)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (timed out) before the answer
            self.close_connection = True

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; requests are in ``FakeCloud.requests``."""


class FakeCloud:
    """A simulated Fox ESS cloud on 127.0.0.1 (see the package docstring)."""

    def __init__(self, config: FakeCloudConfig | None = None, profile: MeasuredProfile | None = None) -> None:
        self.config = config or FakeCloudConfig()
        self.state = CloudState(self.config, profile)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> str:
        """Listen on ``config.host:config.port`` (0: an ephemeral port); returns the base URL."""
        if self._server is not None:
            return self.base_url
        try:
            server = _Server((self.config.host, self.config.port), self.state)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}",
                hint="Choose another --port (0 picks a free one).",
            ) from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fakecloud", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, end held (timeout/slow) requests and close every connection."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeCloud:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----- connection facts ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise UsageError("the fake cloud is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def hybrid_sn(self) -> str:
        """The first inverter with scheduler v1 support."""
        return self._first_sn(scheduler=True)

    @property
    def plain_sn(self) -> str:
        """The first inverter without scheduler support."""
        return self._first_sn(scheduler=False)

    @property
    def evo_sn(self) -> str:
        """The first inverter whose scheduler works on v3 only (``FakeCloudConfig(evo_inverter=True)``)."""
        for device in self.state.devices.values():
            if device.spec.model.scheduler and not device.spec.model.scheduler_v1:
                return device.sn
        raise UsageError("the fake account has no v3-only (EVO-like) inverter; use FakeCloudConfig(evo_inverter=True)")

    def _first_sn(self, *, scheduler: bool) -> str:
        for device in self.state.devices.values():
            if device.spec.model.scheduler == scheduler and (not scheduler or device.spec.model.scheduler_v1):
                return device.sn
        kind = "with" if scheduler else "without"
        raise UsageError(f"the fake account has no inverter {kind} scheduler v1 support")

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def requests(self) -> RequestLog:
        return self.state.requests

    # ----- simulated time and the inverters ------------------------------------------------------------
    def now(self) -> datetime:
        """Simulated time, aware UTC."""
        return self.state.now()

    def advance(self, delta: timedelta) -> datetime:
        """Move simulated time forward; the inverters step through it obeying their groups."""
        return self.state.advance(delta)

    def device(self, sn: str) -> SimulatedDevice:
        try:
            return self.state.devices[sn]
        except KeyError:
            raise UsageError(f"no inverter {sn!r} in the fake account; have {list(self.state.devices)}") from None

    def soc_pct(self, sn: str) -> float:
        """The battery's state of charge now [%]."""
        with self.state.lock:
            self.state.sync()
            return self.device(sn).inverter.soc_pct

    def scheduler_state(self, sn: str) -> SchedulerState:
        """What is stored now for ``sn``: the flag and the groups in slot order."""
        device = self.device(sn)
        with self.state.lock:
            slots = [
                {k: v for k, v in g.items() if k != "extra"} if g is not None else None for g in device.scheduler.slots
            ]
            extras = [dict(g.get("extra", {})) if g is not None else None for g in device.scheduler.slots]
            return SchedulerState(enable=device.scheduler_on, slots=slots, extras=extras)

    def history_df(self, sn: str, start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
        """The simulated 5-min log of ``sn`` over ``[start, end)`` (default: everything so far).

        Index: step start (UTC). Columns [kW]: ``load_kw``, ``pv_kw`` (available), ``pv_used_kw``,
        ``grid_import_kw``, ``grid_export_kw``, ``charge_kw``, ``discharge_kw``; ``soc_pct`` at the step
        end; ``work_mode`` in force.
        """
        device = self.device(sn)
        with self.state.lock:
            self.state.sync()
            log = device.inverter.log
            samples = log.samples(start or log.start, end or log.end)
        return _frame(samples, device)


class SchedulerState:
    """The stored scheduler of one inverter (for assertions)."""

    def __init__(
        self,
        enable: bool,
        slots: list[dict[str, Any] | None],
        extras: list[dict[str, Any] | None] | None = None,
    ) -> None:
        self.enable = enable
        self.slots = slots
        self.extras = extras if extras is not None else [{} if g is not None else None for g in slots]

    @property
    def groups(self) -> list[SchedulerGroup]:
        """The stored groups (enabled or not) in slot order."""
        return [SchedulerGroup.model_validate(g) for g in self.slots if g is not None]

    def __repr__(self) -> str:
        return f"SchedulerState(enable={self.enable}, groups={[g.wire() for g in self.groups]})"


def _frame(samples: Samples, device: SimulatedDevice) -> pd.DataFrame:
    capacity = device.spec.battery.capacity_kwh
    index = pd.DatetimeIndex(pd.to_datetime(samples.epoch_s, unit="s", utc=True), name="time")
    columns = {
        name: samples[name]
        for name in (
            "load_kw",
            "pv_kw",
            "pv_used_kw",
            "grid_import_kw",
            "grid_export_kw",
            "charge_kw",
            "discharge_kw",
        )
    }
    return pd.DataFrame(
        {**columns, "soc_pct": samples["soc_end_kwh"] / capacity * 100.0, "work_mode": samples.work_modes}, index=index
    )
