"""Sub-command ``debugtui logs``: search log files from the shell, like rg, with time windows.

``debugtui logs PATTERN [--path P ...] [--since T] [--until T] [-i] [-C N] [--max N]
[--count] [--json] [--follow] [--engine rg|python]``

Output follows rg so it fits the same pipes: ``path:line:text`` per match (``path:@offset:
text`` when a window seek started mid-file and the line number is unknown), ``path-line-
text`` for context lines and ``--`` between groups; ``--count`` prints the number (one file)
or ``path:count`` per file and ``total:N``; ``--json`` prints one document. Exit status: 0
matches, 1 none, 2 an invalid pattern or no readable file (one line on stderr). Unlike the
TUI, no default window applies: without ``--since`` every line is searched, and ``-C``
defaults to 0, as in rg.

Start-up is benchmarked against ``rg -c`` including process start, so this module imports
only argparse at registration; the handler imports the search modules (no Textual, no
psutil, not the Source base) and reads the config only when it needs it: no path given
(``[logs] paths``) or ``--json`` without ``--max`` (``[logs] max_matches``).
"""

from __future__ import annotations

import argparse
import sys

from debugtui.sources.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO, Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``logs`` to the parser."""
    logs = sub.add_parser(
        "logs",
        help="search log files (rotated and .gz included), optionally in a time window",
        description="Search log files for a Python regex, like rg, with rotated and "
        "compressed siblings, time windows and follow mode.",
    )
    logs.add_argument("pattern", metavar="PATTERN", help="Python re regular expression")
    logs.add_argument("paths", nargs="*", metavar="PATH", help="files, globs or directories")
    logs.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="P",
        help="file, glob or directory (repeatable; default: [logs] paths, /var/log)",
    )
    logs.add_argument("--since", metavar="T", help="only entries from T on (2h, or an ISO time)")
    logs.add_argument("--until", metavar="T", help="only entries before T")
    logs.add_argument("-i", "--ignore-case", action="store_true", help="case-insensitive")
    logs.add_argument("-C", "--context", type=int, metavar="N", help="lines of context")
    logs.add_argument(
        "--max",
        type=int,
        metavar="N",
        help="matches printed at most (default: all; --json: [logs] max_matches)",
    )
    logs.add_argument("--count", action="store_true", help="print only the number of matches")
    logs.add_argument("--json", action="store_true", help="print one JSON document")
    logs.add_argument("--follow", "-F", action="store_true", help="print new matches as written")
    logs.add_argument("--engine", choices=("rg", "python"), help="search engine (default: rg)")
    logs.add_argument(
        "--parallel",
        choices=("auto", "always", "never"),
        default="auto",
        help="split a big file across cores (auto: >64 MB and no literal in the pattern)",
    )
    # cli.main may skip the interpreter's tear-down: every search joins its threads and rg
    logs.set_defaults(handler=run_logs, exit_at_once=True)


def run_logs(args: argparse.Namespace) -> int:
    from debugtui.cli import UsageError
    from debugtui.sources.logpattern import PatternError
    from debugtui.sources.logresults import LogQuery
    from debugtui.sources.logsearch import SearchError

    if args.follow and (args.json or args.count):
        raise UsageError("debugtui logs: --follow prints matches; it takes no --json or --count")
    if (args.context is not None and args.context < 0) or (args.max is not None and args.max < 0):
        raise UsageError("debugtui logs: -C and --max take a number >= 0")
    since = until = None
    if args.since or args.until:
        from debugtui.timewindow import TimeParseError, parse_when

        try:
            since = parse_when(args.since) if args.since else None
            until = parse_when(args.until) if args.until else None
        except TimeParseError as exc:
            raise UsageError(f"debugtui logs: {exc}") from exc
    paths = tuple(args.paths) + tuple(args.path)
    max_matches = args.max
    if not paths or (args.json and max_matches is None):
        config = _config(args)  # only then: loading it costs start-up time (see module)
        paths = paths or config.logs.paths
        if args.json and max_matches is None:
            max_matches = config.logs.max_matches
    if args.count:
        max_matches = 0  # a window still needs each match's time, but nothing is kept
    query = LogQuery(
        pattern=args.pattern,
        paths=paths,
        ignore_case=args.ignore_case,
        since=since,
        until=until,
        context=args.context or 0,
        max_matches=max_matches,
        engine=args.engine,
        parallel=args.parallel,
        count_only=args.count,
        histogram=args.json,
        max_line_chars=4096 if args.json else None,
    )
    out = sys.stdout
    try:
        if args.follow:
            return _follow(query, out)
        return _search(query, args, out)
    except (PatternError, SearchError) as exc:
        print(f"debugtui logs: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 0


def _config(args: argparse.Namespace) -> Any:
    from debugtui.cli import UsageError
    from debugtui.config import ConfigError, load_config

    try:
        return load_config(args.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc


def _search(query: Any, args: argparse.Namespace, out: IO[str]) -> int:
    from debugtui.sources.logresults import FileDone, MatchBatch, SearchDone
    from debugtui.sources.logsearch import search

    printer = _Printer(out.buffer, out.isatty(), query.context > 0)
    summary = None
    problems: list[str] = []
    events = search(query)
    try:
        for event in events:
            if isinstance(event, MatchBatch) and not args.count and not args.json:
                printer.matches(event.matches)
            elif isinstance(event, MatchBatch):
                printer.keep(event.matches)
            elif isinstance(event, FileDone) and event.status.state != "ok":
                problems.append(f"{event.status.path}: {event.status.summary}")
            elif isinstance(event, SearchDone):
                summary = event.summary
    finally:
        events.close()
    assert summary is not None
    searched = [f for f in summary.files if f.state != "skipped"]
    if not searched:
        detail = "; ".join(problems) if problems else "no file found"
        print(f"debugtui logs: no readable log file ({detail})", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"debugtui logs: {problem}", file=sys.stderr)
    if args.json:
        import json

        from debugtui.sources.logsnapshot import LogSearchResult

        result = LogSearchResult.from_summary(summary, tuple(printer.kept))
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif args.count:
        if len(searched) == 1:
            out.write(f"{summary.total}\n")
        else:
            for status in searched:
                if status.matches:
                    out.write(f"{status.path}:{status.matches}\n")
            out.write(f"total:{summary.total}\n")
    out.flush()
    return 0 if summary.total else 1


def _follow(query: Any, out: IO[str]) -> int:
    from debugtui.sources.logfollow import FollowNotice, follow

    printer = _Printer(out.buffer, out.isatty(), False)
    for event in follow(query):
        if isinstance(event, FollowNotice):
            print(f"debugtui logs: {event.path}: {event.message}", file=sys.stderr)
        else:
            printer.matches(event.matches)
            out.buffer.flush()
    return 0


class _Printer:
    """rg-style lines on a binary stream; control characters made visible on a terminal."""

    def __init__(self, stream: IO[bytes], terminal: bool, context: bool) -> None:
        self.stream = stream
        self.context = context
        self.kept: list[Any] = []
        self._last: tuple[str, int] | None = None
        """(path, offset) of the last line printed, to join overlapping context."""
        self._last_line: int | None = None
        if terminal:
            from debugtui.textsafe import visible

            self._clean = visible
        else:
            self._clean = _same

    def keep(self, matches: tuple[Any, ...]) -> None:
        self.kept.extend(matches)

    def matches(self, matches: tuple[Any, ...]) -> None:
        clean = self._clean
        if not self.context:
            self.stream.write(
                b"".join(
                    f"{m.path}:{m.location}:{clean(m.text)}\n".encode("utf-8", "surrogateescape")
                    for m in matches
                )
            )
            return
        chunks: list[str] = []
        for m in matches:
            lines = ([m.entry] if m.entry is not None else []) + list(m.before)
            self._group(chunks, m.path, lines, "-")
            self._group(chunks, m.path, [m], ":")
            self._group(chunks, m.path, list(m.after), "-")
        self.stream.write("".join(chunks).encode("utf-8", "surrogateescape"))

    def _group(self, chunks: list[str], path: str, lines: list[Any], sep: str) -> None:
        for line in lines:
            if self._last is not None and self._last[0] == path and line.offset <= self._last[1]:
                continue  # already printed as context of the previous match
            if self._last is not None and not self._adjacent(path, line):
                chunks.append("--\n")
            number = str(line.line) if line.line is not None else f"@{line.offset}"
            chunks.append(f"{path}{sep}{number}{sep}{self._clean(line.text)}\n")
            self._last = (path, line.offset)
            self._last_line = line.line

    def _adjacent(self, path: str, line: Any) -> bool:
        assert self._last is not None
        return (
            self._last[0] == path
            and line.line is not None
            and self._last_line is not None
            and line.line == self._last_line + 1
        )


def _same(text: str) -> str:
    return text


def _silence_stdout() -> None:
    """After the reader of a pipe left (``| head``): no error at interpreter exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
