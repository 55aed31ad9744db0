-- The role and database names of the statements shown. Joined into the statements query
-- they cost a hash join and two text columns for each of thousands of entries a refresh
-- reads, to name the fifty it shows.
SELECT 'user' AS kind, r.oid, r.rolname::text AS name
FROM pg_catalog.pg_roles AS r
WHERE r.oid = ANY(%(users)s)
UNION ALL
SELECT 'database', d.oid, d.datname::text
FROM pg_catalog.pg_database AS d
WHERE d.oid = ANY(%(databases)s)
