"""Random access to the lines of a plain log file: window seeks and reading around a match.

Two jobs need a line at a byte offset without reading the file from its start:

* **Window seek.** To search the ten minutes before an alert in a 1 GB file, binary-search
  byte offsets (read a chunk, take the next line with a timestamp) for the last line
  earlier than ``since - slack`` and the first later than ``until + slack``, then search
  only between them. Timestamps are often a little out of order (threads, buffered
  writers), hence the slack: with no line more than ``slack`` earlier than one before it,
  nothing inside the window lies outside the range. A file where time goes back further
  (files concatenated, a clock reset) would be cut short, so the seek samples the file at
  evenly spaced points, checks every probe for such a drop, and on one plans the whole
  file and says why. The check is sampled: a drop between two samples can hide, which is
  why the scan itself reports any drop it sees among the matches.
* **Reading back** around a line rg reported: the entry a continuation line belongs to
  (the nearest timestamped line above it) and ``-C`` context, read with ``os.pread`` only
  for the matches that need it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from debugtui.sources.logresults import Hit
from debugtui.sources.logtimes import TimeParser, to_micros
from debugtui.sources.records import NamedTuple

CHUNK = 64 * 1024
"""Bytes read per probe or per step of reading back."""

MAX_READ_BACK = 16 * 1024 * 1024
"""How far above a continuation line its entry's first line is looked for."""

PROBE_LIMIT = 4 * 1024 * 1024
"""How far past an offset a probe looks for a line with a timestamp."""

SAMPLES = 32
"""Evenly spaced probes that check a file's time never goes back by more than the slack."""

SEEK_MIN_BYTES = 4 * 1024 * 1024
"""Files smaller than this are scanned whole (and keep exact line numbers)."""

NEAR_BYTES = 4096
"""What :meth:`ReadBack.resolve` reads first: an entry's first line is usually this near."""

FIRST_READ = 4096
"""What reading forward reads first, growing to :data:`CHUNK`: a line start or a probe's
timestamped line is usually within a few hundred bytes, and a window seek makes ~60 probes
(64 KiB each was ~8 MB of copying per ``debugtui logs --since``)."""


def lines_backward(
    fd: int,
    offset: int,
    floor: int = 0,
    floor_is_line_start: bool = False,
    limit: int = MAX_READ_BACK,
) -> Iterator[tuple[int, bytes]]:
    """Complete lines ending just before ``offset`` (a line start), nearest first, as
    ``(line offset, bytes without newline)``, never starting before ``floor`` nor more
    than ``limit`` bytes back. Reads small chunks first: the line wanted is usually near."""
    if offset - limit > floor:
        floor, floor_is_line_start = offset - limit, False
    buffer = b""
    """File bytes from ``buffer_start``; ``buffer[stop - 1]`` ends the next line to yield."""
    buffer_start = offset
    stop = 0
    chunk = 1024
    while True:
        newline = buffer.rfind(b"\n", 0, stop - 1) if stop > 0 else -1
        if newline >= 0:
            yield buffer_start + newline + 1, buffer[newline + 1 : stop - 1]
            stop = newline + 1
            continue
        if buffer_start <= floor:
            if stop > 0 and (buffer_start == 0 or floor_is_line_start):
                yield buffer_start, buffer[: stop - 1]
            return
        low = max(floor, buffer_start - chunk)
        data = os.pread(fd, buffer_start - low, low)
        if len(data) != buffer_start - low:
            return  # the file shrank under us
        buffer = data + buffer[:stop]
        stop += len(data)
        buffer_start = low
        chunk = min(chunk * 4, CHUNK)


def lines_forward(fd: int, offset: int, end: int) -> Iterator[tuple[int, bytes]]:
    """Lines from ``offset`` (a line start) up to ``end``, as ``(offset, bytes)``; a line
    longer than :data:`MAX_READ_BACK` is cut there."""
    pos = offset
    buffer = b""
    size = FIRST_READ
    while pos < end or buffer:
        cut = buffer.find(b"\n")
        if cut >= 0:
            yield pos - len(buffer), buffer[:cut]
            buffer = buffer[cut + 1 :]
            continue
        if pos >= end or len(buffer) >= MAX_READ_BACK:
            if buffer:
                yield pos - len(buffer), buffer
            return
        data = os.pread(fd, min(size, end - pos), pos)
        if not data:
            end = pos
            continue
        buffer += data
        pos += len(data)
        size = min(size * 4, CHUNK)


def next_line_start(fd: int, offset: int, end: int) -> int:
    """The first line start at or after ``offset`` (``end`` if none)."""
    if offset <= 0:
        return 0
    pos = offset - 1
    size = FIRST_READ
    while pos < end:
        data = os.pread(fd, min(size, end - pos), pos)
        if not data:
            break
        cut = data.find(b"\n")
        if cut >= 0:
            return min(pos + cut + 1, end)
        pos += len(data)
        size = min(size * 4, CHUNK)
    return end


def count_newlines(fd: int, start: int, end: int) -> int:
    """Newlines in ``[start, end)``: how line numbers carry across a split file."""
    total = 0
    pos = start
    step = 8 * 1024 * 1024
    while pos < end:
        data = os.pread(fd, min(step, end - pos), pos)
        if not data:
            break
        total += data.count(b"\n")
        pos += len(data)
    return total


def probe(fd: int, offset: int, end: int, parser: TimeParser) -> tuple[int, datetime] | None:
    """The first line at or after ``offset`` that has a timestamp: (its offset, time)."""
    start = next_line_start(fd, offset, end)
    scanned = 0
    for line_offset, line in lines_forward(fd, start, end):
        when = parser(line)
        if when is not None:
            return line_offset, when
        scanned += len(line) + 1
        if scanned > PROBE_LIMIT:
            break
    return None


def last_timestamped(fd: int, size: int, parser: TimeParser) -> tuple[int, datetime] | None:
    """The last line of the file with a timestamp (within its last :data:`CHUNK` bytes)."""
    low = max(0, size - CHUNK)
    data = os.pread(fd, size - low, low)
    lines = data.split(b"\n")
    end = size
    if lines and lines[-1] == b"":
        lines.pop()
        end -= 1
    for index in range(len(lines) - 1, -1 if low == 0 else 0, -1):
        line = lines[index]
        start = end - len(line)
        when = parser(line)
        if when is not None:
            return start, when
        end = start - 1
    return None


class WindowPlan(NamedTuple):
    """The byte range of a file to search for a window, and whether it can be trusted."""

    start: int
    end: int
    monotonic: bool
    """False when time was seen going back by more than the slack: the range is the whole file."""
    note: str = ""
    probes: int = 0


def plan_window(
    fd: int,
    size: int,
    parser: TimeParser,
    since: datetime | None,
    until: datetime | None,
    slack: timedelta,
) -> WindowPlan:
    """Where lines timed in ``[since, until]`` can be, found by binary search (see module)."""
    seen: dict[int, tuple[int, datetime] | None] = {}

    def at(offset: int) -> tuple[int, datetime] | None:
        if offset not in seen:
            seen[offset] = probe(fd, offset, size, parser)
        return seen[offset]

    for i in range(SAMPLES):
        at(size * i // SAMPLES)
    last = last_timestamped(fd, size, parser)
    if last is not None:
        seen[size] = last  # a late block of old lines (files appended) shows up here
    drop = _first_drop(seen, slack)
    if drop is not None:
        return _whole(size, drop, len(seen))

    start = 0
    if since is not None:
        target = since - slack
        low, high = 0, size
        while high - low > CHUNK:
            mid = (low + high) // 2
            found = at(mid)
            if found is not None and found[1] < target:
                low = max(found[0], mid)
            else:
                high = mid
        start = low

    end = size
    if until is not None:
        target = until + slack
        low, high = start, size
        while high - low > CHUNK:
            mid = (low + high) // 2
            found = at(mid)
            if found is not None and found[1] > target:
                high = mid
            else:
                low = mid
        if high < size:
            found = at(high)
            end = found[0] if found is not None and found[1] > target else size

    drop = _first_drop(seen, slack)
    if drop is not None:
        return _whole(size, drop, len(seen))
    return WindowPlan(start, max(start, end), True, probes=len(seen))


def _first_drop(seen: dict[int, tuple[int, datetime] | None], slack: timedelta) -> int | None:
    """The offset of the first probed line earlier than a line before it by > ``slack``."""
    latest: datetime | None = None
    for offset, when in sorted({p for p in seen.values() if p is not None}):
        if latest is not None and when < latest - slack:
            return offset
        if latest is None or when > latest:
            latest = when
    return None


def _whole(size: int, drop: int, probes: int) -> WindowPlan:
    note = f"time goes backwards near byte {drop}: searched the whole file"
    return WindowPlan(0, size, False, note, probes)


class ReadBack:
    """Entry times and context for the hits rg reports, read back from the file.

    Hits must come in file order: the last entry found is remembered, and the next
    continuation line only reads back to where the previous one was resolved.
    """

    def __init__(self, fd: int, parser: TimeParser | None, size: int) -> None:
        self.fd = fd
        self.parser = parser
        self.size = size
        self._head: tuple[int | None, int, bytes] | None = None
        self._head_hit: Hit | None = None
        """The last hit that had its own timestamp: the head, until a continuation needs it."""
        self._head_time: datetime | None = None
        self._head_found: re.Match[bytes] | None = None
        """The head's timestamp text when :meth:`micros` left it unconverted (see
        :meth:`_head_when`)."""
        self._clean_from = -1
        """No timestamped line lies between the remembered head and this offset."""

    def resolve(self, hit: Hit) -> None:
        """Set ``hit.time`` (and ``hit.entry`` for a continuation line)."""
        parser = self.parser
        if parser is None:
            return
        own = parser.find(hit.line)
        if own is not None:
            hit.time = self._head_time = parser.convert(own)
            self._head_hit, self._head = hit, None  # the tuple is built if a later hit needs it
            self._head_found = None
            self._clean_from = hit.offset
            return
        self._resolve_continuation(hit)

    def micros(self, hit: tuple[int | None, int, bytes]) -> int | None:
        """The time of a hit nobody keeps, given as rg reports it (line number, offset,
        bytes), in microseconds since the epoch: what :meth:`resolve` finds, without making
        a :class:`Hit` or a datetime for a line with its own timestamp (a window count)."""
        return self.micros_each([hit])[0]

    def micros_each(self, hits: list[tuple[int | None, int, bytes]]) -> list[int | None]:
        """:meth:`micros` of each hit, in order. A window count's hot loop (one call per
        batch of rg's output): a line with its own timestamp, the usual hit, is timed by
        :meth:`TimeParser.micros_own`; it becomes the remembered head only when a
        continuation line needs it, or once the batch is done."""
        parser = self.parser
        if parser is None:
            return [None] * len(hits)
        times = parser.micros_own([hit[2] for hit in hits])
        head = -1
        """The index of the last hit with its own timestamp, not yet remembered."""
        for index, when in enumerate(times):
            if when is not False:
                head = index
                continue
            if head >= 0:
                self._remember_head(hits[head])
                head = -1
            hit = hits[index]
            scratch = Hit(hit[1], hit[0], hit[2])
            self._resolve_continuation(scratch)
            times[index] = None if scratch.time is None else to_micros(scratch.time)
        if head >= 0:
            self._remember_head(hits[head])
        return times  # type: ignore[return-value]  # no False is left

    def _remember_head(self, hit: tuple[int | None, int, bytes]) -> None:
        """``hit``, a line with its own timestamp, as the head (its time converted when a
        continuation line asks for it)."""
        assert self.parser is not None
        self._head, self._head_hit, self._head_found = hit, None, self.parser.find(hit[2])
        self._clean_from = hit[1]

    def _head_when(self) -> datetime | None:
        """The head's time, converted now if :meth:`micros` left it as text."""
        if self._head_found is not None:
            assert self.parser is not None
            self._head_time = self.parser.convert(self._head_found)
            self._head_found = None
        return self._head_time

    def _resolve_continuation(self, hit: Hit) -> None:
        """:meth:`resolve` for a line without a timestamp of its own."""
        parser = self.parser
        assert parser is not None
        if self._head_hit is not None:
            head_hit = self._head_hit
            self._head, self._head_hit = (head_hit.line_no, head_hit.offset, head_hit.line), None
        cached = (
            self._head is not None
            and 0 <= self._clean_from <= hit.offset
            and hit.offset - self._clean_from <= MAX_READ_BACK
        )
        floor = self._clean_from if cached else 0
        found_head, final = self._near_head(hit, floor, cached)
        if found_head is None and not final:
            back = lines_backward(self.fd, hit.offset, floor, cached)
            for steps, (line_offset, line) in enumerate(back, start=1):
                found = parser.find(line)
                if found is not None:
                    found_head = (steps, line_offset, line, found)
                    break
        if found_head is not None:
            steps, line_offset, line, found = found_head
            line_no = hit.line_no - steps if hit.line_no is not None else None
            self._head = (line_no, line_offset, line)
            self._head_time, self._head_found = parser.convert(found), None
        elif not cached:
            self._head, self._head_time, self._head_found = None, None, None
        self._clean_from = hit.offset
        hit.time = self._head_when()
        if self._head is not None:
            hit.entry = self._head

    def _near_head(
        self, hit: Hit, floor: int, floor_is_line_start: bool
    ) -> tuple[tuple[int, int, bytes, re.Match[bytes]] | None, bool]:
        """The entry's first line if it lies in the few KiB above ``hit`` (the usual case:
        one read, no generator), and whether the answer is final (found, or nothing above
        down to a known line start); ``(None, False)`` sends the caller further back."""
        assert self.parser is not None
        find = self.parser.find
        low = max(floor, hit.offset - NEAR_BYTES)
        data = os.pread(self.fd, hit.offset - low, low)
        starts_clean = low == 0 or (low == floor and floor_is_line_start)
        end = len(data) - 1  # the newline ending the line above the hit
        steps = 0
        while end >= 0:
            newline = data.rfind(b"\n", 0, end) if end > 0 else -1
            if newline < 0 and not starts_clean:
                return None, False  # that line starts above what was read
            steps += 1
            line = data[newline + 1 : end]
            found = find(line)
            if found is not None:
                return (steps, low + newline + 1, line, found), True
            if newline < 0:
                return None, True
            end = newline
        return None, starts_clean

    def add_context(self, hit: Hit, lines: int) -> None:
        """Fill ``hit.before`` / ``hit.after`` with up to ``lines`` lines each."""
        if lines <= 0:
            return
        before: list[tuple[int | None, int, bytes]] = []
        for steps, (offset, line) in enumerate(lines_backward(self.fd, hit.offset), start=1):
            before.append((hit.line_no - steps if hit.line_no is not None else None, offset, line))
            if steps >= lines:
                break
        hit.before = before[::-1]
        after: list[tuple[int | None, int, bytes]] = []
        start = hit.offset + len(hit.line) + 1
        for steps, (offset, line) in enumerate(lines_forward(self.fd, start, self.size), start=1):
            after.append((hit.line_no + steps if hit.line_no is not None else None, offset, line))
            if steps >= lines:
                break
        hit.after = after
