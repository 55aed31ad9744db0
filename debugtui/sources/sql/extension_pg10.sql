-- Is pg_stat_statements installed in this database: its version, schema and the view's columns.
SELECT e.extversion,
       n.nspname,
       ARRAY(
           SELECT a.attname::text
           FROM pg_catalog.pg_attribute AS a
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum
       ) AS view_columns
FROM pg_catalog.pg_extension AS e
JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_class AS c
    ON c.relname = 'pg_stat_statements' AND c.relnamespace = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
