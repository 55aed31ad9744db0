"""The pure-Python search engine: Python ``re`` over a stream of lines.

It runs whatever ripgrep cannot: compressed files (read through a streaming decompressor),
patterns rg reads differently or not at all (look-around, backreferences), and machines
without the rg binary. It must find exactly what rg finds, so it matches the same thing:
each line without its ``\\n`` (a ``\\r`` stays, as in rg), decoded as UTF-8 with invalid
bytes replaced. (Known residue: Rust and Python fold a few letters differently under
``-i``, the Turkish dotted I among them, and disagree on ``\\w`` for some combining marks.)
Memory stays bounded: blocks of :data:`BLOCK_BYTES`, and a line longer
than :data:`MAX_LINE_BYTES` is searched in pieces of that size (rg would search it whole).

Speed: the pattern runs over a whole block at a time (with ``^``/``$`` per line) and only
the lines where it finds something are looked at one by one; the lines in between are
skipped without a Python loop, which is nearly all of a log for the rare lines a
responder looks for. Because it reads every line it also tracks,
at no extra IO, what the rg engine must read back for: the entry each continuation line
belongs to (the last line with a timestamp above it) and the context lines.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator
from typing import IO

from debugtui.sources.logresults import Hit
from debugtui.sources.logtimes import TimeParser

MAX_LINE_BYTES = 64 * 1024 * 1024
"""A line longer than this is searched in pieces: the bound on the engine's memory."""

BLOCK_BYTES = 1024 * 1024
"""Bytes read at a time; a block in which the pattern matches nowhere is skipped whole."""

YIELD_EVERY_BYTES = 8 * 1024 * 1024
"""Bytes between two yields, so the caller can report progress and notice cancellation."""

YIELD_EVERY_HITS = 256

_CHUNK_UNSAFE = re.compile(r"\\[AZ]|\(\?<?[=!]")
r"""Constructs that read differently on a block of lines than on one line: ``\A``, ``\Z``
and look-around (which could see the neighbouring line)."""

Line = tuple[int | None, int, bytes]


def block_prefilter(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    r"""``regex`` for a whole block of lines (``^``/``$`` at every line), or None when that
    could miss a line's match. A block match may span lines (``\s`` takes the newline):
    that only costs a line-by-line look at the block, never a missed line."""
    if _CHUNK_UNSAFE.search(regex.pattern):
        return None
    return re.compile(regex.pattern, regex.flags | re.MULTILINE)


def scan(
    stream: IO[bytes],
    regex: re.Pattern[str],
    *,
    start: int = 0,
    end: int | None = None,
    first_line: int | None = 1,
    parser: TimeParser | None = None,
    context: int = 0,
    count_only: bool = False,
    cancel: threading.Event | None = None,
) -> Iterator[tuple[int, list[Hit], int]]:
    """Search ``stream`` (positioned at byte ``start``) up to byte ``end``.

    Yields ``(offset reached, hits, count)`` now and then: ``hits`` are the matches since
    the last yield (empty in ``count_only`` mode), ``count`` how many there were. Line
    numbers start at ``first_line`` (None: unknown, when starting mid-file). Stops early
    when ``cancel`` is set.
    """
    scanner = _Scanner(regex, first_line, parser, context, count_only)
    prefilter = block_prefilter(regex)
    # read1: what a decompressor has so far, so a file corrupt midway still gives what
    # came before (read(n) would raise and drop the block it was filling)
    read = getattr(stream, "read1", stream.read)
    pos = start
    carry = b""
    since_yield = 0
    while True:
        want = BLOCK_BYTES if end is None else min(BLOCK_BYTES, end - pos - len(carry))
        data = read(want) if want > 0 else b""
        if not data and not carry:
            break
        buffer = carry + data if carry else data
        cut = buffer.rfind(b"\n") + 1
        if cut == 0 or not data:
            if data and len(buffer) < MAX_LINE_BYTES:
                carry = buffer  # a line longer than the block: read on
                continue
            cut = len(buffer)  # the end (a last line without newline), or a giant line
        block, carry = buffer[:cut], buffer[cut:]
        if prefilter is None:
            scanner.lines(block, pos)
        else:
            scanner.jump(block, pos, prefilter)
        pos += len(block)
        since_yield += len(block)
        if since_yield >= YIELD_EVERY_BYTES or len(scanner.out) >= YIELD_EVERY_HITS:
            yield pos, *scanner.take()
            since_yield = 0
            if cancel is not None and cancel.is_set():
                return
    scanner.finish()
    yield pos, *scanner.take()


class _Scanner:
    """Line-by-line state across blocks: line numbers, the current entry's first line,
    context before, and hits still waiting for their context after."""

    def __init__(
        self,
        regex: re.Pattern[str],
        first_line: int | None,
        parser: TimeParser | None,
        context: int,
        count_only: bool,
    ) -> None:
        self.search = regex.search
        self.line_no = first_line
        self.parser = parser
        self.find = parser.find if parser is not None and not count_only else None
        self.context = context
        self.count_only = count_only
        self.before: deque[Line] | None = (
            deque(maxlen=context) if context and not count_only else None
        )
        self.waiting: list[Hit] = []
        self.out: list[Hit] = []
        self.count = 0
        self.head: Line | None = None
        self.head_found: re.Match[bytes] | None = None

    def take(self) -> tuple[list[Hit], int]:
        out, count = self.out, self.count
        self.out, self.count = [], 0
        return out, count

    def finish(self) -> None:
        self.out.extend(self.waiting)
        self.waiting = []

    def jump(self, block: bytes, offset: int, prefilter: re.Pattern[str]) -> None:
        """Look only at the lines where ``prefilter`` finds something, skipping the rest.

        The first block match starts at the leftmost position where any line's match could
        start, so every line before it is skipped safely; its line is checked on its own,
        and the search goes on from the next line. Text positions are byte positions only
        in an ASCII block; any other block is searched line by line when it matches.
        """
        if not block.isascii():
            if prefilter.search(block.decode("utf-8", "replace")) is None:
                self.skip(block, offset)
            else:
                self.lines(block, offset)
            return
        text = block.decode("ascii")
        search = prefilter.search
        size = len(block)
        at = 0
        while at < size:
            found = search(text, at)
            if found is None:
                break
            start = text.rfind("\n", at, found.start()) + 1 or at
            if start >= size:
                break  # an empty match after the block's last newline: no line there
            if start > at:
                self.skip(block[at:start], offset + at)
            end = text.find("\n", start)
            if end < 0:
                end = size
            self.line(block[start:end], offset + start)
            at = end + 1
        if at < size:
            self.skip(block[at:], offset + at)

    def lines(self, block: bytes, offset: int) -> None:
        """Look at each line of ``block`` (which starts at ``offset``)."""
        pieces = block.split(b"\n")
        if block.endswith(b"\n"):
            pieces.pop()
        for line in pieces:
            self.line(line, offset)
            offset += len(line) + 1

    def line(self, line: bytes, offset: int) -> None:
        line_no = self.line_no
        if self.find is not None:
            found = self.find(line)
            if found is not None:
                self.head, self.head_found = (line_no, offset, line), found
        if self.waiting:
            self._after((line_no, offset, line))
        if self.search(line.decode("utf-8", "replace")):
            self.count += 1
            if not self.count_only:
                self._hit(Hit(offset, line_no, line))
        if self.before is not None:
            self.before.append((line_no, offset, line))
        if line_no is not None:
            self.line_no = line_no + 1

    def _hit(self, hit: Hit) -> None:
        if self.head_found is not None and self.parser is not None:
            hit.time = self.parser.convert(self.head_found)
        if self.head is not None and self.head[1] != hit.offset:
            hit.entry = self.head
        if self.before is not None:
            hit.before = list(self.before)
            hit.after = []
            self.waiting.append(hit)
        else:
            self.out.append(hit)

    def _after(self, line: Line) -> None:
        for hit in self.waiting:
            hit.after.append(line)  # type: ignore[union-attr]  # waiting hits have a list
        if len(self.waiting[0].after) >= self.context:
            self.out.extend(h for h in self.waiting if len(h.after) >= self.context)
            self.waiting = [h for h in self.waiting if len(h.after) < self.context]

    def skip(self, block: bytes, offset: int) -> None:
        """A block where nothing matches: only keep the state a later match needs."""
        if self.waiting or self.find is not None or self.before is not None:
            self._skip_slowly(block, offset)
        elif self.line_no is not None:
            self.line_no += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)

    def _skip_slowly(self, block: bytes, offset: int) -> None:
        """The first lines (after-context of waiting hits), the last timestamped line (the
        entry a later continuation line belongs to) and the last lines (context before)."""
        first = self.line_no
        in_block = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)

        def number(index_from_end: int) -> int | None:
            return None if first is None else first + in_block - 1 - index_from_end

        if self.waiting:
            line_no, at = first, offset
            for line in _first_lines(block, self.context):
                if not self.waiting:
                    break
                self._after((line_no, at, line))
                at += len(line) + 1
                line_no = None if line_no is None else line_no + 1
        if self.find is not None:
            for index, (at, line) in enumerate(_last_lines(block, offset, None)):
                found = self.find(line)
                if found is not None:
                    self.head, self.head_found = (number(index), at, line), found
                    break
        if self.before is not None:
            recent = list(_last_lines(block, offset, self.context))
            for index in range(len(recent) - 1, -1, -1):
                at, line = recent[index]
                self.before.append((number(index), at, line))
        if first is not None:
            self.line_no = first + in_block


def _first_lines(block: bytes, limit: int) -> list[bytes]:
    """The first ``limit`` lines of ``block`` (fewer if it holds fewer)."""
    pieces = block.split(b"\n", limit)
    if len(pieces) > limit:
        return pieces[:limit]
    return pieces[:-1] if pieces[-1] == b"" else pieces


def _last_lines(block: bytes, offset: int, limit: int | None) -> Iterator[tuple[int, bytes]]:
    """Lines of ``block`` from its end backwards as (offset, bytes), at most ``limit``."""
    end = len(block) - 1 if block.endswith(b"\n") else len(block)
    taken = 0
    while end >= 0 and (limit is None or taken < limit):
        newline = block.rfind(b"\n", 0, end)
        yield offset + newline + 1, block[newline + 1 : end]
        taken += 1
        if newline < 0:
            return
        end = newline
