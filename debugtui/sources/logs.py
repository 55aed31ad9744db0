"""The logs evidence source: search log files for a pattern, in a time window, fast.

``grep -r error /var/log`` is the first thing a responder types; this is that search made
part of the investigation: files, globs and directories with their rotated and compressed
siblings, a time window that seeks instead of reading gigabytes, the entry a stack-trace
line belongs to, a per-minute histogram, a cap on kept matches with the true total, and
every file's fate reported (unreadable, binary, corrupt, time going backwards), never a
crash.

Two ways in:

* :func:`search` streams events (match batches, progress, per-file status, a final
  summary) for the TUI panel and the CLI; it checks a ``threading.Event`` to cancel and
  keeps memory bounded however big the files (matches past ``max_matches`` are counted,
  not kept).
* :class:`LogsSource` (``collect(params)``) runs a whole search into a
  :class:`LogSearchResult` snapshot.

* :func:`follow` (``tail -F``) yields new matches as files grow, across rotations.

This module is the Source and the public names; the search itself runs in ``logsearch``
(kept free of config and Source imports for the CLI's start-up) with the engines
``logsearch_rg`` (ripgrep) and ``logsearch_py`` (pure Python), which give the same
matches. Timestamps: ``logtimes``; files: ``logfiles``; window seeks: ``logseek``;
patterns: ``logpattern``; records and events: ``logresults``; follow: ``logfollow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Source, SourceError
from debugtui.sources.logfollow import FollowEvent, FollowNotice, follow
from debugtui.sources.logpattern import PatternError, validate_pattern
from debugtui.sources.logresults import (
    FileDone,
    FileStatus,
    LogMatch,
    LogQuery,
    MatchBatch,
    SearchDone,
    SearchEvent,
    SearchProgress,
)
from debugtui.sources.logsearch import SearchError, run_search, search
from debugtui.sources.logsnapshot import LogSearchResult
from debugtui.timewindow import TimeParseError, parse_when

__all__ = [
    "FileDone",
    "FileStatus",
    "FollowEvent",
    "FollowNotice",
    "LogMatch",
    "LogQuery",
    "LogSearchResult",
    "LogsSource",
    "MatchBatch",
    "PatternError",
    "SearchDone",
    "SearchError",
    "SearchEvent",
    "SearchProgress",
    "follow",
    "query_from_params",
    "run_search",
    "search",
    "validate_pattern",
    "verdict",
]


# -- the Source --------------------------------------------------------------------------


def query_from_params(
    params: Mapping[str, Any], config: Config, now: datetime | None = None
) -> LogQuery:
    """A :class:`LogQuery` from ``collect`` params, config filling what they leave out.

    ``since`` absent means ``[logs] since`` from the config; ``since=None`` or "" means no
    lower bound. Times are durations ("2h") or ISO times, or datetimes.
    """
    pattern = params.get("pattern")
    if not isinstance(pattern, str):
        raise SourceError(
            "a log search needs a pattern", "pass pattern, e.g. ERROR|Exception (Python re)"
        )
    raw_paths = params.get("paths") or config.logs.paths
    paths = (raw_paths,) if isinstance(raw_paths, str) else tuple(str(p) for p in raw_paths)

    def when(key: str, default: str | None) -> datetime | None:
        value = params.get(key, default)
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value), now)
        except TimeParseError as exc:
            raise SourceError(
                str(exc), f"{key} takes a duration (30m, 2h) or an ISO time"
            ) from None

    max_matches = params.get("max_matches", config.logs.max_matches)
    return LogQuery(
        pattern=pattern,
        paths=paths,
        ignore_case=bool(params.get("ignore_case", False)),
        since=when("since", config.logs.since),
        until=when("until", None),
        context=int(params.get("context", config.logs.context)),
        max_matches=None if max_matches is None else int(max_matches),
        engine=params.get("engine"),
        parallel=str(params.get("parallel", "auto")),
        count_only=bool(params.get("count_only", False)),
    )


class LogsSource(Source):
    """Search logs: params ``pattern`` (required), ``paths``, ``since``, ``until``,
    ``ignore_case``, ``context``, ``max_matches``, ``engine``, ``parallel``."""

    name = "logs"

    def _collect(self, params: dict[str, Any]) -> tuple[LogSearchResult, list[str]]:
        query = query_from_params(params, self.config)
        try:
            result = run_search(query)
        except (PatternError, SearchError) as exc:
            raise SourceError(exc.message, exc.hint) from None
        return result, verdict(query, result)

    def hint_for(self, exc: BaseException) -> str | None:
        if isinstance(exc, PermissionError):
            return "run as a user who may read the logs (root, or the adm group)"
        return None


def verdict(query: LogQuery, result: LogSearchResult) -> list[str]:
    """A finished search's warnings, or SourceError when it could read no file at all.

    Every file that was not read whole, or was read with a caveat (binary, invalid UTF-8, no
    timestamps for the window), is a warning: its matches are missing or not what they seem.
    """
    if result.files and all(f.state == "skipped" for f in result.files):
        why = "; ".join(f"{f.path}: {f.reason}" for f in result.files[:3])
        raise SourceError(
            f"no readable log file in {', '.join(query.paths)} ({why})",
            "check the paths ([logs] paths in debugtui.toml) and that you may read them "
            "(run as root or add yourself to the adm group)",
        )
    if not result.files:
        raise SourceError(
            f"no log file found in {', '.join(query.paths)}",
            "set [logs] paths in debugtui.toml to your log files or directories",
        )
    warnings = [f"{f.path}: {f.summary}" for f in result.files if f.state != "ok" or f.notes]
    return [*warnings, *result.notes]
