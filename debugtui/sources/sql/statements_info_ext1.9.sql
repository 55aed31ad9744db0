-- pg_stat_statements 1.9+ (PostgreSQL 14+): how many entries were evicted (dealloc) and when
-- everything was last reset, to tell a reset or evictions from a quiet interval.
SELECT i.dealloc, i.stats_reset
FROM {schema}.pg_stat_statements_info AS i
