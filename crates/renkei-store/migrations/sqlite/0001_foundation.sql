-- Foundation schema (SQLite). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name_ja     TEXT    NOT NULL,
    name_en     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    sector      TEXT,
    prefecture  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (name_ja)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id         INTEGER NOT NULL REFERENCES organisations (id),
    email          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE communities (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name_ja        TEXT    NOT NULL UNIQUE,
    name_en        TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    terms_version  TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    created_at    INTEGER NOT NULL,
    ended_at      INTEGER
);
CREATE INDEX memberships_org ON memberships (org_id);
CREATE UNIQUE INDEX memberships_active ON memberships (community_id, org_id) WHERE ended_at IS NULL;

-- Append-only: every acceptance of confidentiality terms is kept.
CREATE TABLE membership_acceptances (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    membership_id  INTEGER NOT NULL REFERENCES memberships (id),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    terms_version  TEXT    NOT NULL,
    accepted_at    INTEGER NOT NULL
);
CREATE INDEX membership_acceptances_m ON membership_acceptances (membership_id);

CREATE TABLE supply_links (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_org    INTEGER NOT NULL REFERENCES organisations (id),
    contractor_org  INTEGER NOT NULL REFERENCES organisations (id),
    tier            INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (customer_org, contractor_org)
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    email   TEXT    NOT NULL,
    source  TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_source ON login_failures (source, at);

CREATE TABLE items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_org       INTEGER NOT NULL REFERENCES organisations (id),
    latest_version  INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);

-- Versions are never updated or deleted; an amendment adds one.
CREATE TABLE item_versions (
    item_id     INTEGER NOT NULL REFERENCES items (id),
    version     INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    tlp         TEXT    NOT NULL,
    pap         TEXT,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- One row per audience member of a version; exactly one column is set.
CREATE TABLE item_audience (
    item_id       INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    community_id  INTEGER,
    sector        TEXT,
    org_id        INTEGER,
    user_id       INTEGER,
    FOREIGN KEY (item_id, version) REFERENCES item_versions (item_id, version)
);
CREATE INDEX item_audience_v ON item_audience (item_id, version);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_user  INTEGER,
    actor_org   INTEGER,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (actor_org, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);

-- The chain's head: one row, locked by every append so appends from any
-- number of processes serialise.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
