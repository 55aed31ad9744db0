"""Sessions, blocking chains and database health, from sessions the tests really open."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from debugtui.config import Config, PostgresConfig
from debugtui.sources.queries import QueriesSource
from tests.fixtures.postgres import PostgresServer

UNRECORDED_SQL = "SELECT pg_sleep(60) FROM generate_series(1, 1) AS g(i) WHERE i IN (1, 2, 3, 4, 5)"
"""A statement shape no other test completes, so pg_stat_statements has no entry for it."""


@pytest.fixture
def source(postgres: PostgresServer) -> Iterator[QueriesSource]:
    src = QueriesSource(Config(postgres=PostgresConfig(dsn=postgres.dsn)))
    yield src
    src.close()


def wait_for(postgres: PostgresServer, condition_sql: str) -> None:
    """Poll the server until ``condition_sql`` is true (bounded by pytest-timeout)."""
    while not postgres.psql(condition_sql)[0][0]:
        time.sleep(0.05)


def in_background(target: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_idle_in_transaction_session_is_shown(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    with postgres.connect(autocommit=False) as conn:
        conn.execute("SELECT 1 AS left_open")
        pid = conn.info.backend_pid
        snap = source.collect()
        conn.rollback()
    assert snap.ok, snap.error
    session = next(s for s in snap.data.sessions if s.pid == pid)
    assert session.state == "idle in transaction"
    assert session.xact_age_s is not None and session.xact_age_s >= 0
    activity = snap.data.activity
    assert activity.idle_in_transaction == 1
    assert activity.longest_idle_in_transaction_pid == pid
    table = snap.tables()["sessions"]
    row = next(r for r in table.rows if r[0] == str(pid))
    assert "left_open" in row[table.columns.index("query")]


@pytest.mark.timeout(60)
def test_blocking_chain_names_the_lock_holder_and_its_query(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    # untracked: the waiter's long wait must not become a pg_stat_statements entry
    holder = postgres.connect(autocommit=False, tracked=False)
    waiter = postgres.connect(tracked=False)
    holder_pid, waiter_pid = holder.info.backend_pid, waiter.info.backend_pid
    try:
        holder.execute("UPDATE pgbench_accounts SET abalance = abalance WHERE aid = 1")
        waiting = in_background(
            lambda: waiter.execute("UPDATE pgbench_accounts SET filler = filler WHERE aid = 1")
        )
        wait_for(
            postgres,
            "SELECT count(*) > 0 FROM pg_stat_activity "
            f"WHERE pid = {waiter_pid} AND wait_event_type = 'Lock'",
        )
        snap = source.collect()
        holder.rollback()
        waiting.join()
    finally:
        holder.close()
        waiter.close()
    assert snap.ok, snap.error
    blocked = next(b for b in snap.data.blocking if b.pid == waiter_pid)
    assert blocked.blocking_pids == (holder_pid,)
    assert "SET filler" in (blocked.query or "")
    assert blocked.blockers[0].state == "idle in transaction"
    assert "SET abalance" in (blocked.blockers[0].query or "")
    assert snap.data.activity.waiting == 1
    table = snap.tables()["blocking"]
    row = dict(zip(table.columns, table.rows[0], strict=True))
    assert row["blocked pid"] == str(waiter_pid) and row["blocking pid"] == str(holder_pid)


def test_no_blocking_chain_when_nothing_waits(source: QueriesSource) -> None:
    snap = source.collect()
    assert snap.ok, snap.error
    assert snap.data.blocking == ()
    assert snap.data.activity.waiting == 0


@pytest.mark.timeout(60)
def test_running_statement_without_an_entry_yet_is_shown(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    runner = postgres.connect(tracked=False)

    def run() -> None:
        with contextlib.suppress(psycopg.errors.QueryCanceled):
            runner.execute(UNRECORDED_SQL)

    thread = in_background(run)
    pid = runner.info.backend_pid
    try:
        wait_for(
            postgres,
            f"SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = {pid} AND state = 'active'"
            " AND query LIKE '%pg_sleep(60)%'",
        )
        snap = source.collect()
    finally:
        postgres.psql(f"SELECT pg_cancel_backend({pid})")
        thread.join()
        runner.close()
    assert snap.ok, snap.error
    unrecorded = next(s for s in snap.data.unrecorded if s.pid == pid)
    assert unrecorded.query_id is not None
    assert snap.data.activity.longest_running_pid == pid
    assert any(r[0] == str(pid) for r in snap.tables()["unrecorded"].rows)


def test_health_reports_connections_cache_and_counters(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    snap = source.collect()
    assert snap.ok, snap.error
    health = snap.data.health
    assert health.database == postgres.dbname
    assert health.max_connections == postgres.max_connections
    assert health.superuser_reserved_connections == 1
    assert health.usable_connections == postgres.max_connections - 1
    assert health.connections >= 1
    assert 0 < health.connections_pct <= 100
    assert health.cache_hit_pct is not None and 0 < health.cache_hit_pct <= 100
    assert health.xact_commit > 0
    assert health.deadlocks == 0
    assert health.track_io_timing is True
    assert health.track_planning is False
    values = dict(snap.tables()["health"].rows)
    assert values["track_planning"] == "off (plan time reads 0)"
    assert values["connections"].startswith(f"{health.connections} of {health.usable_connections}")


def test_track_io_timing_off_is_said_in_a_warning(postgres: PostgresServer) -> None:
    dsn = f"{postgres.dsn} options='-c track_io_timing=off'"
    src = QueriesSource(Config(postgres=PostgresConfig(dsn=dsn)))
    try:
        snap = src.collect()
    finally:
        src.close()
    assert snap.ok, snap.error
    assert snap.data.health.track_io_timing is False
    assert any("track_io_timing is off" in w for w in snap.warnings)
    assert dict(snap.tables()["health"].rows)["track_io_timing"] == "off (I/O time reads 0)"
