"""What the queries source returns: frozen records of a PostgreSQL server's state at a moment.

Top statements (pg_stat_statements, with rates since the previous snapshot), sessions
(pg_stat_activity), blocking chains and the current database's health. Numbers are kept raw
in the records (``to_dict`` is the JSON form); ``tables`` renders them for a panel, a pin or
Markdown, with untrusted SQL text flattened to one safe line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from debugtui.sources.base import Table
from debugtui.textsafe import one_line
from debugtui.timewindow import format_duration

SORT_KEYS: Mapping[str, str] = {
    "total": "total_ms",
    "mean": "mean_ms",
    "calls": "calls",
    "rows": "rows",
    "io": "shared_blks_read",
    "temp": "temp_blks",
}
"""``params["sort"]`` -> the Statement field it orders by (descending)."""

QUERY_WIDTH = 200
"""Characters of SQL text in tables; ``to_dict`` keeps the whole text."""


@dataclass(frozen=True)
class StatementDelta:
    """One statement's change since the previous snapshot."""

    interval_s: float
    calls: int
    total_ms: float
    rows: int
    restarted: bool
    """The entry was reset or evicted and re-created in the interval: counts are since then."""

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.interval_s

    @property
    def ms_per_s(self) -> float:
        return self.total_ms / self.interval_s

    @property
    def mean_ms(self) -> float | None:
        """Mean time of the calls made in the interval (None when there were none)."""
        return self.total_ms / self.calls if self.calls else None


@dataclass(frozen=True)
class Statement:
    """One pg_stat_statements entry (user, database, query id, top level or nested)."""

    queryid: int
    userid: int
    dbid: int
    toplevel: bool
    user: str | None
    database: str | None
    calls: int
    total_ms: float
    mean_ms: float
    plan_ms: float | None
    """Planning time; None before pg_stat_statements 1.8, 0 when track_planning is off."""
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    temp_blks: int
    io_ms: float
    """Time reading and writing blocks; 0 when track_io_timing is off."""
    share_pct: float
    """This entry's share of the total time of all top-level statements."""
    query: str
    delta: StatementDelta | None = None


@dataclass(frozen=True)
class Interval:
    """Top-level totals since the previous snapshot (nested statements would count twice)."""

    seconds: float
    calls_per_s: float
    ms_per_s: float
    reset: bool
    """pg_stat_statements was reset in the interval (rates are then since the reset)."""
    evicted: int | None
    """Entries evicted for lack of room (pg_stat_statements.max), when the server says."""
    restarted_entries: int


@dataclass(frozen=True)
class StatementStats:
    """The pg_stat_statements part; ``available`` False says why and what to do."""

    available: bool
    sort: str
    top: int
    extension_version: str | None = None
    sql_file: str | None = None
    problem: str | None = None
    hint: str | None = None
    entries: int = 0
    """Visible entries, debugtui's own left out."""
    hidden: int = 0
    """Entries of other roles this role may not see (no pg_read_all_stats)."""
    total_ms: float = 0.0
    """Total time of all top-level entries: what ``share_pct`` is a share of."""
    statements: tuple[Statement, ...] = ()
    interval: Interval | None = None
    dealloc: int | None = None
    stats_reset: datetime | None = None


@dataclass(frozen=True)
class Session:
    """One client session from pg_stat_activity (debugtui's own are left out)."""

    pid: int
    user: str | None
    database: str | None
    application: str | None
    client: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    xact_age_s: float | None
    query_age_s: float | None
    state_age_s: float | None
    query: str | None
    query_id: int | None
    """PostgreSQL 14+ (with compute_query_id); links to the pg_stat_statements entry."""


@dataclass(frozen=True)
class ActivitySummary:
    sessions: int
    active: int
    idle: int
    idle_in_transaction: int
    waiting: int
    """Sessions waiting on a heavyweight lock."""
    longest_idle_in_transaction_pid: int | None
    longest_idle_in_transaction_s: float | None
    longest_running_pid: int | None
    longest_running_s: float | None
    hidden: int
    """Sessions whose query this role may not see."""


@dataclass(frozen=True)
class Blocker:
    pid: int
    user: str | None
    state: str | None
    backend_type: str | None
    xact_age_s: float | None
    query: str | None


@dataclass(frozen=True)
class BlockedSession:
    """A session waiting on a lock and every session holding it up."""

    pid: int
    user: str | None
    query: str | None
    query_age_s: float | None
    """Since the waiting statement started: an upper bound of the wait."""
    blockers: tuple[Blocker, ...]

    @property
    def blocking_pids(self) -> tuple[int, ...]:
        return tuple(b.pid for b in self.blockers)


@dataclass(frozen=True)
class Health:
    """The current database's counters and the settings needed to read them right."""

    database: str
    server_version: str
    connections: int
    max_connections: int
    superuser_reserved_connections: int
    reserved_connections: int
    xact_commit: int
    xact_rollback: int
    blks_hit: int
    blks_read: int
    deadlocks: int
    temp_files: int
    temp_bytes: int
    stats_reset: datetime | None
    track_io_timing: bool
    track_planning: bool | None
    """None when pg_stat_statements is not loaded."""

    @property
    def usable_connections(self) -> int:
        """Slots open to ordinary roles."""
        return max(
            self.max_connections - self.superuser_reserved_connections - self.reserved_connections,
            1,
        )

    @property
    def connections_pct(self) -> float:
        return 100.0 * self.connections / self.usable_connections

    @property
    def cache_hit_pct(self) -> float | None:
        reads = self.blks_hit + self.blks_read
        return 100.0 * self.blks_hit / reads if reads else None


@dataclass(frozen=True)
class QueriesData:
    """One snapshot of a PostgreSQL server."""

    server_version: str
    statements: StatementStats
    sessions: tuple[Session, ...]
    activity: ActivitySummary
    blocking: tuple[BlockedSession, ...]
    unrecorded: tuple[Session, ...]
    """Statements running now that pg_stat_statements has no entry for yet (it records a
    statement when it finishes), longest first; PostgreSQL 14+ only (needs query_id)."""
    health: Health

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)

    def tables(self) -> Mapping[str, Table]:
        return {
            "statements": statements_table(self.statements),
            "sessions": sessions_table(self.sessions),
            "blocking": blocking_table(self.blocking),
            "unrecorded": unrecorded_table(self.unrecorded),
            "health": health_table(self.health, self.activity, self.statements),
        }


_PROPERTIES: Mapping[type, tuple[str, ...]] = {
    StatementDelta: ("calls_per_s", "ms_per_s", "mean_ms"),
    BlockedSession: ("blocking_pids",),
    Health: ("usable_connections", "connections_pct", "cache_hit_pct"),
}


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
        for name in _PROPERTIES.get(type(value), ()):
            out[name] = _jsonable(getattr(value, name))
        return out
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def sql_line(text: str | None, limit: int = QUERY_WIDTH) -> str:
    """SQL on one safe line: whitespace runs collapsed, control characters made visible."""
    return one_line(" ".join((text or "").split()), limit)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _age(seconds: float | None) -> str:
    return format_duration(None if seconds is None else timedelta(seconds=seconds))


def _text(value: object) -> str:
    return "-" if value is None else one_line(str(value), 60)


# Column order in these tables is for an 80-column terminal: what the responder reads first
# (time shares, ages, the pid to act on) and then the query, which takes the rest of the
# line; counters and identifiers follow, a scroll right or the detail view away.


def statements_table(stats: StatementStats) -> Table:
    rows = tuple(
        (
            f"{s.share_pct:.1f}",
            _ms(s.total_ms),
            _ms(s.mean_ms),
            str(s.calls),
            sql_line(s.query if s.toplevel else f"(nested) {s.query}"),
            _rate(s.delta.calls_per_s if s.delta else None),
            _rate(s.delta.ms_per_s if s.delta else None),
            str(s.rows),
            str(s.shared_blks_hit),
            str(s.shared_blks_read),
            str(s.temp_blks),
            _text(s.database),
            str(s.queryid),
        )
        for s in stats.statements
    )
    title = f"top {stats.top} statements by {stats.sort}"
    if not stats.available:
        title += f" (unavailable: {stats.problem})"
    return Table(
        (
            "% time",
            "total ms",
            "mean ms",
            "calls",
            "query",
            "calls/s",
            "ms/s",
            "rows",
            "shr hit",
            "shr read",
            "temp blks",
            "db",
            "queryid",
        ),
        rows,
        title,
    )


def sessions_table(sessions: tuple[Session, ...]) -> Table:
    rows = tuple(
        (
            str(s.pid),
            _text(s.state),
            _age(s.query_age_s),
            sql_line(s.query),
            _text(f"{s.wait_event_type}:{s.wait_event}" if s.wait_event_type else None),
            _age(s.xact_age_s),
            _text(s.user),
            _text(s.database),
            _text(s.application),
            _text(s.query_id),
        )
        for s in sessions
    )
    return Table(
        ("pid", "state", "query age", "query", "wait", "xact age", "user", "db", "app", "query_id"),
        rows,
        "sessions (pg_stat_activity)",
    )


def blocking_table(blocked: tuple[BlockedSession, ...]) -> Table:
    rows = tuple(
        (
            str(b.pid),
            _age(b.query_age_s),
            str(k.pid),
            _text(k.state),
            _age(k.xact_age_s),
            sql_line(b.query, 80),
            sql_line(k.query, 80),
            _text(b.user),
        )
        for b in blocked
        for k in b.blockers
    )
    return Table(
        (
            "blocked pid",
            "waiting",
            "blocking pid",
            "state",
            "xact age",
            "blocked query",
            "blocking query",
            "user",
        ),
        rows,
        "blocking chains",
    )


def unrecorded_table(sessions: tuple[Session, ...]) -> Table:
    rows = tuple(
        (str(s.pid), _age(s.query_age_s), sql_line(s.query), _text(s.user), _text(s.query_id))
        for s in sessions
    )
    return Table(
        ("pid", "running", "query", "user", "query_id"),
        rows,
        "running now, not yet in pg_stat_statements",
    )


def health_table(health: Health, activity: ActivitySummary, stats: StatementStats) -> Table:
    hit = health.cache_hit_pct
    planning = {True: "on", False: "off (plan time reads 0)", None: "n/a"}[health.track_planning]
    rows: list[tuple[str, str]] = [
        ("database", one_line(health.database)),
        ("server", one_line(health.server_version)),
        (
            "connections",
            f"{health.connections} of {health.usable_connections} usable "
            f"({health.connections_pct:.0f}%; max_connections {health.max_connections})",
        ),
        ("active", str(activity.active)),
        ("idle in transaction", str(activity.idle_in_transaction)),
        (
            "longest idle in transaction",
            f"{_age(activity.longest_idle_in_transaction_s)} "
            f"(pid {_text(activity.longest_idle_in_transaction_pid)})",
        ),
        ("waiting on locks", str(activity.waiting)),
        (
            "longest running",
            f"{_age(activity.longest_running_s)} (pid {_text(activity.longest_running_pid)})",
        ),
        ("cache hit", "-" if hit is None else f"{hit:.2f}%"),
        ("commits / rollbacks", f"{health.xact_commit} / {health.xact_rollback}"),
        ("deadlocks", str(health.deadlocks)),
        ("temp files", f"{health.temp_files} ({health.temp_bytes} bytes)"),
        ("track_io_timing", "on" if health.track_io_timing else "off (I/O time reads 0)"),
        ("track_planning", planning),
        (
            "pg_stat_statements",
            one_line(stats.extension_version or "-")
            if stats.available
            else f"unavailable: {one_line(stats.problem or '')}",
        ),
    ]
    if stats.interval is not None:
        rows.append(
            (
                "statements since last refresh",
                f"{stats.interval.calls_per_s:.1f} calls/s, {stats.interval.ms_per_s:.1f} ms/s"
                + (" (after a reset)" if stats.interval.reset else ""),
            )
        )
    return Table(("metric", "value"), tuple(rows), "database health")
