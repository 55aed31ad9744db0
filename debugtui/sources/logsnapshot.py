"""The logs source's snapshot data: one whole search, with its tables and JSON form.

What :class:`~debugtui.sources.logs.LogsSource` returns, ``debugtui logs --json`` prints
and the TUI panel pins. A frozen dataclass like every snapshot's data (the panel makes
copies with ``dataclasses.replace``); it has a module of its own so that the search and
the CLI's plain and ``--count`` output never import ``dataclasses`` (see ``logresults``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from debugtui.sources.base import Table
from debugtui.sources.logresults import FileStatus, LogMatch, SearchSummary
from debugtui.textsafe import one_line


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

    def matches_title(self) -> str:
        # quoted as typed: a repr would double every backslash of a regex
        title = f"{self.total} matches of '{one_line(self.pattern)}'"
        if self.truncated:
            title += f" (first {len(self.matches)} kept)"
        return title

    def tables(self) -> Mapping[str, Table]:
        match_rows = tuple(
            (
                _time_text(m.time),
                m.path,
                m.location,
                m.text,
            )
            for m in self.matches
        )
        return {
            "matches": Table(("time", "file", "line", "text"), match_rows, self.matches_title()),
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


def _time_text(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else ""
