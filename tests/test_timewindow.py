"""Durations and timestamps as a responder types them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from debugtui.timewindow import (
    TimeParseError,
    format_duration,
    parse_duration,
    parse_timestamp,
    parse_when,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("2d", timedelta(days=2)),
        ("90s", timedelta(seconds=90)),
        ("1.5h", timedelta(minutes=90)),
        ("1w", timedelta(days=7)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


def test_when_accepts_duration_iso_and_now() -> None:
    assert parse_when("2h", NOW) == NOW - timedelta(hours=2)
    assert parse_when("now", NOW) == NOW
    assert parse_when("2026-11-25T10:00Z", NOW) == datetime(2026, 11, 25, 10, tzinfo=timezone.utc)


def test_naive_timestamp_is_utc_and_offsets_convert() -> None:
    assert parse_timestamp("2026-11-25 10:00:00") == datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    assert parse_timestamp("2026-11-25T12:00:00+02:00") == datetime(
        2026, 11, 25, 10, tzinfo=timezone.utc
    )


@pytest.mark.parametrize("text", ["yesterday-ish", "", "12 parsecs"])
def test_nonsense_is_a_time_parse_error(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_when(text, NOW)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "5s"),
        (timedelta(minutes=3, seconds=12), "3m12s"),
        (timedelta(hours=2, minutes=5), "2h05m"),
        (timedelta(days=1, hours=4), "1d04h"),
        (None, "-"),
        (timedelta(minutes=-2), "-2m00s"),
    ],
)
def test_format_duration(delta: timedelta | None, text: str) -> None:
    assert format_duration(delta) == text
