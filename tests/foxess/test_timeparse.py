"""Fox ESS time strings: the trailing offset is trusted, the abbreviation ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.foxess import epoch_ms, parse_fox_time


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        # the three real forms from the field notes
        ("2025-02-21 16:38:29 GMT+0000", datetime(2025, 2, 21, 16, 38, 29, tzinfo=UTC)),
        ("2025-09-14 18:43:09 BST+0100", datetime(2025, 9, 14, 17, 43, 9, tzinfo=UTC)),
        ("2026-04-07 10:44:04 AEST+1000", datetime(2026, 4, 7, 0, 44, 4, tzinfo=UTC)),
        # other zones and shapes the cloud or a proxy may produce
        ("2025-01-05 07:00:00 EST-0500", datetime(2025, 1, 5, 12, 0, tzinfo=UTC)),
        ("2025-03-30 09:15:00 CEST+02:00", datetime(2025, 3, 30, 7, 15, tzinfo=UTC)),
        ("2025-06-01 12:00:00 IST+0530", datetime(2025, 6, 1, 6, 30, tzinfo=UTC)),
        ("2025-06-01 12:00:00+0530", datetime(2025, 6, 1, 6, 30, tzinfo=UTC)),
        ("2025-02-21T16:38:29Z", datetime(2025, 2, 21, 16, 38, 29, tzinfo=UTC)),
        ("2025-02-21T16:38:29.250+01:00", datetime(2025, 2, 21, 15, 38, 29, 250000, tzinfo=UTC)),
        ("2025-02-21 16:38:29 UTC", datetime(2025, 2, 21, 16, 38, 29, tzinfo=UTC)),
        ("2025-02-21 16:38 GMT+0000", datetime(2025, 2, 21, 16, 38, tzinfo=UTC)),
        ("  2025-2-1 6:05:09 GMT+0000 ", datetime(2025, 2, 1, 6, 5, 9, tzinfo=UTC)),
    ],
)
def test_parses_to_the_right_instant(text: str, utc: datetime) -> None:
    parsed = parse_fox_time(text)
    assert parsed.tzinfo is not None
    assert parsed == utc


def test_keeps_the_stations_own_offset() -> None:
    parsed = parse_fox_time("2025-09-14 18:43:09 BST+0100")
    assert (parsed.hour, parsed.utcoffset()) == (18, timedelta(hours=1))


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2025-02-30 10:00:00 GMT+0000", "2025-02-21 25:00:00 GMT+0000", "2025-02-21 10:00:00 X+2400"],
)
def test_rejects_garbage_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_fox_time(text)
    assert repr(text) in str(caught.value) or text == ""


def test_no_offset_is_an_error_unless_a_zone_is_given() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_fox_time("2025-02-21 16:38:29 CST")
    london = parse_fox_time("2025-07-01 12:00:00", default_tz=ZoneInfo("Europe/London"))
    assert london.astimezone(UTC).hour == 11


_ABBREVIATIONS = st.sampled_from(["", "GMT", "BST", "AEST", "CET", "EST", "X"])


@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
    abbreviation=_ABBREVIATIONS,
)
def test_round_trip_any_offset(moment: datetime, offset_minutes: int, abbreviation: str) -> None:
    moment = moment.replace(microsecond=0)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = f"{moment:%Y-%m-%d %H:%M:%S} {abbreviation}{sign}{hours:02d}{minutes:02d}"
    zone = timezone(timedelta(minutes=offset_minutes))
    assert parse_fox_time(text) == moment.replace(tzinfo=zone)


def test_epoch_ms_is_exact() -> None:
    assert epoch_ms(datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)) == 1_700_000_000_000
    assert epoch_ms(parse_fox_time("2023-11-14 23:13:20.001 BST+0100")) == 1_700_000_000_001
    with pytest.raises(ValueError, match="naive"):
        epoch_ms(datetime(2023, 1, 1))
