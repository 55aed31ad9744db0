"""B6: a queries refresh (top 50 of thousands of statements) against ``psql`` running it.

The cluster is the test fixture's (:func:`bench.engines.postgres`), with
``pg_stat_statements.max`` raised so nothing is evicted. The workload is N distinct
normalized statements: one ``IN`` list length per statement over a set of tables (lists of
different lengths normalize to different entries before PostgreSQL 18), each run one to
three times so the top by total time is a real ranking.

The debugtui side is ``QueriesSource.collect()`` repeated on one open session as the
``pg_monitor`` role (what the queries panel does on every refresh: health, statements with
rates, activity, blocking). The reference is the whole ``psql`` process a responder would
type (the real binary, not Debian's wrapper), as the same role over the same unix socket,
running the source's own statements SQL with the query text added, ordered by total time and
limited to the top 50.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from bench.engines import Unavailable, postgres
from bench.harness import Result, alternate, median_s, peak_mb, run_call, run_measured

TARGET = 1.0
TOP = 50
SHAPES = {"tiny": (5, 20), "full": (50, 100)}
"""(tables, IN-list lengths): their product is the number of distinct statements."""
ROWS_PER_TABLE = 2000


def load_workload(server: Any, tables: int, lengths: int) -> int:
    """Create the tables, reset the statistics, run ``tables * lengths`` distinct statements."""
    with server.connect() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for t in range(tables):
            conn.execute(
                f"CREATE TABLE bench_t{t:02d} (id int PRIMARY KEY, v int);"
                f"INSERT INTO bench_t{t:02d} SELECT g, g % 97 FROM generate_series(1, "
                f"{ROWS_PER_TABLE}) AS g"
            )
        conn.execute("SELECT pg_stat_statements_reset()")
        batch: list[str] = []
        for t in range(tables):
            for k in range(1, lengths + 1):
                ids = ", ".join(str(1 + (i * 37) % ROWS_PER_TABLE) for i in range(k))
                statement = f"SELECT count(*), sum(v) FROM bench_t{t:02d} WHERE id IN ({ids})"
                batch.extend([statement] * (1 + (t * k) % 3))
                if len(batch) >= 500:
                    conn.execute(";".join(batch))
                    batch.clear()
        if batch:
            conn.execute(";".join(batch))
    return tables * lengths


def reference_sql(statements_sql: str, schema: str = "public") -> str:
    """The source's statements SQL with what the panel shows added (the text, the role and
    database names), top ``TOP`` by total time."""
    text, found = re.subn(
        r"\nFROM \{schema\}\.pg_stat_statements\(false\) AS s$",
        ",\n       s.query,\n       r.rolname AS username,\n       d.datname AS dbname\n"
        "FROM {schema}.pg_stat_statements(true) AS s\n"
        "LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = s.userid\n"
        "LEFT JOIN pg_catalog.pg_database AS d ON d.oid = s.dbid",
        statements_sql,
    )
    if found != 1:
        raise RuntimeError("the statements SQL no longer has the expected FROM line")
    return text.replace("{schema}", f'"{schema}"') + f"\nORDER BY total_ms DESC\nLIMIT {TOP}"


def psql_binary(server: Any) -> str:
    """The server's own psql binary: on Debian ``psql`` on PATH is a Perl wrapper (pg_wrapper)
    that adds tens of milliseconds before the real one starts; the reference gets no such
    handicap."""
    own = server.bindir / "psql"
    return str(own) if own.exists() else shutil.which("psql") or "psql"


def run(size: str, runs: int) -> list[Result]:
    tables, lengths = SHAPES[size]
    what = f"queries refresh, top {TOP} of {tables * lengths} statements"
    try:
        with postgres(settings={"pg_stat_statements.max": "10000"}) as server:
            return [_bench(server, tables, lengths, runs, what)]
    except Unavailable as exc:
        note = f"no PostgreSQL: {exc}"
        return [Result("B6", what, 0.0, None, "-", False, note=note, extra={"unavailable": 1})]


def _bench(server: Any, tables: int, lengths: int, runs: int, what: str) -> Result:
    from debugtui.config import Config, PostgresConfig
    from debugtui.sources.pgsql import load
    from debugtui.sources.registry import make_source

    distinct = load_workload(server, tables, lengths)
    dsn = server.monitor_dsn
    source = make_source("queries", Config(postgres=PostgresConfig(dsn=dsn, top=TOP)))
    snapshots = []

    def refresh() -> None:
        snapshots.append(source.collect())

    try:
        refresh()
        first = snapshots[-1]
        if not first.ok or not first.data.statements.available:
            problem = first.error or first.data.statements.problem
            return Result("B6", what, 0.0, None, f"<= {TARGET}x", False, note=str(problem))
        sql = reference_sql(load(first.data.statements.sql_file))
        ref_cmd = [psql_binary(server), "-X", "-q", "-A", "-t", "-0", "-d", dsn, "-c", sql]
        mine, theirs = alternate(lambda: run_call(refresh), lambda: run_measured(ref_cmd), runs)
    finally:
        source.close()
    last = snapshots[-1]
    stats = last.data.statements if last.ok else None
    shown = len(stats.statements) if stats else 0
    tracked = stats.entries if stats else 0
    psql_rows = len([row for row in theirs[-1].output.split("\0") if row.strip()])
    ratio = median_s(mine) / median_s(theirs)
    note = (
        f"{tracked} entries tracked ({distinct} generated); top shown: debugtui {shown}, "
        f"psql {psql_rows} rows; RSS is the client side (the bench process / psql)"
    )
    if last.warnings:
        note += f"; warnings: {'; '.join(last.warnings)}"
    return Result(
        key="B6",
        what=what,
        ours_s=median_s(mine),
        ref_s=median_s(theirs),
        target=f"<= {TARGET}x",
        ok=last.ok and shown == psql_rows == TOP and tracked >= distinct and ratio <= TARGET,
        ours_rss_mb=peak_mb(mine),
        ref_rss_mb=peak_mb(theirs),
        note=note,
        extra={"expected": TOP, "ours": shown, "ref": psql_rows, "tracked": tracked},
    )
