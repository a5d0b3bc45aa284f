-- STIX 2.1 objects and TAXII 2.1 collections (PostgreSQL). Never edit once applied.

-- A TAXII collection lives in the API root of one community.
CREATE TABLE taxii_collections (
    id            TEXT    PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES communities (id),
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    -- Applied to objects that arrive without a TLP marking.
    default_tlp   TEXT    NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX taxii_collections_community ON taxii_collections (community_id);

-- One row per object version, never updated but for the deletion stamp
-- (TAXII DELETE hides versions; they stay for the audit trail).
CREATE TABLE stix_objects (
    pk             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id  TEXT    NOT NULL REFERENCES taxii_collections (id),
    -- The collection's community: always part of the object's audience.
    community_id   BIGINT NOT NULL,
    stix_id        TEXT    NOT NULL,
    stix_type      TEXT    NOT NULL,
    spec_version   TEXT    NOT NULL,
    -- modified (or created, or date_added) as sent, and in microseconds.
    version        TEXT    NOT NULL,
    version_us     BIGINT NOT NULL,
    date_added     BIGINT NOT NULL,
    tlp            TEXT    NOT NULL,
    owner_org      BIGINT NOT NULL,
    created_by     BIGINT,
    body           TEXT    NOT NULL,
    deleted_at     BIGINT,
    UNIQUE (collection_id, stix_id, version_us)
);
CREATE INDEX stix_objects_page ON stix_objects (collection_id, date_added, pk);

-- Audience beyond the collection's community (REST shares, imports).
CREATE TABLE stix_audience (
    object_pk     BIGINT NOT NULL REFERENCES stix_objects (pk),
    community_id  BIGINT,
    sector        TEXT,
    org_id        BIGINT,
    user_id       BIGINT
);
CREATE INDEX stix_audience_pk ON stix_audience (object_pk);

-- Asynchronous TAXII adds.
CREATE TABLE taxii_status (
    id             TEXT    PRIMARY KEY,
    collection_id  TEXT    NOT NULL REFERENCES taxii_collections (id),
    org_id         BIGINT NOT NULL,
    status         TEXT    NOT NULL,
    requested_at   BIGINT NOT NULL,
    total_count    BIGINT NOT NULL,
    success_count  BIGINT NOT NULL,
    failure_count  BIGINT NOT NULL,
    pending_count  BIGINT NOT NULL,
    -- JSON: {"successes": [...], "failures": [...]}
    details        TEXT    NOT NULL,
    completed_at   BIGINT
);
