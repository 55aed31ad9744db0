"""Top statements from pg_stat_statements and the rates between snapshots, on a real server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from debugtui.config import Config, PostgresConfig
from debugtui.sources.pgsession import open_session
from debugtui.sources.pgsql import MARKER
from debugtui.sources.pgstats import SORT_KEYS, Statement
from debugtui.sources.queries import QueriesSource
from tests.fixtures.postgres import SLOW_FUNCTION, PostgresServer


def make_source(dsn: str, **postgres: Any) -> QueriesSource:
    return QueriesSource(Config(postgres=PostgresConfig(dsn=dsn, **postgres)))


@pytest.fixture
def source(postgres: PostgresServer) -> Iterator[QueriesSource]:
    src = make_source(postgres.dsn)
    yield src
    src.close()


def _find(statements: tuple[Statement, ...], needle: str) -> Statement:
    return next(s for s in statements if needle in s.query and s.toplevel)


def test_slow_query_is_top_by_total_time(source: QueriesSource) -> None:
    snap = source.collect({"sort": "total", "top": 5})
    assert snap.ok, snap.error
    assert SLOW_FUNCTION in snap.data.statements.statements[0].query


def test_slow_query_is_top_by_mean_time(source: QueriesSource) -> None:
    snap = source.collect({"sort": "mean", "top": 5})
    assert snap.ok, snap.error
    assert SLOW_FUNCTION in snap.data.statements.statements[0].query


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_each_sort_key_orders_statements_descending(source: QueriesSource, sort: str) -> None:
    snap = source.collect({"sort": sort, "top": 10})
    assert snap.ok, snap.error
    values = [getattr(s, SORT_KEYS[sort]) for s in snap.data.statements.statements]
    assert len(values) == 10
    assert values == sorted(values, reverse=True)
    assert snap.data.statements.sort == sort


def test_top_comes_from_config_when_params_leave_it_out(postgres: PostgresServer) -> None:
    src = make_source(postgres.dsn, top=3)
    try:
        snap = src.collect()
    finally:
        src.close()
    assert len(snap.data.statements.statements) == 3


def test_share_of_time_is_of_top_level_total(source: QueriesSource) -> None:
    stats = source.collect({"top": 50}).data.statements
    top_level = sum(s.share_pct for s in stats.statements if s.toplevel)
    assert 0 < stats.statements[0].share_pct <= 100
    assert top_level <= 100.0 + 1e-6


def test_rates_appear_for_the_workload_run_between_snapshots(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    first = source.collect({"top": 50})
    assert first.ok, first.error
    assert first.data.statements.interval is None
    postgres.pgbench("-n", "-c", "1", "-t", "40")
    second = source.collect({"top": 50})
    assert second.ok, second.error
    stats = second.data.statements
    update = _find(stats.statements, "UPDATE pgbench_accounts")
    assert update.delta is not None
    assert update.delta.calls == 40
    assert update.delta.calls_per_s > 0
    slow = _find(stats.statements, SLOW_FUNCTION)
    assert slow.delta is not None and slow.delta.calls == 0
    assert stats.interval is not None
    assert stats.interval.calls_per_s > 0
    assert not stats.interval.reset


def test_reset_between_snapshots_is_detected_and_nothing_goes_negative(
    postgres_factory: Callable[..., PostgresServer],
) -> None:
    server = postgres_factory()
    server.run_workload()
    src = make_source(server.dsn)
    try:
        assert src.collect({"top": 100}).ok
        server.psql("SELECT pg_stat_statements_reset()")
        server.pgbench("-n", "-c", "1", "-t", "20")
        snap = src.collect({"top": 100})
    finally:
        src.close()
    assert snap.ok, snap.error
    stats = snap.data.statements
    assert stats.interval is not None and stats.interval.reset
    assert any("reset" in w for w in snap.warnings)
    for statement in stats.statements:
        assert statement.delta is not None
        assert statement.delta.calls >= 0 and statement.delta.total_ms >= 0
    assert _find(stats.statements, "UPDATE pgbench_accounts").delta.calls == 20
    assert stats.interval.calls_per_s >= 0 and stats.interval.ms_per_s >= 0


def test_snapshots_do_not_reset_pg_stat_statements(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    def slow_calls_and_reset() -> tuple[Any, ...]:
        return postgres.psql(
            "SELECT (SELECT sum(calls) FROM pg_stat_statements "
            f"  WHERE query LIKE '%{SLOW_FUNCTION}%' AND toplevel),"
            " (SELECT stats_reset FROM pg_stat_statements_info)"
        )[0]

    before = slow_calls_and_reset()
    assert source.collect().ok
    assert source.collect().ok
    after = slow_calls_and_reset()
    assert after[0] >= before[0] > 0
    assert after[1] == before[1]


def test_debugtui_session_is_read_only_and_bounded(postgres: PostgresServer) -> None:
    conn = open_session(postgres.dsn, PostgresConfig(statement_timeout_ms=4321))
    try:
        settings = conn.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
            " current_setting('default_transaction_read_only'),"
            " current_setting('application_name')"
        ).fetchone()
        assert settings == ("4321ms", "1s", "on", "debugtui")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE debugtui_must_not_exist (id int)")
    finally:
        conn.close()


def test_own_statements_and_session_are_left_out(source: QueriesSource) -> None:
    source.collect({"top": 1000})
    snap = source.collect({"top": 1000})
    assert snap.ok, snap.error
    assert not any(s.query.startswith(MARKER) for s in snap.data.statements.statements)
    assert not any(s.application == "debugtui" for s in snap.data.sessions)


def test_one_text_read_learns_every_own_statement_so_none_costs_another(
    source: QueriesSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The texts of debugtui's own statements come with the first texts read, so one of
    them climbing into the top later does not read the whole text file again."""
    source.collect({"top": 1})
    source.collect({"top": 1})  # every statement of a refresh has run at least once now
    source._texts.clear()
    source._own.clear()
    source.collect({"top": 1})
    assert len(source._own) >= 6, "health, extension, numbers, info, texts, names..."
    reads: list[object] = []
    real = source._run

    def counting(conn: Any, what: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(what)
        return real(conn, what, *args, **kwargs)

    monkeypatch.setattr(source, "_run", counting)
    snap = source.collect({"top": 1000})
    assert snap.ok, snap.error
    shown = {s.queryid for s in snap.data.statements.statements}
    assert not shown & source._own
    assert reads.count("pg_stat_statements texts") <= 1, "only for the workload's new ids"


def test_statements_name_their_role_and_database_and_a_rename_shows_at_once(
    postgres: PostgresServer,
) -> None:
    # The names are read for the rows shown, not joined into the read of every entry.
    drop = "DROP ROLE IF EXISTS dt_named; DROP ROLE IF EXISTS dt_renamed"
    postgres.psql(f"{drop}; CREATE ROLE dt_named LOGIN", tracked=False)
    oid = postgres.psql("SELECT oid FROM pg_roles WHERE rolname = 'dt_named'")[0][0]
    src = make_source(postgres.monitor_dsn)
    try:
        # cheap, so it does not overtake the slow query other tests expect on top
        postgres.psql("SELECT count(*) FROM pg_catalog.pg_class", user="dt_named")
        first = src.collect({"top": 1000}).data.statements.statements
        postgres.psql("ALTER ROLE dt_named RENAME TO dt_renamed", tracked=False)
        second = src.collect({"top": 1000}).data.statements.statements
    finally:
        src.close()
        postgres.psql(drop, tracked=False)
    assert [(s.user, s.database) for s in first if s.userid == oid] == [
        ("dt_named", postgres.dbname)
    ]
    assert [(s.user, s.database) for s in second if s.userid == oid] == [
        ("dt_renamed", postgres.dbname)
    ]
    assert all(s.user and s.database for s in first + second)


def test_pg_monitor_role_sees_everything(postgres: PostgresServer) -> None:
    src = make_source(postgres.monitor_dsn)
    try:
        snap = src.collect({"top": 5})
    finally:
        src.close()
    assert snap.ok, snap.error
    assert snap.data.statements.hidden == 0
    assert SLOW_FUNCTION in snap.data.statements.statements[0].query
    assert not any("GRANT" in w for w in snap.warnings)


def test_role_without_pg_read_all_stats_is_told_what_to_grant(postgres: PostgresServer) -> None:
    src = make_source(postgres.plain_dsn)
    try:
        snap = src.collect()
    finally:
        src.close()
    assert snap.ok, snap.error
    assert snap.data.statements.hidden > 0
    assert any(f"GRANT pg_read_all_stats TO {postgres.plain_user}" in w for w in snap.warnings)


def test_tables_show_untrusted_sql_on_one_safe_line(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    postgres.psql("SELECT 1 AS tricky_statement /* \x1b]0;pwn\x07 */,\n 2 AS second_line")
    snap = source.collect({"top": 1000})
    statement = next(s for s in snap.data.statements.statements if "tricky_statement" in s.query)
    assert "\x1b" in statement.query  # the record keeps the real text
    table = snap.tables()["statements"]
    query = table.columns.index("query")
    text = next(r[query] for r in table.rows if "tricky_statement" in r[query])
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert "\\x1b" in text


def test_table_query_text_is_cut_to_200_characters(
    source: QueriesSource, postgres: PostgresServer
) -> None:
    columns = ", ".join(f"{i} AS long_statement_column_{i}" for i in range(30))
    postgres.psql(f"SELECT {columns}")
    snap = source.collect({"top": 1000})
    statement = next(s for s in snap.data.statements.statements if "long_statement" in s.query)
    table = snap.tables()["statements"]
    query = table.columns.index("query")
    text = next(r[query] for r in table.rows if "long_statement" in r[query])
    assert len(statement.query) > 200
    assert len(text) == 200
    dumped = snap.to_dict()["data"]["statements"]["statements"]
    assert any(d["query"] == statement.query for d in dumped)


def test_snapshot_is_json_serialisable(source: QueriesSource, postgres: PostgresServer) -> None:
    source.collect()
    postgres.pgbench("-n", "-c", "1", "-t", "5")
    data = json.loads(json.dumps(source.collect().to_dict()))
    assert data["ok"] is True
    assert data["data"]["statements"]["interval"]["seconds"] > 0
    assert set(data["data"]) >= {"statements", "sessions", "activity", "blocking", "health"}


def test_tracking_turned_off_is_said_in_a_warning(postgres: PostgresServer) -> None:
    src = make_source(f"{postgres.dsn} options='-c pg_stat_statements.track=none'")
    try:
        snap = src.collect()
    finally:
        src.close()
    assert snap.ok, snap.error
    assert any("pg_stat_statements.track is none" in w for w in snap.warnings)
