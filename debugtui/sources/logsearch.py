"""Running a log search: files in, a stream of events out (the engine room of ``logs``).

For each file named by the query (expanded, inspected and ordered by ``logfiles``) this
picks the byte range to read (the whole file, or a window seek from ``logseek``), the engine
(rg for plain files and patterns it reads like Python, Python otherwise, with a fall-back
when rg rejects a pattern at run time), runs it, and turns its hits into counted,
bucketed, capped :class:`LogMatch` records, batched with progress for a UI.

It imports neither the config nor the Source base so that ``debugtui logs`` starts fast
(the CLI is benchmarked against ``rg -c`` including process start-up).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from datetime import datetime, timedelta

from debugtui.sources.logfiles import (
    FileInfo,
    decompressor,
    expand_paths,
    inspect,
    open_raw,
    order_rotations,
    read_errors,
)
from debugtui.sources.logpattern import PatternError, SearchPattern, compile_pattern
from debugtui.sources.logresults import (
    ContextLine,
    FileDone,
    FileStatus,
    Hit,
    LogMatch,
    LogQuery,
    MatchBatch,
    SearchDone,
    SearchEvent,
    SearchProgress,
    SearchSummary,
    line_text,
)
from debugtui.sources.logsearch_rg import (
    RawHit,
    RgPatternRejected,
    RgSearch,
    count,
    find_rg,
    parallel_parts,
)
from debugtui.sources.logseek import SEEK_MIN_BYTES, ReadBack, plan_window
from debugtui.sources.logtimes import (
    ONE_MICROSECOND,
    TimeParser,
    from_micros,
    minute_of,
    to_micros,
)
from debugtui.sources.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from debugtui.sources.logsnapshot import LogSearchResult


class SearchError(ValueError):
    """A search that cannot start (unknown engine, rg missing when asked for); like
    :class:`PatternError` it has a ``message`` and a ``hint``."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


BATCH_SIZE = 200
"""Matches per batch at most; a batch also goes out after :data:`BATCH_SECONDS`."""
BATCH_SECONDS = 0.1
ONE_MINUTE = timedelta(minutes=1)
_ONE_MINUTE_US = 60_000_000
PROGRESS_SECONDS = 0.2

ENGINES = ("rg", "python")
PARALLEL_MODES = ("auto", "always", "never")
_RG_MISSING_HINT = (
    "install ripgrep (pip install ripgrep, or the rg package), or use --engine python"
)


def choose_engine(requested: str | None, pattern: SearchPattern) -> tuple[str, str | None, str]:
    """(engine, rg path, note): rg when it exists and reads the pattern like Python."""
    if requested not in (None, *ENGINES):
        raise SearchError(f"unknown engine {requested!r}", "use rg or python")
    if requested == "python":
        return "python", None, ""
    if pattern.python_only:
        return "python", None, f"the pattern uses {pattern.python_only}: searched with Python"
    rg = find_rg()
    if rg is None:
        if requested == "rg":
            raise SearchError("ripgrep (rg) not found", _RG_MISSING_HINT)
        return "python", None, "ripgrep not found: searched with Python"
    return "rg", rg, ""


def search(query: LogQuery, cancel: threading.Event | None = None) -> Iterator[SearchEvent]:
    """Run ``query``, yielding :class:`MatchBatch`, :class:`SearchProgress` and
    :class:`FileDone` events as they happen and a :class:`SearchDone` last.

    Raises :class:`PatternError` at once for an invalid pattern and :class:`SearchError`
    for an unusable engine choice (both carry ``message`` and ``hint``); after that,
    problems are per-file statuses. Closing the iterator early stops every rg it started.
    """
    pattern = compile_pattern(query.pattern, query.ignore_case)
    if query.parallel not in PARALLEL_MODES:
        raise SearchError(f"unknown parallel mode {query.parallel!r}", "use auto, always or never")
    engine, rg, note = choose_engine(query.engine, pattern)
    return _Search(query, pattern, engine, rg, note, cancel).events()


def run_search(
    query: LogQuery,
    cancel: threading.Event | None = None,
    on_event: Callable[[SearchEvent], None] | None = None,
) -> LogSearchResult:
    """:func:`search` to completion, collecting the kept matches into one result."""
    matches: list[LogMatch] = []
    summary: SearchSummary | None = None
    for event in search(query, cancel):
        if on_event is not None:
            on_event(event)
        if isinstance(event, MatchBatch):
            matches.extend(event.matches)
        elif isinstance(event, SearchDone):
            summary = event.summary
    assert summary is not None  # search always ends with SearchDone
    from debugtui.sources.logsnapshot import LogSearchResult  # see logresults: start-up

    return LogSearchResult.from_summary(summary, tuple(matches))


class _Mode(NamedTuple):
    """How a file is searched: what the query needs from it."""

    parser: TimeParser | None
    """Set when matches need their time (window or histogram)."""
    window: bool
    """Filter on the window (the file has timestamps and the query a window)."""
    count_only: bool


class _Search:
    """The state of one running search (see :func:`search`)."""

    def __init__(
        self,
        query: LogQuery,
        pattern: SearchPattern,
        engine: str,
        rg: str | None,
        note: str,
        cancel: threading.Event | None,
    ) -> None:
        self.query = query
        self.pattern = pattern
        self.engine = engine
        self.rg = rg
        self.cancel = cancel
        self.notes: list[str] = [note] if note else []
        self.max = query.max_matches
        self.total = 0
        self.kept = 0
        self.histogram: Counter[datetime] = Counter()
        self.batch: list[LogMatch] = []
        self.statuses: list[FileStatus] = []
        self.bytes_done = 0
        self.bytes_total = 0
        self.files_done = 0
        self.files_total = 0
        self.current = ""
        self._flushed_at = time.monotonic()
        self._progress_at = 0.0
        # per file
        self.file_matches = 0
        self.file_base = 0
        """``bytes_done`` when the current file started."""
        self.ranged = False
        """The current file is searched from a window seek, not whole."""
        self.latest: datetime | None = None
        self.drop_at: int | None = None

    # -- the event stream -------------------------------------------------------------

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def events(self) -> Iterator[SearchEvent]:
        started = time.monotonic()
        files, unusable = expand_paths(self.query.paths)
        for bad in unusable:
            status = FileStatus(bad.path, "skipped", bad.reason)
            self.statuses.append(status)
            yield FileDone(status)
        infos: list[FileInfo] = []
        for file in files:
            try:
                infos.append(inspect(file))
            except read_errors() as exc:
                reason = _read_error(exc, file.compression)
                status = FileStatus(
                    file.path, "skipped", reason, size=file.size, compression=file.compression
                )
                self.statuses.append(status)
                yield FileDone(status)
        infos = order_rotations(infos)
        self.files_total = len(infos)
        self.bytes_total = sum(info.file.size for info in infos)
        for info in infos:
            if self.cancelled():
                break
            status = yield from self._file(info)
            self.files_done += 1
            self.statuses.append(status)
            yield FileDone(status)
        if self.batch:
            yield self._batch()
        yield SearchDone(
            SearchSummary(
                pattern=self.query.pattern,
                ignore_case=self.query.ignore_case,
                since=self.query.since,
                until=self.query.until,
                engine=self.engine,
                total=self.total,
                kept=self.kept,
                histogram=tuple(sorted(self.histogram.items())),
                files=tuple(self.statuses),
                cancelled=self.cancelled(),
                notes=tuple(self.notes),
                duration_s=time.monotonic() - started,
            )
        )

    def _batch(self) -> MatchBatch:
        batch = MatchBatch(tuple(self.batch))
        self.batch = []
        self._flushed_at = time.monotonic()
        return batch

    def _progress(self, searched: int) -> Iterator[SearchEvent]:
        """Flush matches and report progress when due; ``searched``: bytes of this file."""
        self.bytes_done = self.file_base + searched
        now = time.monotonic()
        if self.batch and (
            len(self.batch) >= BATCH_SIZE or now - self._flushed_at >= BATCH_SECONDS
        ):
            yield self._batch()
        if now - self._progress_at >= PROGRESS_SECONDS:
            self._progress_at = now
            yield SearchProgress(
                self.bytes_done,
                self.bytes_total,
                self.files_done,
                self.files_total,
                self.total,
                self.current,
            )

    # -- one file ---------------------------------------------------------------------

    def _file(self, info: FileInfo) -> Generator[SearchEvent, None, FileStatus]:
        file = info.file
        query = self.query
        self.current = file.path
        self.file_matches = 0
        self.file_base = self.bytes_done
        self.latest, self.drop_at, self.ranged = None, None, False
        notes = _file_notes(info)
        errors: list[str] = []
        parser = info.time_parser()
        # Every line of a file was written by its modification time: an untimed file last
        # written before the window has nothing in it (apt's logs of the image build, 9 h
        # old, filled a 2 h window's matches with package names).
        untimed = query.windowed and parser is None
        before_window = untimed and query.since is not None and info.reference < query.since
        if before_window:
            notes.append(
                f"no timestamps recognised; last written {info.reference:%Y-%m-%d %H:%M} UTC, "
                "before the window: not searched"
            )
        elif untimed:
            notes.append("no timestamps recognised: window not applied")
        window = query.windowed and parser is not None
        count_mode = query.count_only and not window
        # the entry a continuation line belongs to is context too: found with its time
        need_time = window or (not count_mode and (query.histogram or query.context > 0))
        mode = _Mode(parser if need_time else None, window, count_mode)
        engine = "python" if file.compression else self.engine
        searched = 0
        try:
            if before_window:
                pass  # nothing in it was written inside the window
            elif file.compression:
                searched = yield from self._compressed(info, mode)
            else:
                engine, searched = yield from self._plain(info, engine, mode, notes, errors)
        except read_errors() as exc:
            errors.append(_read_error(exc, file.compression))
        except Exception as exc:  # a bug must cost one file's results, never the search
            errors.append(f"unexpected error (a debugtui bug, please report): {exc!r}")
        self.bytes_done = self.file_base + file.size
        state = "ok"
        if errors:
            state = "partial" if searched or self.file_matches else "skipped"
        return FileStatus(
            path=file.path,
            state=state,
            reason="; ".join(errors),
            notes=tuple(notes),
            size=file.size,
            searched_bytes=searched,
            matches=self.file_matches,
            engine=engine,
            time_format=info.time_format.name if info.time_format else None,
            compression=file.compression,
        )

    def _plain(
        self,
        info: FileInfo,
        engine: str,
        mode: _Mode,
        notes: list[str],
        errors: list[str],
    ) -> Generator[SearchEvent, None, tuple[str, int]]:
        """Search a plain file; returns (engine used, bytes searched)."""
        query = self.query
        fd = os.open(info.path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            start, end = 0, size
            if mode.window and info.time_format is not None and size >= SEEK_MIN_BYTES:
                parser = info.time_parser()
                assert parser is not None
                plan = plan_window(fd, size, parser, query.since, query.until, query.slack)
                start, end = plan.start, plan.end
                if plan.note:
                    notes.append(plan.note)
            self.ranged = start > 0 or end < size
            engine = yield from self._range(info, fd, start, end, engine, mode, errors, 0)
            searched = end - start
            if self.drop_at is not None and (start > 0 or end < size):
                notes.append(
                    f"time goes backwards near byte {self.drop_at} inside the window range: "
                    "searched the rest of the file too"
                )
                for low, high in ((0, start), (end, size)):
                    engine = yield from self._range(
                        info, fd, low, high, engine, mode, errors, searched
                    )
                    searched += high - low
            return engine, searched
        finally:
            os.close(fd)

    def _range(
        self,
        info: FileInfo,
        fd: int,
        start: int,
        end: int,
        engine: str,
        mode: _Mode,
        errors: list[str],
        searched: int,
    ) -> Generator[SearchEvent, None, str]:
        """Search ``[start, end)`` with ``engine``; returns the engine that did it."""
        if end <= start:
            return engine
        if engine == "rg":
            try:
                yield from self._rg(info, fd, start, end, mode, errors, searched)
                return engine
            except RgPatternRejected as exc:
                self._rg_rejected(str(exc))
        yield from self._python(info, fd, start, end, mode, searched)
        return "python"

    def _rg_rejected(self, message: str) -> None:
        first = message.strip().splitlines()[-1] if message.strip() else message
        self.engine = "python"
        self.notes.append(f"ripgrep cannot run this pattern ({first}): searched with Python")

    def _rg(
        self,
        info: FileInfo,
        fd: int,
        start: int,
        end: int,
        mode: _Mode,
        errors: list[str],
        searched: int,
    ) -> Iterator[SearchEvent]:
        assert self.rg is not None
        parts = parallel_parts(
            end - start, self.pattern, self.query.parallel, counting=mode.count_only
        )
        if mode.count_only:
            found, problems = count(
                self.rg, self.pattern, info.path, fd, start, end, parts, self.cancel
            )
            self.total += found
            self.file_matches += found
            errors.extend(problems)
            yield from self._progress(searched + end - start)
            return
        readback = ReadBack(fd, mode.parser, os.fstat(fd).st_size)
        rg_search = RgSearch(
            self.rg,
            self.pattern,
            info.path,
            fd,
            start,
            end,
            parts,
            want_line_numbers=self._keeping,
        )
        hits = rg_search.hits(self.cancel)
        try:
            for batch in hits:
                if batch and not self._keeping():
                    self._tally(batch, mode.window, readback, ranged=self.ranged)
                elif batch:
                    self._take(
                        info.path,
                        [Hit(offset, line_no, line) for line_no, offset, line in batch],
                        mode.window,
                        readback,
                        ranged=self.ranged,
                    )
                yield from self._progress(searched + rg_search.progress - start)
        finally:
            hits.close()
        errors.extend(rg_search.errors)

    def _python(
        self,
        info: FileInfo,
        fd: int,
        start: int,
        end: int,
        mode: _Mode,
        searched: int,
    ) -> Iterator[SearchEvent]:
        from debugtui.sources.logsearch_py import scan  # see _compressed

        with os.fdopen(os.dup(fd), "rb") as stream:
            stream.seek(start)
            for pos, hits, found in scan(
                stream,
                self.pattern.regex,
                start=start,
                end=end,
                first_line=1 if start == 0 else None,
                parser=mode.parser,
                context=self.query.context,
                count_only=mode.count_only,
                cancel=self.cancel,
            ):
                if mode.count_only:
                    self.total += found
                    self.file_matches += found
                else:
                    self._take(info.path, hits, mode.window, None, ranged=self.ranged)
                yield from self._progress(searched + pos - start)

    def _compressed(self, info: FileInfo, mode: _Mode) -> Generator[SearchEvent, None, int]:
        # imported here: rg searches plain files, and the module costs ~2 ms of the start-up
        # of every ``debugtui logs`` timed against rg
        from debugtui.sources.logsearch_py import scan

        query = self.query
        file = info.file
        assert file.compression is not None
        with open_raw(file.path) as raw, decompressor(raw, file.compression) as stream:
            for _pos, hits, found in scan(
                stream,
                self.pattern.regex,
                parser=mode.parser,
                context=query.context,
                count_only=mode.count_only,
                cancel=self.cancel,
            ):
                if mode.count_only:
                    self.total += found
                    self.file_matches += found
                else:
                    self._take(file.path, hits, mode.window, None, ranged=False)
                yield from self._progress(raw.tell())
            return raw.tell()

    # -- matches ----------------------------------------------------------------------

    def _keeping(self) -> bool:
        return self.max is None or self.kept < self.max

    def _take(
        self,
        path: str,
        hits: list[Hit],
        window: bool,
        readback: ReadBack | None,
        ranged: bool,
    ) -> None:
        """Count, bucket and keep the hits that fall in the window (a hot loop: a window
        count over a big file runs it for every match, so lookups are hoisted)."""
        query = self.query
        since, until = query.since, query.until
        histogram = self.histogram if query.histogram else None
        context = query.context
        resolve = readback.resolve if readback is not None and readback.parser else None
        slack = query.slack
        latest = self.latest
        floor = latest - slack if latest is not None else None
        minute: datetime | None = None
        minute_end = None
        counted = 0
        for hit in hits:
            if resolve is not None:
                resolve(hit)
            when = hit.time
            if ranged and when is not None:
                # time going back by more than the slack inside a seeked range: see _plain
                if floor is not None and when < floor:
                    if self.drop_at is None:
                        self.drop_at = hit.offset
                elif latest is None or when > latest:
                    latest, floor = when, when - slack
            if window and (
                when is None
                or (since is not None and when < since)
                or (until is not None and when >= until)
            ):
                continue
            counted += 1
            if histogram is not None and when is not None:
                if minute is None or not minute <= when < minute_end:  # type: ignore[operator]
                    minute = minute_of(when)  # a new minute: neighbours share theirs
                    minute_end = minute + ONE_MINUTE
                histogram[minute] += 1
            if self.max is None or self.kept < self.max:
                if readback is not None and context:
                    readback.add_context(hit, context)
                self.batch.append(self._match(path, hit))
                self.kept += 1
        self.latest = latest
        self.total += counted
        self.file_matches += counted

    def _tally(self, hits: list[RawHit], window: bool, readback: ReadBack, ranged: bool) -> None:
        """:meth:`_take` for rg's hits once none is kept (past the cap; a window count keeps
        none): the same counts, histogram and drop check on times as integer microseconds,
        with no :class:`Hit`, datetime or match made per hit."""
        if readback.parser is None:  # no times wanted: neither window nor histogram
            self.total += len(hits)
            self.file_matches += len(hits)
            return
        query = self.query
        since = to_micros(query.since) if window and query.since is not None else None
        until = to_micros(query.until) if window and query.until is not None else None
        histogram = self.histogram if query.histogram else None
        slack = query.slack // ONE_MICROSECOND
        latest = to_micros(self.latest) if self.latest is not None else None
        floor = latest - slack if latest is not None else None
        minute_start = minute_end = 0
        minute: datetime | None = None
        counted = 0
        for hit, when in zip(hits, readback.micros_each(hits), strict=True):
            if ranged and when is not None:
                if floor is not None and when < floor:
                    if self.drop_at is None:
                        self.drop_at = hit[1]
                elif latest is None or when > latest:
                    latest, floor = when, when - slack
            if window and (
                when is None
                or (since is not None and when < since)
                or (until is not None and when >= until)
            ):
                continue
            counted += 1
            if histogram is not None and when is not None:
                if minute is None or not minute_start <= when < minute_end:
                    minute_start = when - when % _ONE_MINUTE_US
                    minute_end = minute_start + _ONE_MINUTE_US
                    minute = from_micros(minute_start)
                histogram[minute] += 1
        self.latest = from_micros(latest) if latest is not None else None
        self.total += counted
        self.file_matches += counted

    def _text(self, line: bytes) -> tuple[str, bool]:
        return line_text(line, self.query.max_line_chars)

    def _context(self, item: tuple[int | None, int, bytes]) -> ContextLine:
        return ContextLine(item[0], item[1], self._text(item[2])[0])

    def _match(self, path: str, hit: Hit) -> LogMatch:
        text, truncated = self._text(hit.line)
        return LogMatch(
            path,
            hit.line_no,
            hit.offset,
            hit.time,
            text,
            tuple(map(self._context, hit.before)) if hit.before else (),
            tuple(map(self._context, hit.after)) if hit.after else (),
            self._context(hit.entry) if hit.entry is not None else None,
            truncated,
        )


def _file_notes(info: FileInfo) -> list[str]:
    notes = []
    if info.file.note:
        notes.append(info.file.note)
    if info.binary:
        notes.append("binary (NUL bytes): searched as text")
    if info.invalid_utf8:
        notes.append("invalid UTF-8: shown as U+FFFD")
    return notes


def _read_error(exc: BaseException, compression: str | None) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    what = f"corrupt {compression} data" if compression else "read error"
    detail = str(exc).strip().splitlines()
    return f"{what}: {type(exc).__name__}" + (f": {detail[0]}" if detail else "")


__all__ = ["PatternError", "SearchError", "run_search", "search"]
