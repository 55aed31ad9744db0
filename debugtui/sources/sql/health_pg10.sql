-- The current database's counters and the settings that decide how to read them.
-- pg_stat_statements.track is NULL when the library is not loaded (a value may still be only
-- a placeholder set in postgresql.conf without the library preloaded).
SELECT d.datname,
       d.xact_commit,
       d.xact_rollback,
       d.blks_read,
       d.blks_hit,
       d.deadlocks,
       d.temp_files,
       d.temp_bytes,
       d.stats_reset,
       (SELECT pg_catalog.count(*)
        FROM pg_catalog.pg_stat_activity AS a
        WHERE a.backend_type = 'client backend')::int AS connections,
       pg_catalog.current_setting('max_connections')::int AS max_connections,
       pg_catalog.current_setting('superuser_reserved_connections')::int
           AS superuser_reserved_connections,
       COALESCE(pg_catalog.current_setting('reserved_connections', true), '0')::int
           AS reserved_connections,
       pg_catalog.current_setting('track_io_timing') AS track_io_timing,
       pg_catalog.current_setting('pg_stat_statements.track', true) AS pgss_track,
       pg_catalog.current_setting('pg_stat_statements.track_planning', true) AS track_planning,
       pg_catalog.current_setting('server_version') AS server_version
FROM pg_catalog.pg_stat_database AS d
WHERE d.datname = pg_catalog.current_database()
