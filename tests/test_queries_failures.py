"""The queries source when PostgreSQL is down, refuses, hangs or lacks pg_stat_statements.

Every failure is a Snapshot with ``ok=False``, an error and a hint (never a traceback), and
no message ever holds the password. A missing extension is not a failure: activity and
health still come back, with the fix in a warning.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from debugtui.config import Config, PostgresConfig
from debugtui.sources.base import Snapshot
from debugtui.sources.pgsession import scrub
from debugtui.sources.queries import QueriesSource
from tests.fixtures.postgres import PostgresServer, free_port, make_server

SECRET = "Hunter2-Secret-Password"


def collect_once(dsn: str, params: dict[str, Any] | None = None, **postgres: Any) -> Snapshot:
    source = QueriesSource(Config(postgres=PostgresConfig(dsn=dsn, **postgres)))
    try:
        return source.collect(params)
    finally:
        source.close()


def assert_no_secret(snap: Snapshot, secret: str = SECRET) -> None:
    assert secret not in json.dumps(snap.to_dict())
    assert secret not in (snap.hint or "")


@pytest.fixture(scope="module")
def small() -> Iterator[PostgresServer]:
    """A cluster of its own for tests that stop it, lock its catalogs or fill it up."""
    server = make_server(max_connections=6)
    try:
        server.psql("CREATE EXTENSION pg_stat_statements")
        yield server
    finally:
        server.destroy()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_server_stopped_mid_session_fails_then_recovers_after_restart(
    small: PostgresServer,
) -> None:
    source = QueriesSource(Config(postgres=PostgresConfig(dsn=small.dsn)))
    try:
        assert source.collect().ok
        small.stop()
        try:
            down = source.collect()
        finally:
            small.start()
        again = source.collect()
    finally:
        source.close()
        small.ensure_running()
    assert not down.ok
    assert down.error and "not reachable" in down.error
    assert down.hint and "is PostgreSQL running?" in down.hint
    assert again.ok, again.error


def test_restart_between_collects_is_invisible(small: PostgresServer) -> None:
    source = QueriesSource(Config(postgres=PostgresConfig(dsn=small.dsn)))
    try:
        assert source.collect().ok
        small.stop()
        small.start()
        snap = source.collect()
    finally:
        source.close()
        small.ensure_running()
    assert snap.ok, snap.error


def test_refused_connection_says_where_the_dsn_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://someone:{SECRET}@127.0.0.1:{port}/db")
    source = QueriesSource(Config())
    snap = source.collect()
    source.close()
    assert not snap.ok
    assert snap.error and "not reachable" in snap.error
    assert snap.hint and "DATABASE_URL" in snap.hint and "check host/port" in snap.hint
    assert_no_secret(snap)


def test_wrong_password_is_rejected_without_showing_it(postgres: PostgresServer) -> None:
    dsn = postgres.dsn_for(user=postgres.password_user, host="127.0.0.1", password=SECRET)
    snap = collect_once(dsn)
    assert not snap.ok
    assert snap.error and "rejected the login" in snap.error
    assert snap.hint and "password" in snap.hint
    assert_no_secret(snap)


def test_right_password_over_tcp_works(postgres: PostgresServer) -> None:
    dsn = postgres.dsn_for(
        user=postgres.password_user, host="127.0.0.1", password=postgres.password
    )
    snap = collect_once(dsn)
    assert snap.ok, snap.error
    assert_no_secret(snap, postgres.password)


def test_unknown_role_is_named_in_the_error(postgres: PostgresServer) -> None:
    snap = collect_once(postgres.dsn_for(user="nobody_here", password=SECRET))
    assert not snap.ok
    assert snap.error and "role does not exist" in snap.error
    assert_no_secret(snap)


def test_missing_database_is_named_in_the_error(postgres: PostgresServer) -> None:
    snap = collect_once(postgres.dsn_for(dbname="no_such_database"))
    assert not snap.ok
    assert snap.error and "no_such_database" in snap.error
    assert snap.hint and "dbname" in snap.hint


def test_dsn_comes_from_libpq_environment(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGHOST", str(postgres.socket_dir))
    monkeypatch.setenv("PGPORT", str(postgres.port))
    monkeypatch.setenv("PGUSER", postgres.superuser)
    monkeypatch.setenv("PGDATABASE", postgres.dbname)
    snap = collect_once("")
    assert snap.ok, snap.error
    assert snap.data.health.database == postgres.dbname


def test_not_installed_extension_is_a_warning_and_the_rest_still_comes(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.create_database("without_pgss")
    try:
        snap = collect_once(dsn)
    finally:
        postgres.drop_database("without_pgss")
    assert snap.ok, snap.error
    stats = snap.data.statements
    assert not stats.available and stats.statements == ()
    assert stats.hint == "run: CREATE EXTENSION pg_stat_statements; in database without_pgss"
    assert any("CREATE EXTENSION pg_stat_statements" in w for w in snap.warnings)
    assert snap.data.health.database == "without_pgss"
    assert "unavailable" in snap.tables()["statements"].title


def test_installed_but_not_preloaded_says_to_preload(postgres_unpreloaded: PostgresServer) -> None:
    snap = collect_once(postgres_unpreloaded.dsn_for(dbname="withext"))
    assert snap.ok, snap.error
    stats = snap.data.statements
    assert not stats.available
    assert stats.problem == "installed but not preloaded"
    assert stats.hint and "shared_preload_libraries" in stats.hint
    assert "CREATE EXTENSION" not in stats.hint
    assert snap.data.health.track_planning is None


def test_not_preloaded_is_found_even_with_a_placeholder_setting(
    postgres_unpreloaded: PostgresServer,
) -> None:
    # pg_stat_statements.track set without the library loaded is only a placeholder:
    # the server's own refusal is what tells
    dsn = postgres_unpreloaded.dsn_for(dbname="withext")
    snap = collect_once(f"{dsn} options='-c pg_stat_statements.track=all'")
    assert snap.ok, snap.error
    assert snap.data.statements.problem == "installed but not preloaded"


def test_neither_installed_nor_preloaded_gives_both_steps(
    postgres_unpreloaded: PostgresServer,
) -> None:
    snap = collect_once(postgres_unpreloaded.dsn)
    assert snap.ok, snap.error
    hint = snap.data.statements.hint or ""
    assert "shared_preload_libraries" in hint and "CREATE EXTENSION" in hint


@pytest.mark.timeout(60)
def test_statement_timeout_is_an_error_with_a_hint(small: PostgresServer) -> None:
    source = QueriesSource(
        Config(postgres=PostgresConfig(dsn=small.dsn, statement_timeout_ms=300, lock_timeout_ms=0))
    )
    locker = small.connect(autocommit=False)
    try:
        assert source.collect().ok
        locker.execute("LOCK TABLE pg_catalog.pg_extension IN ACCESS EXCLUSIVE MODE")
        snap = source.collect()
        locker.rollback()
        after = source.collect()
    finally:
        locker.close()
        source.close()
    assert not snap.ok
    assert snap.error and "statement_timeout (300 ms)" in snap.error
    assert snap.hint and "statement_timeout_ms" in snap.hint
    assert after.ok, after.error


@pytest.mark.timeout(60)
def test_lock_timeout_is_an_error_with_a_hint(small: PostgresServer) -> None:
    source = QueriesSource(Config(postgres=PostgresConfig(dsn=small.dsn, lock_timeout_ms=200)))
    locker = small.connect(autocommit=False)
    try:
        locker.execute("LOCK TABLE pg_catalog.pg_extension IN ACCESS EXCLUSIVE MODE")
        snap = source.collect()
    finally:
        locker.close()
        source.close()
    assert not snap.ok
    assert snap.error and "lock_timeout (200 ms)" in snap.error


def test_exhausted_max_connections_is_named(small: PostgresServer) -> None:
    held: list[Any] = []
    try:
        while True:
            try:
                held.append(small.connect())
            except psycopg.OperationalError:
                break
            assert len(held) <= small.max_connections, "the server never refused"
        snap = collect_once(small.dsn)
    finally:
        for conn in held:
            conn.close()
    assert not snap.ok
    assert snap.error and "max_connections is exhausted" in snap.error
    assert snap.hint and "idle-in-transaction" in snap.hint


@pytest.mark.timeout(60)
def test_server_that_never_answers_times_out(silent_server: int) -> None:
    dsn = f"host=127.0.0.1 port={silent_server} dbname=x user=y password={SECRET}"
    snap = collect_once(dsn, connect_timeout_s=2)
    assert not snap.ok
    assert snap.error and "did not answer within connect_timeout (2s)" in snap.error
    assert snap.hint and "check host/port" in snap.hint
    assert_no_secret(snap)


def test_invalid_dsn_is_an_error_not_a_crash() -> None:
    snap = collect_once(f"host=localhost password={SECRET} port")
    assert not snap.ok
    assert snap.error and "invalid PostgreSQL DSN" in snap.error
    assert_no_secret(snap)


@pytest.mark.parametrize(
    ("params", "needle"),
    [({"sort": "bogus"}, "unknown sort key"), ({"top": 0}, "invalid top")],
)
def test_bad_params_are_errors_with_the_valid_choices(
    postgres: PostgresServer, params: dict[str, Any], needle: str
) -> None:
    snap = collect_once(postgres.dsn, params)
    assert not snap.ok
    assert snap.error and needle in snap.error
    assert snap.hint


@pytest.mark.parametrize(
    "message",
    [
        f"failed for host=x password={SECRET} dbname=y",
        f"failed for host=x password='{SECRET}' dbname=y",
        f"failed for postgresql://user:{SECRET}@host/db",
        f"server said {SECRET} somewhere",
    ],
)
def test_scrub_removes_the_password_in_every_form(message: str) -> None:
    assert SECRET not in scrub(message, f"host=x password={SECRET}", env={})


def test_scrub_removes_pgpassword_from_the_environment() -> None:
    assert SECRET not in scrub(f"oops {SECRET}", "host=x", env={"PGPASSWORD": SECRET})


def test_revoked_function_is_a_warning_with_the_grant_to_ask_for(
    postgres: PostgresServer,
) -> None:
    postgres.create_database("pgss_revoked", extension_version="1.10")
    try:
        postgres.psql(
            "REVOKE EXECUTE ON FUNCTION pg_stat_statements(boolean) FROM PUBLIC",
            dbname="pgss_revoked",
            tracked=False,
        )
        snap = collect_once(postgres.dsn_for(user=postgres.plain_user, dbname="pgss_revoked"))
    finally:
        postgres.drop_database("pgss_revoked")
    assert snap.ok, snap.error
    stats = snap.data.statements
    assert not stats.available
    assert stats.problem and "permission denied" in stats.problem
    assert (
        stats.hint
        and f"GRANT EXECUTE ON FUNCTION public.pg_stat_statements(boolean) TO {postgres.plain_user}"
        in stats.hint
    )
    assert snap.data.health.database == "pgss_revoked"
