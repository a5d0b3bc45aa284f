-- Each sharer's versions of a STIX id are a line of their own; no "no
-- user" sentinel; a secret for derived ids (SQLite). Never edit once
-- applied.
--
-- Two organisations may hold the same STIX id (SCO ids are uuid5 of their
-- values by the specification). Versions were unique per (collection, id,
-- version): a second sharer's version of an id was refused with an answer
-- that told whether someone, readable or not, held that id. Now a version
-- is unique per (collection, id, owner organisation, version, line key):
-- the line key keeps each person's TLP:RED versions apart from everyone
-- else's ('red:' and the person), so adding a version never collides with
-- one the adder may not read; all other versions share the key 'shared'.
-- The leading columns also serve "the newer versions of this line"
-- (`version_clause`, `LATEST_READABLE`, `MARK_OLDER`).
--
-- SQLite cannot drop a table's UNIQUE constraint, so the table is built
-- anew under its own name. stix_audience, indicator_values and sightings
-- keep referring to `stix_objects`; their rows' parents go with the old
-- table and come back, same pk, with the new one, so the violations the
-- DROP counts (deferred until commit) are all resolved by then.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE stix_objects_0007 AS SELECT * FROM stix_objects;
CREATE TEMP TABLE stix_objects_seq AS
    SELECT seq FROM sqlite_sequence WHERE name = 'stix_objects';
DROP TABLE stix_objects;
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
    -- The person who shared it; NULL for an organisation's token.
    created_by     INTEGER,
    body           TEXT    NOT NULL,
    deleted_at     INTEGER,
    has_newer      INTEGER NOT NULL DEFAULT 0
);
-- created_by -1 was written for "no person" (token adds): NULL now.
INSERT INTO stix_objects (
    pk, collection_id, community_id, stix_id, stix_type, spec_version, version, version_us,
    date_added, tlp, owner_org, created_by, body, deleted_at, has_newer
)
SELECT pk, collection_id, community_id, stix_id, stix_type, spec_version, version, version_us,
       date_added, tlp, owner_org, NULLIF(created_by, -1), body, deleted_at, has_newer
FROM stix_objects_0007
ORDER BY pk;
-- AUTOINCREMENT never hands out a pk it handed out before.
UPDATE sqlite_sequence
SET seq = MAX(seq, (SELECT seq FROM stix_objects_seq))
WHERE name = 'stix_objects';
DROP TABLE stix_objects_0007;
DROP TABLE stix_objects_seq;

CREATE UNIQUE INDEX stix_objects_line ON stix_objects (
    collection_id, stix_id, owner_org, version_us,
    (CASE WHEN tlp = 'RED' THEN 'red:' || CAST(created_by AS TEXT) ELSE 'shared' END)
);
-- The indexes of migrations 0002, 0003 and 0006, on the new table.
CREATE INDEX stix_objects_page ON stix_objects (collection_id, date_added, pk);
CREATE INDEX stix_objects_added ON stix_objects (date_added, pk);
CREATE INDEX stix_objects_type ON stix_objects (stix_type, date_added, pk)
    WHERE stix_type <> 'indicator';
CREATE INDEX stix_objects_collection_type ON stix_objects (collection_id, stix_type, date_added, pk)
    WHERE stix_type <> 'indicator';

-- Audience rows naming nobody (ids were not checked before): they granted
-- nothing yet, but would have granted access to whoever later received
-- the id. The collection's community is always in an object's audience,
-- so removing them only narrows it.
DELETE FROM stix_audience
WHERE (user_id IS NOT NULL AND user_id NOT IN (SELECT id FROM users))
   OR (org_id IS NOT NULL AND org_id NOT IN (SELECT id FROM organisations))
   OR (community_id IS NOT NULL AND community_id NOT IN (SELECT id FROM communities));

-- Heads are keyed by sharer now (`head_key`); they are taken afresh.
DELETE FROM stix_heads;

-- Secrets the servers of one database share, created on first use
-- (`IntelStore::derived_id_secret`): 32 random bytes as hex.
CREATE TABLE server_secrets (
    name        TEXT    PRIMARY KEY,
    secret      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
