"""OAuth 2.0: authorisation redirect, token, signed bearer requests, refresh, revoke, expiry."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from optimizer.fakecloud import FakeCloud
from tests.fakecloud.conftest import Api, sign_md5

LIST = "/op/v0/device/list"
PAGE = {"currentPage": 1, "pageSize": 10}
CLIENT = {"client_id": "fakecloud-client", "client_secret": "fakecloud-secret"}
REDIRECT = "https://app.example/callback"


def bearer_headers(access_token: str, path: str = LIST, signed: bool = True) -> dict[str, str]:
    ts = str(round(time.time() * 1000))
    headers = {"Authorization": f"Bearer {access_token}", "timestamp": ts, "lang": "en"}
    if signed:
        headers["signature"] = sign_md5(path, access_token, ts)
    return headers


def login(http: httpx.Client) -> dict[str, object]:
    page = http.get(
        "/public/auth/index.html",
        params={"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT, "state": "xyz"},
    )
    assert page.status_code == 302
    location = urlsplit(page.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    token = http.post(
        "/oauth2/token",
        params={"grant_type": "authorization_code", "code": query["code"][0], **CLIENT},
    )
    assert token.status_code == 200
    document: dict[str, object] = token.json()
    return document


def test_authorisation_code_flow_and_signed_bearer_calls(api: Api, cloud: FakeCloud) -> None:
    grant = login(api.http)
    assert grant["token_type"] == "Bearer" and grant["expires_in"] == 86400
    assert grant["errno"] == 0 and grant["result"]["access_token"] == grant["access_token"]  # type: ignore[index]
    access = str(grant["access_token"])
    ok = api.http.post(LIST, json=PAGE, headers=bearer_headers(access))
    assert ok.json()["errno"] == 0
    unsigned = api.http.post(LIST, json=PAGE, headers=bearer_headers(access, signed=False))
    assert unsigned.json()["msg"] == "Parameter could not be parsed correctly no signature"
    signed_with_key = bearer_headers(access)
    signed_with_key["signature"] = sign_md5(LIST, cloud.api_key, signed_with_key["timestamp"])
    assert api.http.post(LIST, json=PAGE, headers=signed_with_key).json()["errno"] == 40256


def test_codes_are_single_use_and_clients_checked(api: Api) -> None:
    page = api.http.get(
        "/public/auth/index.html",
        params={"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT},
    )
    code = parse_qs(urlsplit(page.headers["location"]).query)["code"][0]
    params = {"grant_type": "authorization_code", "code": code, **CLIENT}
    assert api.http.post("/oauth2/token", params=params).status_code == 200
    again = api.http.post("/oauth2/token", params=params)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    wrong = api.http.post("/oauth2/token", params={**params, "client_secret": "nope"})
    assert wrong.status_code == 401
    bad_client = api.http.get(
        "/public/auth/index.html", params={"response_type": "code", "client_id": "other", "redirect_uri": REDIRECT}
    )
    assert bad_client.status_code == 400


def test_refresh_and_revoke(api: Api) -> None:
    grant = login(api.http)
    refreshed = api.http.post(
        "/oauth2/refresh",
        data={"grant_type": "refresh_token", "refresh_token": str(grant["refresh_token"]), **CLIENT},
    )
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access_token"]
    old = api.http.post(LIST, json=PAGE, headers=bearer_headers(str(grant["access_token"])))
    assert old.status_code == 401  # the refreshed-away token is gone
    assert api.http.post(LIST, json=PAGE, headers=bearer_headers(new_access)).json()["errno"] == 0
    revoked = api.http.post("/oauth2/revoke", params={"access_token": new_access, **CLIENT})
    assert revoked.json()["errno"] == 0
    after = api.http.post(LIST, json=PAGE, headers=bearer_headers(new_access))
    assert after.status_code == 401 and after.json()["errno"] == 40256


def test_access_tokens_expire_after_a_day(api: Api, cloud: FakeCloud) -> None:
    access = str(login(api.http)["access_token"])
    cloud.advance(timedelta(hours=23))
    assert api.http.post(LIST, json=PAGE, headers=bearer_headers(access)).status_code == 200
    cloud.advance(timedelta(hours=1, seconds=1))
    expired = api.http.post(LIST, json=PAGE, headers=bearer_headers(access))
    assert expired.status_code == 401 and expired.json()["msg"].endswith("expired access token")


def test_the_request_log_keeps_no_oauth_secrets(api: Api, cloud: FakeCloud) -> None:
    grant = login(api.http)
    api.http.post(
        "/oauth2/refresh", data={"grant_type": "refresh_token", "refresh_token": str(grant["refresh_token"]), **CLIENT}
    )
    logged = repr(list(cloud.requests))
    for secret in (CLIENT["client_secret"], str(grant["access_token"]), str(grant["refresh_token"])):
        assert secret not in logged
    assert "'client_secret': '***'" in logged
