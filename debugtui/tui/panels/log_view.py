"""What the Logs panel shows, as plain functions: a match's row and context, the histogram.

Kept apart from the widget so each piece is tested without an app: the row of a match (the
same row the source's ``matches`` table has, so streamed rows and the final snapshot's rows
share keys and the table never flickers), the context shown when a match is opened, the
per-minute series behind the sparkline and its label, the file-set input, and the short
forms of the file and text columns.
"""

from __future__ import annotations

import os.path
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from debugtui.sources.logresults import ContextLine, LogMatch
from debugtui.sources.logtimes import minute_of

MAX_BUCKETS = 1440
"""Most bars the histogram is computed with; a longer span groups minutes per bar."""
ROW_TIME = "%Y-%m-%d %H:%M:%S"
"""The time column's format (the source's ``matches`` table uses the same)."""


def match_row(match: LogMatch) -> tuple[str, str, str, str]:
    """The match as a row of the ``matches`` table: time, file, line, text."""
    when = match.time.strftime(ROW_TIME) if match.time else ""
    return (when, match.path, match.location, match.text)


def find_match(matches: Iterable[LogMatch], row: Sequence[str]) -> LogMatch | None:
    """The match a table row shows (the last one when two rows read the same)."""
    wanted = tuple(row[:4])
    found = None
    for match in matches:
        if match_row(match) == wanted:
            found = match
    return found


def shared_directory(paths: Iterable[str]) -> str | None:
    """The directory every path lies below, when there is one worth leaving out of the file
    column (not ``/``): at 80 columns a full path like ``/var/log/nginx/error.log`` took
    the width the line's text needed."""
    unique = set(paths)
    if not unique:
        return None
    try:
        shared = os.path.commonpath(list(unique))
    except ValueError:  # absolute and relative paths mixed
        return None
    if shared in unique:  # one file (or a file that is also a directory's name)
        shared = os.path.dirname(shared)
    return shared if shared not in ("", os.sep) else None


def below(directory: str) -> Callable[[str], str]:
    """A path as it reads below ``directory`` (unchanged if it is not below it)."""
    prefix = directory.rstrip(os.sep) + os.sep

    def shown(path: str) -> str:
        return path[len(prefix) :] if path.startswith(prefix) else path

    return shown


LEADING_ISO_TIME = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+"
)
"""An ISO 8601 time and the blanks after it, at the start of a line."""


def without_leading_time(text: str) -> str:
    """A matched line as the text column shows it: without the ISO time it starts with,
    which the time column already shows (24 of the ~40 columns the text has at 80)."""
    found = LEADING_ISO_TIME.match(text)
    return text[found.end() :] if found is not None and found.end() < len(text) else text


MATCH_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
"""A match row's time as the logs source writes it (UTC)."""


def short_time(now: Callable[[], datetime]) -> Callable[[str], str]:
    """A match's time (``YYYY-MM-DD HH:MM:SS``, UTC) as the time column shows it: the clock
    time alone on the day it is now (a window of hours is nearly always today), month and
    day before it on another day, the year never: 8 to 14 columns instead of 19, given to the
    line's text at 80 columns (rows, the detail view and pins keep the whole time)."""

    def shown(value: str) -> str:
        if not MATCH_TIME.fullmatch(value):
            return value  # no time (a line without one) or not ours: as it is
        today = now().astimezone(timezone.utc).strftime("%Y-%m-%d")
        return value[11:] if value.startswith(today) else value[5:]

    return shown


def parse_paths(text: str) -> tuple[str, ...]:
    """The file-set input: paths, globs or directories, comma separated; blanks dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def context_text(match: LogMatch) -> str:
    """A match with the lines around it, rg style: ``N:`` the match, ``N-`` its context.

    A continuation line (a stack trace's) is shown under the first line of its entry; the
    text is returned as the log has it and the detail view shows it literally.
    """
    when = f"{match.time:%Y-%m-%d %H:%M:%S} UTC" if match.time else "no timestamp"
    lines = [f"{match.path}:{match.location}  {when}", ""]
    shown: set[int] = set()

    def add(line: ContextLine, mark: str) -> None:
        if line.offset in shown:
            return
        shown.add(line.offset)
        number = str(line.line) if line.line is not None else f"@{line.offset}"
        lines.append(f"{number}{mark} {line.text}")

    itself = ContextLine(match.line, match.offset, match.text)
    if match.entry is not None:
        add(match.entry, "-")
        following = match.before[0] if match.before else itself
        if not _adjacent(match.entry, following) and following.offset not in shown:
            lines.append("…")
    for line in match.before:
        add(line, "-")
    add(itself, ":")
    for line in match.after:
        add(line, "-")
    if match.truncated:
        lines += ["", f"(the line is longer: only its first {len(match.text)} characters are kept)"]
    if match.entry is not None:
        lines += ["", "The match continues the entry that starts at the first line above."]
    return "\n".join(lines)


def _adjacent(first: ContextLine, second: ContextLine) -> bool:
    """True when ``second`` is the line right after ``first`` (no lines between them)."""
    if first.line is not None and second.line is not None:
        return second.line == first.line + 1
    return second.offset == first.offset + len(first.text.encode("utf-8")) + 1


def merge_histograms(
    first: Iterable[tuple[datetime, int]], second: Iterable[tuple[datetime, int]]
) -> tuple[tuple[datetime, int], ...]:
    counts: Counter[datetime] = Counter(dict(first))
    for minute, count in second:
        counts[minute] += count
    return tuple(sorted(counts.items()))


@dataclass(frozen=True)
class Series:
    """The histogram as bars over a time range (empty minutes included, as zeros)."""

    start: datetime
    end: datetime
    """Where the last bar ends (exclusive)."""
    counts: tuple[int, ...]
    minutes_per_bar: int

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)

    @property
    def label(self) -> str:
        """The range and the busiest bar, e.g. ``13:02–14:42 UTC max 37/min``."""
        same_day = self.start.date() == self.end.date()
        shape = "%H:%M" if same_day else "%m-%d %H:%M"
        unit = "min" if self.minutes_per_bar == 1 else f"{self.minutes_per_bar}min"
        return (
            f"{self.start.astimezone(timezone.utc):{shape}}–"
            f"{self.end.astimezone(timezone.utc):{shape}} UTC max {self.peak}/{unit}"
        )


def series(
    histogram: Sequence[tuple[datetime, int]],
    since: datetime | None = None,
    until: datetime | None = None,
) -> Series | None:
    """Bars from ``since`` (else the first match's minute) to ``until`` (else the last's).

    None when there is nothing to draw. Spans longer than :data:`MAX_BUCKETS` minutes put
    several minutes in each bar, so a search over a month costs no more than one over a day.
    """
    if not histogram and (since is None or until is None):
        return None
    first = minute_of(since) if since is not None else histogram[0][0]
    last = minute_of(until - timedelta(microseconds=1)) if until is not None else histogram[-1][0]
    if histogram:
        first, last = min(first, histogram[0][0]), max(last, histogram[-1][0])
    minutes = int((last - first).total_seconds() // 60) + 1
    per_bar = max(1, -(-minutes // MAX_BUCKETS))
    bars = [0] * (-(-minutes // per_bar))
    for minute, count in histogram:
        bars[int((minute - first).total_seconds() // 60) // per_bar] += count
    return Series(first, first + timedelta(minutes=len(bars) * per_bar), tuple(bars), per_bar)
