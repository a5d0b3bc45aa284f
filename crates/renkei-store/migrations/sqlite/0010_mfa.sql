-- Second factors: TOTP (RFC 6238), passkeys (WebAuthn), recovery codes, the
-- organisation's "second factor required" policy, and sign-ins waiting for
-- their second factor. Never edit once applied.

-- Absent row: not required.
CREATE TABLE mfa_org_policy (
    org_id      INTEGER PRIMARY KEY REFERENCES organisations (id),
    required    BOOLEAN NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One TOTP secret per user, sealed with mfa_secret_key when one is set.
-- Unconfirmed (confirmed_at NULL) until one valid code is entered. A code
-- is accepted only for a time step after last_step, so none is used twice.
CREATE TABLE mfa_totp (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    secret        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    last_step     INTEGER NOT NULL
);

-- WebAuthn credentials; `passkey` is webauthn-rs's Passkey as JSON (public
-- key and signature counter). Removal stamps removed_at.
CREATE TABLE mfa_passkeys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    name           TEXT    NOT NULL,
    credential_id  TEXT    NOT NULL UNIQUE,
    user_handle    TEXT    NOT NULL,
    passkey        TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    removed_at     INTEGER
);
CREATE INDEX mfa_passkeys_user ON mfa_passkeys (user_id);

-- Single-use recovery codes, stored as salted SHA-256 hashes (each code
-- carries 80 random bits).
CREATE TABLE mfa_recovery_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    code_hash   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id, code_hash);

-- Wrong codes per user, for throttling.
CREATE TABLE mfa_failures (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    at       INTEGER NOT NULL
);
CREATE INDEX mfa_failures_user ON mfa_failures (user_id, at);

-- A sign-in whose password was right, waiting for its second factor (or,
-- with `enrol`, for the user to enrol one). Bound to the browser by the
-- hash of a cookie's secret; single use (ended_at).
CREATE TABLE mfa_pending (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf_token  TEXT    NOT NULL,
    enrol       BOOLEAN NOT NULL,
    next_path   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    ended_at    INTEGER
);
CREATE INDEX mfa_pending_expires ON mfa_pending (expires_at);

-- A WebAuthn ceremony under way: the challenge state between the page that
-- asks the authenticator and its answer, one per session or pending
-- sign-in (owner_hash), taken once.
CREATE TABLE mfa_ceremonies (
    owner_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX mfa_ceremonies_expires ON mfa_ceremonies (expires_at);
