"""The Open API endpoints of the simulated cloud: one small handler per path of fox-open-api.md.

Bodies are checked strictly: unknown keys and bad values get 40257, as on the real server; a serial number
that is not in the account gets 40261 ("incorrect inverter id"). Importing this package fills
:data:`ROUTES`:

=================  ==================================================================================
``plants``         power stations
``inverters``      device list and detail, variables, fault codes, real-time, history, reports
``control``        battery SoC, force-charge times, settings, device time, peak shaving
``schedules``      scheduler v1 and v0
``platform``       data loggers, meters, access count, ``/c/v0/errors/message``
=================  ==================================================================================
"""

from optimizer.fakecloud.endpoints import control, inverters, plants, platform, schedules
from optimizer.fakecloud.endpoints.platform import error_messages
from optimizer.fakecloud.endpoints.routing import ROUTES, Route

__all__ = ["ROUTES", "Route", "control", "error_messages", "inverters", "plants", "platform", "schedules"]
