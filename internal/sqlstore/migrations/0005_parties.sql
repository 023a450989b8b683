-- The parties of the centre: organisations, their users, the users' API
-- tokens, which vendor owns which product, the grants that let evaluators
-- see a product, and the append-only record of administrative actions.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL: TEXT, BIGINT and
-- INTEGER only; timestamps are BIGINT Unix nanoseconds, UTC; a timestamp
-- that has not happened (revoked, last_used) is NULL.

CREATE TABLE orgs (
    id      TEXT NOT NULL PRIMARY KEY, -- lower-case letters, digits, '-'
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('vendor', 'evaluator', 'operator')),
    created BIGINT NOT NULL
);

CREATE TABLE users (
    id      TEXT NOT NULL PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    name    TEXT NOT NULL,
    role    TEXT NOT NULL CHECK (role IN ('admin', 'vendor', 'evaluator', 'auditor')),
    created BIGINT NOT NULL
);

CREATE INDEX users_org ON users (org_id);

-- A token is kept as the SHA-256 of its secret, never the secret: a copy
-- of the database lets no one act as a user.
CREATE TABLE tokens (
    id        TEXT NOT NULL PRIMARY KEY, -- tok_…, the public handle
    user_id   TEXT NOT NULL REFERENCES users (id),
    name      TEXT NOT NULL,
    scopes    TEXT NOT NULL,             -- space-separated, e.g. "read submit"
    hash      TEXT NOT NULL UNIQUE,      -- lower-case hex SHA-256 of the secret
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL,
    revoked   BIGINT,
    last_used BIGINT
);

CREATE INDEX tokens_user ON tokens (user_id);

-- The vendor that owns a product: the first to submit it, or the one an
-- administrator named. A product without a row is the operator's alone.
CREATE TABLE product_owners (
    product   TEXT NOT NULL PRIMARY KEY,
    vendor_id TEXT NOT NULL REFERENCES orgs (id),
    claimed   BIGINT NOT NULL
);

CREATE INDEX product_owners_vendor ON product_owners (vendor_id);

CREATE TABLE grants (
    id           TEXT NOT NULL PRIMARY KEY, -- grant_…
    vendor_id    TEXT NOT NULL REFERENCES orgs (id),
    product      TEXT NOT NULL,
    evaluator_id TEXT NOT NULL REFERENCES orgs (id),
    granted_by   TEXT NOT NULL,             -- the user ID, or "local"
    created      BIGINT NOT NULL,
    expires      BIGINT NOT NULL,
    revoked      BIGINT
);

CREATE INDEX grants_vendor ON grants (vendor_id, evaluator_id);
CREATE INDEX grants_product ON grants (product, evaluator_id);

-- Rows are only ever added, each with the next seq, in the transaction of
-- the change it records.
CREATE TABLE admin_actions (
    seq    BIGINT NOT NULL PRIMARY KEY, -- 1, 2, 3, … without gaps
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
