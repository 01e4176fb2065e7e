-- Evaluations run as cluster jobs (Slurm), version 5. Same dialect rules as V1__store.sql: one script
-- for H2 (MODE=PostgreSQL) and PostgreSQL. docs/scale-out.md explains the protocol; docs/store.md the
-- tables. (V3 and V4 are other features' migrations.)

-- One row per evaluation the coordinator sent to the cluster, keyed by a stable evaluation id
-- (experiment/stage/seed), so that a resumed coordinator finds it again. request is the sandbox's
-- EvaluationRequest as JSON, which the job reads; job_id is the job that runs it now (NULL before the
-- first submission and between a lost job and the next); result is the EvaluationResult as JSON,
-- written once, by the first worker that finishes (later writes change nothing); lost counts jobs
-- that ended without a result, which the retry limit bounds; progress is the worker's last training
-- step as JSON, for the coordinator's display.
CREATE TABLE remote_evaluation (
    id             VARCHAR(200) NOT NULL,
    campaign_id    VARCHAR(100),
    request        TEXT         NOT NULL,
    job_id         VARCHAR(64),
    attempts       INTEGER      NOT NULL,
    lost           INTEGER      NOT NULL,
    progress       TEXT,
    result         TEXT,
    result_job_id  VARCHAR(64),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at    TIMESTAMP WITH TIME ZONE,
    CONSTRAINT remote_evaluation_pk PRIMARY KEY (id)
);
CREATE INDEX remote_evaluation_campaign_idx ON remote_evaluation (campaign_id, job_id);

-- Every job submitted for an evaluation, in order: the history behind retries. state is the job's
-- last known scheduler state (PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, NODE_FAIL, ...),
-- note what archlab learned about its end (the worker's own words when it could not write a result,
-- or the scheduler's reason and exit code), host the node its worker ran on.
CREATE TABLE remote_job (
    evaluation_id  VARCHAR(200) NOT NULL,
    attempt        INTEGER      NOT NULL,
    job_id         VARCHAR(64)  NOT NULL,
    state          VARCHAR(40)  NOT NULL,
    note           TEXT,
    host           VARCHAR(200),
    submitted_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at     TIMESTAMP WITH TIME ZONE,
    ended_at       TIMESTAMP WITH TIME ZONE,
    CONSTRAINT remote_job_pk PRIMARY KEY (evaluation_id, attempt),
    CONSTRAINT remote_job_evaluation_fk FOREIGN KEY (evaluation_id) REFERENCES remote_evaluation (id)
);
CREATE INDEX remote_job_job_idx ON remote_job (job_id);
