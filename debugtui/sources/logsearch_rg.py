"""The ripgrep engine: rg processes over a file, a byte range of it, or parts of it in parallel.

Why rg and how it is driven (each point is a trap met on the way):

* The binary is the one the ``ripgrep`` PyPI package installs next to the interpreter
  (``.venv/bin/rg``), else ``rg`` on ``PATH``.
* ``--text``: without it rg stops reporting a file at its first NUL byte. ``--no-config``:
  a user's ``RIPGREP_CONFIG_PATH`` must not change the answers. Files are always named
  explicitly (or fed on stdin), so ignore files and hidden names do not apply.
* Output is parsed from ``LINE:OFFSET:TEXT`` lines (``-n -b --no-heading --no-filename``),
  not ``--json``: raw bytes need no base64 for invalid UTF-8 and cost far less to parse.
  When no match will be kept (a window count), ``OFFSET:TEXT``: rg need not count lines.
* rg block-buffers its output into a pipe. ``--line-buffered`` would stream each match at
  once but measured 5-10x slower with many matches (1.6M matches: 0.5 s -> 5-6 s), so
  matches arrive in blocks of a few KiB, or when that file is done.
* Exit status 2 means "some error", even with matches: stderr is read per process; a regex
  rg cannot compile raises :class:`RgPatternRejected` so the caller can use Python instead.
* Compressed files never reach rg (``-z`` silently searches the raw bytes when the
  decompressor is missing): the Python engine reads them.
* A byte range (a window seek, a part of a split file) is fed through a pipe with
  ``os.sendfile``, no copy through Python. To count a pattern without a literal rg can
  prefilter on in a big file, the file is split at newlines into one part per core, each
  searched by its own rg (each < 12 MB RSS); with a literal one rg on the path is faster,
  and a search returning matches is bound by the Python reading them (see
  :func:`parallel_parts`), so those are the rules. The part that runs to the end of the
  file needs no pipe: its rg reads the file itself from a descriptor opened at the part's
  start (a pipe costs rg and the feeder about as much system time again as rg's own
  search: 0.31 s against 0.06 s over 857 MB), and since that makes it the cheaper part per
  byte, it gets a larger share.

Line numbers across parts: rg numbers each part from 1, so part *k*'s numbers are offset
by the lines before its first byte, counted from the last match of the part before (whose
line number is known) to the cut. That count is only paid while matches are still being
kept; past the cap, matches carry their byte offsets and no line number.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator
from itertools import pairwise

from debugtui.sources.logpattern import SearchPattern
from debugtui.sources.logseek import count_newlines, next_line_start
from debugtui.sources.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO

PARALLEL_MIN_BYTES = 64 * 1024 * 1024
"""A file (or range) smaller than this is searched by one rg."""

SENDFILE_CHUNK = 1024 * 1024
READ_CHUNK = 256 * 1024
PIPE_SIZE = 1024 * 1024
DIRECT_SHARE = 1.2
"""The bytes the part read straight from the file gets per byte of a piped part."""
_F_SETPIPE_SZ = 1031  # Linux fcntl; not exported by the fcntl module before Python 3.10

RawHit = tuple[int | None, int, bytes]
"""(line number or None, byte offset, line bytes) as rg reports a matching line."""


class RgPatternRejected(Exception):
    """rg could not compile the pattern (its dialect differs); the message is rg's."""


def find_rg() -> str | None:
    """The rg binary: next to the running interpreter (a venv's ``bin``), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "rg")
    if os.access(beside, os.X_OK):
        return beside
    import shutil

    return shutil.which("rg")


def rg_argv(
    rg: str, pattern: SearchPattern, *, count: bool, target: str, line_numbers: bool = True
) -> list[str]:
    """The rg command line for ``pattern`` over ``target`` (a path, or "-" for stdin);
    matching lines are printed with their line number only if ``line_numbers``."""
    argv = [
        rg,
        "--no-config",
        "--text",
        "--no-heading",
        "--no-filename",
        "--color=never",
        "--ignore-case" if pattern.ignore_case else "--case-sensitive",
    ]
    if count:
        argv.append("--count")
    else:
        argv += ["--line-number", "--byte-offset"] if line_numbers else ["--byte-offset"]
    return [*argv, "--regexp", pattern.text, "--", target]


class RgProcess:
    """One rg process; with ``feed=(fd, start, end)`` a thread sends that byte range of
    ``fd`` to its stdin with ``os.sendfile``; with ``stdin`` (a descriptor it takes over and
    closes) rg reads that instead.

    rg is started with ``os.posix_spawn``, not ``subprocess``: importing subprocess (with the
    signal and selectors modules it loads) cost ~18M instructions, ~4 ms of each ``debugtui
    logs`` timed against rg. rg gets its stdin, stdout and stderr, and no other descriptor
    of ours: Python makes them close-on-exec (PEP 446)."""

    def __init__(
        self,
        argv: list[str],
        feed: tuple[int, int, int] | None = None,
        stdin: int | None = None,
    ) -> None:
        write_end = None
        if feed is not None:
            stdin, write_end = os.pipe()
        elif stdin is None:
            stdin = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        child_ends = [stdin]
        """rg's stdin, stdout and stderr: closed here once rg has them."""
        own_ends = [] if write_end is None else [write_end]
        try:
            for _ in ("stdout", "stderr"):
                read_end, child_end = os.pipe()
                own_ends.append(read_end)
                child_ends.append(child_end)
            self._pid = _spawn(argv, child_ends)
        except BaseException:
            for fd in own_ends:
                os.close(fd)
            raise
        finally:
            for fd in child_ends:
                os.close(fd)
        self._status: int | None = None
        self._reaping = threading.Lock()
        """Held while rg is waited for, so that only one thread reaps it."""
        self.fed = 0
        self._stop = False
        self._stderr = bytearray()
        self._pipes = tuple(own_ends[-2:])
        self._out: int | None = self._pipes[0]
        self._err: int | None = self._pipes[1]
        self._feeder: threading.Thread | None = None
        self._result: tuple[int, str] | None = None
        if feed is not None and write_end is not None:
            self._feeder = threading.Thread(
                target=self._feed, args=(write_end, *feed), name="rg-feed", daemon=True
            )
            self._feeder.start()

    def _feed(self, write_end: int, fd: int, start: int, end: int) -> None:
        try:
            with contextlib.suppress(OSError):  # a smaller pipe costs a few more system calls
                fcntl.fcntl(write_end, _F_SETPIPE_SZ, PIPE_SIZE)
            while start < end and not self._stop:
                sent = os.sendfile(write_end, fd, start, min(end - start, SENDFILE_CHUNK))
                if sent == 0:
                    break
                start += sent
                self.fed += sent
        except OSError:
            pass  # rg exited or was killed: EPIPE
        finally:
            os.close(write_end)

    def read(self, timeout: float) -> bytes | None:
        """Output bytes; b"" when ``timeout`` passed with nothing new; None once it is done."""
        while self._out is not None:
            fds = [self._out] if self._err is None else [self._out, self._err]
            ready, _, _ = select.select(fds, [], [], timeout)
            if not ready:
                return b""
            if self._err is not None and self._err in ready:
                data = os.read(self._err, 65536)
                if data:
                    self._stderr += data
                else:
                    self._err = None
            if self._out in ready:
                data = os.read(self._out, READ_CHUNK)
                if data:
                    return data
                self._out = None
        return None

    def finish(self) -> tuple[int, str]:
        """Wait for rg (once): (exit status, stderr text)."""
        if self._result is None:
            while self._err is not None:
                data = os.read(self._err, 65536)
                if data:
                    self._stderr += data
                else:
                    self._err = None
            status = self._wait()
            if self._feeder is not None:
                self._feeder.join()
            for fd in self._pipes:
                os.close(fd)
            self._result = (status, self._stderr.decode("utf-8", "replace").strip())
        return self._result

    def _wait(self) -> int:
        """rg's exit status (minus the signal that ended it), once it has exited."""
        with self._reaping:
            if self._status is None:
                self._status = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
            return self._status

    def kill(self) -> None:
        """Stop rg now (the owner of its pipes still calls :meth:`finish`)."""
        self._stop = True
        running = True  # if another thread is waiting for it, it is not reaped: the pid is rg's
        if self._reaping.acquire(blocking=False):
            try:
                if self._status is None:
                    pid, status = os.waitpid(self._pid, os.WNOHANG)
                    if pid:
                        self._status = os.waitstatus_to_exitcode(status)
                running = self._status is None
            finally:
                self._reaping.release()
        if running:
            import signal  # only here: see the class docstring

            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)

    def close(self) -> tuple[int, str]:
        self.kill()
        return self.finish()


def _spawn(argv: list[str], fds: list[int]) -> int:
    """Start ``argv`` with ``fds`` as its stdin, stdout and stderr; its pid."""
    # rg's 0-2 are set by dup2 in turn: a source among them could be overwritten before it
    # is copied (this process started with one of them closed), so those are copied higher
    sources = [fd if fd > 2 else fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3) for fd in fds]
    try:
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(sources)]
        return os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    finally:
        for source, fd in zip(sources, fds, strict=True):
            if source != fd:
                os.close(source)


def check_status(status: int, stderr: str) -> str | None:
    """None when rg succeeded (0: matches, 1: none), else its error; raises
    :class:`RgPatternRejected` when the error is about the pattern."""
    if status in (0, 1):
        return None
    if "regex" in stderr.lower():
        raise RgPatternRejected(stderr)
    return stderr or f"rg exited with status {status}"


class LineSplitter:
    """Turns rg's output chunks into parsed ``LINE:OFFSET:TEXT`` records (``OFFSET:TEXT``
    unless ``numbered``: their line number is None)."""

    def __init__(self, line_base: int | None, offset_base: int, numbered: bool = True) -> None:
        self.line_base = line_base if numbered else None
        self.offset_base = offset_base
        self.numbered = numbered
        self._pending: list[bytes] = []

    def feed(self, data: bytes) -> list[RawHit]:
        if b"\n" not in data:
            self._pending.append(data)
            return []
        if self._pending:
            self._pending.append(data)
            data = b"".join(self._pending)
            self._pending = []
        lines = data.split(b"\n")
        rest = lines.pop()
        if rest:
            self._pending.append(rest)
        hits: list[RawHit] = []
        line_base, offset_base = self.line_base, self.offset_base
        if not self.numbered:
            for record in lines:
                offset, text = record.split(b":", 1)
                hits.append((None, int(offset) + offset_base, text))
            return hits
        for record in lines:
            number, offset, text = record.split(b":", 2)
            hits.append(
                (
                    int(number) + line_base if line_base is not None else None,
                    int(offset) + offset_base,
                    text,
                )
            )
        return hits


def split_points(fd: int, start: int, end: int, parts: int, last_share: float = 1.0) -> list[int]:
    """``parts + 1`` offsets from ``start`` to ``end``, each inner one a line start; the
    last part is ``last_share`` times as long as each of the others."""
    cuts = [start]
    shares = parts - 1 + last_share
    for i in range(1, parts):
        cut = next_line_start(fd, start + int((end - start) * i / shares), end)
        if cuts[-1] < cut < end:
            cuts.append(cut)
    cuts.append(end)
    return cuts


def parallel_parts(size: int, pattern: SearchPattern, mode: str, *, counting: bool) -> int:
    """How many rg processes to split ``size`` bytes across (1: no split). ``auto`` splits
    only a count (``counting``): there rg does all the work. A search that returns matches
    hands each to Python (its time, its line number across parts, which costs counting the
    lines before each part while matches are kept), and the Python reading them competes
    with the rg processes for the cores: over 857 MB on 2 cores, split against one rg, 585k
    matches took 2.59 s against 1.83 s (0.94 s against 0.69 s with none), and a TUI search
    split this way took the core its keys were answered on (B8 p99 1.4-1.9x -> 1.1-1.3x)."""
    cores = os.cpu_count() or 1
    if mode == "never" or cores < 2:
        return 1
    if mode == "always":
        return max(cores, 2)
    if not counting or size < PARALLEL_MIN_BYTES or pattern.literal_led:
        return 1
    return cores


def reopen(fd: int) -> int | None:
    """A new descriptor of ``fd``'s file with a file position of its own, through
    ``/proc/self/fd`` (the same file even if renamed or deleted since); None without it."""
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def part_processes(
    rg: str,
    pattern: SearchPattern,
    fd: int,
    start: int,
    end: int,
    parts: int,
    count: bool,
    line_numbers: bool = True,
) -> tuple[list[int], list[RgProcess]]:
    """The cuts of ``[start, end)`` and an rg for each part: piped, except a last part
    that ends the file, which rg reads itself (see module)."""
    direct = reopen(fd) if end >= os.fstat(fd).st_size else None
    cuts = split_points(fd, start, end, parts, DIRECT_SHARE if direct is not None else 1.0)
    argv = rg_argv(rg, pattern, count=count, target="-", line_numbers=line_numbers)
    procs: list[RgProcess] = []
    try:
        for lo, hi in pairwise(cuts):
            if direct is not None and hi == cuts[-1]:
                os.lseek(direct, lo, os.SEEK_SET)
                procs.append(RgProcess(argv, stdin=direct))
                direct = None
            else:
                procs.append(RgProcess(argv, (fd, lo, hi)))
    except BaseException:
        for proc in procs:
            proc.close()
        raise
    finally:
        if direct is not None:
            os.close(direct)
    return cuts, procs


def count(
    rg: str,
    pattern: SearchPattern,
    path: str,
    fd: int,
    start: int,
    end: int,
    parts: int,
    cancel: threading.Event | None = None,
) -> tuple[int, list[str]]:
    """Matching lines in ``[start, end)`` of the file: (count, rg's error messages)."""
    if start == 0 and end >= os.fstat(fd).st_size and parts == 1:
        procs = [RgProcess(rg_argv(rg, pattern, count=True, target=path))]
    else:
        procs = part_processes(rg, pattern, fd, start, end, parts, count=True)[1]
    total = 0
    errors: list[str] = []
    try:
        for proc in procs:
            chunks = []
            while (data := proc.read(0.1)) is not None:
                if cancel is not None and cancel.is_set():
                    return total, errors
                chunks.append(data)
            status, stderr = proc.finish()
            error = check_status(status, stderr)
            if error:
                errors.append(error)
            text = b"".join(chunks).strip()
            total += int(text) if text else 0
    finally:
        for proc in procs:
            proc.close()
    return total, errors


class RgSearch:
    """Matching lines of ``[start, end)`` of a plain file, in file order, from one rg or
    from parallel parts; iterate :meth:`hits`, then read :attr:`errors`."""

    def __init__(
        self,
        rg: str,
        pattern: SearchPattern,
        path: str,
        fd: int,
        start: int,
        end: int,
        parts: int,
        want_line_numbers: Callable[[], bool],
    ) -> None:
        self.rg, self.pattern, self.path, self.fd = rg, pattern, path, fd
        self.start, self.end = start, end
        self.parts = parts
        self.want_line_numbers = want_line_numbers
        self.errors: list[str] = []
        self.progress = start
        """Bytes of the range known to be searched."""

    def hits(self, cancel: threading.Event | None = None) -> Iterator[list[RawHit]]:
        """Batches of hits (an empty batch now and then while rg works, to allow progress
        and cancellation). Raises :class:`RgPatternRejected` before any hit."""
        # not wanted now, never wanted: rg need not count lines (a count keeps no match)
        numbered = self.want_line_numbers()
        if self.start == 0 and self.end >= os.fstat(self.fd).st_size and self.parts == 1:
            argv = rg_argv(
                self.rg, self.pattern, count=False, target=self.path, line_numbers=numbered
            )
            splitter = LineSplitter(0, 0, numbered)
            yield from self._drain(RgProcess(argv), splitter, cancel, fed=False)
            return
        cuts, procs = part_processes(
            self.rg, self.pattern, self.fd, self.start, self.end, self.parts, False, numbered
        )
        spools = [None] + [_Spool(proc) for proc in procs[1:]]
        try:
            line_base: int | None = 0 if self.start == 0 else None
            last: RawHit | None = None
            for index, (proc, lo) in enumerate(zip(procs, cuts, strict=False)):
                if index > 0:
                    line_base = self._line_base(line_base, last, cuts[index - 1], lo)
                splitter = LineSplitter(line_base, lo, numbered)
                spool = spools[index]
                if spool is None:
                    for batch in self._drain(proc, splitter, cancel, fed=True):
                        if batch:
                            last = batch[-1]
                        yield batch
                else:
                    for batch in spool.replay(splitter, cancel):
                        if batch:
                            last = batch[-1]
                        yield batch
                    self._check(*spool.result())
                    self.progress = cuts[index + 1]
                if cancel is not None and cancel.is_set():
                    return
                if last is not None and last[1] < lo:
                    last = None
        finally:
            for proc in procs:
                proc.kill()
            for spool in spools:
                if spool is not None:
                    spool.close()
            procs[0].finish()

    def _line_base(
        self, previous_base: int | None, last: RawHit | None, part_start: int, cut: int
    ) -> int | None:
        """Lines before ``cut``, or None when unknown or no longer wanted."""
        if not self.want_line_numbers():
            return None
        if last is not None and last[0] is not None and last[1] >= part_start:
            return last[0] - 1 + count_newlines(self.fd, last[1], cut)
        if previous_base is None:
            return None
        return previous_base + count_newlines(self.fd, part_start, cut)

    def _drain(
        self,
        proc: RgProcess,
        splitter: LineSplitter,
        cancel: threading.Event | None,
        fed: bool,
    ) -> Iterator[list[RawHit]]:
        try:
            while (data := proc.read(0.1)) is not None:
                if cancel is not None and cancel.is_set():
                    return
                batch = splitter.feed(data) if data else []
                if batch:
                    self.progress = max(self.progress, batch[-1][1])
                if fed:
                    self.progress = max(self.progress, self.start + proc.fed)
                yield batch
            self._check(*proc.finish())
        finally:
            proc.close()

    def _check(self, status: int, stderr: str) -> None:
        error = check_status(status, stderr)
        if error:
            self.errors.append(error)


class _Spool:
    """Collects a background part's output (into a temporary file past a few MB) while the
    parts before it are read, so every rg runs at once but hits come out in file order."""

    def __init__(self, proc: RgProcess) -> None:
        import tempfile

        self.proc = proc
        # closed by close(), after the collecting thread is done with it
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        self._done = threading.Event()
        self._result: tuple[int, str] = (0, "")
        self._thread = threading.Thread(target=self._collect, name="rg-spool", daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        try:
            while (data := self.proc.read(1.0)) is not None:
                if data:
                    self.file.write(data)
        except (OSError, ValueError):
            self.proc.kill()  # cannot spool (disk full?): the search reports rg's status
        finally:
            self._result = self.proc.finish()
            self._done.set()

    def replay(
        self, splitter: LineSplitter, cancel: threading.Event | None
    ) -> Iterator[list[RawHit]]:
        """The part's hits once its rg is done (empty batches while waiting)."""
        while not self._done.wait(0.1):
            if cancel is not None and cancel.is_set():
                return
            yield []
        self.file.seek(0)
        while data := self.file.read(READ_CHUNK):
            yield splitter.feed(data)
            if cancel is not None and cancel.is_set():
                return

    def result(self) -> tuple[int, str]:
        self._done.wait()
        return self._result

    def close(self) -> None:
        """Wait for the collecting thread (its rg was killed or is done), drop the spool."""
        self._thread.join()
        self.file.close()
