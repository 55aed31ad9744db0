"""Follow mode (``tail -F``): new matching lines as log files grow, across rotations.

Mid-outage a responder wants to see the next error as it is written. Each followed path is
polled (every 0.25 s by default; cheap, and needs no inotify): new bytes are read from the
open file, complete lines are matched (a line still being written waits for its newline),
and after each read the path is checked the way ``tail -F`` does:

* its inode changed (logrotate renamed it and a new file took the name): the old file was
  read to its end, so switch to the new one from its start;
* it shrank below what was read (``copytruncate``): read again from the start;
* it is gone (deleted, or renamed with no new file yet): say so once, keep reading the
  old file (its writer may still hold it) and switch when the path is back.

Matches carry their entry's time like a search does (the last timestamped line above a
continuation line). The time window and ``max_matches`` of the query do not apply: follow
shows everything from now on until cancelled.
"""

from __future__ import annotations

import glob
import os
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import NamedTuple

from debugtui.sources.logfiles import expand_paths, rotation_base
from debugtui.sources.logpattern import SearchPattern, compile_pattern
from debugtui.sources.logresults import ContextLine, LogMatch, LogQuery, MatchBatch, line_text
from debugtui.sources.logtimes import TimeParser, detect_format

POLL_SECONDS = 0.25
READ_BYTES = 4 * 1024 * 1024
"""Read per file per poll at most, so one busy file cannot starve the others."""
DETECT_TRIES = 8
"""Reads of a file whose time format is unknown that try detecting it again."""
MAX_PENDING = 64 * 1024 * 1024
"""An unfinished line longer than this is matched as it is, like the search engines do."""


class FollowNotice(NamedTuple):
    """Something happened to a followed file: rotated, truncated, deleted, (re)appeared."""

    path: str
    message: str


FollowEvent = MatchBatch | FollowNotice


def follow_targets(paths: tuple[str, ...]) -> list[str]:
    """The live files to follow: named files (even missing: they may appear), and the
    current files of globs and directories (not their rotated or compressed siblings)."""
    targets: list[str] = []
    for path in paths:
        if not glob.has_magic(path) and not os.path.isdir(path):
            targets.append(path)
            continue
        files, _ = expand_paths((path,))
        targets.extend(
            f.path for f in files if f.compression is None and rotation_base(f.path) == f.path
        )
    return list(dict.fromkeys(targets))


def follow(
    query: LogQuery,
    cancel: threading.Event | None = None,
    poll_seconds: float = POLL_SECONDS,
    from_start: bool = False,
) -> Iterator[FollowEvent]:
    """Yield :class:`MatchBatch` for new matching lines and :class:`FollowNotice` for what
    happens to the files, until ``cancel`` is set. Raises ``PatternError`` at once for an
    invalid pattern. ``from_start`` also reads what the files already hold."""
    pattern = compile_pattern(query.pattern, query.ignore_case)
    followers = [
        _Follower(path, pattern, query, from_start) for path in follow_targets(query.paths)
    ]
    # opened now, not at the first next(): "from now on" means from this call
    opened = [notice for follower in followers for notice in follower.open()]
    return _run(followers, opened, cancel or threading.Event(), poll_seconds)


def _run(
    followers: list[_Follower],
    opened: list[FollowNotice],
    cancel: threading.Event,
    poll_seconds: float,
) -> Iterator[FollowEvent]:
    yield from opened
    while not cancel.is_set():
        busy = False
        for follower in followers:
            for event in follower.poll():
                busy = True
                yield event
            if follower.more:
                busy = True
        if not busy:
            cancel.wait(poll_seconds)


class _Follower:
    """One followed path: its open file, position, unfinished line and entry state."""

    def __init__(
        self, path: str, pattern: SearchPattern, query: LogQuery, from_start: bool
    ) -> None:
        self.path = path
        self.pattern = pattern
        self.query = query
        self.handle: int | None = None
        self.identity: tuple[int, int] | None = None
        self.position = 0
        self.line_no: int | None = None
        self.pending = b""
        self.parser: TimeParser | None = None
        self.detect_tries = 0
        self.head: tuple[int | None, int, bytes] | None = None
        self.head_time: datetime | None = None
        self.more = False
        """The last poll stopped at READ_BYTES with more to read."""
        self.waiting = False
        """The path was missing when first opened, and that was reported."""
        self.gone = False
        """The open file's path went away (deleted or renamed), and that was reported."""
        self._start_at_end = not from_start

    # -- opening and closing --------------------------------------------------------

    def open(self) -> Iterator[FollowNotice]:
        try:
            handle = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            self._start_at_end = False  # a file that appears later is new: read it all
            if not self.waiting:
                self.waiting = True
                yield FollowNotice(self.path, "not there: waiting for it to appear")
            return
        except OSError as exc:
            if not self.waiting:
                self.waiting = True
                yield FollowNotice(self.path, f"cannot open: {exc.strerror or exc}")
            return
        info = os.fstat(handle)
        self.handle = handle
        self.identity = (info.st_dev, info.st_ino)
        self.pending = b""
        self.head, self.head_time = None, None
        if self._start_at_end:
            self.position, self.line_no = info.st_size, None
        else:
            self.position, self.line_no = 0, 1
            if self.waiting:
                yield FollowNotice(self.path, "appeared: following it from its start")
        self._start_at_end = False
        self.waiting = False
        self.parser = None
        self.detect_tries = 0
        self._detect(os.pread(handle, 64 * 1024, 0))

    def _detect(self, sample: bytes) -> None:
        if self.parser is None and sample and self.detect_tries < DETECT_TRIES:
            self.detect_tries += 1
            found = detect_format(sample.split(b"\n")[:200])
            if found is not None:
                self.parser = TimeParser(found, datetime.now(timezone.utc))

    def _close(self) -> None:
        if self.handle is not None:
            os.close(self.handle)
        self.handle = None

    # -- polling --------------------------------------------------------------------

    def poll(self) -> Iterator[FollowEvent]:
        """Read what is new, then check for rotation, truncation or deletion."""
        if self.handle is None:
            yield from self.open()
            if self.handle is None:
                return
        yield from self._read()
        if self.more:
            return
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            if not self.gone:
                self.gone = True
                yield FollowNotice(self.path, "deleted or moved away: waiting for it to come back")
            return  # the old file stays open: its writer may not have let go of it yet
        except OSError:
            return
        if (info.st_dev, info.st_ino) != self.identity:
            yield from self._read()  # what was written to the old file before the switch
            yield from self._flush_pending()
            self._close()
            message = "appeared again" if self.gone else "rotated"
            self.gone = False
            yield FollowNotice(self.path, f"{message}: following the new file from its start")
            self._start_at_end = False
            yield from self.open()
            if self.handle is not None:
                yield from self._read()
        elif info.st_size < self.position:
            self.position, self.line_no, self.pending = 0, 1, b""
            self.head, self.head_time = None, None
            yield FollowNotice(self.path, "truncated: following it from its start")
            yield from self._read()
        else:
            self.gone = False

    def _read(self) -> Iterator[MatchBatch]:
        assert self.handle is not None
        data = os.pread(self.handle, READ_BYTES, self.position)
        self.more = len(data) == READ_BYTES
        if not data:
            return
        start = self.position - len(self.pending)
        self.position += len(data)
        data = self.pending + data
        lines = data.split(b"\n")
        self.pending = lines.pop()
        if len(self.pending) > MAX_PENDING:
            lines.append(self.pending)
            self.pending = b""
        self._detect(data)
        matches = self._match(lines, start)
        if matches:
            yield MatchBatch(tuple(matches))

    def _flush_pending(self) -> Iterator[MatchBatch]:
        """The old file's last line had no newline: it will not get one now."""
        if self.pending:
            start = self.position - len(self.pending)
            line, self.pending = self.pending, b""
            matches = self._match([line], start)
            if matches:
                yield MatchBatch(tuple(matches))

    def _match(self, lines: list[bytes], offset: int) -> list[LogMatch]:
        search = self.pattern.regex.search
        parser = self.parser
        matches: list[LogMatch] = []
        for line in lines:
            if parser is not None:
                found = parser.find(line)
                if found is not None:
                    self.head, self.head_time = (self.line_no, offset, line), parser.convert(found)
            if search(line.decode("utf-8", "replace")):
                matches.append(self._build(line, offset))
            offset += len(line) + 1
            if self.line_no is not None:
                self.line_no += 1
        return matches

    def _build(self, line: bytes, offset: int) -> LogMatch:
        limit = self.query.max_line_chars
        entry = None
        if self.head is not None and self.head[1] != offset:
            number, head_offset, head_line = self.head
            entry = ContextLine(number, head_offset, line_text(head_line, limit)[0])
        text, truncated = line_text(line, limit)
        return LogMatch(
            path=self.path,
            line=self.line_no,
            offset=offset,
            time=self.head_time if self.head is not None else None,
            text=text,
            entry=entry,
            truncated=truncated,
        )
