"""The PostgreSQL fixture itself: the workload it promises is really there."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.fixtures.postgres import PostgresServer


def test_fixture_runs_slow_query_on_top_by_total_time(postgres: PostgresServer) -> None:
    rows = postgres.psql(
        "SELECT query FROM pg_stat_statements WHERE toplevel ORDER BY total_exec_time DESC LIMIT 1"
    )
    assert "debugtui_slow_report" in rows[0][0]


def test_fixture_listens_on_tcp_port(postgres: PostgresServer) -> None:
    with socket.create_connection(("127.0.0.1", postgres.port), timeout=5):
        pass


def test_fixture_monitor_role_has_pg_monitor(postgres: PostgresServer) -> None:
    rows = postgres.psql(
        "SELECT pg_has_role(current_user, 'pg_monitor', 'MEMBER')", user=postgres.monitor_user
    )
    assert rows == [(True,)]


def test_fixture_exposes_socket_and_postmaster(postgres: PostgresServer) -> None:
    assert postgres.socket_path.is_socket()
    assert (Path("/proc") / str(postgres.postmaster_pid)).exists()
