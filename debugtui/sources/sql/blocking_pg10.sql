-- Who blocks whom. pg_blocking_pids() is expensive, so the OFFSET 0 fence keeps it to the
-- sessions actually waiting on a heavyweight lock (it runs under the short statement timeout).
SELECT w.pid,
       w.usename,
       w.query,
       EXTRACT(EPOCH FROM pg_catalog.now() - w.query_start)::float8 AS query_age_s,
       b.pid AS blocker_pid,
       b.usename AS blocker_usename,
       b.state AS blocker_state,
       b.backend_type AS blocker_backend_type,
       EXTRACT(EPOCH FROM pg_catalog.now() - b.xact_start)::float8 AS blocker_xact_age_s,
       b.query AS blocker_query
FROM (
    SELECT a.pid, a.usename, a.query, a.query_start
    FROM pg_catalog.pg_stat_activity AS a
    WHERE a.wait_event_type = 'Lock' AND a.pid <> pg_catalog.pg_backend_pid()
    OFFSET 0
) AS w
CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.pg_blocking_pids(w.pid)) AS blocker(pid)
LEFT JOIN pg_catalog.pg_stat_activity AS b ON b.pid = blocker.pid
ORDER BY w.pid, blocker.pid
