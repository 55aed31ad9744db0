"""Timestamps in log lines: each format, syslog year inference, detection, and properties."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debugtui.sources.logtimes import (
    DETECT_LINES,
    FORMATS,
    FORMATS_BY_NAME,
    START_MARGIN,
    TimeFormat,
    TimeParser,
    detect_format,
    from_epoch,
    from_micros,
    minute_of,
    parse_iso,
    parse_line,
    syslog_year,
    to_micros,
)

UTC = timezone.utc
REF = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(*fields: int, us: int = 0) -> datetime:
    return datetime(*fields, us, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"2026-11-25T11:57:01Z INFO started", at(2026, 11, 25, 11, 57, 1)),
        (b"2026-11-25 11:57:01 INFO naive is UTC", at(2026, 11, 25, 11, 57, 1)),
        (b"2026-11-25T11:57:01.123456789Z x", at(2026, 11, 25, 11, 57, 1, us=123456)),
        (b"2026-11-25 11:57:01,250 WARNING python logging", at(2026, 11, 25, 11, 57, 1, us=250000)),
        (b"2026-11-25T13:57:01+02:00 offset", at(2026, 11, 25, 11, 57, 1)),
        (b"2026-11-25T06:27:01-0530 offset", at(2026, 11, 25, 11, 57, 1)),
        (b"[2026-11-25 11:57:01] bracketed", at(2026, 11, 25, 11, 57, 1)),
        (b"<34>1 2026-11-25T11:57:01.003Z host app - - msg", at(2026, 11, 25, 11, 57, 1, us=3000)),
    ],
)
def test_iso_8601_and_rfc_3339_times_parse(line: bytes, expected: datetime) -> None:
    assert parse_line(line, REF) == expected


def test_postgresql_log_prefix_with_zone_name_parses() -> None:
    line = b"2026-11-25 11:57:01.123 UTC [123] LOG:  checkpoint starting: time"
    assert parse_line(line, REF) == at(2026, 11, 25, 11, 57, 1, us=123000)
    cet = b"2026-11-25 12:57:01 CET [7] ERROR:  deadlock detected"
    assert parse_line(cet, REF) == at(2026, 11, 25, 11, 57, 1)
    numeric = b"2026-11-25 14:57:01.5 +03 [9] FATAL:  too many connections"
    assert parse_line(numeric, REF) == at(2026, 11, 25, 11, 57, 1, us=500000)


def test_a_level_word_after_the_time_is_not_taken_for_a_zone() -> None:
    assert parse_line(b"2026-11-25 11:57:01 INFO x", REF) == at(2026, 11, 25, 11, 57, 1)
    assert parse_line(b"2026-11-25 11:57:01 EST x", REF) == at(2026, 11, 25, 16, 57, 1)


def test_access_log_time_parses_with_its_offset() -> None:
    line = b'10.0.0.1 - frank [25/Nov/2026:12:57:01 +0100] "GET /api HTTP/1.1" 500 12'
    assert parse_line(line, REF) == at(2026, 11, 25, 11, 57, 1)


def test_nginx_error_log_time_parses() -> None:
    line = b"2026/11/25 11:57:01 [error] 31#31: *1 connect() failed (111: Connection refused)"
    assert parse_line(line, REF) == at(2026, 11, 25, 11, 57, 1)


@pytest.mark.parametrize(
    "line",
    [
        b'{"time":"2026-11-25T11:57:01Z","level":"error"}',
        b'{"level":"error","timestamp":"2026-11-25 11:57:01"}',
        b'{"ts":1795607821,"msg":"x"}',
        b'{"ts":1795607821.0,"msg":"zap float seconds"}',
        b'{"@timestamp":1795607821000,"message":"epoch ms"}',
        b'{"time":"1795607821","msg":"epoch in a string"}',
    ],
)
def test_json_lines_time_fields_parse(line: bytes) -> None:
    assert parse_line(line, REF) == at(2026, 11, 25, 11, 57, 1)


def test_syslog_date_takes_the_reference_year() -> None:
    line = b"Nov 25 11:57:01 web1 sshd[812]: Failed password for root"
    assert parse_line(line, REF) == at(2026, 11, 25, 11, 57, 1)
    assert parse_line(b"Nov  5 01:02:03 web1 cron[1]: x", REF) == at(2026, 11, 5, 1, 2, 3)


def test_syslog_date_in_the_future_belongs_to_the_year_before() -> None:
    assert parse_line(b"Dec 31 23:59:59 web1 kernel: x", REF) == at(2025, 12, 31, 23, 59, 59)
    january = datetime(2027, 1, 1, 0, 10, tzinfo=UTC)
    parser = TimeParser(FORMATS_BY_NAME["syslog"], january)
    assert parser(b"Dec 31 23:59:59 web1 x") == at(2026, 12, 31, 23, 59, 59)
    assert parser(b"Jan  1 00:05:00 web1 x") == at(2027, 1, 1, 0, 5, 0)


def test_syslog_year_tolerates_a_day_of_clock_skew_and_finds_leap_days() -> None:
    assert syslog_year(11, 26, REF) == 2026
    assert syslog_year(11, 28, REF) == 2025
    assert syslog_year(2, 29, datetime(2027, 3, 1, tzinfo=UTC)) == 2024


@pytest.mark.parametrize(
    "line",
    [
        b"  at com.example.Handler.run(Handler.java:42)",
        b"Traceback (most recent call last):",
        b"x" * 60 + b" 2026-11-25T11:57:01Z deep in the message",
        b"2026-13-25T11:57:01Z impossible month",
        b"2026-11-25T25:57:01Z impossible hour",
        b"12026-11-25T11:57:01Z five-digit year",
        b"",
    ],
)
def test_lines_without_a_usable_leading_time_give_none(line: bytes) -> None:
    assert parse_line(line, REF) is None


def test_a_time_in_a_message_is_not_an_entry_start_once_the_format_is_known() -> None:
    head = [b"2026-11-25T11:57:01Z ERROR boom", b"2026-11-25T11:57:02Z INFO ok"]
    detected = detect_format(head, REF)
    assert detected is not None
    parser = TimeParser(detected, REF)
    assert parser(b"ValueError: retry at 2026-11-25T11:00:00Z failed") is None
    assert parser(b"2026-11-25T11:57:03Z next entry") == at(2026, 11, 25, 11, 57, 3)
    # without detection (one line on its own) a time near the start is taken as its time
    assert parse_line(b"ValueError: retry at 2026-11-25T11:00:00Z", REF) == at(
        2026, 11, 25, 11, 0, 0
    )


def test_detect_format_picks_the_format_most_lines_parse() -> None:
    lines = [
        b"Nov 25 11:57:01 web1 app[1]: 2026-11-25T11:57:00Z inner iso",
        b"Nov 25 11:57:02 web1 app[1]: second",
        b"  continuation",
    ]
    detected = detect_format(lines, REF)
    assert detected is not None and detected.name == "syslog"
    iso = detect_format([b"banner line", b"2026-11-25T11:57:01Z a", b"2026-11-25T11:57:02Z b"])
    assert iso is not None and iso.name == "iso"
    assert detect_format([b"no times here", b"at all"]) is None


def test_detect_format_prefers_json_fields_over_iso_inside_json() -> None:
    lines = [b'{"time":"2026-11-25T11:57:01Z","msg":"a"}', b'{"time":"2026-11-25T11:57:02Z"}']
    detected = detect_format(lines, REF)
    assert detected is not None and detected.name == "json:time"


def test_parser_caches_repeated_time_text_but_not_across_values() -> None:
    parser = TimeParser(FORMATS_BY_NAME["iso"], REF)
    first = parser(b"2026-11-25T11:57:01Z a")
    assert parser(b"2026-11-25T11:57:01Z b") is first
    assert parser(b"2026-11-25T11:57:02Z c") == at(2026, 11, 25, 11, 57, 2)


def test_epoch_magnitudes_are_told_apart() -> None:
    expected = at(2026, 11, 25, 11, 57, 1)
    for value in (1795607821, 1795607821e3, 1795607821e6, 1795607821e9):
        assert from_epoch(value) == expected
    assert from_epoch(1e30) is None


def test_minute_of_truncates_to_the_minute() -> None:
    assert minute_of(at(2026, 11, 25, 11, 57, 1, us=5)) == at(2026, 11, 25, 11, 57, 0)


@given(st.binary(max_size=300))
@settings(max_examples=400)
def test_any_bytes_give_none_or_an_aware_utc_time(line: bytes) -> None:
    for fmt in FORMATS:
        when = TimeParser(fmt, REF)(line)
        assert when is None or (isinstance(when, datetime) and when.utcoffset() == timedelta(0))


_PIECES = st.sampled_from(
    [b"2026-11-25", b"T", b" ", b"11:57:01", b".123", b",5", b"Z", b"+05:30", b"-99:99", b"UTC",
     b"[", b"]", b"Nov 25", b"/Nov/", b"25/Nov/2026:11:57:01 +0000", b'{"ts":', b'"time":"',
     b"9999999999999999999999", b"-", b"0000-00-00 00:00:00", b"9999-12-31T23:59:59-23:59",
     b"0001-01-01T00:00:00+23:59", b"Feb 29", b"\xff", b"\x00"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=12).map(b"".join))
@settings(max_examples=600)
def test_time_like_fragments_never_raise(line: bytes) -> None:
    when = parse_line(line, REF)
    assert when is None or when.tzinfo is not None


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(UTC),
    ),
    st.sampled_from(["T", " "]),
    st.sampled_from(["Z", "+00:00", "", " UTC"]),
)
def test_formatted_iso_times_round_trip(when: datetime, sep: str, zone: str) -> None:
    text = when.strftime(f"%Y-%m-%d{sep}%H:%M:%S.%f") + zone
    assert parse_iso(text.encode()) == when
    assert parse_line(f"{text} message".encode(), REF) == when


@given(st.lists(_PIECES, max_size=12).map(b"".join))
@settings(max_examples=600)
def test_micros_is_the_converted_time_in_microseconds(line: bytes) -> None:
    for fmt in FORMATS:
        parser = TimeParser(fmt, REF)
        found = parser.find(line)
        if found is None:
            continue
        when = TimeParser(fmt, REF).convert(found)
        assert parser.micros(found) == (None if when is None else to_micros(when))


def test_micros_of_lines_sharing_a_second_differ_by_their_fraction() -> None:
    parser = TimeParser(FORMATS_BY_NAME["iso"], REF)
    times = []
    for text in (b"2026-11-25T11:57:01.5+01:00 a", b"2026-11-25T11:57:01.000250+01:00 b"):
        found = parser.find(text)
        assert found is not None
        times.append(parser.micros(found))
    assert [from_micros(t) for t in times if t is not None] == [
        at(2026, 11, 25, 10, 57, 1, us=500000),
        at(2026, 11, 25, 10, 57, 1, us=250),
    ]


def test_micros_from_a_cached_minute_equals_converting_each_second() -> None:
    """Seconds are added to their minute's conversion: leap-like seconds (60-99) clamp,
    an impossible minute stays None, the ends of the calendar stay None or in range."""
    lines = [
        b"2026-11-25T11:57:01.5Z a",
        b"2026-11-25T11:57:59Z b",
        b"2026-11-25T11:57:60.25Z c",
        b"2026-11-25T11:57:99Z d",
        b"2026-11-25 11:57:30,5 +05:30 e",
        b"2026-11-25T11:61:00Z f",
        b"2026-02-29T11:57:01Z g",
        b"9999-12-31T23:59:59.999999Z h",
        b"9999-12-31T23:59:30-01:00 i",
        b"0001-01-01T00:00:30+00:01 j",
        b"0001-01-01T00:01:30+00:01 k",
    ]
    parser = TimeParser(FORMATS_BY_NAME["iso"], REF)
    for line in lines * 2:  # the second round reads the caches
        found = parser.find(line)
        assert found is not None, line
        when = TimeParser(FORMATS_BY_NAME["iso"], REF).convert(found)
        assert parser.micros(found) == (None if when is None else to_micros(when)), line


_OWN_PIECES = st.sampled_from(
    [b"2026-11-25T11:57:01", b"2026-11-25 11:57:01", b"2026-11-25T11:57", b".123", b",5",
     b".1234567891", b"Z", b"z", b"Zx", b" +05:30", b"+05", b"-0130", b" UTC", b" INFO", b"7",
     b" ", b"[", b"x", b"2026-13-25T11:57:01", b"2026-11-25T11:57:60", b"\xff"]
)  # fmt: skip


@given(st.lists(st.lists(_OWN_PIECES, max_size=6).map(b"".join), max_size=30))
@settings(max_examples=400)
def test_micros_own_is_micros_of_find_or_false_line_after_line(lines: list[bytes]) -> None:
    """The batch of a window count against each line found and converted on its own; the
    lines share a parser, so later ones read what earlier ones cached (seconds, minutes and
    fractions), whatever follows a known second."""
    for fmt in (FORMATS_BY_NAME["iso"], FORMATS_BY_NAME["iso"]._replace(max_start=16)):
        parser = TimeParser(fmt, REF)
        for batch in (lines, lines):  # the second round reads the caches
            expected = []
            for line in batch:
                found = TimeParser(fmt, REF).find(line)
                if found is None:
                    expected.append(False)
                else:
                    when = TimeParser(fmt, REF).convert(found)
                    expected.append(None if when is None else to_micros(when))
            assert parser.micros_own(batch) == expected


def test_micros_own_of_other_formats_is_micros_of_find() -> None:
    parser = TimeParser(FORMATS_BY_NAME["clf"], REF)
    line = b'1.2.3.4 - - [25/Nov/2026:11:57:01 +0000] "GET /"'
    assert parser.micros_own([line, b"  continued"]) == [
        to_micros(at(2026, 11, 25, 11, 57, 1)),
        False,
    ]


def _detect_trying_every_format(lines: list[bytes]) -> TimeFormat | None:
    """detect_format without its shortcuts: every format over every sample line."""
    sample = [line for line in lines if line.strip()][:DETECT_LINES]
    best, best_starts = None, []
    for fmt in FORMATS:
        parser = TimeParser(fmt, REF)
        starts = []
        for line in sample:
            found = parser.find(line)
            if found is not None and parser.convert(found) is not None:
                starts.append(found.start())
        if len(starts) > len(best_starts):
            best, best_starts = fmt, starts
    if best is not None and best.kind == "iso" and best.max_start is not None:
        best = best._replace(max_start=min(best.max_start, max(best_starts) + START_MARGIN))
    return best


_SAMPLE_LINES = st.sampled_from(
    [b"2026-11-25T11:57:01.123Z INFO a", b'{"ts": 1795525620, "msg": "x"}',
     b'{"time": "2026-11-25T11:57:01Z"}', b'1.2.3.4 - - [25/Nov/2026:11:57:01 +0000] "GET /"',
     b"Nov 25 11:57:01 host app: x", b"2026/11/25 11:57:01 [error] 1#1: x", b"  at frame",
     b"", b"x 2026-11-25 11:57:01 late"]
)  # fmt: skip


@given(st.lists(_SAMPLE_LINES, max_size=12))
@settings(max_examples=300)
def test_detect_format_skipping_formats_picks_what_trying_every_one_picks(
    lines: list[bytes],
) -> None:
    assert detect_format(lines, REF) == _detect_trying_every_format(lines)


@given(st.lists(_PIECES, max_size=12).map(b"".join))
@settings(max_examples=600)
def test_every_match_of_a_format_has_the_text_and_first_byte_it_needs(line: bytes) -> None:
    for fmt in FORMATS:
        found = TimeParser(fmt, REF).find(line)
        assert found is None or fmt.needs in found.group(0), fmt.name
        if found is not None and fmt.starts:
            assert found.start() == 0 and line[0] in fmt.starts, fmt.name
