-- Client sessions other than ours (PostgreSQL 10 to 13: no query_id in pg_stat_activity).
SELECT a.pid,
       a.usename,
       a.datname,
       a.application_name,
       host(a.client_addr) AS client,
       a.state,
       a.wait_event_type,
       a.wait_event,
       EXTRACT(EPOCH FROM pg_catalog.now() - a.xact_start)::float8 AS xact_age_s,
       EXTRACT(EPOCH FROM pg_catalog.now() - a.query_start)::float8 AS query_age_s,
       EXTRACT(EPOCH FROM pg_catalog.now() - a.state_change)::float8 AS state_age_s,
       a.query,
       NULL::bigint AS query_id
FROM pg_catalog.pg_stat_activity AS a
WHERE a.backend_type = 'client backend'
  AND a.pid <> pg_catalog.pg_backend_pid()
  AND a.application_name IS DISTINCT FROM 'debugtui'
ORDER BY a.query_start NULLS LAST
