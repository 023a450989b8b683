-- Differential reviews: an evaluator marks the changes to a file between
-- two releases of a product as reviewed. Rows are only ever added.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.
CREATE TABLE review_marks (
    release_id TEXT NOT NULL REFERENCES releases (id), -- the newer release
    base_id    TEXT NOT NULL REFERENCES releases (id), -- the one it is compared with
    path       TEXT NOT NULL,
    marked_at  BIGINT NOT NULL, -- Unix nanoseconds, UTC
    evaluator  TEXT NOT NULL,
    PRIMARY KEY (release_id, base_id, path, marked_at)
);
