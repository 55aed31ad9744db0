-- The text of the statements not seen before (the text file is read once per call, so the
-- numbers query asks for none and this one is only run for new query ids).
SELECT s.queryid, s.query
FROM {schema}.pg_stat_statements(true) AS s
WHERE s.queryid = ANY(%(ids)s)
