"""The Logs panel's worker side: a search or a follow feeding what it finds to the UI.

A search of gigabytes can find a million matches; posting a message per batch would flood
the UI. Instead the worker thread drops what it finds into a :class:`Feed` (a lock, a list,
the latest progress) and the panel takes it out on a timer a few times a second, as toolong
batches its lines: however fast matches arrive, the UI does a bounded amount of work per
tick. Each search and each follow has its own feed, whose ``cancel`` Event the engine
checks, so a superseded search is stopped and whatever it still writes is never read.

:class:`StreamingLogsSource` is the logs source with a feed attached: ``collect`` returns
the same Snapshot ``LogsSource.collect`` would (so the findings get their histogram) while
the matches stream; the search itself runs in a child process (see ``log_child``). Nothing
here imports Textual.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Snapshot, Source, SourceError, describe
from debugtui.sources.logfollow import POLL_SECONDS
from debugtui.sources.logs import (
    FollowNotice,
    LogMatch,
    LogQuery,
    LogSearchResult,
    LogsSource,
    MatchBatch,
    PatternError,
    SearchError,
    SearchEvent,
    SearchProgress,
    follow,
    query_from_params,
    verdict,
)
from debugtui.sources.logtimes import minute_of
from debugtui.tui.panels.log_child import ChildSearchError, search_in_child


@dataclass(frozen=True)
class Taken:
    """What a feed received since the panel last looked."""

    matches: tuple[LogMatch, ...] = ()
    counted: int = 0
    """Matches received, including any the feed had to drop (see :class:`Feed`)."""
    minutes: Counter[datetime] = field(default_factory=Counter)
    """Per-minute counts of the matches received (for the live histogram)."""
    progress: SearchProgress | None = None
    """The latest progress, if any came."""
    notices: tuple[str, ...] = ()


class Feed:
    """Matches and progress handed from a worker thread to the UI, bounded in memory.

    At most ``keep`` matches wait to be taken (a follow of a log writing thousands of lines
    a second keeps the newest); ``counted`` and ``minutes`` still count every one.
    """

    def __init__(self, keep: int) -> None:
        self.cancel = threading.Event()
        """Set to stop the search or follow writing into this feed."""
        self._lock = threading.Lock()
        self._matches: deque[LogMatch] = deque(maxlen=max(keep, 1))
        self._counted = 0
        self._minutes: Counter[datetime] = Counter()
        self._progress: SearchProgress | None = None
        self._notices: list[str] = []

    def add(self, matches: tuple[LogMatch, ...]) -> None:
        minutes = Counter(minute_of(m.time) for m in matches if m.time is not None)
        with self._lock:
            self._matches.extend(matches)
            self._counted += len(matches)
            self._minutes.update(minutes)

    def on_event(self, event: SearchEvent) -> None:
        """For ``run_search``: keep match batches and the latest progress."""
        if isinstance(event, MatchBatch):
            self.add(event.matches)
        elif isinstance(event, SearchProgress):
            with self._lock:
                self._progress = event

    def notice(self, text: str) -> None:
        with self._lock:
            self._notices.append(text)

    def take(self) -> Taken:
        with self._lock:
            if not (self._matches or self._counted or self._progress or self._notices):
                return Taken()
            taken = Taken(
                tuple(self._matches),
                self._counted,
                self._minutes,
                self._progress,
                tuple(self._notices),
            )
            self._matches.clear()
            self._counted = 0
            self._minutes = Counter()
            self._progress = None
            self._notices = []
        return taken


class StreamingLogsSource(LogsSource):
    """``LogsSource`` whose search streams into a :class:`Feed` and stops on its ``cancel``.

    One object per search. ``now`` is the time durations in ``since``/``until`` count back
    from (the screen's clock, so a window matches what the screen shows as now).
    """

    def __init__(self, config: Config, feed: Feed, now: datetime | None = None) -> None:
        super().__init__(config)
        self.feed = feed
        self.now = now

    def _collect(self, params: dict[str, Any]) -> tuple[LogSearchResult, list[str]]:
        query = query_from_params(params, self.config, self.now)
        try:
            result = search_in_child(query, self.feed.cancel, self.feed.on_event)
        except (PatternError, SearchError) as exc:
            raise SourceError(exc.message, exc.hint) from None
        except ChildSearchError as exc:
            raise SourceError(
                f"the log search failed: {exc}",
                "`debugtui logs PATTERN --path P` runs the same search in a terminal",
            ) from None
        if result.cancelled:
            return result, list(result.notes)  # a part of the files: no verdict on the rest
        return result, verdict(query, result)


def collect_streaming(
    source: Source, params: dict[str, Any], feed: Feed, now: datetime | None
) -> Snapshot:
    """One search for the panel: streamed into ``feed`` when ``source`` is the real logs
    source; a stand-in (the notebook tests' quiet source) is simply collected."""
    if isinstance(source, LogsSource):
        return StreamingLogsSource(source.config, feed, now).collect(params)
    return source.collect(params)


def follow_into(query: LogQuery, feed: Feed, poll_seconds: float = POLL_SECONDS) -> str | None:
    """Follow ``query``'s files into ``feed`` until its ``cancel`` is set; the reason it
    stopped on its own (None when cancelled)."""
    try:
        for event in follow(query, feed.cancel, poll_seconds):
            if isinstance(event, FollowNotice):
                # what happened first: the status line is one line, and a path (a k8s
                # container log's) can fill it; the file's name is enough beside it
                feed.notice(f"{event.message}: {os.path.basename(event.path)}")
            else:
                feed.add(event.matches)
    except PatternError as exc:
        return exc.message
    except Exception as exc:  # follow reports file trouble as notices; anything else ends it
        return describe(exc)
    return None if feed.cancel.is_set() else "follow ended"
