"""Timestamps in log lines: which format a file uses, and the UTC time of each line.

A log search needs the time of every entry to filter a window, to seek in a big file and to
draw the per-minute histogram. Files do not say which format they use, so
:func:`detect_format` looks at the first lines once and picks the format most of them
parse; after that a :class:`TimeParser` applies one compiled regex per line (the fast path
the issue asks for), converting only when the matched text changes.

Formats, in the order a tie is broken:

* JSON lines with a ``time``, ``timestamp``, ``ts`` or ``@timestamp`` field, holding an
  ISO time or epoch seconds / milliseconds / microseconds / nanoseconds;
* Apache/nginx access logs: ``[25/Nov/2026:11:57:01 +0000]``;
* BSD syslog: ``Nov 25 11:57:01`` (no year: see :func:`syslog_year`);
* ISO 8601 / RFC 3339 within the first 48 characters of the line, with ``T`` or a space,
  fractional seconds (``.`` or ``,``), ``Z``, a numeric offset or a zone abbreviation
  (PostgreSQL's ``2026-11-25 11:57:01.123 UTC [123]`` prefix is this format);
* nginx error logs: ``2026/11/25 11:57:01``.

A time without a zone is taken as UTC, as everywhere in debugtui (syslog and nginx error
logs are written in the host's local time, which is UTC on most servers). The functions
work on ``bytes`` because engines read raw lines; they never raise on any input: a line
without a recognisable, valid time gives ``None``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from debugtui.sources.records import NamedTuple

UTC = timezone.utc

_MONTHS = {
    name: number
    for number, name in enumerate(
        b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
        start=1,
    )
}

_ZONE_HOURS: dict[bytes, float] = {
    b"UTC": 0,
    b"GMT": 0,
    b"WET": 0,
    b"WEST": 1,
    b"BST": 1,
    b"CET": 1,
    b"CEST": 2,
    b"EET": 2,
    b"EEST": 3,
    b"MSK": 3,
    b"IST": 5.5,
    b"SGT": 8,
    b"HKT": 8,
    b"JST": 9,
    b"KST": 9,
    b"AEST": 10,
    b"AEDT": 11,
    b"NZST": 12,
    b"NZDT": 13,
    b"EST": -5,
    b"EDT": -4,
    b"CST": -6,
    b"CDT": -5,
    b"MST": -7,
    b"MDT": -6,
    b"PST": -8,
    b"PDT": -7,
}
"""Zone abbreviations PostgreSQL and others print; ambiguous ones take their common meaning
(CST: US Central, IST: India). A word not listed is no zone (the time is naive: UTC)."""

_ISO_SECOND = rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)"
"""An ISO time to the second: always 19 bytes (no alternatives of different lengths)."""
_ISO_TAIL = (
    rb"(?:[.,](\d{1,9}))?"
    rb"(?:(Z|z| ?[+-]\d\d(?::?\d\d)?(?![0-9])| [A-Z]{2,5}(?![A-Za-z0-9]))(?![A-Za-z0-9]))?"
)
"""What may follow the second: a fraction and a zone (always matches, if only empty)."""
_ISO_CORE = _ISO_SECOND + _ISO_TAIL
"""The zone is Z, a numeric offset, or a capitalised word that counts only when it is in
:data:`_ZONE_HOURS` (``INFO`` after a time is not a zone). A word rather than the list of
names keeps this regex small: compiling it is part of every ``debugtui logs`` start-up."""
_iso_full: list[re.Pattern[bytes]] = []
"""The whole-value ISO regex, compiled on first use (only JSON values need it)."""
_iso_tail: list[re.Pattern[bytes]] = []
"""``_ISO_TAIL`` compiled on first use (only :meth:`TimeParser.micros_own` needs it)."""

SYSLOG_FUTURE_TOLERANCE = timedelta(days=1)
"""A syslog date later than the reference by more than this belongs to the year before."""

TIME_PREFIX = 48
"""An ISO time must start within this many bytes of the line start: a time deeper in the
line is message text (``retry at 2026-...``), and a line with only such a time is a
continuation of the entry above."""


class TimeFormat(NamedTuple):
    """One way a log writes times: a regex and how to turn its groups into UTC.

    (The internal records of the logs modules are NamedTuples, not dataclasses: ``debugtui
    logs`` is timed against ``rg -c`` including start-up, and each dataclass costs about a
    millisecond to create at import, ``dataclasses`` itself several.)"""

    name: str
    source: bytes
    """The regex, compiled when first used (:attr:`regex`): compiling all of them cost ~2 ms
    of each ``debugtui logs`` start-up, and a file's detection usually needs two or three."""
    kind: str
    """Converter: "iso", "clf", "syslog", "slash" or "json"."""
    max_start: int | None = None
    """The match must start within this many bytes (searched up to ``max_start + 48``)
    and not right after a digit; None: anywhere (or anchored by the regex)."""
    needs: bytes = b""
    """Text every match contains: :func:`detect_format` skips the format (and compiling it)
    for a sample without it."""
    starts: bytes = b""
    """For a regex anchored at the line start, the bytes a matching line can begin with
    (skipped the same way when no sample line begins with one); empty: any."""

    @property
    def regex(self) -> re.Pattern[bytes]:
        return re.compile(self.source)  # compiled once: re keeps the compiled patterns


def _json_format(key: str) -> TimeFormat:
    value = rb'"((?:[^"\\]|\\.){1,64})"|(-?\d{1,20}(?:\.\d{1,9})?)(?![0-9.])'
    regex = rb'"' + re.escape(key.encode()) + rb'"\s*:\s*(?:' + value + rb")"
    return TimeFormat(f"json:{key}", regex, "json", needs=b'"' + key.encode() + b'"')


JSON_KEYS = ("time", "timestamp", "ts", "@timestamp")

FORMATS: tuple[TimeFormat, ...] = (
    *(_json_format(key) for key in JSON_KEYS),
    TimeFormat(
        "clf",
        rb"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]",
        "clf",
        max_start=256,
        needs=b"[",
    ),
    TimeFormat(
        "syslog",
        rb"^(?:<\d{1,3}>)?([A-Z][a-z]{2}) ([ 1-3]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
        rb"(?![0-9])",
        "syslog",
        needs=b":",
        starts=b"<ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ),
    TimeFormat("iso", _ISO_CORE, "iso", max_start=TIME_PREFIX, needs=b"-"),
    TimeFormat(
        "slash",
        rb"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)(?![0-9])",
        "slash",
        needs=b"/",
        starts=b"0123456789",
    ),
)
"""Every known format, in tie-break order."""

FORMATS_BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def _zone_offset(zone: bytes | None) -> timedelta | None:
    """The UTC offset a zone suffix states; ``timedelta.max`` marks an impossible one."""
    if not zone:
        return None
    zone = zone.strip()
    if zone in (b"Z", b"z"):
        return timedelta(0)
    if zone[:1] in (b"+", b"-"):
        digits = zone[1:].replace(b":", b"")
        hours = int(digits[:2])
        minutes = int(digits[2:4]) if len(digits) >= 4 else 0
        if hours > 23 or minutes > 59:
            return timedelta.max
        offset = timedelta(hours=hours, minutes=minutes)
        return -offset if zone[:1] == b"-" else offset
    hours = _ZONE_HOURS.get(zone)
    return None if hours is None else timedelta(hours=hours)


def _fraction_us(frac: bytes | None) -> int:
    return int((frac + b"00000")[:6]) if frac else 0


def _utc(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    micro: int = 0,
    offset: timedelta | None = None,
) -> datetime | None:
    """A UTC datetime from wall-clock fields and their offset; None when invalid."""
    if offset == timedelta.max:
        return None
    try:
        when = datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=UTC)
        return when - offset if offset else when
    except (ValueError, OverflowError):
        return None


def _from_iso_groups(groups: tuple[bytes | None, ...]) -> datetime | None:
    year, month, day, hour, minute, second, frac, zone = groups
    assert year and month and day and hour and minute and second  # the regex requires them
    return _utc(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        _fraction_us(frac),
        _zone_offset(zone),
    )


def parse_iso(value: bytes) -> datetime | None:
    """A whole value (such as a JSON field) that is an ISO 8601 / RFC 3339 time."""
    if not _iso_full:
        _iso_full.append(re.compile(rb"\s*" + _ISO_CORE + rb"\s*$"))
    found = _iso_full[0].match(value)
    return _from_iso_groups(found.groups()) if found else None


def from_epoch(number: float) -> datetime | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude."""
    magnitude = abs(number)
    if magnitude >= 1e17:
        number /= 1e9
    elif magnitude >= 1e14:
        number /= 1e6
    elif magnitude >= 1e11:
        number /= 1e3
    try:
        return datetime.fromtimestamp(number, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def syslog_year(month: int, day: int, reference: datetime) -> int:
    """The year of a syslog date: the reference's, or the year before if that would put the
    date more than :data:`SYSLOG_FUTURE_TOLERANCE` after the reference (the reference is
    the file's modification time, which no line can be later than). Feb 29 goes back to the
    last leap year."""
    year = reference.year
    for candidate in range(year, year - 8, -1):
        try:
            when = datetime(candidate, month, day, tzinfo=UTC)
        except ValueError:
            continue
        if when <= reference + SYSLOG_FUTURE_TOLERANCE:
            return candidate
    return year


def _convert(fmt: TimeFormat, found: re.Match[bytes], reference: datetime) -> datetime | None:
    kind = fmt.kind
    if kind == "iso":
        return _from_iso_groups(found.groups())
    if kind == "json":
        text, number = found.groups()
        if number is not None:
            return from_epoch(float(number))
        assert text is not None
        if text.replace(b".", b"", 1).isdigit():
            return from_epoch(float(text))
        return parse_iso(text)
    if kind == "clf":
        day, mon, year, hour, minute, second, zone = found.groups()
        month = _MONTHS.get(mon)
        if month is None:
            return None
        return _utc(
            int(year),
            month,
            int(day),
            int(hour),
            int(minute),
            int(second),
            0,
            _zone_offset(zone),
        )
    if kind == "syslog":
        mon, day, hour, minute, second, frac = found.groups()
        month = _MONTHS.get(mon)
        if month is None or not 1 <= int(day) <= 31:
            return None
        year = syslog_year(month, int(day), reference)
        return _utc(year, month, int(day), int(hour), int(minute), int(second), _fraction_us(frac))
    year, month, day, hour, minute, second = (int(g) for g in found.groups())
    return _utc(year, month, day, hour, minute, second)


def _now() -> datetime:
    return datetime.now(UTC)


class TimeParser:
    """The time of a line in one known format; ``parser(line)`` is a UTC datetime or None.

    ``reference`` (the file's modification time) is only used to infer syslog years.
    Consecutive lines often repeat the same time text, so the last conversion is cached.
    """

    __slots__ = (
        "_endpos",
        "_fraction_us",
        "_fractions",
        "_iso",
        "_last_raw",
        "_last_time",
        "_max_start",
        "_minutes_us",
        "_search",
        "_seconds",
        "_seconds_us",
        "format",
        "reference",
    )

    def __init__(self, fmt: TimeFormat, reference: datetime | None = None) -> None:
        self.format = fmt
        self.reference = reference or _now()
        self._search: Callable[[bytes, int, int], re.Match[bytes] | None] = fmt.regex.search
        self._max_start = fmt.max_start
        self._endpos = sys.maxsize if fmt.max_start is None else fmt.max_start + 48
        self._last_raw = b""
        self._last_time: datetime | None = None
        self._iso = fmt.kind == "iso"
        self._seconds: dict[bytes, datetime | None] = {}
        """ISO times by their text up to the seconds: lines differ mostly in the fraction."""
        self._fractions: dict[bytes, timedelta] = {}
        self._seconds_us: dict[bytes, int | None] = {}
        """As ``_seconds``, for :meth:`micros`: only texts a match gave (see micros_known)."""
        self._minutes_us: dict[bytes, int | None] = {}
        self._fraction_us: dict[bytes, int] = {}

    def find(self, line: bytes) -> re.Match[bytes] | None:
        """The timestamp text of ``line`` (not yet converted), or None: a line with one
        starts an entry, even if its date turns out invalid."""
        # An unanchored search bounded by endpos is 2-3x faster than ^.{0,N}? anchoring:
        # re skips to candidate first bytes. Most lines searched are continuation lines.
        found = self._search(line, 0, self._endpos)
        if found is None or self._max_start is None:
            return found
        start = found.start()
        if start > self._max_start or (start and 48 <= line[start - 1] <= 57):
            return None
        return found

    def convert(self, found: re.Match[bytes]) -> datetime | None:
        """The UTC time a :meth:`find` result states (None for an impossible date)."""
        raw = found.group(0)
        if raw == self._last_raw:
            return self._last_time
        if self._iso:
            when = self._convert_iso(found, raw)
        else:
            when = _convert(self.format, found, self.reference)
        self._last_raw, self._last_time = raw, when
        return when

    def _convert_iso(self, found: re.Match[bytes], raw: bytes) -> datetime | None:
        """Several times faster than a full conversion on a cache hit: the second looked
        up, the fraction added (zone offsets are whole minutes: it carries over unchanged)."""
        zone = found.group(8)
        key = raw[:19] + zone if zone else raw[:19]
        if key in self._seconds:
            base = self._seconds[key]
        else:
            if len(self._seconds) >= SECONDS_CACHE:
                self._seconds.clear()
            groups = found.groups()
            base = _from_iso_groups((*groups[:6], None, zone))
            self._seconds[key] = base
        frac = found.group(7)
        if base is None or not frac:
            return base
        # adding a cached timedelta: 15x cheaper than datetime.replace(microsecond=...)
        step = self._fractions.get(frac)
        if step is None:
            if len(self._fractions) >= SECONDS_CACHE:
                self._fractions.clear()
            step = self._fractions[frac] = timedelta(microseconds=_fraction_us(frac))
        return base + step

    def micros(self, found: re.Match[bytes]) -> int | None:
        """:meth:`convert` as integer microseconds since the epoch (:func:`to_micros` of it),
        building no datetime: a window count over a big file compares one per match."""
        if not self._iso:
            when = self.convert(found)
            return None if when is None else to_micros(when)
        raw, frac, zone = found.group(0, 7, 8)
        key = raw[:19] + zone if zone else raw[:19]
        base = self._seconds_us.get(key, -1)
        if base == -1:  # not cached (-1 is the last microsecond of 1969: never a whole second)
            base = self._second_us(found, raw, zone, key)
        if base is None or not frac:
            return base
        step = self._fraction_us.get(frac)
        if step is None:
            if len(self._fraction_us) >= SECONDS_CACHE:
                self._fraction_us.clear()
            step = self._fraction_us[frac] = _fraction_us(frac)
        return base + step

    def _second_us(
        self, found: re.Match[bytes], raw: bytes, zone: bytes | None, key: bytes
    ) -> int | None:
        """The whole second ``key`` names, in microseconds: its minute converted once (a
        window reads a few matches a second, so most seconds are new), the seconds added
        (zone offsets are whole minutes, so this is what converting the second gives)."""
        if len(self._seconds_us) >= SECONDS_CACHE:
            self._seconds_us.clear()
            self._minutes_us.clear()
        minute_key = key[:16] + key[19:]
        minute = self._minutes_us.get(minute_key, -1)
        if minute == -1:
            when = _from_iso_groups((*found.groups()[:5], b"00", None, zone))
            minute = self._minutes_us[minute_key] = None if when is None else to_micros(when)
        base = None if minute is None else minute + min(int(raw[17:19]), 59) * 1_000_000
        self._seconds_us[key] = base
        return base

    def micros_own(self, lines: list[bytes]) -> list[int | bool | None]:
        """For each line, :meth:`micros` of its :meth:`find`, or False when it has no
        timestamp of its own (a continuation line). A window count's hot loop: a line that
        starts with an ISO second already converted costs one small match (what follows
        the second), not a search.

        Exact: a text in ``_seconds_us`` came from a match, and the 19 bytes of a second
        match wherever they stand, so such a line's time starts at its first byte, where
        the fraction and zone after the second are matched as the full regex matches them.
        """
        find, micros = self.find, self.micros
        if not self._iso:
            return [False if (found := find(line)) is None else micros(found) for line in lines]
        if not _iso_tail:
            _iso_tail.append(re.compile(_ISO_TAIL))
        tail = _iso_tail[0].match
        seconds, fractions = self._seconds_us, self._fraction_us
        times: list[int | bool | None] = []
        append = times.append
        for line in lines:
            frac, zone = tail(line, 19).group(1, 2)  # type: ignore[union-attr]  # always matches
            base = seconds.get(line[:19] + zone if zone else line[:19], False)
            if frac and base is not False and base is not None:
                step = fractions.get(frac)
                if step is None:  # as micros() does: a new fraction needs no search
                    if len(fractions) >= SECONDS_CACHE:
                        fractions.clear()
                    step = fractions[frac] = _fraction_us(frac)
                base += step
            if base is False:  # not seen yet, or no timestamp there
                found = find(line)
                base = False if found is None else micros(found)
            append(base)
        return times

    def __call__(self, line: bytes) -> datetime | None:
        found = self.find(line)
        return None if found is None else self.convert(found)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


def to_micros(when: datetime) -> int:
    """A UTC datetime as integer microseconds since the epoch (exact, ordered like it)."""
    return (when - EPOCH) // ONE_MICROSECOND


def from_micros(micros: int) -> datetime:
    """The UTC datetime :func:`to_micros` came from."""
    return EPOCH + timedelta(microseconds=micros)


SECONDS_CACHE = 4096
"""Distinct seconds a parser remembers (cleared when full: a file moves forward in time)."""

DETECT_LINES = 200
"""How many non-empty lines :func:`detect_format` looks at."""

START_MARGIN = 16
"""How much further into a line than seen in a file's first lines an ISO time may start."""


def detect_format(lines: Iterable[bytes], reference: datetime | None = None) -> TimeFormat | None:
    """The format most of the first :data:`DETECT_LINES` non-empty lines parse, or None.

    A tie goes to the earlier format in :data:`FORMATS` (the more specific one). For ISO
    times the allowed start is narrowed to where this file writes them (the furthest seen
    plus :data:`START_MARGIN`), so ``ValueError: retry at 2026-...`` in a stack trace of a
    file whose times start at column 0 stays a continuation line.
    """
    reference = reference or _now()
    sample = list(_first_nonempty(lines, DETECT_LINES))
    text = b"\n".join(sample)
    firsts = {line[0] for line in sample}  # non-empty lines: each has a first byte
    best: TimeFormat | None = None
    best_starts: list[int] = []
    for fmt in FORMATS:
        if len(best_starts) == len(sample):
            break  # every line parsed: a later format could only tie, and a tie goes first
        if fmt.needs not in text or (fmt.starts and not firsts & set(fmt.starts)):
            continue  # no line can match
        parser = TimeParser(fmt, reference)
        starts = []
        for line in sample:
            found = parser.find(line)
            if found is not None and parser.convert(found) is not None:
                starts.append(found.start())
        if len(starts) > len(best_starts):
            best, best_starts = fmt, starts
    if best is not None and best.kind == "iso" and best.max_start is not None:
        narrowed = min(best.max_start, max(best_starts) + START_MARGIN)
        best = best._replace(max_start=narrowed)
    return best


def _first_nonempty(lines: Iterable[bytes], limit: int) -> Iterable[bytes]:
    taken = 0
    for line in lines:
        if taken >= limit:
            return
        if line.strip():
            taken += 1
            yield line


def parse_line(line: bytes, reference: datetime | None = None) -> datetime | None:
    """The time of a single line in whichever format parses it first (no detection)."""
    reference = reference or _now()
    for fmt in FORMATS:
        when = TimeParser(fmt, reference)(line)
        if when is not None:
            return when
    return None


def minute_of(when: datetime) -> datetime:
    """The start of the minute ``when`` falls in: a histogram bucket."""
    return when.replace(second=0, microsecond=0)
