-- pg_stat_statements 1.11 and later (PostgreSQL 17+): blk_read_time became
-- shared_blk_read_time plus local_blk_read_time (same for writes), and each entry has
-- stats_since, which tells an evicted and re-created entry from a long-lived one.
SELECT s.userid,
       s.dbid,
       s.queryid,
       s.toplevel,
       s.calls,
       s.total_exec_time AS total_ms,
       s.mean_exec_time AS mean_ms,
       s.total_plan_time AS plan_ms,
       s.rows,
       s.shared_blks_hit,
       s.shared_blks_read,
       s.temp_blks_read + s.temp_blks_written AS temp_blks,
       s.shared_blk_read_time + s.shared_blk_write_time
           + s.local_blk_read_time + s.local_blk_write_time AS io_ms,
       s.stats_since
FROM {schema}.pg_stat_statements(false) AS s
