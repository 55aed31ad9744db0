"""The Queries panel: what PostgreSQL spends its time on, who is connected, who blocks whom.

The statements view is pg_stat_statements' top entries (the pg_stat_statements + pg_activity
view of a database), with what changed since the previous refresh: calls/s, ms/s and the
mean time of the calls made in between, which shows a statement slowing down now when its
all-time mean hardly moves. ``o`` cycles what the top is chosen by (total time, mean time,
calls, blocks read); the source picks the top entries by it and the table shows them in that
order. Sessions, blocking chains, statements running now with no entry yet, and the
database's health are the other views (``t``). Enter shows a statement's whole text and
every number.

When pg_stat_statements cannot be read the source says why as a warning, shown above the
table, and every other view still works: mid-outage, activity matters more than history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from debugtui.sources.base import Table
from debugtui.sources.pgstats import (
    BlockedSession,
    Blocker,
    QueriesData,
    Session,
    Statement,
    StatementStats,
    blocking_table,
    sessions_table,
    unrecorded_table,
)
from debugtui.timewindow import format_duration
from debugtui.tui.panels.base import SourcePanel

SORTS: tuple[str, ...] = ("total", "mean", "calls", "io")
"""What ``o`` cycles through: keys of the source's ``SORT_KEYS``."""
SORT_COLUMNS: dict[str, str] = {
    "total": "total ms",
    "mean": "mean ms",
    "calls": "calls",
    "io": "shr read",
}
"""The statements table's column for each sort, so the rows show in the order asked for."""
SORT_NAMES: dict[str, str] = {
    "total": "total time",
    "mean": "mean time",
    "calls": "calls",
    "io": "shared blocks read",
}
RECENT_MEAN = "recent mean ms"
"""Mean time of the calls made since the previous refresh."""


class QueriesPanel(SourcePanel):
    source_name = "queries"
    views = (
        ("statements", ("queryid", "db", "query")),
        ("sessions", ("pid",)),
        ("blocking", ("blocked pid", "blocking pid")),
        ("unrecorded", ("pid",)),
        ("health", ("metric",)),
    )
    refresh_seconds = 5.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "o",
            "cycle_sort",
            "Top by",
            tooltip="Choose the top statements by total time, mean time, calls or blocks read",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sort = SORTS[0]
        """What the source chooses the top statements by."""
        self._sort_pending = False

    def on_mount(self) -> None:
        self.table.sort_column, self.table.sort_reverse = SORT_COLUMNS[self.sort], True

    # -- collecting ------------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        params = super().params()
        params["sort"] = self.sort
        return params

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show_in_sort_order()
        self.notify(f"Top statements by {SORT_NAMES[self.sort]}.", timeout=2)
        if self._collecting:
            self._sort_pending = True  # asked again as soon as the running collect is back
        else:
            self.collect()

    def _show_in_sort_order(self) -> None:
        table = self.table
        table.sort_column, table.sort_reverse = SORT_COLUMNS[self.sort], True
        table.show(table.source_table)

    def on_source_panel_collected(self, message: SourcePanel.Collected) -> None:
        # The base's handler runs after this one; collect once it has taken the result.
        if message.panel is self and self._sort_pending:
            self._sort_pending = False
            self.call_later(self.collect)

    def current_table(self) -> Table | None:
        table = super().current_table()
        if table is None or self.view_name != "statements" or self.snapshot is None:
            return table
        return with_recent_mean(table, self.data.statements)

    @property
    def view_name(self) -> str:
        return self.views[self.view_index % len(self.views)][0]

    @property
    def data(self) -> QueriesData:
        assert self.snapshot is not None
        return self.snapshot.data  # type: ignore[no-any-return]

    # -- detail ----------------------------------------------------------------------------

    def detail_title(self, row: Sequence[str]) -> str:
        table = self.current_table()
        if self.view_name == "statements" and table is not None and "queryid" in table.columns:
            return f"queries: statement {row[table.columns.index('queryid')]}"
        return super().detail_title(row)

    def detail_text(self, table: Table, row: Sequence[str]) -> str:
        if self.snapshot is None:
            return super().detail_text(table, row)
        data = self.data
        view = self.view_name
        found: Any = None
        if view == "statements":
            found = _record(data.statements.statements, table, row)
            if found is not None:
                return statement_text(found, data.statements)
        elif view == "sessions":
            found = _record(data.sessions, sessions_table(data.sessions), row)
        elif view == "unrecorded":
            found = _record(data.unrecorded, unrecorded_table(data.unrecorded), row)
        elif view == "blocking":
            pairs = [(b, k) for b in data.blocking for k in b.blockers]
            pair = _record(pairs, blocking_table(data.blocking), row)
            if pair is not None:
                return blocking_text(*pair)
        if isinstance(found, Session):
            return session_text(found)
        return super().detail_text(table, row)


def with_recent_mean(table: Table, stats: StatementStats) -> Table:
    """The statements table with the mean time of the calls made since the previous refresh,
    after the other rates."""
    at = table.columns.index("ms/s") + 1
    rows = tuple(
        (*row[:at], _ms(s.delta.mean_ms if s.delta else None), *row[at:])
        for row, s in zip(table.rows, stats.statements, strict=True)
    )
    return Table((*table.columns[:at], RECENT_MEAN, *table.columns[at:]), rows, table.title)


def _record(records: Sequence[Any], table: Table, row: Sequence[str]) -> Any:
    """The record behind ``row``: tables are built from their records in order."""
    wanted = tuple(row)
    for record, shown in zip(records, table.rows, strict=False):
        if tuple(shown) == wanted[: len(shown)]:
            return record
    return None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _age(seconds: float | None) -> str:
    return format_duration(None if seconds is None else timedelta(seconds=seconds))


def _lines(pairs: Sequence[tuple[str, object]]) -> list[str]:
    width = max(len(name) for name, _ in pairs)
    return [f"{name:>{width}}  {'-' if value is None else value}" for name, value in pairs]


def statement_text(s: Statement, stats: StatementStats) -> str:
    """A statement's whole text (as pg_stat_statements keeps it), then its numbers, what
    ranks it first: at 80x24 the SQL, the one thing every look at a statement is for, was
    below fifteen numbers, off the screen."""
    numbers: list[tuple[str, object]] = [
        ("% of time", f"{s.share_pct:.2f} (of all top-level statements)"),
        ("total ms", f"{s.total_ms:.3f}"),
        ("mean ms", f"{s.mean_ms:.3f}"),
        ("calls", s.calls),
        ("rows", s.rows),
    ]
    if s.delta is not None:
        d = s.delta
        restarted = " (the entry was re-created since)" if d.restarted else ""
        numbers += [
            ("since last refresh", f"{d.interval_s:.1f} s{restarted}"),
            ("calls", f"{d.calls} ({d.calls_per_s:.2f}/s)"),
            ("ms", f"{d.total_ms:.3f} ({d.ms_per_s:.2f} ms/s)"),
            ("recent mean ms", _ms(d.mean_ms)),
            ("rows", d.rows),
        ]
    else:
        numbers.append(("since last refresh", "- (rates come with the next refresh)"))
    numbers += [
        ("plan ms", None if s.plan_ms is None else f"{s.plan_ms:.3f}"),
        ("shared blocks hit", s.shared_blks_hit),
        ("shared blocks read", s.shared_blks_read),
        ("temp blocks", s.temp_blks),
        ("I/O ms", f"{s.io_ms:.3f}"),
        ("queryid", s.queryid),
        ("user", s.user),
        ("database", s.database),
        ("top level", "yes" if s.toplevel else "no (run inside a function or procedure)"),
        ("top chosen by", stats.sort),
    ]
    return "\n".join(["query:", s.query, "", *_lines(numbers)])


def session_text(s: Session) -> str:
    """A session's query first (as :func:`statement_text`), then where it stands."""
    numbers: list[tuple[str, object]] = [
        ("state", s.state),
        ("waiting on", f"{s.wait_event_type}:{s.wait_event}" if s.wait_event_type else None),
        ("query age", _age(s.query_age_s)),
        ("transaction age", _age(s.xact_age_s)),
        ("in this state for", _age(s.state_age_s)),
        ("pid", s.pid),
        ("user", s.user),
        ("database", s.database),
        ("application", s.application),
        ("client", s.client),
        ("query_id", s.query_id),
    ]
    return "\n".join(["query:", s.query or "", "", *_lines(numbers)])


def blocking_text(blocked: BlockedSession, blocker: Blocker) -> str:
    waiting: list[tuple[str, object]] = [
        ("blocked pid", blocked.pid),
        ("user", blocked.user),
        ("waiting for", _age(blocked.query_age_s)),
        ("blocked by", ", ".join(str(p) for p in blocked.blocking_pids)),
    ]
    holding: list[tuple[str, object]] = [
        ("blocking pid", blocker.pid),
        ("user", blocker.user),
        ("state", blocker.state),
        ("backend", blocker.backend_type),
        ("transaction age", _age(blocker.xact_age_s)),
    ]
    return "\n".join(
        [
            *_lines(waiting),
            "",
            "blocked query:",
            blocked.query or "",
            "",
            *_lines(holding),
            "",
            "blocking query (its latest; the lock may come from an earlier one):",
            blocker.query or "",
        ]
    )
