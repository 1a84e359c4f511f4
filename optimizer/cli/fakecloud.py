"""CLI commands: ``optimizer fakecloud serve``, the simulated Fox ESS cloud on 127.0.0.1."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

import typer

from optimizer.cli.common import console_err, emit_json, state
from optimizer.cli.options import JsonOption

if TYPE_CHECKING:
    from optimizer.fakecloud import FakeCloud, FakeCloudConfig
    from optimizer.fakecloud.state import RequestRecord

DEFAULT_PORT = 8765

fakecloud_app = typer.Typer(
    name="fakecloud",
    help="The simulated Fox ESS cloud: try the tool, or test a client, without an account.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``fakecloud`` group to ``app``."""
    app.add_typer(fakecloud_app, name="fakecloud")


def _parse_start(text: str | None) -> datetime | None:
    from optimizer.errors import UsageError

    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--start: cannot read {text!r}; use an ISO-8601 datetime with an offset") from None
    if value.tzinfo is None:
        raise UsageError(f"--start: {text!r} has no offset; add Z or +01:00")
    return value


def _access_line(record: RequestRecord) -> None:
    if state.quiet:
        return
    outcome = f"errno {record.errno}" if record.errno is not None else f"HTTP {record.status or '-'}"
    fault = f"  [fault: {record.fault}]" if record.fault else ""
    line = f"{record.at:%Y-%m-%d %H:%M:%S}  {record.method} {record.path}  {outcome}{fault}"
    console_err.print(line, markup=False, soft_wrap=True)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT and SIGTERM stop the server like Ctrl-C, also when started in the background (where a shell
    leaves SIGINT ignored) or by a service manager."""
    raise KeyboardInterrupt


def _banner(cloud: FakeCloud, config: FakeCloudConfig) -> str:
    lines = [f"Simulated Fox ESS cloud at {cloud.base_url}", f"  API key:    {cloud.api_key}"]
    for device in cloud.state.devices.values():
        model = device.spec.model
        if not model.scheduler:
            support = "no scheduler"
        else:
            support = "scheduler v1 and v3" if model.scheduler_v1 else "scheduler v3 only"
        lines.append(
            f"  inverter:   {device.sn}  {model.device_type}, {device.spec.battery.capacity_kwh:g} kWh, "
            f"{support}, {device.timezone}"
        )
    mode = config.throttle_mode
    limits = {"evidence": "throttle on", "strict": "throttle strict", "off": "throttle off"}[mode]
    quota = config.daily_quota_per_inverter
    lines += [
        f"  time:       {cloud.now():%Y-%m-%d %H:%M} UTC (simulated, ×{config.speed:g}); {limits}; "
        f"quota {quota if quota is not None else 'unlimited'} calls/inverter/day",
        *[f"  fault:      {f.describe()}" for f in cloud.faults.pending()],
        "Point the optimizer (or any Fox ESS client) at it:",
        f"  export FOXESS_BASE_URL={cloud.base_url}",
        f"  export FOXESS_API_KEY={cloud.api_key}",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@fakecloud_app.command("serve")
def serve(
    port: int = typer.Option(
        DEFAULT_PORT, "--port", "-p", metavar="N", min=0, max=65535, help="TCP port; 0 picks a free one."
    ),
    api_key: str | None = typer.Option(
        None, "--api-key", metavar="KEY", help="The API key clients must sign with (default: the demo key)."
    ),
    speed: float = typer.Option(
        1.0, "--speed", metavar="X", min=0.0, help="Simulated seconds per real second (0 freezes)."
    ),
    fault: list[str] = typer.Option(
        [],
        "--fault",
        metavar="SPEC",
        help="Inject a fault: PATH=WHAT[:COUNT], e.g. /op/v1/device/scheduler/enable=44098:2.",
    ),
    start: str | None = typer.Option(
        None, "--start", metavar="TIME", help="Simulated start time (ISO-8601); default: now."
    ),
    history_days: int = typer.Option(14, "--history-days", metavar="N", min=0, help="Days of past the inverters have."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the server's random choices (group slot order)."),
    throttle: str = typer.Option(
        "evidence",
        "--throttle",
        metavar="MODE",
        help="40400 limits: evidence (what the real server enforces), strict (every path) or off.",
    ),
    no_throttle: bool = typer.Option(False, "--no-throttle", help="Same as --throttle off."),
    evo: bool = typer.Option(True, "--evo/--no-evo", help="Include the EVO-like inverter (scheduler v3 only)."),
    quota: int = typer.Option(
        1440, "--quota", metavar="N", min=0, help="Daily calls per inverter (40402); 0: unlimited."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Run the simulated Fox ESS cloud on 127.0.0.1 until Ctrl-C; print its base URL and API key."""
    from optimizer.errors import UsageError
    from optimizer.fakecloud import DEFAULT_API_KEY, FakeCloud, FakeCloudConfig, parse_fault_spec
    from optimizer.fakecloud.limits import THROTTLE_MODES

    if throttle not in THROTTLE_MODES:
        raise UsageError(f"--throttle: {throttle!r} is not one of {', '.join(THROTTLE_MODES)}.")
    config = FakeCloudConfig(
        api_key=api_key or DEFAULT_API_KEY,
        speed=speed,
        start=_parse_start(start),
        seed=seed,
        history_days=history_days,
        port=port,
        throttle="off" if no_throttle else throttle,
        daily_quota_per_inverter=quota or None,
        evo_inverter=evo,
    )
    faults = [parse_fault_spec(spec) for spec in fault]
    cloud = FakeCloud(config)
    for item in faults:
        cloud.faults.add(item)
    cloud.start()
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _interrupt) for sig in _STOP_SIGNALS} if in_main else {}
    cloud.requests.subscribe(_access_line)
    try:
        if json_out:
            emit_json(
                {
                    "base_url": cloud.base_url,
                    "api_key": cloud.api_key,
                    "devices": [
                        {
                            "sn": d.sn,
                            "model": d.spec.model.device_type,
                            "scheduler": d.spec.model.scheduler,
                            "scheduler_versions": (["v1", "v3"] if d.spec.model.scheduler_v1 else ["v3"])
                            if d.spec.model.scheduler
                            else [],
                        }
                        for d in cloud.state.devices.values()
                    ],
                    "simulated_now": cloud.now().isoformat(),
                }
            )
        else:
            sys.stdout.write(_banner(cloud, config) + "\n")
            sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        console_err.print("stopping the simulated cloud", markup=False)
    finally:
        cloud.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
