-- Version 8: an experiment may be 'partial': its run was stopped from outside (its wall-clock limit,
-- the campaign's deadline or watchdog) after at least one held-out evaluation, which it keeps. Same
-- dialect rules as V1__store.sql: one script for H2 (MODE=PostgreSQL) and PostgreSQL.
ALTER TABLE experiment DROP CONSTRAINT experiment_status_check;
ALTER TABLE experiment ADD CONSTRAINT experiment_status_check
    CHECK (status IN ('proposed', 'coding', 'queued', 'training', 'done', 'failed', 'partial', 'pruned'));
