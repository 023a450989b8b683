-- The centre as a witness (C2SP tlog-witness) of other centres' logs: for
-- each log it witnesses, the verifier keys its checkpoints must be signed
-- with and the tree it last cosigned. A log is only ever moved forward,
-- and only from the size a request names (compare and set).
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.

CREATE TABLE witnessed_logs (
    origin    TEXT NOT NULL PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    tree_hash TEXT NOT NULL, -- base64 of the root hash; empty at size 0
    updated   BIGINT NOT NULL
);

CREATE TABLE witnessed_log_keys (
    origin TEXT NOT NULL REFERENCES witnessed_logs (origin),
    vkey   TEXT NOT NULL, -- C2SP signed-note verifier key
    PRIMARY KEY (origin, vkey)
);
