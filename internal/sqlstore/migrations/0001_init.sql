-- Releases and the files they consist of.
--
-- This file runs unchanged on SQLite and PostgreSQL, so it uses only types
-- both know: TEXT, BIGINT, INTEGER. Timestamps are BIGINT nanoseconds since
-- the Unix epoch, UTC (sqlstore.go says why).

CREATE TABLE releases (
    id           TEXT NOT NULL PRIMARY KEY, -- sha256:… of the canonical manifest
    product      TEXT NOT NULL,
    version      TEXT NOT NULL,
    manifest     TEXT NOT NULL,             -- the manifest in canonical JSON (RFC 8785); its digest is id
    submitted_at BIGINT NOT NULL,           -- Unix nanoseconds, UTC
    UNIQUE (product, version)               -- a version's content never changes
);

CREATE INDEX releases_submitted_at ON releases (submitted_at);

-- One row per file a release names, so that later stages can find releases
-- by the digest of an artefact (or any other file) without reading manifests.
CREATE TABLE release_files (
    release_id TEXT NOT NULL REFERENCES releases (id),
    role       TEXT NOT NULL, -- source, archive, recipe, artifact, sbom
    path       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    mode       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    PRIMARY KEY (release_id, role, path)
);

CREATE INDEX release_files_digest ON release_files (digest);
