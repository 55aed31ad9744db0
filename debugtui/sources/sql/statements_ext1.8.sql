-- pg_stat_statements 1.8 (PostgreSQL 13): execution and planning time split
-- (total_exec_time, total_plan_time); still no toplevel flag.
SELECT s.userid,
       s.dbid,
       s.queryid,
       true AS toplevel,
       s.calls,
       s.total_exec_time AS total_ms,
       s.mean_exec_time AS mean_ms,
       s.total_plan_time AS plan_ms,
       s.rows,
       s.shared_blks_hit,
       s.shared_blks_read,
       s.temp_blks_read + s.temp_blks_written AS temp_blks,
       s.blk_read_time + s.blk_write_time AS io_ms,
       NULL::timestamptz AS stats_since
FROM {schema}.pg_stat_statements(false) AS s
