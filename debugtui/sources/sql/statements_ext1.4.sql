-- pg_stat_statements 1.4 to 1.7 (PostgreSQL 9.6 to 12): total_time, no planning columns, no
-- toplevel flag (every row counts as top level). Numbers only: texts are fetched for new ids.
SELECT s.userid,
       s.dbid,
       s.queryid,
       true AS toplevel,
       s.calls,
       s.total_time AS total_ms,
       s.mean_time AS mean_ms,
       NULL::float8 AS plan_ms,
       s.rows,
       s.shared_blks_hit,
       s.shared_blks_read,
       s.temp_blks_read + s.temp_blks_written AS temp_blks,
       s.blk_read_time + s.blk_write_time AS io_ms,
       NULL::timestamptz AS stats_since
FROM {schema}.pg_stat_statements(false) AS s
