-- Evaluators' decisions on the findings of a release's scan: confirmed, or
-- dismissed with a reason. Rows are only ever added; the newest decision on
-- a finding (by its fingerprint) is in force, and a dismissal in force
-- suppresses the finding in the next evaluation.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.
CREATE TABLE finding_triage (
    release_id  TEXT NOT NULL REFERENCES releases (id),
    fingerprint TEXT NOT NULL,
    decided_at  BIGINT NOT NULL, -- Unix nanoseconds, UTC; unique per finding
    rule_id     TEXT NOT NULL,
    path        TEXT NOT NULL,
    line        BIGINT NOT NULL,
    dismissed   INTEGER NOT NULL CHECK (dismissed IN (0, 1)),
    reason      TEXT NOT NULL,
    evaluator   TEXT NOT NULL,
    PRIMARY KEY (release_id, fingerprint, decided_at)
);
