"""Each errno path: the typed exception, its name and hint, retried or not, and the exit code."""

from __future__ import annotations

import pytest

from optimizer.errors import (
    ApiError,
    AuthError,
    QuotaExhaustedError,
    RateLimitError,
    TransientApiError,
)
from optimizer.foxess import ERRNOS, ManualClock, api_error
from tests.foxess.conftest import API_KEY, MockCloud, fail, ok

PATH = "/op/v1/device/scheduler/get/flag"

NAMED = {
    40256: ("header-invalid", AuthError, 4, False),
    40257: ("body-invalid", ApiError, 4, False),
    40400: ("too-frequent", RateLimitError, 4, True),
    40402: ("quota-exhausted", QuotaExhaustedError, 6, False),
    41200: ("query-failed", TransientApiError, 5, True),
    41201: ("cloud-busy", TransientApiError, 5, True),
    41202: ("cloud-busy", TransientApiError, 5, True),
    41203: ("cloud-busy", TransientApiError, 5, True),
    41930: ("incorrect-inverter-id", ApiError, 4, False),
    40261: ("incorrect-inverter-id", ApiError, 4, False),
    41935: ("device-offline", TransientApiError, 5, True),
    42015: ("unsupported-feature", ApiError, 4, False),
    42023: ("time-overlap", ApiError, 4, False),
    44096: ("unsupported-function-code", ApiError, 4, False),
    44098: ("write-failed", ApiError, 4, False),
}


def test_every_errno_of_the_issue_has_a_name_and_hint() -> None:
    assert set(NAMED) <= set(ERRNOS)
    for errno, (name, cls, exit_code, retry) in NAMED.items():
        info = ERRNOS[errno]
        assert (info.name, info.error, info.retry) == (name, cls, retry)
        assert info.hint.endswith(".") and len(info.hint) > 20
        error = api_error(errno, "server text", PATH)
        assert type(error) is cls and error.exit_code == exit_code
        assert (error.errno, error.msg, error.path, error.name) == (errno, "server text", PATH, name)
        assert f"errno {errno} {name}" in str(error) and PATH in str(error)
        assert error.hint == info.hint and info.hint in error.explain()


def test_unknown_errno_is_a_plain_api_error() -> None:
    error = api_error(12345, "", PATH)
    assert type(error) is ApiError and error.exit_code == 4
    assert str(error) == f"Fox ESS refused {PATH}: errno 12345: no message"


@pytest.mark.parametrize("errno", sorted(NAMED))
def test_errno_path_through_the_client(errno: int, client, cloud: MockCloud, clock: ManualClock) -> None:
    name, cls, _, retried = NAMED[errno]
    cloud.reply(PATH, fail(errno, f"message {errno}"))
    with pytest.raises(cls) as caught:
        client.scheduler_get_flag("SN1")
    error = caught.value
    assert type(error) is cls and error.errno == errno and error.name == name and error.path == PATH
    assert error.msg == f"message {errno}"
    assert API_KEY not in str(error) and API_KEY not in repr(error.args)
    expected_calls = 1 + client._session.retry.max_retries if retried else 1
    assert len(cloud.calls(PATH)) == expected_calls
    assert client.calls_made == expected_calls
    assert (clock.slept_s > 0) is retried


def test_errno_then_success_is_transparent(client, cloud: MockCloud) -> None:
    cloud.reply(PATH, fail(41935, "Device offline"), fail(41200), ok({"enable": 1, "support": 1}))
    flag = client.scheduler_get_flag("SN1")
    assert flag.enable and flag.support
    assert client.calls_made == 3


def test_server_message_is_scrubbed_of_the_key(client, cloud: MockCloud) -> None:
    cloud.reply(PATH, fail(40257, f"bad token {API_KEY} in request"))
    with pytest.raises(ApiError) as caught:
        client.scheduler_get_flag("SN1")
    assert API_KEY not in str(caught.value) and "bad token *** in request" in str(caught.value)
