"""The pure-Python search engine: Python ``re`` over a stream of lines.

It runs whatever ripgrep cannot: compressed files (read through a streaming decompressor),
patterns rg reads differently or not at all (look-around, backreferences), and machines
without the rg binary. It must find exactly what rg finds, so it matches the same thing:
each line without its ``\\n`` (a ``\\r`` stays, as in rg), decoded as UTF-8 with invalid
bytes replaced. Memory stays bounded: one line at a time, and a line longer than
:data:`MAX_LINE_BYTES` is searched in pieces of that size (rg would search it whole).

Because it sees every line it also tracks, at no extra IO, what the rg engine must read
back for: the entry each continuation line belongs to (the last line with a timestamp
above it) and the context lines.
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

YIELD_EVERY_LINES = 16384
"""Lines between two yields, so the caller can report progress and notice cancellation."""

YIELD_EVERY_HITS = 256


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
    search = regex.search
    readline = stream.readline
    before: deque[tuple[int | None, int, bytes]] | None = (
        deque(maxlen=context) if context and not count_only else None
    )
    waiting: list[Hit] = []
    """Hits still collecting after-context lines."""
    out: list[Hit] = []
    count = 0
    head: tuple[int | None, int, bytes] | None = None
    head_found = None
    find = parser.find if parser is not None and not count_only else None
    pos = start
    line_no = first_line
    lines_since_yield = 0
    while end is None or pos < end:
        raw = readline(MAX_LINE_BYTES)
        if not raw:
            break
        offset = pos
        pos += len(raw)
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if find is not None:
            found = find(line)
            if found is not None:
                head, head_found = (line_no, offset, line), found
        if waiting:
            for hit in waiting:
                hit.after.append((line_no, offset, line))
            if len(waiting[0].after) >= context:
                out.extend(h for h in waiting if len(h.after) >= context)
                waiting = [h for h in waiting if len(h.after) < context]
        if search(line.decode("utf-8", "replace")):
            count += 1
            if not count_only:
                hit = Hit(offset, line_no, line)
                if head_found is not None and parser is not None:
                    hit.time = parser.convert(head_found)
                if head is not None and head[1] != offset:
                    hit.entry = head
                if before is not None:
                    hit.before = list(before)
                    waiting.append(hit)
                else:
                    out.append(hit)
        if before is not None:
            before.append((line_no, offset, line))
        if line_no is not None:
            line_no += 1
        lines_since_yield += 1
        if lines_since_yield >= YIELD_EVERY_LINES or len(out) >= YIELD_EVERY_HITS:
            yield pos, out, count
            out, count, lines_since_yield = [], 0, 0
            if cancel is not None and cancel.is_set():
                return
    out.extend(waiting)
    yield pos, out, count
