"""The SQL files of the queries source: every one reachable from the table, every one runs.

Statements SQL is chosen by the installed pg_stat_statements version, so these tests install
the old versions the server still ships (1.4, 1.8, 1.9) in databases of their own and run
the file chosen for each. PostgreSQL 17's 1.11 cannot be installed on this server: a
stand-in function with 1.11's column names (over the real 1.10 data) takes its place, and
the test says so.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg import sql
from psycopg.rows import dict_row

from debugtui.config import Config, PostgresConfig
from debugtui.sources.pgsql import (
    MARKER,
    SQL_VARIANTS,
    load,
    parse_version,
    server_version,
    sql_files,
    variant_for,
)
from debugtui.sources.queries import QueriesSource
from tests.fixtures.postgres import PostgresServer

OLD_VERSIONS = {"1.4": "pgss_1_4", "1.8": "pgss_1_8", "1.9": "pgss_1_9"}
STATEMENT_COLUMNS = {
    "userid",
    "dbid",
    "queryid",
    "toplevel",
    "calls",
    "total_ms",
    "mean_ms",
    "plan_ms",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "temp_blks",
    "io_ms",
    "stats_since",
}


@pytest.fixture(scope="module")
def old_extensions(postgres: PostgresServer) -> Iterator[dict[str, str]]:
    """Databases with pg_stat_statements installed at older versions: version -> DSN."""
    dsns = {
        version: postgres.create_database(db, extension_version=version)
        for version, db in OLD_VERSIONS.items()
    }
    yield dsns
    for db in OLD_VERSIONS.values():
        postgres.drop_database(db)


def _run(dsn: str, file: str, schema: str = "public", **args: Any) -> list[dict[str, Any]]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql.SQL(load(file)).format(schema=sql.Identifier(schema)), args or None)
        return cur.fetchall() if cur.description else []


def test_importing_the_source_does_not_load_psycopg() -> None:
    code = "import sys, debugtui.sources.queries; print('psycopg' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_every_sql_file_is_reachable_from_the_table() -> None:
    assert set(sql_files()) == {v.file for v in SQL_VARIANTS}


def test_every_sql_file_is_marked_and_not_empty() -> None:
    for file in sql_files():
        text = load(file)
        assert text.startswith(MARKER)
        assert "SELECT" in text.removeprefix(MARKER)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.4", "statements_ext1.4.sql"),
        ("1.7", "statements_ext1.4.sql"),
        ("1.8", "statements_ext1.8.sql"),
        ("1.9", "statements_ext1.9.sql"),
        ("1.10", "statements_ext1.9.sql"),
        ("1.11", "statements_ext1.11.sql"),
        ("1.12", "statements_ext1.11.sql"),
    ],
)
def test_statements_sql_is_chosen_by_extension_version(version: str, expected: str) -> None:
    variant = variant_for("statements", parse_version(version))
    assert variant is not None
    assert variant.file == expected


def test_extension_older_than_supported_has_no_statements_sql() -> None:
    assert variant_for("statements", parse_version("1.3")) is None


def test_view_columns_overrule_a_version_that_does_not_match_them() -> None:
    # a 1.11 version string over a view that still has 1.10's columns
    columns = {"toplevel", "total_exec_time", "mean_exec_time", "total_plan_time"}
    columns |= {"blk_read_time", "blk_write_time"}
    variant = variant_for("statements", (1, 11), columns)
    assert variant is not None
    assert variant.file == "statements_ext1.9.sql"


def test_versions_parse_like_postgres_writes_them() -> None:
    assert parse_version("1.10") == (1, 10)
    assert parse_version("17beta1") == (17,)
    assert server_version(150018) == (15,)
    assert server_version(90624) == (9, 6)


@pytest.mark.parametrize("version", sorted(OLD_VERSIONS))
def test_statements_sql_runs_against_that_extension_version(
    old_extensions: dict[str, str], version: str
) -> None:
    variant = variant_for("statements", parse_version(version))
    assert variant is not None
    rows = _run(old_extensions[version], variant.file)
    assert rows, "the workload's statements should be visible from any database"
    assert set(rows[0]) == STATEMENT_COLUMNS
    texts = _run(
        old_extensions[version],
        "statement_texts_ext1.4.sql",
        ids=[rows[0]["queryid"]],
        own="/* debugtui */%",
    )
    assert rows[0]["queryid"] in {t["queryid"] for t in texts}


def test_current_extension_runs_its_statements_info_and_texts(postgres: PostgresServer) -> None:
    ext = _run(postgres.dsn, "extension_pg10.sql")[0]
    variant = variant_for("statements", parse_version(ext["extversion"]), ext["view_columns"])
    assert variant is not None
    rows = _run(postgres.dsn, variant.file, ext["nspname"])
    assert set(rows[0]) == STATEMENT_COLUMNS
    info = _run(postgres.dsn, "statements_info_ext1.9.sql", ext["nspname"])
    assert set(info[0]) == {"dealloc", "stats_reset"}


def test_statements_1_11_sql_runs_against_a_stand_in_view(postgres: PostgresServer) -> None:
    """Stand-in: this server cannot install 1.11 (PostgreSQL 17), so a function with 1.11's
    column names over the real 1.10 function plays it; only the column names are under test."""
    postgres.psql(
        """
        CREATE SCHEMA IF NOT EXISTS pgss_1_11_stand_in;
        CREATE OR REPLACE FUNCTION pgss_1_11_stand_in.pg_stat_statements(
            showtext boolean,
            OUT userid oid, OUT dbid oid, OUT toplevel bool, OUT queryid bigint,
            OUT query text, OUT calls int8, OUT total_exec_time float8,
            OUT mean_exec_time float8, OUT total_plan_time float8, OUT rows int8,
            OUT shared_blks_hit int8, OUT shared_blks_read int8, OUT temp_blks_read int8,
            OUT temp_blks_written int8, OUT shared_blk_read_time float8,
            OUT shared_blk_write_time float8, OUT local_blk_read_time float8,
            OUT local_blk_write_time float8, OUT stats_since timestamptz)
        RETURNS SETOF record LANGUAGE sql AS $$
            SELECT userid, dbid, toplevel, queryid, query, calls, total_exec_time,
                   mean_exec_time, total_plan_time, rows, shared_blks_hit, shared_blks_read,
                   temp_blks_read, temp_blks_written, blk_read_time, blk_write_time,
                   0::float8, 0::float8, now()
            FROM public.pg_stat_statements(showtext)
        $$;
        """
    )
    try:
        rows = _run(postgres.dsn, "statements_ext1.11.sql", "pgss_1_11_stand_in")
        assert set(rows[0]) == STATEMENT_COLUMNS
        assert all(r["stats_since"] is not None for r in rows)
    finally:
        postgres.psql("DROP SCHEMA pgss_1_11_stand_in CASCADE")


@pytest.mark.parametrize(
    "file", ["activity_pg10.sql", "activity_pg14.sql", "blocking_pg10.sql", "health_pg10.sql"]
)
def test_server_sql_runs_on_this_server(postgres: PostgresServer, file: str) -> None:
    variant = next(v for v in SQL_VARIANTS if v.file == file)
    with postgres.connect() as conn:
        assert variant.since <= server_version(conn.info.server_version)
    _run(postgres.dsn, file)


@pytest.mark.parametrize("version", sorted(OLD_VERSIONS))
def test_source_reads_statements_through_an_old_extension_version(
    old_extensions: dict[str, str], version: str
) -> None:
    source = QueriesSource(Config(postgres=PostgresConfig(dsn=old_extensions[version])))
    try:
        snap = source.collect({"top": 3})
    finally:
        source.close()
    assert snap.ok, snap.error
    stats = snap.data.statements
    assert stats.extension_version == version
    assert stats.sql_file == variant_for("statements", parse_version(version)).file
    assert "debugtui_slow_report" in stats.statements[0].query
