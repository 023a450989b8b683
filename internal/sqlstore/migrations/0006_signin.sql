-- The workspace's sign-in: each user's password, as an argon2id hash in
-- the PHC string format (never the password), and the browser sessions,
-- kept as the SHA-256 of the cookie's secret (never the secret).
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.

CREATE TABLE user_passwords (
    user_id TEXT NOT NULL PRIMARY KEY REFERENCES users (id),
    hash    TEXT NOT NULL, -- $argon2id$v=19$m=…,t=…,p=…$salt$key
    changed BIGINT NOT NULL
);

CREATE TABLE web_sessions (
    hash      TEXT NOT NULL PRIMARY KEY, -- lower-case hex SHA-256 of the secret
    user_id   TEXT NOT NULL REFERENCES users (id),
    csrf      TEXT NOT NULL,
    created   BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    ended     BIGINT
);

CREATE INDEX web_sessions_user ON web_sessions (user_id);
