"""A simulated Fox ESS cloud on 127.0.0.1: the embedded default for first runs and the ground truth of tests.

It answers every endpoint of the Open API document as the real server does (fox-api-field-notes.md):
literal-``\\r\\n`` signatures and a timestamp window (40256), HTTP 200 bodies with ``errno``, per-path
throttling as the evidence shows the real server applies it (40400; ``throttle="strict"`` for every path), a
per-inverter daily quota (40402), HTTP 401 for an unknown key, strict bodies (40257), scheduler v1 rules (8
groups, ``Invalid`` placeholders, per-model ``properties``, 42023 on overlap, 44096/44098 on settings while
the scheduler is on, groups reordered on read-back), scheduler v2/v3 (``extraParam``, ``maxGroupCount``, the
Remain Time group, unsupported parameters refused), an optional EVO-like inverter that only works on v3
(``evo_inverter=True``), endpoints removed by their date (HTTP 405) and OAuth. Behind it, simulated
inverters replay measured house load and PV (emhass project, MIT) through :func:`optimizer.simulate.step_slot`,
so that a schedule pushed through the API shows in the history afterwards. Faults can be injected per path
(:class:`Faults`).

Public surface::

    cloud = FakeCloud(FakeCloudConfig(api_key="...", speed=1.0, start=None, seed=0))
    base_url = cloud.start()        # "http://127.0.0.1:PORT"; or `with FakeCloud(...) as cloud:`
    cloud.hybrid_sn, cloud.plain_sn, cloud.api_key, cloud.base_url
    cloud.advance(timedelta(hours=1)); cloud.now()
    cloud.faults.errno(path, 41200, count=2); cloud.faults.timeout(path); cloud.faults.write_not_applied(path)
    cloud.requests                  # (method, path, body) of every request received
    cloud.scheduler_state(sn); cloud.history_df(sn, start, end); cloud.soc_pct(sn)
    cloud.stop()
"""

import typing as _typing

from optimizer._lazy import exports_of as _exports_of
from optimizer._lazy import lazy_exports as _lazy_exports

_MODULES = {
    ".account": (
        "EVO_SN",
        "HYBRID_SN",
        "PLAIN_SN",
        "AccountSpec",
        "DeviceSpec",
        "ModelSpec",
        "PlantSpec",
        "default_account",
    ),
    ".auth": ("signature",),
    ".faults": (
        "Fault",
        "Faults",
        "parse_fault_spec",
    ),
    ".server": (
        "FakeCloud",
        "SchedulerState",
    ),
    ".state": (
        "DEFAULT_API_KEY",
        "FakeCloudConfig",
        "RequestLog",
        "RequestRecord",
    ),
}
__getattr__, __dir__ = _lazy_exports(__name__, _exports_of(_MODULES), globals())

if _typing.TYPE_CHECKING:
    from optimizer.fakecloud.account import (
        EVO_SN,
        HYBRID_SN,
        PLAIN_SN,
        AccountSpec,
        DeviceSpec,
        ModelSpec,
        PlantSpec,
        default_account,
    )
    from optimizer.fakecloud.auth import signature
    from optimizer.fakecloud.faults import Fault, Faults, parse_fault_spec
    from optimizer.fakecloud.server import FakeCloud, SchedulerState
    from optimizer.fakecloud.state import DEFAULT_API_KEY, FakeCloudConfig, RequestLog, RequestRecord

__all__ = [
    "DEFAULT_API_KEY",
    "EVO_SN",
    "HYBRID_SN",
    "PLAIN_SN",
    "AccountSpec",
    "DeviceSpec",
    "FakeCloud",
    "FakeCloudConfig",
    "Fault",
    "Faults",
    "ModelSpec",
    "PlantSpec",
    "RequestLog",
    "RequestRecord",
    "SchedulerState",
    "default_account",
    "parse_fault_spec",
    "signature",
]
