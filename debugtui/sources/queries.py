"""The queries source: what PostgreSQL is doing, from pg_stat_statements and pg_stat_activity.

One :class:`QueriesSource` keeps one session open between collects (a panel refreshes on
it) and reconnects by itself after the server restarts. Each collect reads, in order: the
current database's health, pg_stat_statements (top statements and rates since the previous
collect), pg_stat_activity (sessions, idle-in-transaction, statements running now that have
no entry yet) and blocking chains.

pg_stat_statements being unusable (not installed, not preloaded, no privilege) is a warning
with the fix, and the rest is still returned: mid-outage, activity and blocking chains matter
more than a missing extension. A server that is down, refuses the login or times out fails
the collect with a hint (see :mod:`debugtui.sources.pgsession`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from debugtui.config import Config
from debugtui.sources import pgdeltas, pgsession
from debugtui.sources.base import Source, SourceError
from debugtui.sources.pgsql import MARKER, load, parse_version, server_version, variant_for
from debugtui.sources.pgstats import (
    SORT_KEYS,
    ActivitySummary,
    BlockedSession,
    Blocker,
    Health,
    QueriesData,
    Session,
    Statement,
    StatementStats,
)

_TEXT_CACHE_LIMIT = 20_000
"""Query texts kept between collects; past this the cache starts over."""
_HIDDEN = "<insufficient privilege>"
_KEY_COLUMNS = ("userid", "dbid", "queryid", "toplevel")
_COUNTER_COLUMNS = ("calls", "total_ms", "rows", "stats_since")
Row = Sequence[Any]
"""A pg_stat_statements result row, read by position (see :class:`_Columns`)."""
_IDLE_IN_TRANSACTION = ("idle in transaction", "idle in transaction (aborted)")


class _QueryFailed(Exception):
    """A monitoring query failed; ``what`` names it for the message."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(what)
        self.what = what
        self.error = error


class QueriesSource(Source):
    """PostgreSQL evidence; params: ``top`` (int) and ``sort`` (a key of ``SORT_KEYS``)."""

    name = "queries"

    def __init__(self, config: Config | None = None) -> None:
        super().__init__(config)
        self._conn: Any = None
        self._baseline: pgdeltas.Baseline | None = None
        self._texts: dict[int, str] = {}
        self._own: set[int] = set()

    # -- Source hooks -------------------------------------------------------------------

    def scrub(self, message: str) -> str:
        return pgsession.scrub(message, self.config.postgres_dsn())

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _collect(self, params: dict[str, Any]) -> tuple[QueriesData, list[str]]:
        top, sort = self._options(params)
        for attempt in range(2):
            reused = self._conn is not None and not self._conn.closed
            conn = self._connection()
            try:
                data, warnings = self._read(conn, top, sort)
            except _QueryFailed as failed:
                error = pgsession.query_error(failed.error, failed.what, self.config.postgres)
                if conn.broken or conn.closed:
                    self.close()
                    if reused and attempt == 0:
                        continue  # the server restarted since the last collect: reconnect once
                raise self._scrubbed(error) from failed.error
            return data, [self.scrub(w) for w in warnings]
        raise AssertionError("unreachable: the second attempt returns or raises")

    # -- connection ---------------------------------------------------------------------

    def _connection(self) -> Any:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self.close()
        import psycopg

        dsn = self.config.postgres_dsn()
        try:
            self._conn = pgsession.open_session(dsn, self.config.postgres)
        except psycopg.Error as exc:
            origin = pgsession.dsn_origin(self.config)
            error = pgsession.connect_error(exc, origin, self.config.postgres.connect_timeout_s)
            raise self._scrubbed(error) from None
        return self._conn

    def _scrubbed(self, error: SourceError) -> SourceError:
        hint = None if error.hint is None else self.scrub(error.hint)
        return SourceError(self.scrub(error.message), hint)

    def _options(self, params: Mapping[str, Any]) -> tuple[int, str]:
        sort = str(params.get("sort", "total"))
        if sort not in SORT_KEYS:
            raise SourceError(f"unknown sort key {sort!r}", f"use one of: {', '.join(SORT_KEYS)}")
        raw_top = params.get("top", self.config.postgres.top)
        try:
            top = int(raw_top)
        except (TypeError, ValueError):
            top = 0
        if top < 1 or isinstance(raw_top, bool):
            raise SourceError(
                f"invalid top {raw_top!r}", "top is a whole number of statements, 1 or more"
            )
        return top, sort

    def _run(
        self,
        conn: Any,
        what: str,
        file: str,
        args: Mapping[str, Any] | None = None,
        schema: str | None = None,
    ) -> list[dict[str, Any]]:
        import psycopg
        from psycopg import sql
        from psycopg.rows import dict_row

        text = load(file)
        query: Any = text if schema is None else sql.SQL(text).format(schema=sql.Identifier(schema))
        try:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(query, args)
                return cur.fetchall()
        except psycopg.Error as exc:
            raise _QueryFailed(what, exc) from exc

    def _run_rows(
        self, conn: Any, what: str, file: str, schema: str
    ) -> tuple[_Columns, list[tuple[Any, ...]]]:
        """Like :meth:`_run` for the thousands of pg_stat_statements rows: plain tuples in
        binary format (a dict per row, and numbers the server prints as text and psycopg
        parses back, cost more than everything else in a refresh)."""
        import psycopg
        from psycopg import sql

        query = sql.SQL(load(file)).format(schema=sql.Identifier(schema))
        try:
            with conn.cursor(binary=True) as cur:
                cur.execute(query)
                names = [column.name for column in cur.description or ()]
                return _Columns(names), cur.fetchall()
        except psycopg.Error as exc:
            raise _QueryFailed(what, exc) from exc

    # -- reading ------------------------------------------------------------------------

    def _read(self, conn: Any, top: int, sort: str) -> tuple[QueriesData, list[str]]:
        warnings: list[str] = []
        version = server_version(conn.info.server_version)
        health_rows = self._run(conn, "pg_stat_database", _file("health", version))
        if not health_rows:
            raise SourceError("the current database has no row in pg_stat_database", None)
        health_row = health_rows[0]
        health = _health(health_row)
        stats, baseline = self._statements(conn, version, top, sort, health_row, warnings)
        activity_rows = self._run(conn, "pg_stat_activity", _file("activity", version))
        sessions = tuple(_session(r) for r in activity_rows)
        blocking = _blocking(self._run(conn, "blocking chains", _file("blocking", version)))
        summary = _summary(sessions)
        if summary.hidden:
            warnings.append(
                f"{summary.hidden} sessions of other roles show no query: "
                f"GRANT pg_read_all_stats TO {conn.info.user} (or pg_monitor)"
            )
        unrecorded = _unrecorded(sessions, baseline) if stats.available else ()
        if stats.available and not health.track_io_timing:
            warnings.append(
                "track_io_timing is off: I/O time reads 0 "
                "(ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();)"
            )
        if baseline is not None:
            self._baseline = baseline
        data = QueriesData(
            server_version=health.server_version,
            statements=stats,
            sessions=sessions,
            activity=summary,
            blocking=blocking,
            unrecorded=unrecorded,
            health=health,
        )
        return data, warnings

    def _statements(
        self,
        conn: Any,
        version: tuple[int, ...],
        top: int,
        sort: str,
        health_row: Mapping[str, Any],
        warnings: list[str],
    ) -> tuple[StatementStats, pgdeltas.Baseline | None]:
        """The pg_stat_statements part; unusable is a warning and ``available=False``."""
        import psycopg.errors as pg_errors

        database = conn.info.dbname
        user = conn.info.user

        def unavailable(
            problem: str, hint: str, ext: str | None = None
        ) -> tuple[StatementStats, None]:
            warnings.append(f"pg_stat_statements unavailable: {problem}; {hint}")
            stats = StatementStats(
                available=False,
                sort=sort,
                top=top,
                extension_version=ext,
                problem=problem,
                hint=hint,
            )
            return stats, None

        preload_hint = (
            "add pg_stat_statements to shared_preload_libraries in postgresql.conf and restart"
        )
        loaded = health_row.get("pgss_track") is not None
        ext_rows = self._run(conn, "pg_extension", _file("extension", version))
        if not ext_rows:
            hint = f"run: CREATE EXTENSION pg_stat_statements; in database {database}"
            if not loaded:
                hint = f"{preload_hint}, then {hint}"
            return unavailable(f"not installed in database {database}", hint)
        ext_version = str(ext_rows[0]["extversion"])
        schema = str(ext_rows[0]["nspname"])
        columns = ext_rows[0]["view_columns"] or None
        if not loaded:
            return unavailable("installed but not preloaded", preload_hint, ext_version)
        if health_row.get("pgss_track") == "none":
            warnings.append("pg_stat_statements.track is none: no statement is being recorded")
        parsed = parse_version(ext_version)
        variant = variant_for("statements", parsed, columns)
        if variant is None:
            return unavailable(
                f"version {ext_version} is not supported (1.4 or later is)",
                "run: ALTER EXTENSION pg_stat_statements UPDATE;",
                ext_version,
            )
        try:
            columns, rows = self._run_rows(conn, "pg_stat_statements", variant.file, schema)
            info_variant = variant_for("statements_info", parsed)
            info_rows = (
                self._run(conn, "pg_stat_statements_info", info_variant.file, schema=schema)
                if info_variant
                else []
            )
        except _QueryFailed as failed:
            if isinstance(failed.error, pg_errors.ObjectNotInPrerequisiteState):
                return unavailable("installed but not preloaded", preload_hint, ext_version)
            if isinstance(failed.error, pg_errors.InsufficientPrivilege):
                denied = str(failed.error).strip().splitlines()[0]
                return unavailable(
                    f"role {user} may not read it ({denied})",
                    f"GRANT EXECUTE ON FUNCTION {schema}.pg_stat_statements(boolean) TO {user};"
                    f" and GRANT pg_read_all_stats TO {user}; to see every role's statements",
                    ext_version,
                )
            if isinstance(
                failed.error,
                (pg_errors.UndefinedColumn, pg_errors.UndefinedFunction, pg_errors.UndefinedTable),
            ):
                return unavailable(
                    f"version {ext_version} does not have the expected columns",
                    "run: ALTER EXTENSION pg_stat_statements UPDATE;",
                    ext_version,
                )
            raise
        dealloc = info_rows[0]["dealloc"] if info_rows else None
        stats_reset = info_rows[0]["stats_reset"] if info_rows else None
        queryid = columns.queryid
        own = self._own
        own_before = len(own)
        hidden = list(map(itemgetter(queryid), rows)).count(None)
        left_out = {None, *own}
        visible = [r for r in rows if r[queryid] not in left_out]
        if hidden:
            warnings.append(
                f"{hidden} pg_stat_statements entries of other roles are hidden: "
                f"GRANT pg_read_all_stats TO {user} (or pg_monitor)"
            )
        # the row's own values, keyed and in compute's order: no object per entry
        counters = dict(zip(map(columns.key, visible), map(columns.counters, visible), strict=True))
        read_at = time.monotonic()
        current = pgdeltas.Baseline(read_at, counters, dealloc, stats_reset)
        chosen = self._top(conn, columns, visible, top, sort, schema, parsed)
        names = self._names(conn, columns, chosen, version)
        deltas, interval = pgdeltas.compute(self._baseline, current, keys=map(columns.key, chosen))
        if interval is not None and interval.reset:
            warnings.append(
                "pg_stat_statements was reset since the last refresh: rates count from the reset"
            )
        if interval is not None and interval.evicted:
            warnings.append(
                f"{interval.evicted} pg_stat_statements entries were evicted since the last "
                "refresh (pg_stat_statements.max too small?): rates of re-created entries "
                "count from their re-creation"
            )
        toplevel, total = (itemgetter(columns.index[c]) for c in ("toplevel", "total_ms"))
        total_top = float(sum(map(total, filter(toplevel, visible))))
        statements = tuple(
            _statement(columns, r, self._texts.get(r[queryid], ""), total_top, deltas, names)
            for r in chosen
        )
        if len(own) != own_before:
            # counters kept for the next delta must not include entries found to be our own
            counters = {k: v for k, v in counters.items() if k[2] not in own}
        stats = StatementStats(
            available=True,
            sort=sort,
            top=top,
            extension_version=ext_version,
            sql_file=variant.file,
            entries=len(counters),
            hidden=hidden,
            total_ms=total_top,
            statements=statements,
            interval=interval,
            dealloc=dealloc,
            stats_reset=stats_reset,
        )
        return stats, pgdeltas.Baseline(read_at, counters, dealloc, stats_reset)

    def _top(
        self,
        conn: Any,
        columns: _Columns,
        rows: list[tuple[Any, ...]],
        top: int,
        sort: str,
        schema: str,
        version: tuple[int, ...],
    ) -> list[tuple[Any, ...]]:
        """The ``top`` rows by ``sort``, fetching texts only for query ids not seen before.

        A text starting with :data:`MARKER` is debugtui's own statement: remembered, skipped,
        and the next row takes its place. (Every sort column is a counter
        pg_stat_statements always fills: never NULL.)
        """
        ordered = sorted(rows, key=itemgetter(columns.index[SORT_KEYS[sort]]), reverse=True)
        queryid = columns.queryid
        chosen: list[tuple[Any, ...]] = []
        position = 0
        while len(chosen) < top and position < len(ordered):
            batch = ordered[position : position + top - len(chosen)]
            position += len(batch)
            self._fetch_texts(conn, (r[queryid] for r in batch), schema, version)
            chosen.extend(r for r in batch if r[queryid] not in self._own)
        return chosen

    def _names(
        self, conn: Any, columns: _Columns, rows: list[tuple[Any, ...]], version: tuple[int, ...]
    ) -> dict[tuple[str, int], str]:
        """("user" | "database", oid) -> name, for the rows shown (read each refresh: a role
        renamed mid-incident shows its new name)."""
        if not rows:
            return {}
        userid, dbid = columns.index["userid"], columns.index["dbid"]
        args = {
            "users": sorted({r[userid] for r in rows}),
            "databases": sorted({r[dbid] for r in rows}),
        }
        found = self._run(conn, "role and database names", _file("statement_names", version), args)
        return {(row["kind"], row["oid"]): row["name"] for row in found}

    def _fetch_texts(
        self, conn: Any, ids: Iterable[int], schema: str, version: tuple[int, ...]
    ) -> None:
        missing = sorted({i for i in ids if i not in self._texts})
        variant = variant_for("statement_texts", version)
        if not missing or variant is None:
            return
        if len(self._texts) > _TEXT_CACHE_LIMIT:
            self._texts.clear()
        rows = self._run(
            conn,
            "pg_stat_statements texts",
            variant.file,
            {"ids": missing, "own": f"{MARKER}%"},
            schema=schema,
        )
        for row in rows:
            text = row["query"] or ""
            self._texts.setdefault(row["queryid"], text)
            if text.lstrip().startswith(MARKER):
                self._own.add(row["queryid"])


def _file(query: str, version: tuple[int, ...]) -> str:
    variant = variant_for(query, version)
    if variant is None:
        raise SourceError(
            f"PostgreSQL {'.'.join(map(str, version))} is older than debugtui supports",
            "debugtui reads PostgreSQL 10 and later",
        )
    return variant.file


class _Columns:
    """Where each named column of the statements query sits in a row, and the getters
    that take an entry's key and counters out of one (in C, no Python call per row)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.index = {name: i for i, name in enumerate(names)}
        self.queryid = self.index["queryid"]
        self.key = itemgetter(*(self.index[c] for c in _KEY_COLUMNS))
        self.counters = itemgetter(*(self.index[c] for c in _COUNTER_COLUMNS))

    def record(self, row: Row) -> dict[str, Any]:
        return {name: row[i] for name, i in self.index.items()}


def _statement(
    columns: _Columns,
    row: Row,
    text: str,
    total_top: float,
    deltas: Mapping[pgdeltas.Key, Any],
    names: Mapping[tuple[str, int], str],
) -> Statement:
    r = columns.record(row)
    total = float(r["total_ms"])
    return Statement(
        queryid=int(r["queryid"]),
        userid=int(r["userid"]),
        dbid=int(r["dbid"]),
        toplevel=bool(r["toplevel"]),
        user=names.get(("user", r["userid"])),
        database=names.get(("database", r["dbid"])),
        calls=int(r["calls"]),
        total_ms=total,
        mean_ms=float(r["mean_ms"] or 0.0),
        plan_ms=None if r["plan_ms"] is None else float(r["plan_ms"]),
        rows=int(r["rows"]),
        shared_blks_hit=int(r["shared_blks_hit"]),
        shared_blks_read=int(r["shared_blks_read"]),
        temp_blks=int(r["temp_blks"]),
        io_ms=float(r["io_ms"] or 0.0),
        share_pct=100.0 * total / total_top if total_top > 0 else 0.0,
        query=text,
        delta=deltas.get(columns.key(row)),
    )


def _session(row: Mapping[str, Any]) -> Session:
    return Session(
        pid=int(row["pid"]),
        user=row["usename"],
        database=row["datname"],
        application=row["application_name"],
        client=row["client"],
        state=row["state"],
        wait_event_type=row["wait_event_type"],
        wait_event=row["wait_event"],
        xact_age_s=row["xact_age_s"],
        query_age_s=row["query_age_s"],
        state_age_s=row["state_age_s"],
        query=row["query"],
        query_id=row["query_id"],
    )


def _unrecorded(
    sessions: tuple[Session, ...], baseline: pgdeltas.Baseline | None
) -> tuple[Session, ...]:
    """Active statements whose query id has no pg_stat_statements entry yet, longest first."""
    candidates = [s for s in sessions if s.state == "active" and s.query_id is not None]
    if not candidates:
        return ()  # the usual case: no need to gather thousands of known ids
    known = set() if baseline is None else {key[2] for key in baseline.counters}
    running = (s for s in candidates if s.query_id not in known)
    return tuple(sorted(running, key=lambda s: s.query_age_s or 0.0, reverse=True))


def _summary(sessions: tuple[Session, ...]) -> ActivitySummary:
    idle_tx = [s for s in sessions if s.state in _IDLE_IN_TRANSACTION]
    active = [s for s in sessions if s.state == "active"]
    longest_idle = max(idle_tx, key=lambda s: s.state_age_s or 0.0, default=None)
    longest_run = max(active, key=lambda s: s.query_age_s or 0.0, default=None)
    return ActivitySummary(
        sessions=len(sessions),
        active=len(active),
        idle=sum(1 for s in sessions if s.state == "idle"),
        idle_in_transaction=len(idle_tx),
        waiting=sum(1 for s in sessions if s.wait_event_type == "Lock"),
        longest_idle_in_transaction_pid=longest_idle.pid if longest_idle else None,
        longest_idle_in_transaction_s=longest_idle.state_age_s if longest_idle else None,
        longest_running_pid=longest_run.pid if longest_run else None,
        longest_running_s=longest_run.query_age_s if longest_run else None,
        hidden=sum(1 for s in sessions if s.query == _HIDDEN),
    )


def _blocking(rows: list[dict[str, Any]]) -> tuple[BlockedSession, ...]:
    blocked: dict[int, BlockedSession] = {}
    for row in rows:
        blocker = Blocker(
            pid=int(row["blocker_pid"]),
            user=row["blocker_usename"],
            state=row["blocker_state"],
            backend_type=row["blocker_backend_type"],
            xact_age_s=row["blocker_xact_age_s"],
            query=row["blocker_query"],
        )
        pid = int(row["pid"])
        seen = blocked.get(pid)
        blocked[pid] = BlockedSession(
            pid=pid,
            user=row["usename"],
            query=row["query"],
            query_age_s=row["query_age_s"],
            blockers=(*(seen.blockers if seen else ()), blocker),
        )
    return tuple(blocked.values())


def _health(row: Mapping[str, Any]) -> Health:
    planning = row["track_planning"]
    return Health(
        database=row["datname"],
        server_version=row["server_version"],
        connections=int(row["connections"]),
        max_connections=int(row["max_connections"]),
        superuser_reserved_connections=int(row["superuser_reserved_connections"]),
        reserved_connections=int(row["reserved_connections"]),
        xact_commit=int(row["xact_commit"]),
        xact_rollback=int(row["xact_rollback"]),
        blks_hit=int(row["blks_hit"]),
        blks_read=int(row["blks_read"]),
        deadlocks=int(row["deadlocks"]),
        temp_files=int(row["temp_files"]),
        temp_bytes=int(row["temp_bytes"]),
        stats_reset=row["stats_reset"],
        track_io_timing=row["track_io_timing"] == "on",
        track_planning=None if planning is None else planning == "on",
    )
