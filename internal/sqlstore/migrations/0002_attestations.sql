-- The subject index of the transparency log: which attestations the log
-- holds, what each is about, and how far into the log the index has read.
-- The log is the source of truth; these tables can be rebuilt by reading it
-- from the start.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.

-- One row per envelope. An envelope the log holds twice (as it may after a
-- crash between appending and indexing) keeps the index it was first
-- recorded at.
CREATE TABLE attestations (
    envelope_digest TEXT NOT NULL PRIMARY KEY, -- sha256:… of the DSSE envelope as stored
    log_index       BIGINT NOT NULL,           -- its entry in the transparency log
    predicate_type  TEXT NOT NULL,
    key_id          TEXT NOT NULL,             -- hex SHA-256 of the signing key's DER public key
    logged_at       BIGINT NOT NULL            -- Unix nanoseconds, UTC, as releases.submitted_at
);

-- One row per artefact an attestation is about. The primary key finds the
-- attestations about a subject; the index finds, without reading the table,
-- the subjects of an attestation.
CREATE TABLE attestation_subjects (
    subject_digest  TEXT NOT NULL,
    envelope_digest TEXT NOT NULL REFERENCES attestations (envelope_digest),
    PRIMARY KEY (subject_digest, envelope_digest)
);

CREATE INDEX attestation_subjects_envelope ON attestation_subjects (envelope_digest, subject_digest);

-- The index of the first log entry not yet recorded: one row at most, which
-- only ever moves forward.
CREATE TABLE log_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    next_index BIGINT NOT NULL
);
