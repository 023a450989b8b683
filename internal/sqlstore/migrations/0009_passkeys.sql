-- Passkeys (WebAuthn credentials) the workspace's users sign in with, alone
-- or after their password, and the ceremonies begun and not yet finished:
-- each a challenge the browser must sign, found by the SHA-256 of the
-- secret in the browser's cookie and taken once.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.

CREATE TABLE passkeys (
    id         TEXT NOT NULL PRIMARY KEY, -- the credential ID, base64url
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    credential TEXT NOT NULL, -- the credential record (public key, sign count, flags), JSON
    created    BIGINT NOT NULL,
    last_used  BIGINT
);

CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE passkey_ceremonies (
    hash    TEXT NOT NULL PRIMARY KEY, -- lower-case hex SHA-256 of the secret
    kind    TEXT NOT NULL,             -- register, signin, second-factor
    user_id TEXT,                      -- empty for a sign-in by passkey alone
    data    TEXT NOT NULL,             -- the relying party's session data, JSON
    expires BIGINT NOT NULL
);
