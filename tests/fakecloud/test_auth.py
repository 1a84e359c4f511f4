"""Signature, timestamp and header checks (errno 40256 with the real server's messages)."""

from __future__ import annotations

import hashlib
import time

import pytest

from optimizer.fakecloud import FakeCloud, signature
from tests.fakecloud.conftest import Api, sign_md5

LIST = "/op/v0/device/list"
PAGE = {"currentPage": 1, "pageSize": 10}


def test_signature_vector_uses_literal_backslashes() -> None:
    # md5 of the 36 characters "/op/v0/device/list\r\nKEY\r\n1700000000000" with literal backslashes
    text = "/op/v0/device/list" + "\\" + "r" + "\\" + "n" + "KEY" + "\\r\\n" + "1700000000000"
    assert len(text) == len("/op/v0/device/list") + 4 + 3 + 4 + 13
    expected = hashlib.md5(text.encode()).hexdigest()
    assert signature("/op/v0/device/list", "KEY", "1700000000000") == expected
    assert expected != hashlib.md5(b"/op/v0/device/list\r\nKEY\r\n1700000000000").hexdigest()


def test_correctly_signed_request_succeeds(api: Api) -> None:
    result = api.ok("POST", LIST, PAGE)
    assert result["total"] == 2


def test_header_names_are_case_insensitive(api: Api, cloud: FakeCloud) -> None:
    ts = str(round(time.time() * 1000))
    headers = {
        "Token": cloud.api_key,
        "Timestamp": ts,
        "Lang": "en",
        "Signature": sign_md5(LIST, cloud.api_key, ts),
        "Content-Type": "application/json",
    }
    answer = api.http.post(LIST, json=PAGE, headers=headers).json()
    assert answer["errno"] == 0


def test_crlf_bytes_are_refused(api: Api, cloud: FakeCloud) -> None:
    ts = str(round(time.time() * 1000))
    wrong = hashlib.md5(f"{LIST}\r\n{cloud.api_key}\r\n{ts}".encode()).hexdigest()
    answer = api.call("POST", LIST, PAGE, timestamp=ts, signature=wrong)
    assert answer == {
        "errno": 40256,
        "msg": "Parameter could not be parsed correctly illegal signature",
        "result": None,
    }


def test_query_string_is_not_signed(api: Api, cloud: FakeCloud) -> None:
    path = "/op/v0/device/detail"
    ts = str(round(time.time() * 1000))
    signed_path_only = sign_md5(path, cloud.api_key, ts)
    ok = api.http.get(path, params={"sn": cloud.hybrid_sn}, headers=api.headers(path, timestamp=ts))
    assert ok.json()["errno"] == 0
    with_query = sign_md5(f"{path}?sn={cloud.hybrid_sn}", cloud.api_key, ts)
    refused = api.http.get(
        path, params={"sn": cloud.hybrid_sn}, headers=api.headers(path, timestamp=ts, signature=with_query)
    )
    assert refused.json()["errno"] == 40256
    assert signed_path_only != with_query


def test_signature_over_another_path_is_refused(api: Api, cloud: FakeCloud) -> None:
    ts = str(round(time.time() * 1000))
    other = sign_md5("/op/v0/plant/list", cloud.api_key, ts)
    assert api.errno("POST", LIST, PAGE, timestamp=ts, signature=other) == 40256


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("token", "no token"),
        ("timestamp", "no timestamp"),
        ("signature", "no signature"),
        ("lang", "no lang"),
    ],
)
def test_missing_headers(api: Api, missing: str, message: str) -> None:
    answer = api.call("POST", LIST, PAGE, drop=(missing,))
    assert answer["errno"] == 40256
    assert answer["msg"] == f"Parameter could not be parsed correctly {message}"


@pytest.mark.parametrize("offset_s", [-3600, 3600])
def test_timestamp_outside_the_window(api: Api, offset_s: int) -> None:
    ts = str(round((time.time() + offset_s) * 1000))
    answer = api.call("POST", LIST, PAGE, timestamp=ts)
    assert (answer["errno"], answer["msg"]) == (40256, "Parameter could not be parsed correctly illegal timestamp")


def test_timestamp_inside_the_window(api: Api) -> None:
    ts = str(round((time.time() - 60) * 1000))
    assert api.errno("POST", LIST, PAGE, timestamp=ts) == 0


def test_malformed_timestamp(api: Api) -> None:
    answer = api.call("POST", LIST, PAGE, timestamp="2025-06-10T10:00:00")
    assert answer["msg"].endswith("illegal timestamp")


def test_unknown_key_gets_http_401_and_is_never_echoed(api: Api, cloud: FakeCloud) -> None:
    """fox-api-field-notes.md §8: an unknown API key gets HTTP 401 (com.foxess, observed live)."""
    response = api.post(LIST, PAGE, key="not-the-key-123")
    assert response.status_code == 401
    assert response.json()["errno"] == 40256 and "not-the-key-123" not in response.text
    record = cloud.requests[-1]
    assert (record.status, record.errno) == (401, 40256) and "not-the-key-123" not in repr(record)


def test_token_and_bearer_together_are_refused(api: Api, cloud: FakeCloud) -> None:
    headers = api.headers(LIST)
    headers["Authorization"] = "Bearer something"
    assert api.http.post(LIST, json=PAGE, headers=headers).json()["errno"] == 40256


def test_refusals_are_http_200_and_logged_without_secrets(api: Api, cloud: FakeCloud) -> None:
    ts = str(int(time.time() * 1000))
    response = api.post(LIST, PAGE, timestamp=ts, signature=sign_md5(LIST, "wrong-secret", ts))
    assert response.status_code == 200
    record = cloud.requests[-1]
    assert (record.path, record.errno, record.status) == (LIST, 40256, 200)
    assert "wrong-secret" not in repr(record) and cloud.api_key not in repr(record)
