"""``optimizer devices`` and ``optimizer oauth`` end to end through ``optimizer.cli.main``."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import sys
from pathlib import Path

import httpx
import pytest

from optimizer.cli import devices as devices_cli
from optimizer.cli import main
from optimizer.cli import oauth as oauth_cli
from optimizer.foxess import ManualClock, client_from_config, read_token_file
from tests.foxess.conftest import API_KEY, MockCloud, fail, ok

BASE = "http://127.0.0.1:8731"
DEVICES = [
    {
        "deviceSN": "60KH10123456789",
        "moduleSN": "609W6EUF46MB519",
        "stationID": "st-1",
        "stationName": "Home",
        "status": 1,
        "hasPV": True,
        "hasBattery": True,
        "deviceType": "KH10",
        "productType": "KH",
    },
    {
        "deviceSN": "60H3A0987654321",
        "stationID": "st-2",
        "stationName": "Barn",
        "status": 3,
        "hasPV": True,
        "hasBattery": False,
        "deviceType": "H3-5.0-E",
        "productType": "H3",
    },
]
DETAILS = {
    "60KH10123456789": {
        "deviceSN": "60KH10123456789",
        "capacity": 10,
        "function": {"scheduler": True},
        "batteryList": [{"batterySN": "B1", "model": "EP11", "type": "bmu", "capacity": 10360}],
    },
    "60H3A0987654321": {
        "deviceSN": "60H3A0987654321",
        "capacity": 5,
        "function": {"scheduler": False},
        "batteryList": [],
    },
}


def _detail(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=ok(DETAILS[request.url.params["sn"]]))


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, cloud: MockCloud, clock: ManualClock) -> MockCloud:
    monkeypatch.setenv("FOXESS_API_KEY", API_KEY)
    monkeypatch.setenv("FOXESS_BASE_URL", BASE)
    cloud.reply("/op/v0/device/list", ok({"currentPage": 1, "pageSize": 100, "total": 2, "data": DEVICES}))
    cloud.reply("/op/v1/device/detail", _detail)
    factory = functools.partial(client_from_config, transport=cloud.transport, clock=clock)
    monkeypatch.setattr(devices_cli, "client_factory", factory)
    return cloud


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["optimizer", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_devices_json_is_signed_exactly_as_the_server_requires(
    account: MockCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(monkeypatch, capsys, "devices", "--json")
    assert code == 0, err
    first = account.seen[0]
    assert first.path == "/op/v0/device/list" and first.method == "POST"
    # The signature, recomputed here from the environment's key: md5 over path \r\n key \r\n timestamp,
    # with the separators as four literal characters, no host and no query string.
    text = "/op/v0/device/list" + "\\r\\n" + API_KEY + "\\r\\n" + first.headers["timestamp"]
    assert first.headers["signature"] == hashlib.md5(text.encode()).hexdigest()
    assert first.headers["token"] == API_KEY and first.headers["lang"] == "en"
    detail = account.calls("/op/v1/device/detail")[0]
    assert (
        detail.headers["signature"]
        == hashlib.md5(
            ("/op/v1/device/detail\\r\\n" + API_KEY + "\\r\\n" + detail.headers["timestamp"]).encode()
        ).hexdigest()
    )
    rows = json.loads(out)
    assert rows == [
        {
            "sn": "60KH10123456789",
            "model": "KH10",
            "product_type": "KH",
            "station": "Home",
            "station_id": "st-1",
            "status": "online",
            "has_pv": True,
            "has_battery": True,
            "module_sn": "609W6EUF46MB519",
            "scheduler_support": True,
            "inverter_capacity_kw": 10.0,
            "battery_models": ["EP11"],
            "battery_capacity_kwh": 10.36,
        },
        {
            "sn": "60H3A0987654321",
            "model": "H3-5.0-E",
            "product_type": "H3",
            "station": "Barn",
            "station_id": "st-2",
            "status": "offline",
            "has_pv": True,
            "has_battery": False,
            "module_sn": None,
            "scheduler_support": False,
            "inverter_capacity_kw": 5.0,
            "battery_models": [],
            "battery_capacity_kwh": None,
        },
    ]
    assert "2 inverter(s); 3 API call(s)" in err


def test_devices_table(account: MockCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run(monkeypatch, capsys, "devices")
    assert code == 0
    lines = [line for line in out.splitlines() if "60KH10123456789" in line or "60H3A0987654321" in line]
    assert len(lines) == 2
    assert all(word in lines[0] for word in ("KH10", "Home", "online", "EP11 10.36 kWh", "yes"))
    assert all(word in lines[1] for word in ("H3-5.0-E", "Barn", "offline", "no"))
    for header in ("Serial", "Model", "Station", "Status", "Battery", "Scheduler"):
        assert header in out


def test_no_detail_makes_one_call(
    account: MockCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(monkeypatch, capsys, "devices", "--json", "--no-detail")
    assert code == 0 and len(account.seen) == 1
    assert [r["scheduler_support"] for r in json.loads(out)] == [None, None]
    assert "1 API call(s)" in err


def test_no_credentials_lists_the_simulated_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like run, plan, status and doctor, devices falls back to the built-in simulated cloud."""
    code, out, err = run(monkeypatch, capsys, "devices", "--json")
    assert code == 0, err
    assert {row["sn"] for row in json.loads(out)} >= {"66BH5020FC00001", "60BH3720FC00002"}
    assert "simulated Fox ESS cloud" in err


def test_a_base_url_without_credentials_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOXESS_BASE_URL", "https://www.foxesscloud.com")
    code, out, err = run(monkeypatch, capsys, "devices", "--json")
    assert code == 3 and out == ""
    assert err.startswith("error: no Fox ESS credentials") and "FOXESS_API_KEY" in err


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (fail(40256, f"illegal signature for token {API_KEY}"), 4),
        (fail(40402, "Your request exceeds the limit"), 6),
        (httpx.Response(503), 5),
    ],
)
def test_the_key_never_leaks(
    answer: object,
    code: int,
    account: MockCloud,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    account.answers["/op/v0/device/list"] = [answer]  # type: ignore[list-item]
    caplog.set_level(logging.DEBUG)
    got, out, err = run(monkeypatch, capsys, "-v", "devices", "--json")
    assert got == code
    assert API_KEY not in out and API_KEY not in err and API_KEY not in caplog.text
    assert "token" in caplog.text  # the header was logged, masked
    assert "errno" in err or "HTTP 503" in err


def test_successful_run_logs_no_key(
    account: MockCloud,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, err = run(monkeypatch, capsys, "devices", "--json")
    assert code == 0 and len(caplog.records) >= 3
    for text in (out, err, caplog.text):
        assert API_KEY not in text


def test_devices_help_lists_the_flags(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(monkeypatch, capsys, "devices", "--help")
    assert code == 0 and "--json" in out and "--no-detail" in out and "--config" in out


# ----- optimizer oauth ---------------------------------------------------------------------------------


def login(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    """``optimizer oauth login`` for client ``app`` with callback https://example.org/cb, plus ``extra``."""
    return run(
        monkeypatch, capsys, "oauth", "login", "--client-id", "app", "--redirect-uri", "https://example.org/cb", *extra
    )


@pytest.fixture
def oauth_server(monkeypatch: pytest.MonkeyPatch, clock: ManualClock, tmp_path: Path) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "AT-1", "refresh_token": "RT-1", "expires_in": 86400})
        return httpx.Response(200, json={"errno": 0})

    monkeypatch.setattr(oauth_cli, "http_factory", lambda config: httpx.Client(transport=httpx.MockTransport(handle)))
    monkeypatch.setattr(oauth_cli, "clock", clock)
    monkeypatch.setattr(oauth_cli.secrets, "token_urlsafe", lambda n: "STATE")
    monkeypatch.setenv("FOXESS_OAUTH_CLIENT_SECRET", "client-secret-value")
    return seen


def test_oauth_login_status_revoke(
    oauth_server: list[httpx.Request],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    redirect = "https://example.org/cb?code=THE-CODE&state=STATE"
    code, out, err = login(monkeypatch, capsys, "--code", redirect)
    assert code == 0, err
    token_file = Path(err.split("Saved the OAuth tokens to ")[1].split(" (mode")[0].replace("\n", ""))
    tokens = read_token_file(token_file)
    assert tokens.access_token.get_secret_value() == "AT-1" and tokens.client_id == "app"
    assert b"code=THE-CODE" in oauth_server[0].content
    for text in (out, err):
        assert "AT-1" not in text and "client-secret-value" not in text

    code, out, _ = run(monkeypatch, capsys, "oauth", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["client_id"] == "app" and status["refreshable"] is True
    assert status["expired"] is False and status["expires_at"] == "2023-11-15T22:13:20Z"
    assert "AT-1" not in out and "RT-1" not in out

    code, _, err = run(monkeypatch, capsys, "oauth", "revoke")
    assert code == 0 and oauth_server[-1].url.path == "/oauth2/revoke" and not token_file.exists()


def test_oauth_login_interactive(
    oauth_server: list[httpx.Request], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("BARE-CODE\n"))
    code, out, err = login(monkeypatch, capsys)
    assert code == 0, err
    assert "/public/auth/index.html?response_type=code&client_id=app" in out and "state=STATE" in out
    assert b"code=BARE-CODE" in oauth_server[0].content


def test_oauth_login_interactive_checks_the_state(
    oauth_server: list[httpx.Request], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("https://example.org/cb?code=X&state=OTHER\n"))
    code, _, err = login(monkeypatch, capsys)
    assert code == 2 and "different state" in err and oauth_server == []


@pytest.mark.parametrize(
    ("answer", "expected", "message"),
    [
        ("https://example.org/cb?error=access_denied", 4, "access_denied"),
        ("https://example.org/cb?state=STATE", 2, "no code"),
        ("  ", 2, "no authorization code"),
    ],
)
def test_oauth_login_refuses_bad_redirects(
    answer: str,
    expected: int,
    message: str,
    oauth_server: list[httpx.Request],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = login(monkeypatch, capsys, "--code", answer)
    assert code == expected and message in err and oauth_server == []


def test_oauth_status_without_file(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(monkeypatch, capsys, "oauth", "status")
    assert code == 3 and "OAuth token file not found" in err
