"""A log search run in a child process, so a multi-GB scan never starves the UI.

The search is Python at its core: the pure-Python engine reads every line, and with rg every
match is still parsed and timestamped in Python. Run in a thread of the TUI's process, a
search with millions of matches holds the GIL most of the time; measured on a 200 MB file
where every line matches, the event loop then stalled for up to 350 ms and switching tabs
took over a second. In a child process the UI's only cost is unpickling the kept matches
and a progress event every 0.2 s.

The child runs :func:`debugtui.sources.logsearch.search` and sends its events through a
pipe (per-file events stay there: the summary lists the files). A ``multiprocessing``
Event cancels it, and the search then ends with its partial summary as it would in a
thread. Children come from a fork server that has preloaded the search modules (forking the
TUI's process itself is unsafe: it has threads), so a search starts in milliseconds once
the server is up. If no child can be started the search runs in the calling thread.
This module imports neither Textual nor the config.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

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
JOIN_SECONDS = 5.0

_context_lock = threading.Lock()
_context: Any = None


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
    """The child process failed or died before its summary."""


def _child(query: LogQuery, conn: Connection, cancel: Any) -> None:
    """The child's whole life: search, send the events, close the pipe."""
    try:
        for event in search(query, cancel):
            if not isinstance(event, FileDone):
                conn.send(event)
    except PatternError as exc:
        conn.send(Refused(True, exc.message, exc.hint, exc.reason, exc.pattern))
    except SearchError as exc:
        conn.send(Refused(False, exc.message, exc.hint))
    except Exception as exc:  # sent to the parent, whose Source turns it into a failure
        text = str(exc).strip().splitlines()
        conn.send(Crashed(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__))
    finally:
        conn.close()


def _get_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _context = context
        return _context


def search_in_child(
    query: LogQuery,
    cancel: threading.Event,
    on_event: Callable[[SearchEvent], None],
) -> LogSearchResult:
    """``run_search(query, cancel, on_event)``, the search itself in a child process.

    Raises ``PatternError`` and ``SearchError`` like ``run_search``, and
    :class:`ChildSearchError` when the child dies without finishing.
    """
    try:
        context = _get_context()
        receiver, sender = context.Pipe(duplex=False)
        stop = context.Event()
        process = context.Process(
            target=_child, args=(query, sender, stop), name="debugtui-log-search", daemon=True
        )
        process.start()
    except (OSError, ValueError):  # no process to be had (limits, no /dev/shm): search here
        return run_search(query, cancel, on_event)
    sender.close()
    matches: list[LogMatch] = []
    summary: SearchSummary | None = None
    try:
        while summary is None:
            if cancel.is_set():
                stop.set()
            if not receiver.poll(POLL_SECONDS):
                continue
            try:
                item = receiver.recv()
            except EOFError:
                break
            if isinstance(item, Refused):
                if item.pattern_error:
                    raise PatternError(item.pattern, item.reason)
                raise SearchError(item.message, item.hint)
            if isinstance(item, Crashed):
                raise ChildSearchError(item.description)
            on_event(item)
            if isinstance(item, MatchBatch):
                matches.extend(item.matches)
            elif isinstance(item, SearchDone):
                summary = item.summary
    finally:
        stop.set()
        receiver.close()
        process.join(JOIN_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(JOIN_SECONDS)
    if summary is None:
        raise ChildSearchError(f"the search process ended early (exit status {process.exitcode})")
    return LogSearchResult.from_summary(summary, tuple(matches))
