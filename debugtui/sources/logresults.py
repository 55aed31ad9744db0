"""What a log search is asked and what it answers: query, matches, per-file status, events.

Kept apart from the search code so the engines, the follow mode, the CLI and the TUI share
one vocabulary without importing each other. Everything a caller sees is a frozen
dataclass; :class:`Hit` is the engines' internal, mutable record of a matching line before
it becomes a :class:`LogMatch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from debugtui.sources.base import Table

DEFAULT_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class LogQuery:
    """One search: a pattern over paths, optionally inside a time window."""

    pattern: str
    """A Python ``re`` regular expression (see ``logpattern``)."""
    paths: tuple[str, ...] = ("/var/log",)
    """Files, globs and directories; rotated siblings of named files are included."""
    ignore_case: bool = False
    since: datetime | None = None
    until: datetime | None = None
    """The window on each entry's time: ``since <= time < until`` (half-open, so windows
    side by side never count a line twice)."""
    context: int = 0
    """Lines kept before and after each kept match."""
    max_matches: int | None = 1000
    """Matches kept (yielded); the total counts all of them. None keeps every match."""
    engine: str | None = None
    """"rg", "python", or None for rg whenever it can run the pattern."""
    parallel: str = "auto"
    """Split one big file across cores: "auto" (big file, no literal), "always", "never"."""
    count_only: bool = False
    """Only count (per file and in total): no match records, no context."""
    histogram: bool = True
    """Count matches per minute and give each match its time and entry line (a timestamp
    parse per match, a read-back for continuation lines). False leaves ``LogMatch.time``
    None unless a window or ``context`` needs it: the CLI's plain output."""
    slack: timedelta = DEFAULT_SLACK
    """How far out of order timestamps may be; window seeks start this much early."""
    max_line_chars: int | None = 4096
    """Characters of a matched line kept (longer lines are cut and marked); None: all."""

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None


@dataclass(frozen=True)
class ContextLine:
    """A line shown around a match: the entry's first line, or -C context."""

    line: int | None
    offset: int
    text: str


@dataclass(frozen=True)
class LogMatch:
    """A matching line. ``line`` is None when the search began mid-file (a window seek, a
    parallel part past the kept matches): ``offset`` (bytes into the content, decompressed
    for compressed files) always locates it."""

    path: str
    line: int | None
    offset: int
    time: datetime | None
    """The entry's time: the line's own, or for a continuation line (a stack trace) the
    time of the timestamped line above it; None when no such line exists."""
    text: str
    before: tuple[ContextLine, ...] = ()
    after: tuple[ContextLine, ...] = ()
    entry: ContextLine | None = None
    """The entry's first line when the match is a continuation line of it."""
    truncated: bool = False
    """The line was longer than ``max_line_chars`` and ``text`` is its beginning."""

    @property
    def location(self) -> str:
        """``line`` as text, or ``@offset`` when the line number is unknown."""
        return str(self.line) if self.line is not None else f"@{self.offset}"

    def to_dict(self) -> dict[str, Any]:
        def ctx(c: ContextLine) -> dict[str, Any]:
            return {"line": c.line, "offset": c.offset, "text": c.text}

        return {
            "path": self.path,
            "line": self.line,
            "offset": self.offset,
            "time": self.time.isoformat() if self.time else None,
            "text": self.text,
            "truncated": self.truncated,
            "entry": ctx(self.entry) if self.entry else None,
            "before": [ctx(c) for c in self.before],
            "after": [ctx(c) for c in self.after],
        }


@dataclass(frozen=True)
class FileStatus:
    """How one file went: "ok", "partial" (an error stopped it midway) or "skipped"."""

    path: str
    state: str
    reason: str = ""
    """Why it was skipped or stopped."""
    notes: tuple[str, ...] = ()
    """Caveats: binary, invalid UTF-8, window not applied, time going backwards..."""
    size: int = 0
    searched_bytes: int = 0
    matches: int = 0
    engine: str = ""
    time_format: str | None = None
    compression: str | None = None

    @property
    def summary(self) -> str:
        parts = [self.reason] if self.reason else []
        return "; ".join(parts + list(self.notes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "state": self.state,
            "reason": self.reason,
            "notes": list(self.notes),
            "size": self.size,
            "searched_bytes": self.searched_bytes,
            "matches": self.matches,
            "engine": self.engine,
            "time_format": self.time_format,
            "compression": self.compression,
        }


@dataclass(frozen=True)
class MatchBatch:
    """Matches found since the last batch, in file order."""

    matches: tuple[LogMatch, ...]


@dataclass(frozen=True)
class SearchProgress:
    """Where the search is; merge-able: only the latest one matters."""

    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int
    total_matches: int
    path: str = ""

    @property
    def fraction(self) -> float:
        return min(self.bytes_done / self.bytes_total, 1.0) if self.bytes_total else 1.0


@dataclass(frozen=True)
class FileDone:
    """One file finished (or skipped)."""

    status: FileStatus


@dataclass(frozen=True)
class SearchSummary:
    """Everything about a finished search except the matches (which were streamed)."""

    pattern: str
    ignore_case: bool
    since: datetime | None
    until: datetime | None
    engine: str
    total: int
    kept: int
    histogram: tuple[tuple[datetime, int], ...]
    files: tuple[FileStatus, ...]
    cancelled: bool = False
    notes: tuple[str, ...] = ()
    duration_s: float = 0.0


@dataclass(frozen=True)
class SearchDone:
    """The last event of a search."""

    summary: SearchSummary


SearchEvent = MatchBatch | SearchProgress | FileDone | SearchDone


@dataclass(frozen=True)
class LogSearchResult:
    """A whole search: what :class:`LogsSource` returns and ``debugtui logs --json`` prints."""

    pattern: str
    ignore_case: bool
    since: datetime | None
    until: datetime | None
    engine: str
    """"rg" or "python": the engine used (per file in ``files``; compressed files and
    patterns rg cannot run always use Python)."""
    matches: tuple[LogMatch, ...]
    total: int
    """Every match, including those past ``max_matches``."""
    histogram: tuple[tuple[datetime, int], ...]
    """Matches per minute (UTC minute start, count), in time order."""
    files: tuple[FileStatus, ...]
    cancelled: bool = False
    notes: tuple[str, ...] = ()
    duration_s: float = 0.0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.matches)

    @classmethod
    def from_summary(cls, summary: SearchSummary, matches: tuple[LogMatch, ...]) -> LogSearchResult:
        return cls(
            pattern=summary.pattern,
            ignore_case=summary.ignore_case,
            since=summary.since,
            until=summary.until,
            engine=summary.engine,
            matches=matches,
            total=summary.total,
            histogram=summary.histogram,
            files=summary.files,
            cancelled=summary.cancelled,
            notes=summary.notes,
            duration_s=summary.duration_s,
        )

    def tables(self) -> Mapping[str, Table]:
        from debugtui.sources.base import Table  # the CLI never needs it: keep start-up light

        match_rows = tuple(
            (
                _time_text(m.time),
                m.path,
                m.location,
                m.text,
            )
            for m in self.matches
        )
        title = f"{self.total} matches of {self.pattern!r}"
        if self.truncated:
            title += f" (first {len(self.matches)} kept)"
        return {
            "matches": Table(("time", "file", "line", "text"), match_rows, title),
            "histogram": Table(
                ("minute", "matches"),
                tuple((_time_text(minute), str(n)) for minute, n in self.histogram),
                "matches per minute (UTC)",
            ),
            "files": Table(
                ("file", "status", "size", "matches", "engine", "format", "note"),
                tuple(
                    (
                        f.path,
                        f.state,
                        str(f.size),
                        str(f.matches),
                        f.engine,
                        f.time_format or "",
                        f.summary,
                    )
                    for f in self.files
                ),
                "files searched",
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "ignore_case": self.ignore_case,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "engine": self.engine,
            "total": self.total,
            "kept": len(self.matches),
            "truncated": self.truncated,
            "cancelled": self.cancelled,
            "notes": list(self.notes),
            "duration_s": round(self.duration_s, 4),
            "matches": [m.to_dict() for m in self.matches],
            "histogram": [{"minute": t.isoformat(), "count": n} for t, n in self.histogram],
            "files": [f.to_dict() for f in self.files],
        }


def line_text(line: bytes, limit: int | None) -> tuple[str, bool]:
    """A line's text (invalid UTF-8 replaced) cut to ``limit`` characters, and whether it was
    cut; decodes at most what can be kept, whatever the line's length."""
    if limit is None:
        return line.decode("utf-8", "replace"), False
    text = line[: limit * 4].decode("utf-8", "replace")
    if len(text) > limit or len(line) > limit * 4:
        return text[:limit], True
    return text, False


def _time_text(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else ""


class Hit:
    """A matching line as an engine finds it: internal scratch, filled in as the time,
    entry and context are found, then turned into a :class:`LogMatch` (a plain class with
    slots, not a dataclass: one is made per match of a search, millions for some)."""

    __slots__ = ("after", "before", "entry", "line", "line_no", "offset", "time")

    def __init__(self, offset: int, line_no: int | None, line: bytes) -> None:
        self.offset = offset
        self.line_no = line_no
        self.line = line
        self.time: datetime | None = None
        self.entry: tuple[int | None, int, bytes] | None = None
        """(line number, offset, bytes) of the entry's first line, for a continuation line."""
        self.before: list[tuple[int | None, int, bytes]] | tuple[()] = ()
        self.after: list[tuple[int | None, int, bytes]] | tuple[()] = ()
        """Context lines: a list once context is collected (no list per match otherwise)."""
