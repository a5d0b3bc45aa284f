-- Account lifecycle (SQLite). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).
--
-- Deactivation uses the `users.active` column of 0001: a deactivated
-- user's sessions and the tokens they created stop resolving.

-- Sessions get an opaque public id, so that a person or an administrator
-- can name one session to end without handling its secret's hash.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
UPDATE sessions SET public_id = lower(hex(randomblob(16))) WHERE public_id IS NULL;
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time password-reset links issued by an administrator: only the
-- SHA-256 of the link's secret is kept; a link ends when used, when
-- a newer one is issued for the user, or when the user is deactivated.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Sign-in throttling (replaces `login_failures`, now unused): one row per
-- (account, client address) and one per client address, each counting
-- attempts not yet followed by a success and the time until which the
-- next attempt waits. Rows are upserted, never appended, and pruned a day
-- after their last attempt, so the tables stay bounded by the addresses
-- that tried in the last day.
CREATE TABLE sign_in_accounts (
    email         TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL,
    PRIMARY KEY (email, source)
);
CREATE INDEX sign_in_accounts_last ON sign_in_accounts (last_at);

CREATE TABLE sign_in_sources (
    source        TEXT    PRIMARY KEY,
    attempts      INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL
);
CREATE INDEX sign_in_sources_last ON sign_in_sources (last_at);
