"""Parsing the times a responder types: durations ago ("48h", "90m", "2d") and timestamps.

Shared by the CLI, the config and the sources so that ``--since 2h`` means the same thing
everywhere. All results are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|w|wk)s?\s*$", re.I)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "wk": 604800,
}


class TimeParseError(ValueError):
    """Text that is neither a duration nor a timestamp."""


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise TimeParseError(f"not a duration: {text!r} (use e.g. 30m, 2h, 2d)")
    value, unit = match.groups()
    try:
        return timedelta(seconds=float(value) * _UNIT_SECONDS[unit.lower()])
    except OverflowError:  # "99999999999d": more days than a timedelta holds
        raise TimeParseError(f"duration too long: {text!r} (use e.g. 30m, 2h, 2d)") from None


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 time; naive times are taken as UTC, ``Z`` is accepted."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw else raw)
    except ValueError as exc:
        raise TimeParseError(f"not a time: {text!r} (use e.g. 2h or 2026-01-31T14:05Z)") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise TimeParseError(f"not a time: {text!r} (out of range)") from None


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A duration means that long before ``now``; anything else must be a timestamp."""
    now = now or datetime.now(timezone.utc)
    if text.strip().lower() == "now":
        return now
    if not _DURATION.match(text):
        return parse_timestamp(text)
    delta = parse_duration(text)
    try:
        return now - delta
    except OverflowError:  # "999999d" ago is before year 1
        reason = f"{text.strip()} ago is before year 1 (use e.g. 30m, 2h, 2d)"
        raise TimeParseError(reason) from None


def format_duration(delta: timedelta | None) -> str:
    """Short human form: 3m12s, 2h05m, 1d04h; "-" for None."""
    if delta is None:
        return "-"
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    if days:
        return f"{sign}{days}d{hours:02d}h"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m{seconds:02d}s"
    return f"{sign}{seconds}s"
