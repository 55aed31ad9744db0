"""The Queries panel against the real PostgreSQL fixture (pg_stat_statements preloaded, a
pgbench workload and a deliberately slow function already run), driven through Pilot."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import psycopg
import pytest
from fault_support import screen_text
from panel_support import (
    LITERAL,
    LITERAL_SHOWN,
    cells,
    column,
    detail_static,
    error_text,
    evidence_entries,
    markdown_of,
    open_panel,
    quiet_logs,
    refresh,
    rendered_text,
    shown_rows,
    status,
    table_header,
    warnings_text,
)
from test_tui_support import settle
from textual.pilot import Pilot

from debugtui.config import Config, PostgresConfig
from debugtui.notebook.model import Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.queries import RECENT_MEAN, QueriesPanel
from debugtui.tui.panels.system import SystemPanel
from tests.fixtures.postgres import SLOW_FUNCTION, PostgresServer


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout is slow", Severity.SEV2)


def app_for(
    store: NotebookStore, inv: Investigation, tmp_path: Path, dsn: str, top: int = 50
) -> DebugApp:
    config = Config(postgres=PostgresConfig(dsn=dsn, top=top), logs=quiet_logs(tmp_path))
    return make_app(store, open_id=inv.id, config=config)


def query_column(panel: QueriesPanel) -> list[str]:
    return column(panel, "query")


def as_numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values]


async def view(pilot: Pilot[None], panel: QueriesPanel, name: str) -> None:
    """Press ``t`` until the panel shows the view ``name``."""
    for _ in panel.views:
        if panel.view_name == name:
            return
        await pilot.press("t")
        await settle(pilot)
    raise AssertionError(f"no view {name}")


async def test_statements_show_the_slow_query_on_top_by_total_time(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        assert error_text(panel) == ""
        assert SLOW_FUNCTION in query_column(panel)[0]
        totals = as_numbers(column(panel, "total ms"))
        assert totals == sorted(totals, reverse=True)
        assert "by total" in status(panel)
        assert "auto 5s" in status(panel) or "paused" in status(panel)


async def test_o_chooses_the_top_by_mean_calls_and_io_in_turn(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        by_total = query_column(panel)

        await pilot.press("o")
        await settle(pilot)
        assert panel.snapshot is not None and panel.snapshot.params["sort"] == "mean"
        assert "by mean" in status(panel)
        means = as_numbers(column(panel, "mean ms"))
        assert means == sorted(means, reverse=True)
        assert SLOW_FUNCTION in query_column(panel)[0]

        await pilot.press("o")
        await settle(pilot)
        assert panel.snapshot.params["sort"] == "calls"
        assert "by calls" in status(panel)
        calls = as_numbers(column(panel, "calls"))
        assert calls == sorted(calls, reverse=True)
        assert SLOW_FUNCTION not in query_column(panel)[0]
        assert query_column(panel) != by_total

        await pilot.press("o")
        await settle(pilot)
        assert panel.snapshot.params["sort"] == "io"
        assert "by io" in status(panel)
        reads = as_numbers(column(panel, "shr read"))
        assert reads == sorted(reads, reverse=True)

        await pilot.press("o")
        await settle(pilot)
        assert panel.snapshot.params["sort"] == "total"


async def test_o_during_a_collect_asks_again_with_the_new_sort(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        await pilot.press("r", "o")  # the refresh is still running when o is pressed
        await settle(pilot)
        assert panel.snapshot is not None and panel.snapshot.params["sort"] == "mean"
        assert "by mean" in status(panel)


async def test_refresh_shows_rates_and_recent_mean_since_the_previous_refresh(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn, top=500)
    # pg_stat_statements keys a statement by its parse tree (aliases and constants left out):
    # a table of its own makes this one's entry its own
    postgres.psql("CREATE TABLE IF NOT EXISTS panel_rate_probe (id int)", tracked=False)
    probe = "SELECT count(*) FROM panel_rate_probe"
    postgres.psql(probe)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        assert set(column(panel, "calls/s")) == {"-"}
        assert set(column(panel, RECENT_MEAN)) == {"-"}
        for _ in range(5):
            postgres.psql(probe)
        await refresh(pilot, panel)
        columns = panel.table.source_table.columns
        query = columns.index("query")
        [row] = [r for r in shown_rows(panel) if "panel_rate_probe" in r[query]]
        assert float(row[columns.index("calls/s")]) > 0
        assert float(row[columns.index("ms/s")]) >= 0
        assert float(row[columns.index(RECENT_MEAN)]) >= 0
        # statements not called in between have a rate of zero and no recent mean
        assert "0.00" in column(panel, "calls/s")
        assert "-" in column(panel, RECENT_MEAN)


async def test_enter_shows_the_whole_statement_and_every_number(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        queryid = column(panel, "queryid")[0]
        await pilot.press("enter")
        await pilot.pause()
        text = rendered_text(detail_static(pilot)).plain
        assert f"queryid  {queryid}" in text
        for name in ("calls", "total ms", "mean ms", "rows", "shared blocks read", "% of time"):
            assert name in text
        # The SQL first, then what ranks it: at 80x24 it was below fifteen numbers, off screen
        assert text.startswith(f"query:\n{postgres.slow_query}\n\n")
        assert text.split("\n")[3].strip().startswith("% of time  ")
        assert postgres.slow_query.split()[0] + " " in screen_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen.query(QueriesPanel)


async def test_at_80_columns_the_statements_and_sessions_show_their_query(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    # The query is what a responder reads: the columns before it must leave it room at 80
    # columns, the counters and ids come after it.
    session = postgres.connect(autocommit=False, tracked=False)
    try:
        session.execute("SELECT 1 AS seen_at_eighty_columns")
        app = app_for(store, inv, tmp_path, postgres.dsn)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = await open_panel(pilot, QueriesPanel)
            await pilot.press("z")  # the tabs get the whole screen, as a responder would
            await settle(pilot)
            top = column(panel, "query")[0]
            assert top[:30] in screen_text(pilot)
            await view(pilot, panel, "sessions")
            panel.table.set_filter("seen_at_eighty")
            await settle(pilot)
            assert "SELECT 1 AS seen_at_eighty" in screen_text(pilot)
    finally:
        session.close()


async def test_sessions_and_blocking_chains_are_further_views(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    postgres.psql("CREATE TABLE IF NOT EXISTS panel_lock_probe (id int)", tracked=False)
    holder = postgres.connect(autocommit=False, tracked=False)
    waiter = postgres.connect(tracked=False)
    holder.execute("LOCK TABLE panel_lock_probe IN ACCESS EXCLUSIVE MODE")
    holder_pid = holder.info.backend_pid
    waiter_pid = waiter.info.backend_pid
    waiting = threading.Thread(
        target=waiter.execute, args=("SELECT count(*) FROM panel_lock_probe",), daemon=True
    )
    waiting.start()
    postgres.psql(
        "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted) LOOP "
        "PERFORM pg_sleep(0.05); END LOOP; END $$",
        tracked=False,
    )
    try:
        app = app_for(store, inv, tmp_path, postgres.dsn)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await open_panel(pilot, QueriesPanel)
            await view(pilot, panel, "sessions")
            assert {str(holder_pid), str(waiter_pid)} <= set(column(panel, "pid"))
            await view(pilot, panel, "blocking")
            pairs = zip(column(panel, "blocked pid"), column(panel, "blocking pid"), strict=True)
            assert (str(waiter_pid), str(holder_pid)) in set(pairs)
            await pilot.press("enter")
            await pilot.pause()
            text = rendered_text(detail_static(pilot)).plain
            assert "SELECT count(*) FROM panel_lock_probe" in text
            assert f"blocking pid  {holder_pid}" in text
    finally:
        holder.rollback()
        waiting.join(timeout=30)
        holder.close()
        waiter.close()


async def test_a_statement_running_with_no_entry_yet_is_its_own_view(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    runner = postgres.connect(tracked=False)  # so it never gets an entry
    pid = runner.info.backend_pid
    sql = "SELECT pg_sleep(60) AS panel_unrecorded"

    def run() -> None:
        with contextlib.suppress(psycopg.errors.QueryCanceled):
            runner.execute(sql)

    running = threading.Thread(target=run, daemon=True)
    running.start()
    postgres.psql(
        "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' "
        f"AND pid = {pid} AND query_id IS NOT NULL) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$",
        tracked=False,
    )
    try:
        app = app_for(store, inv, tmp_path, postgres.dsn)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await open_panel(pilot, QueriesPanel)
            await view(pilot, panel, "unrecorded")
            pids = column(panel, "pid")
            panel.table.move_cursor(row=pids.index(str(pid)))
            await pilot.press("enter")
            await pilot.pause()
            text = rendered_text(detail_static(pilot)).plain
            assert f"pid  {pid}" in text
            assert "state  active" in text
            assert text.startswith(f"query:\n{sql}\n\n")
    finally:
        postgres.psql(f"SELECT pg_cancel_backend({pid})", tracked=False)
        running.join(timeout=30)
        runner.close()


async def test_without_pg_stat_statements_the_warning_shows_and_activity_still_works(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    dsn = postgres.create_database("panel_noext")
    idle = postgres.connect(dbname="panel_noext", tracked=False)
    try:
        app = app_for(store, inv, tmp_path, dsn)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await open_panel(pilot, QueriesPanel)
            assert error_text(panel) == ""
            warning = warnings_text(panel)
            assert "pg_stat_statements unavailable: not installed in database panel_noext" in (
                warning
            )
            assert "CREATE EXTENSION pg_stat_statements" in warning
            assert shown_rows(panel) == []
            assert "unavailable" in status(panel)
            await view(pilot, panel, "sessions")
            assert str(idle.info.backend_pid) in column(panel, "pid")
            await view(pilot, panel, "health")
            values = dict(shown_rows(panel))
            assert values["database"] == "panel_noext"
            assert values["pg_stat_statements"].startswith("unavailable: not installed")
    finally:
        idle.close()
        postgres.drop_database("panel_noext")


async def test_a_server_that_is_not_there_shows_error_and_hint_while_the_app_works(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    nowhere = tmp_path / "no-server"
    nowhere.mkdir()
    app = app_for(store, inv, tmp_path, f"host={nowhere} port=5999 dbname=x user=x")
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        error = error_text(panel)
        assert error.startswith("✖ ")
        assert str(nowhere) in error
        assert "\nhint: " in error
        assert shown_rows(panel) == []
        await refresh(pilot, panel)  # still an error, still no crash
        assert error_text(panel).startswith("✖ ")
        system = pilot.app.screen.query_one(SystemPanel)
        assert system.snapshot is not None and system.table.row_count > 0
        assert error_text(system) == ""


async def test_pin_a_statement_and_the_whole_view_into_the_notebook_and_export(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    app = app_for(store, inv, tmp_path, postgres.dsn)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        first = shown_rows(panel)[0]
        columns = panel.table.source_table.columns
        await pilot.press("p")
        await settle(pilot)
        [entry] = evidence_entries(store, inv)
        evidence = entry.evidence
        assert evidence.source == "queries"
        assert evidence.columns == columns
        assert evidence.rows == (first,)
        assert evidence.params["sort"] == "total"

        await pilot.press("P")
        await settle(pilot)
        [whole] = [e.evidence for e in evidence_entries(store, inv) if e.id != entry.id]
        assert whole.rows == tuple(shown_rows(panel))
        assert "whole view" in whole.title

    markdown = markdown_of(store, inv)
    assert table_header(columns) in markdown
    assert f"| {first[0]} | {first[1]} | {first[2]} |" in markdown


async def test_sql_text_with_markup_and_escapes_is_shown_literally(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    # a table of its own, so the statement's entry (and kept text) is this one's
    postgres.psql(f'CREATE TABLE IF NOT EXISTS "{LITERAL}" (id int)', tracked=False)
    postgres.psql(f'SELECT count(*) FROM "{LITERAL}"')
    # top=5000: every tracked statement (pg_stat_statements.max), so the once-run one is
    # listed however busy the shared server is; the filter finds it (not "pwn" alone: other
    # tests' hostile statements hold that too)
    app = app_for(store, inv, tmp_path, postgres.dsn, top=5000)
    async with app.run_test(size=(200, 40)) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        panel.table.set_filter('FROM "[bold]x')
        [row] = shown_rows(panel)
        assert LITERAL_SHOWN in row[panel.table.source_table.columns.index("query")]
        [query_cell] = [c for c in cells(panel) if "pwn" in c.plain]
        assert LITERAL_SHOWN[:30] in query_cell.plain  # the cell is cut, the detail is whole
        assert query_cell.spans == [] and not query_cell.style
        assert "\x1b" not in "".join(c.plain for c in cells(panel))

        await pilot.press("enter")
        await pilot.pause()
        shown = rendered_text(detail_static(pilot))
        assert LITERAL_SHOWN in shown.plain
        assert shown.spans == []
        screenshot = pilot.app.export_screenshot()
        assert "[bold]x" in screenshot and "pwn" in screenshot
        assert "\x1b" not in screenshot and "\x07" not in screenshot
