-- The text of the statements not seen before (the text file is read once per call, so the
-- numbers query asks for none and this one is only run for new query ids), and in the same
-- read the text of every statement of debugtui's own (those beginning with its marker), so
-- that one of them climbing into the top later costs no second read.
SELECT s.queryid, s.query
FROM {schema}.pg_stat_statements(true) AS s
WHERE s.queryid = ANY(%(ids)s)
   OR s.query LIKE %(own)s
