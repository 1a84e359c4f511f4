"""The signature exactly as the real server checks it (field notes §1)."""

from __future__ import annotations

import hashlib

import pytest

from optimizer.foxess import USER_AGENT, ApiKeyAuth, ManualClock, redact_headers, sign
from optimizer.foxess.signing import SEPARATOR, signature_input
from tests.foxess.conftest import API_KEY, BASE_URL, MockCloud, ok


def test_hand_worked_vector() -> None:
    # Worked out outside Python, with the separators typed as four literal characters:
    #   printf '%s' '/op/v0/device/list\r\nabc123\r\n1700000000000' | md5sum
    # The hashed bytes are: /op/v0/device/list \ r \ n abc123 \ r \ n 1700000000000
    assert sign("/op/v0/device/list", "abc123", 1_700_000_000_000) == "bb0d81a219b079be37f070b354e9f522"


@pytest.mark.parametrize(
    ("path", "token", "ms", "expected"),
    [
        # printf '%s' '/op/v0/device/detail\r\n7f3c1e2a-...-5a6b7c8d9e0f\r\n1740155909000' | md5sum
        ("/op/v0/device/detail", API_KEY, 1_740_155_909_000, "b3d7663c9e17b508e2e8975da86d2cd3"),
        # a bearer request is signed with the access token in place of the key
        (
            "/op/v1/device/scheduler/enable",
            "oauth-access-token-xyz",
            1_757_871_789_123,
            "a3e5edc5de2e088a78d53a01d9199ee6",
        ),
    ],
)
def test_signature_vectors(path: str, token: str, ms: int, expected: str) -> None:
    assert sign(path, token, ms) == expected


def test_separator_is_four_literal_characters_not_crlf() -> None:
    assert SEPARATOR == "\\r\\n" and len(SEPARATOR) == 4
    text = signature_input("/op/v0/device/list", "abc123", 1_700_000_000_000)
    assert "\r" not in text and "\n" not in text
    crlf = hashlib.md5(b"/op/v0/device/list\r\nabc123\r\n1700000000000").hexdigest()
    assert crlf == "14f9e60eca4796d590b1c54146190bd5"  # printf (no %s) turns \r\n into CR LF bytes
    assert sign("/op/v0/device/list", "abc123", 1_700_000_000_000) != crlf


def test_signature_is_lowercase_hex() -> None:
    digest = sign("/op/v0/device/list", "KEY", 1)
    assert len(digest) == 32 and digest == digest.lower() and int(digest, 16) >= 0


@pytest.mark.parametrize("bad", ["https://www.foxesscloud.com/op/v0/device/list", "/op/v0/device/detail?sn=X", "op/v0"])
def test_only_the_path_may_be_signed(bad: str) -> None:
    with pytest.raises(ValueError, match="path only"):
        sign(bad, "KEY", 1)


def test_api_key_headers() -> None:
    headers = ApiKeyAuth(API_KEY).headers("/op/v0/device/list", 1_700_000_000_000)
    assert headers == {
        "token": API_KEY,
        "timestamp": "1700000000000",
        "signature": sign("/op/v0/device/list", API_KEY, 1_700_000_000_000),
    }


def test_request_carries_every_required_header(client, cloud: MockCloud, clock: ManualClock) -> None:
    cloud.reply("/op/v1/device/detail", ok({"deviceSN": "SN1"}))
    client.device_detail("SN1")
    seen = cloud.calls("/op/v1/device/detail")[0]
    assert seen.method == "GET" and seen.params == {"sn": "SN1"}
    headers = seen.headers
    assert headers["token"] == API_KEY
    assert headers["timestamp"] == str(clock.time_ms())
    # Signed over the path only: no host, no query string.
    assert headers["signature"] == sign("/op/v1/device/detail", API_KEY, clock.time_ms())
    assert headers["lang"] == "en"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("foxess-optimizer/")
    assert "authorization" not in headers


def test_timestamp_follows_the_clock(client, cloud: MockCloud, clock: ManualClock) -> None:
    client.access_count()
    clock.advance(12.345)
    client.access_count()
    stamps = [int(s.headers["timestamp"]) for s in cloud.calls()]
    assert stamps[1] - stamps[0] == 12_345


def test_redacted_headers_hide_credentials() -> None:
    headers = {"token": API_KEY, "signature": "abc", "Authorization": "Bearer T", "lang": "en"}
    assert redact_headers(headers) == {"token": "***", "signature": "***", "Authorization": "***", "lang": "en"}


@pytest.mark.parametrize("key", ["", "   ", "has space", "naïve-key"])
def test_unusable_keys_are_config_errors(key: str) -> None:
    from optimizer.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        ApiKeyAuth(key)
    assert caught.value.exit_code == 3


def test_key_is_stripped_and_never_in_repr() -> None:
    auth = ApiKeyAuth(f"  {API_KEY}\n")
    assert auth.headers("/p", 1)["token"] == API_KEY
    assert API_KEY not in repr(auth) and API_KEY not in str(auth)


def test_base_url_default_is_the_vendor_domain() -> None:
    from optimizer.config import DEFAULT_BASE_URL

    assert DEFAULT_BASE_URL == BASE_URL
