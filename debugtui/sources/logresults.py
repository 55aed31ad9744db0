"""What a log search is asked and what it answers: query, matches, per-file status, events.

Kept apart from the search code so the engines, the follow mode, the CLI and the TUI share
one vocabulary without importing each other. :class:`Hit` is the engines' internal,
mutable record of a matching line before it becomes a :class:`LogMatch`.

The records are immutable NamedTuples rather than the frozen dataclasses used elsewhere:
``debugtui logs`` is benchmarked against ``rg -c`` including process start-up, and ten
dataclasses plus the ``dataclasses`` module cost 57 million instructions (about 15 ms)
there, a fifth of the command's Python start-up (measured with callgrind). They read the
same (typed fields, defaults, keyword construction, ``_replace`` for a modified copy).
:class:`LogSearchResult`, the snapshot data the TUI copies with ``dataclasses.replace``,
stays a frozen dataclass in ``logsnapshot`` (re-exported here, imported on first use).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from debugtui.sources.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

DEFAULT_SLACK = timedelta(minutes=2)


class LogQuery(NamedTuple):
    """One search: a pattern over paths, optionally inside a time window (immutable: a
    changed copy is ``query._replace(paths=...)``)."""

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


class ContextLine(NamedTuple):
    """A line shown around a match: the entry's first line, or -C context."""

    line: int | None
    offset: int
    text: str


class LogMatch(NamedTuple):
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


class FileStatus(NamedTuple):
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


class MatchBatch(NamedTuple):
    """Matches found since the last batch, in file order."""

    matches: tuple[LogMatch, ...]


class SearchProgress(NamedTuple):
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


class FileDone(NamedTuple):
    """One file finished (or skipped)."""

    status: FileStatus


class SearchSummary(NamedTuple):
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


class SearchDone(NamedTuple):
    """The last event of a search."""

    summary: SearchSummary


SearchEvent = MatchBatch | SearchProgress | FileDone | SearchDone


def __getattr__(name: str) -> Any:
    """``LogSearchResult`` lives in ``logsnapshot``: imported when first asked for here."""
    if name == "LogSearchResult":
        from debugtui.sources.logsnapshot import LogSearchResult

        return LogSearchResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def line_text(line: bytes, limit: int | None) -> tuple[str, bool]:
    """A line's text (invalid UTF-8 replaced) cut to ``limit`` characters, and whether it was
    cut; decodes at most what can be kept, whatever the line's length."""
    if limit is None:
        return line.decode("utf-8", "replace"), False
    text = line[: limit * 4].decode("utf-8", "replace")
    if len(text) > limit or len(line) > limit * 4:
        return text[:limit], True
    return text, False


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
