-- Evidence produced about a release after it was submitted: the SARIF of a
-- scan, and later other reports. The blobs live in the evidence store; this
-- table says which of them are about which release, and of what kind.
-- Rows are only ever added: a new scan adds a report, it does not replace
-- the old one, which stays part of the record.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.
CREATE TABLE release_evidence (
    release_id TEXT NOT NULL REFERENCES releases (id),
    kind       TEXT NOT NULL,   -- e.g. "scan/sarif"
    digest     TEXT NOT NULL,   -- sha256:… of the blob in the evidence store
    created_at BIGINT NOT NULL, -- Unix nanoseconds, UTC, as releases.submitted_at
    PRIMARY KEY (release_id, kind, digest)
);
