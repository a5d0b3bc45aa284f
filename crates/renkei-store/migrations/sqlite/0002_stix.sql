-- STIX 2.1 objects and TAXII 2.1 collections (SQLite). Never edit once applied.

-- A TAXII collection lives in the API root of one community.
CREATE TABLE taxii_collections (
    id            TEXT    PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    -- Applied to objects that arrive without a TLP marking.
    default_tlp   TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX taxii_collections_community ON taxii_collections (community_id);

-- One row per object version, never updated but for the deletion stamp
-- (TAXII DELETE hides versions; they stay for the audit trail).
CREATE TABLE stix_objects (
    pk             INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id  TEXT    NOT NULL REFERENCES taxii_collections (id),
    -- The collection's community: always part of the object's audience.
    community_id   INTEGER NOT NULL,
    stix_id        TEXT    NOT NULL,
    stix_type      TEXT    NOT NULL,
    spec_version   TEXT    NOT NULL,
    -- modified (or created, or date_added) as sent, and in microseconds.
    version        TEXT    NOT NULL,
    version_us     INTEGER NOT NULL,
    date_added     INTEGER NOT NULL,
    tlp            TEXT    NOT NULL,
    owner_org      INTEGER NOT NULL,
    created_by     INTEGER,
    body           TEXT    NOT NULL,
    deleted_at     INTEGER,
    UNIQUE (collection_id, stix_id, version_us)
);
CREATE INDEX stix_objects_page ON stix_objects (collection_id, date_added, pk);

-- Audience beyond the collection's community (REST shares, imports).
CREATE TABLE stix_audience (
    object_pk     INTEGER NOT NULL REFERENCES stix_objects (pk),
    community_id  INTEGER,
    sector        TEXT,
    org_id        INTEGER,
    user_id       INTEGER
);
CREATE INDEX stix_audience_pk ON stix_audience (object_pk);

-- Asynchronous TAXII adds.
CREATE TABLE taxii_status (
    id             TEXT    PRIMARY KEY,
    collection_id  TEXT    NOT NULL REFERENCES taxii_collections (id),
    org_id         INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    requested_at   INTEGER NOT NULL,
    total_count    INTEGER NOT NULL,
    success_count  INTEGER NOT NULL,
    failure_count  INTEGER NOT NULL,
    pending_count  INTEGER NOT NULL,
    -- JSON: {"successes": [...], "failures": [...]}
    details        TEXT    NOT NULL,
    completed_at   INTEGER
);
