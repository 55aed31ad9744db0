"""A log search run in a child process, so a multi-GB scan never starves the UI.

The search is Python at its core: the pure-Python engine reads every line, and with rg every
match is still parsed and timestamped in Python. In a thread of the TUI's process a search
with millions of matches holds the GIL most of the time, and every key, repaint and timer
of the UI waits its turn. In a child process the UI's only cost is unpickling the kept
matches and a progress event every 0.2 s. Measured on a 200 MB file where every line
matches (2 busy cores): the event loop's lag was p95 29 ms, max 414 ms with the search in a
thread; p95 4 ms, max 22 ms, as when idle, with it in a child.

The child is ``python -c`` importing :func:`child_main` (not ``multiprocessing``: under the
TUI its resource tracker cannot start, Textual has replaced the standard streams, and its
start methods re-run the parent's main module). It reads the pickled query from stdin,
runs :func:`debugtui.sources.logsearch.search` and sends the events back as length-framed
pickles on a private copy of stdout (per-file events stay there: the summary lists the
files). SIGTERM cancels it: the search then ends with its partial summary, as it would in a
thread. It runs in its own session, so the terminal's signals never reach it, and it dies
of a broken pipe at its next event if the TUI goes away. If no child can be started, or it
cannot even import the search, the search runs in the calling thread instead.

This module imports neither Textual nor the config.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from debugtui.sources.logpattern import PatternError
from debugtui.sources.logresults import (
    FileDone,
    LogMatch,
    LogQuery,
    LogSearchResult,
    MatchBatch,
    SearchDone,
    SearchEvent,
    SearchSummary,
)
from debugtui.sources.logsearch import SearchError, run_search, search

POLL_SECONDS = 0.1
"""How often the parent checks for cancellation while the child is quiet."""
STOP_SECONDS = 5.0
"""How long a cancelled child may take to send its partial summary before it is killed."""
NICENESS = 10
"""The child's (and its rg's) niceness: a search keeps both cores busy (rg, and the child
timing each match), and a key the responder presses must win the CPU at once, while an idle
machine's search runs as fast as before."""
CHILD_CODE = "from debugtui.tui.panels.log_child import child_main; child_main()"


@dataclass(frozen=True)
class Ready:
    """The child imported the search and read the query."""


@dataclass(frozen=True)
class Refused:
    """The search could not start: an invalid pattern or an unusable engine."""

    pattern_error: bool
    message: str
    hint: str | None
    reason: str = ""
    pattern: str = ""


@dataclass(frozen=True)
class Crashed:
    """The search raised something it does not expect."""

    description: str


class ChildSearchError(RuntimeError):
    """The child process failed, died or would not stop before its summary."""


def child_main() -> None:
    """The child's whole life: read the query, search, send the events, exit."""
    with contextlib.suppress(OSError):  # a refused niceness changes speed, not results
        os.nice(NICENESS)
    events = Connection(os.dup(1), readable=False)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing written to stdout by accident can break the framing
    query = Connection(os.dup(0), writable=False).recv()
    cancel = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: cancel.set())
    events.send(Ready())
    try:
        for event in search(query, cancel):
            if not isinstance(event, FileDone):
                events.send(event)
    except PatternError as exc:
        events.send(Refused(True, exc.message, exc.hint, exc.reason, exc.pattern))
    except SearchError as exc:
        events.send(Refused(False, exc.message, exc.hint))
    except BrokenPipeError:
        return  # the TUI went away
    except Exception as exc:  # sent to the parent, whose Source turns it into a failure
        text = str(exc).strip().splitlines()
        events.send(Crashed(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__))
    events.close()


def _start(query: LogQuery) -> tuple[subprocess.Popen[bytes], Connection] | None:
    """The child, fed its query; None when no child can be had."""
    root = str(Path(__file__).resolve().parents[3])  # the directory holding debugtui/
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except OSError:
        return None
    assert process.stdin is not None and process.stdout is not None
    sender = Connection(os.dup(process.stdin.fileno()), readable=False)
    with contextlib.suppress(OSError):  # it died already: its end of file says so below
        sender.send(query)
    sender.close()
    process.stdin.close()
    events = Connection(os.dup(process.stdout.fileno()), writable=False)
    process.stdout.close()
    return process, events


def search_in_child(
    query: LogQuery,
    cancel: threading.Event,
    on_event: Callable[[SearchEvent], None],
) -> LogSearchResult:
    """``run_search(query, cancel, on_event)``, the search itself in a child process.

    Raises ``PatternError`` and ``SearchError`` like ``run_search``, and
    :class:`ChildSearchError` when the child dies or will not stop.
    """
    started = _start(query)
    if started is None:
        return run_search(query, cancel, on_event)
    process, events = started
    matches: list[LogMatch] = []
    summary: SearchSummary | None = None
    ready = False
    stop_deadline: float | None = None
    try:
        while summary is None:
            if cancel.is_set() and not ready:
                return _nothing_yet(query)  # killed below: it had not begun to search
            if cancel.is_set() and stop_deadline is None:
                process.send_signal(signal.SIGTERM)  # its handler is installed once ready
                stop_deadline = time.monotonic() + STOP_SECONDS
            if stop_deadline is not None and time.monotonic() > stop_deadline:
                raise ChildSearchError(f"the search did not stop within {STOP_SECONDS:g} s")
            if not events.poll(POLL_SECONDS):
                continue
            try:
                item = events.recv()
            except EOFError:
                break
            if isinstance(item, Ready):
                ready = True
            elif isinstance(item, Refused):
                if item.pattern_error:
                    raise PatternError(item.pattern, item.reason)
                raise SearchError(item.message, item.hint)
            elif isinstance(item, Crashed):
                raise ChildSearchError(item.description)
            else:
                on_event(item)
                if isinstance(item, MatchBatch):
                    matches.extend(item.matches)
                elif isinstance(item, SearchDone):
                    summary = item.summary
    finally:
        events.close()
        _reap(process, at_once=summary is None)
    if summary is None and not ready:
        return run_search(query, cancel, on_event)  # this install cannot run the child
    if summary is None:
        raise ChildSearchError(f"the search process ended early (exit status {process.returncode})")
    return LogSearchResult.from_summary(summary, tuple(matches))


def _nothing_yet(query: LogQuery) -> LogSearchResult:
    """The result of a search cancelled before it began."""
    return LogSearchResult(
        pattern=query.pattern,
        ignore_case=query.ignore_case,
        since=query.since,
        until=query.until,
        engine="",
        matches=(),
        total=0,
        histogram=(),
        files=(),
        cancelled=True,
    )


def _reap(process: subprocess.Popen[bytes], at_once: bool) -> None:
    """Wait for the child to exit (it does right after its summary); kill it if it lingers,
    or ``at_once`` when it has nothing more to say (an error, a give-up, a cancel)."""
    if at_once and process.poll() is None:
        process.kill()
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
