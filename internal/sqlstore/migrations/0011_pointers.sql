-- Named pointers to blobs that every process of a deployment must agree
-- on, kept in the shared database rather than a file of one machine's data
-- directory: the current vulnerability database snapshot, first.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.

CREATE TABLE pointers (
    name    TEXT NOT NULL PRIMARY KEY,
    digest  TEXT NOT NULL,
    updated BIGINT NOT NULL
);
